// DNS rebinding against the scraper, through the system resolver: the first answer for `localhost` is a
// public address, any later one loopback (as a hostile DNS server with a zero TTL would answer). A scraper
// that checks one answer and lets its HTTP client look the name up again reaches the loopback service; the
// scraper connects to the address it checked, so the name is looked up once and loopback is never reached.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { scrape } from '../../src/tools/builtin/web';
import { loadConfig, ToolsConfig } from '../../src/config';

const answers: string[] = [];
jest.mock('node:dns/promises', () => {
  const actual = jest.requireActual<typeof import('node:dns/promises')>('node:dns/promises');
  return {
    ...actual,
    lookup: jest.fn(async (hostname: string, options?: { all?: boolean }) => {
      if (hostname !== 'localhost') return actual.lookup(hostname, options as never);
      const address = answers.length === 0 ? '1.1.1.1' : '127.0.0.1';
      answers.push(address);
      return options?.all ? [{ address, family: 4 }] : { address, family: 4 };
    }),
  };
});

describe('scraper and DNS rebinding', () => {
  let hits = 0;
  const srv = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body><article>internal only</article></body></html>');
  });
  const cfg: ToolsConfig = { ...loadConfig({}).tools, scraper: { allowPrivate: false, maxBytes: 100_000, timeoutMs: 3_000 } };

  beforeAll(() => new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r())));
  afterAll(() => new Promise((r) => srv.close(r)));

  it('a name checked as public and then answered as loopback never reaches loopback', async () => {
    const port = (srv.address() as AddressInfo).port;
    const result = await scrape({ url: `http://localhost:${port}/admin` }, cfg).then(
      (text) => ({ text }),
      (err: Error) => ({ error: err.message }),
    );
    expect(result).not.toHaveProperty('text');
    expect(hits).toBe(0);
    expect(answers).toEqual(['1.1.1.1']); // one lookup: the one that was checked
  });
});
