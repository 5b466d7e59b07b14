// Outbound HTTP for the web tools: bounded in time and size, a desktop browser user agent, and for
// URLs that come from the model, a refusal of private, loopback and link-local addresses (SSRF).
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { ToolError } from '../types';

export const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/** Only the public internet: everything else (private, loopback, link-local, reserved...) is refused. */
export async function assertPublicHost(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new ToolError(`cannot resolve ${host}`);
  for (const a of addresses) {
    let parsed = ipaddr.parse(a);
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    if (parsed.range() !== 'unicast') throw new ToolError(`refusing to fetch ${url.hostname}: ${parsed.range()} address ${a}`);
  }
}

export async function fetchText(url: string, opts: { timeoutMs: number; maxBytes: number; checkHost?: boolean; signal?: AbortSignal }): Promise<{ text: string; contentType: string }> {
  let current = new URL(url);
  const signal = AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])]);
  // Redirects are followed by hand so every hop is checked.
  for (let hop = 0; hop < 5; hop++) {
    if (!['http:', 'https:'].includes(current.protocol)) throw new ToolError(`unsupported URL scheme ${current.protocol}`);
    if (opts.checkHost) await assertPublicHost(current);
    const res = await fetch(current, { redirect: 'manual', signal, headers: { 'User-Agent': USER_AGENT, Accept: 'text/html,application/json;q=0.9,*/*;q=0.8' } });
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      current = new URL(res.headers.get('location') as string, current);
      continue;
    }
    if (!res.ok) throw new ToolError(`HTTP ${res.status} from ${current.host}`);
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
  throw new ToolError('too many redirects');
}
