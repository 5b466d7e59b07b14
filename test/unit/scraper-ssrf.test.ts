// The scraper's SSRF guard (src/tools/builtin/http.ts): every non-public address is refused, whatever
// form the URL gives it in; the socket connects to the address that was checked (one lookup, so DNS
// rebinding cannot swap in loopback); each redirect hop is checked the same way; allowPrivate still works.
import http from 'node:http';
import tls from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { fetchText, nonPublicReason, Resolver } from '../../src/tools/builtin/http';
import { scrape } from '../../src/tools/builtin/web';
import { loadConfig, ToolsConfig } from '../../src/config';
import { ToolError } from '../../src/tools/types';

const PAGE = '<html><head><title>Inside</title></head><body><article><p>internal only</p></article></body></html>';

/** A server that answers `routes` (path → handler) and counts hits per path. */
async function server(host: string, routes: Record<string, (res: http.ServerResponse, url: URL) => void>) {
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const route = routes[url.pathname];
    if (route) route(res, url);
    else res.writeHead(404).end('not found');
  });
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, host, () => r()));
  return {
    port: (srv.address() as AddressInfo).port,
    hits,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => srv.close(r));
    },
  };
}

const redirect = (to: string) => (res: http.ServerResponse) => res.writeHead(302, { Location: to }).end();

/** A resolver from a table; counts its calls per name. */
function table(entries: Record<string, string[] | ((call: number) => string[])>) {
  const calls = new Map<string, number>();
  const resolve: Resolver = async (hostname) => {
    const n = (calls.get(hostname) ?? 0) + 1;
    calls.set(hostname, n);
    const e = entries[hostname];
    if (!e) throw new Error(`ENOTFOUND ${hostname}`);
    const list = typeof e === 'function' ? e(n) : e;
    return list.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, calls };
}

describe('scraper SSRF guard', () => {
  let target: Awaited<ReturnType<typeof server>>; // the "internal" service on loopback
  let front: Awaited<ReturnType<typeof server>>; // a "public" site (127.0.0.2, allowed by a widened policy)
  const strict: ToolsConfig = { ...loadConfig({}).tools, scraper: { allowPrivate: false, maxBytes: 100_000, timeoutMs: 3_000 } };
  const loose: ToolsConfig = { ...strict, scraper: { ...strict.scraper, allowPrivate: true } };
  /** The front site counts as public; everything else is judged for real. */
  const frontIsPublic = (a: string) => (a === '127.0.0.2' ? null : nonPublicReason(a));
  const opts = { timeoutMs: 3_000, maxBytes: 100_000, checkHost: true };

  beforeAll(async () => {
    target = await server('127.0.0.1', { '/secret': (res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE) });
    const t = `http://127.0.0.1:${target.port}`;
    front = await server('127.0.0.2', {
      '/page': (res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body><article>front page</article></body></html>'),
      '/to-loopback': redirect(`${t}/secret`),
      '/to-mapped': redirect(`http://[::ffff:127.0.0.1]:${target.port}/secret`),
      '/to-decimal': redirect(`http://2130706433:${target.port}/secret`),
      '/to-name': redirect(`http://internal.test:${target.port}/secret`),
      '/to-file': redirect('file:///etc/passwd'),
      '/to-page': redirect('/page'),
      '/loop': redirect('/loop'),
    });
  });
  afterAll(async () => {
    await target?.close();
    await front?.close();
  });
  afterEach(() => expect(target.total()).toBe(0));

  describe('nonPublicReason', () => {
    it.each([
      ['127.0.0.1', /^loopback/],
      ['10.1.2.3', /^private/],
      ['169.254.169.254', /^linkLocal/],
      ['100.64.0.1', /^carrierGradeNat/],
      ['0.0.0.0', /^unspecified/],
      ['255.255.255.255', /^broadcast/],
      ['224.0.0.1', /^multicast/],
      ['192.0.2.1', /^reserved/],
      ['::', /^unspecified/],
      ['::1', /^loopback/],
      ['::7f00:1', /^loopback address 127\.0\.0\.1 \(ipv4Compatible/],
      ['::a00:1', /^private address 10\.0\.0\.1 \(ipv4Compatible/],
      ['::808:808', /^ipv4Compatible/],
      ['::ffff:7f00:1', /^loopback address 127\.0\.0\.1 \(ipv4Mapped/],
      ['::ffff:a9fe:a9fe', /^linkLocal address 169\.254\.169\.254 \(ipv4Mapped/],
      ['::ffff:0:7f00:1', /^loopback address 127\.0\.0\.1 \(rfc6145/],
      ['64:ff9b::a00:1', /^private address 10\.0\.0\.1 \(rfc6052/],
      ['64:ff9b:1::1', /^nat64Local/],
      ['2002:7f00:1::1', /^6to4 .*embeds loopback 127\.0\.0\.1/],
      ['2002:808:808::1', /^6to4/],
      ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /^teredo/],
      ['fec0::1', /^siteLocal/],
      ['fe80::1', /^linkLocal/],
      ['fd00::1', /^uniqueLocal/],
      ['ff02::1', /^multicast/],
      ['2001:db8::1', /^reserved/],
      ['100::1', /^discard/],
      ['not-an-ip', /^invalid/],
    ])('%s is refused', (address, reason) => {
      expect(nonPublicReason(address)).toMatch(reason);
    });

    it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:808:808', '64:ff9b::808:808'])('%s is public', (address) => {
      expect(nonPublicReason(address)).toBeNull();
    });
  });

  describe('literal hosts in every spelling are refused before anything is sent', () => {
    it.each([
      ['http://127.0.0.1:PORT/secret', /refusing to fetch 127\.0\.0\.1: loopback address 127\.0\.0\.1$/],
      ['http://[::127.0.0.1]:PORT/secret', /refusing to fetch \[::7f00:1\]: loopback address 127\.0\.0\.1 \(ipv4Compatible ::7f00:1\)/],
      ['http://[::ffff:127.0.0.1]:PORT/secret', /refusing to fetch \[::ffff:7f00:1\]: loopback address 127\.0\.0\.1 \(ipv4Mapped/],
      ['http://[fec0::1]/', /refusing to fetch \[fec0::1\]: siteLocal address fec0::1/],
      ['http://0x7f.1:PORT/secret', /refusing to fetch 127\.0\.0\.1: loopback/],
      ['http://2130706433:PORT/secret', /refusing to fetch 127\.0\.0\.1: loopback/],
      ['http://017700000001:PORT/secret', /refusing to fetch 127\.0\.0\.1: loopback/],
      ['http://0.0.0.0:PORT/secret', /refusing to fetch 0\.0\.0\.0: unspecified/],
      ['http://0:PORT/secret', /refusing to fetch 0\.0\.0\.0: unspecified/],
      ['http://[::]:PORT/secret', /refusing to fetch \[::\]: unspecified/],
      ['http://[::1]:PORT/secret', /refusing to fetch \[::1\]: loopback/],
      ['http://[64:ff9b::7f00:1]:PORT/secret', /loopback address 127\.0\.0\.1 \(rfc6052/],
      ['http://[2002:7f00:1::1]/', /6to4/],
      ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', /teredo/],
      ['http://[ff02::1]/', /multicast/],
      ['http://169.254.169.254/latest/meta-data/', /linkLocal/],
    ])('%s', async (url, message) => {
      const err = await scrape({ url: url.replace('PORT', String(target.port)) }, strict).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ToolError);
      expect((err as Error).message).toMatch(message);
    });

    it('a name that resolves to loopback (localhost) is refused', async () => {
      await expect(scrape({ url: `http://localhost:${target.port}/secret` }, strict)).rejects.toThrow(/refusing to fetch localhost: loopback/);
    });
  });

  describe('the socket connects to the address that was checked', () => {
    it('DNS rebinding: one lookup per connection, so a second answer (loopback) is never used', async () => {
      // Public on the first answer, loopback on any later one: a check-then-connect would reach the target.
      const dns = table({ 'rebind.test': (n) => (n === 1 ? ['1.1.1.1'] : ['127.0.0.1']) });
      await expect(fetchText(`http://rebind.test:${target.port}/secret`, { ...opts, resolve: dns.resolve })).rejects.toThrow();
      expect(dns.calls.get('rebind.test')).toBe(1);
    });

    it('the resolver is the one the socket uses (a name only it knows reaches its address)', async () => {
      const dns = table({ 'front.test': ['127.0.0.2'] });
      const { text } = await fetchText(`http://front.test:${front.port}/page`, { ...opts, resolve: dns.resolve, refusal: frontIsPublic });
      expect(text).toContain('front page');
      expect(dns.calls.get('front.test')).toBe(1);
    });

    it('one non-public address in an answer refuses the name', async () => {
      const dns = table({ 'mixed.test': ['1.1.1.1', '127.0.0.1'] });
      await expect(fetchText(`http://mixed.test:${target.port}/secret`, { ...opts, resolve: dns.resolve })).rejects.toThrow(
        /refusing to fetch mixed\.test: loopback address 127\.0\.0\.1/,
      );
    });

    it('a name that resolves to IPv4-compatible or mapped loopback is refused', async () => {
      const dns = table({ 'v6.test': ['::7f00:1'], 'mapped.test': ['::ffff:127.0.0.1'] });
      await expect(fetchText(`http://v6.test:${target.port}/secret`, { ...opts, resolve: dns.resolve })).rejects.toThrow(/ipv4Compatible/);
      await expect(fetchText(`http://mapped.test:${target.port}/secret`, { ...opts, resolve: dns.resolve })).rejects.toThrow(/ipv4Mapped/);
    });

    it('TLS names the host (SNI), not the address it connects to', async () => {
      const seen: string[] = [];
      const tlsServer = tls.createServer({
        SNICallback: (name, cb) => {
          seen.push(name);
          cb(new Error('no certificate here'), undefined as never);
        },
      });
      tlsServer.on('tlsClientError', () => undefined);
      await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.2', () => r()));
      try {
        const dns = table({ 'secure.test': ['127.0.0.2'] });
        const port = (tlsServer.address() as AddressInfo).port;
        await expect(fetchText(`https://secure.test:${port}/`, { ...opts, resolve: dns.resolve, refusal: frontIsPublic })).rejects.toBeInstanceOf(ToolError);
        expect(seen).toEqual(['secure.test']);
      } finally {
        await new Promise((r) => tlsServer.close(r));
      }
    });
  });

  describe('redirects', () => {
    const dns = table({ 'front.test': ['127.0.0.2'], 'internal.test': ['127.0.0.1'] });
    const go = (path: string) => fetchText(`http://front.test:${front.port}${path}`, { ...opts, resolve: dns.resolve, refusal: frontIsPublic });

    it('a redirect to loopback is refused', async () => {
      await expect(go('/to-loopback')).rejects.toThrow(/refusing to fetch 127\.0\.0\.1: loopback/);
      await expect(go('/to-mapped')).rejects.toThrow(/loopback address 127\.0\.0\.1 \(ipv4Mapped/);
      await expect(go('/to-decimal')).rejects.toThrow(/refusing to fetch 127\.0\.0\.1: loopback/);
    });

    it('a redirect to a name that resolves to loopback is refused', async () => {
      await expect(go('/to-name')).rejects.toThrow(/refusing to fetch internal\.test: loopback address 127\.0\.0\.1/);
    });

    it('a redirect to another scheme is refused', async () => {
      await expect(go('/to-file')).rejects.toThrow(/unsupported URL scheme file:/);
    });

    it('redirects are followed, at most 5', async () => {
      expect((await go('/to-page')).text).toContain('front page');
      front.hits.delete('/loop');
      await expect(go('/loop')).rejects.toThrow(/too many redirects/);
      expect(front.hits.get('/loop')).toBe(6);
    });
  });

  describe('allowPrivate (COCO_SCRAPER_ALLOW_PRIVATE) still reaches local pages', () => {
    afterEach(() => target.hits.clear());

    it('a loopback page, and a redirect to one', async () => {
      expect(await scrape({ url: `http://127.0.0.1:${target.port}/secret` }, loose)).toBe('# Inside\n\ninternal only');
      expect(await scrape({ url: `http://127.0.0.2:${front.port}/to-loopback` }, loose)).toBe('# Inside\n\ninternal only');
      expect(await scrape({ url: `http://localhost:${target.port}/secret` }, loose)).toBe('# Inside\n\ninternal only');
      expect(target.hits.get('/secret')).toBe(3);
    });
  });
});
