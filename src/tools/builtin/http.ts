// Outbound HTTP for the web tools: bounded in time and size, a desktop browser user agent, and for
// URLs that come from the model, a refusal of every address that is not on the public internet (SSRF).
//
// The check sits where the socket is made: each connection resolves its host name once (`resolve`),
// refuses the whole answer if any address is not public, and connects to exactly those addresses (a
// later DNS answer — rebinding — is never asked for). TLS still checks the certificate against the
// host name (SNI stays the name). Redirects are followed by hand, each hop through the same check.
import * as dns from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, fetch } from 'undici';
import { ToolError } from '../types';

export const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/** Resolves a host name to every address it has (one call per connection). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

const v6 = (text: string) => ipaddr.IPv6.parse(text);
/** IPv6 ranges ipaddr.js calls 'unicast' that are not the public internet. */
const MORE_V6: Array<[string, ipaddr.IPv6, number]> = [
  ['siteLocal', v6('fec0::'), 10], // RFC 3879: deprecated, but routed inside some sites
  ['ipv4Compatible', v6('::'), 96], // RFC 4291 §2.5.5.1: deprecated; `::127.0.0.1`
  ['nat64Local', v6('64:ff9b:1::'), 48], // RFC 8215: a network's own translator
];
/** IPv6 ranges whose last 32 bits are an IPv4 address the packet ends up at. */
const EMBEDS_V4 = new Set(['ipv4Mapped', 'ipv4Compatible', 'rfc6052', 'rfc6145']);
/** Of those, where a public embedded IPv4 address is fine: a v4 socket, or a DNS64/NAT64 network's answer. */
const PUBLIC_IF_V4_IS = new Set(['ipv4Mapped', 'rfc6052']);

const v4Range = (ip: ipaddr.IPv4) => ip.range();
const embeddedV4 = (ip: ipaddr.IPv6) => {
  const b = ip.toByteArray();
  return new ipaddr.IPv4(b.slice(12, 16));
};

/**
 * Why an address is not on the public internet, or null if it is. Only ipaddr.js 'unicast' passes;
 * IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, SIIT) are judged by it, and the
 * 6to4, Teredo, site-local and the rest of the special ranges are refused outright.
 */
export function nonPublicReason(address: string): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  } catch {
    return `invalid address ${address}`;
  }
  if (ip.kind() === 'ipv4') {
    const range = v4Range(ip as ipaddr.IPv4);
    return range === 'unicast' ? null : `${range} address ${ip.toString()}`;
  }
  const ip6 = ip as ipaddr.IPv6;
  let range: string = ip6.range();
  if (range === 'unicast') range = MORE_V6.find(([, net, bits]) => ip6.match(net, bits))?.[0] ?? 'unicast';
  if (range === 'unicast') return null;
  if (EMBEDS_V4.has(range)) {
    const inner = embeddedV4(ip6);
    const innerRange = v4Range(inner);
    if (innerRange !== 'unicast') return `${innerRange} address ${inner.toString()} (${range} ${ip6.toString()})`;
    if (PUBLIC_IF_V4_IS.has(range)) return null;
  }
  if (range === '6to4') {
    // 2002:AABB:CCDD::/48 carries AA.BB.CC.DD: name it when it is a private one.
    const b = ip6.toByteArray();
    const inner = new ipaddr.IPv4(b.slice(2, 6));
    if (v4Range(inner) !== 'unicast') return `6to4 address ${ip6.toString()} (embeds ${v4Range(inner)} ${inner.toString()})`;
  }
  return `${range} address ${ip6.toString()}`;
}

const refuse = (host: string, reason: string) => new ToolError(`refusing to fetch ${host}: ${reason}`);

/** The `lookup` a socket calls: one resolution, every address checked, those same addresses connected to. */
function checkingLookup(resolve: Resolver, refusal: ((address: string) => string | null) | null) {
  return (hostname: string, options: { family?: number | string; all?: boolean }, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname).then(
      (answer) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
        const addresses = answer.filter((a) => !family || a.family === family);
        if (addresses.length === 0) return callback(new ToolError(`cannot resolve ${hostname}`), '');
        for (const a of addresses) {
          const why = refusal?.(a.address);
          if (why) return callback(refuse(hostname, why), '');
        }
        if (options.all) return callback(null, addresses);
        const first = addresses[0] as LookupAddress;
        return callback(null, first.address, first.family);
      },
      (err: Error) => callback(new ToolError(`cannot resolve ${hostname}: ${err.message}`), ''),
    );
  };
}

/** A dispatcher whose every connection goes through the check (literal IP hosts are checked too). */
function pinnedAgent(resolve: Resolver, refusal: ((address: string) => string | null) | null) {
  const base = buildConnector({ lookup: checkingLookup(resolve, refusal) });
  const connect: buildConnector.connector = (opts, callback) => {
    const host = opts.hostname.replace(/^\[|\]$/g, '');
    const why = isIP(host) ? refusal?.(host) : null;
    if (why) return callback(refuse(opts.hostname, why), null);
    return base(opts, callback);
  };
  return new Agent({ connect });
}

/** The ToolError behind a fetch failure (undici wraps connect errors as `TypeError: fetch failed`). */
function toolErrorIn(err: unknown): ToolError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) if (e instanceof ToolError) return e;
  return undefined;
}

export interface FetchOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Refuse every non-public address (URLs that come from the model). */
  checkHost?: boolean;
  signal?: AbortSignal;
  /** Name resolution, called once per connection (tests replace it). */
  resolve?: Resolver;
  /** With checkHost: why an address is refused, or null (default nonPublicReason; tests widen it). */
  refusal?: (address: string) => string | null;
  /** Redirects followed, each one checked like the first URL (default 5). */
  maxRedirects?: number;
}

export async function fetchText(url: string, opts: FetchOptions): Promise<{ text: string; contentType: string }> {
  let current = new URL(url);
  const signal = AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])]);
  const refusal = opts.checkHost ? (opts.refusal ?? nonPublicReason) : null;
  const agent = pinnedAgent(opts.resolve ?? systemResolver, refusal);
  const maxRedirects = opts.maxRedirects ?? 5;
  try {
    for (let redirects = 0; ; redirects++) {
      if (!['http:', 'https:'].includes(current.protocol)) throw new ToolError(`unsupported URL scheme ${current.protocol}`);
      // A literal address is refused before anything is sent (the connector checks it again).
      const literal = current.hostname.replace(/^\[|\]$/g, '');
      const why = refusal && isIP(literal) ? refusal(literal) : null;
      if (why) throw refuse(current.hostname, why);
      let res: Awaited<ReturnType<typeof fetch>>;
      try {
        res = await fetch(current, { dispatcher: agent, redirect: 'manual', signal, headers: { 'User-Agent': USER_AGENT, Accept: 'text/html,application/json;q=0.9,*/*;q=0.8' } });
      } catch (err) {
        const toolError = toolErrorIn(err);
        if (toolError) throw toolError;
        if (signal.aborted) throw err;
        const cause = (err as { cause?: Error }).cause;
        throw new ToolError(`cannot fetch ${current.host}: ${cause?.message ?? (err as Error).message}`);
      }
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (location) {
        await res.body?.cancel().catch(() => undefined);
        if (redirects >= maxRedirects) throw new ToolError(`too many redirects (more than ${maxRedirects})`);
        try {
          current = new URL(location, current);
        } catch {
          throw new ToolError(`bad redirect from ${current.host}: ${location.slice(0, 200)}`);
        }
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new ToolError(`HTTP ${res.status} from ${current.host}`);
      }
      const reader = res.body?.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > opts.maxBytes) {
          await reader.cancel();
          break; // keep what fits: a page's start is still useful
        }
        chunks.push(value);
      }
      return { text: Buffer.concat(chunks).toString('utf8'), contentType: res.headers.get('content-type') ?? '' };
    }
  } finally {
    void agent.destroy().catch(() => undefined);
  }
}
