// Local stand-ins for the web the builtin tools reach: a MediaWiki API, a DuckDuckGo HTML results page,
// pages to scrape (one slow), and a server that accepts connections and never answers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebFixtures {
  url: string;
  hangUrl: string;
  hits: Map<string, number>;
  close(): Promise<void>;
}

const DDG = `<html><body>
<div class="result"><h2><a class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.test%2Ftemporal">Temporal: durable execution</a></h2>
<a class="result__snippet">Temporal makes code durable.</a></div>
<div class="result"><h2><a class="result__a" href="https://example.test/redis">Redis streams</a></h2><a class="result__snippet">An append-only log.</a></div>
</body></html>`;

export async function startWebFixtures(): Promise<WebFixtures> {
  const hits = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    if (url.pathname === '/w/api.php') {
      const q = url.searchParams.get('gsrsearch') ?? '';
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({ query: { pages: { '1': { title: `Article about ${q}`, index: 1, extract: `${q} is a well-documented topic.` } } } }),
      );
    } else if (url.pathname === '/html/') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(DDG);
    } else if (url.pathname.startsWith('/page')) {
      const delay = Number(url.searchParams.get('delay') ?? 0);
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end(
          `<html><head><title>Page ${url.pathname}</title><script>var secret = 1;</script></head><body><nav>menu</nav><article><h1>Readable</h1><p>The readable text of ${url.pathname}.</p></article><footer>foot</footer></body></html>`,
        );
      }, delay);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  // Accepts TCP connections, answers nothing: a hung MCP server.
  const hang = http.createServer(() => undefined);
  hang.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hangUrl: `http://127.0.0.1:${(hang.address() as AddressInfo).port}/mcp`,
    hits,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => hang.close(r))]);
    },
  };
}
