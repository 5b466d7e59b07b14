// Wikipedia (MediaWiki API), DuckDuckGo (its HTML results page) and the scraper (a page's readable
// text). Base URLs come from the config, so tests and private mirrors work.
import * as cheerio from 'cheerio';
import type { ToolsConfig } from '../../config';
import { ToolError } from '../types';
import { fetchText } from './http';

const textArg = (args: Record<string, unknown>, name: string) => {
  const v = args[name];
  if (typeof v !== 'string' || !v.trim()) throw new ToolError(`${name} is required`);
  return v.trim();
};

export const wikipediaSpec = {
  name: 'wikipedia',
  description: 'Searches Wikipedia and returns the intro of the best matching articles.',
  parameters: { type: 'object', properties: { query: { type: 'string', description: 'What to look up' } }, required: ['query'] },
};

export async function wikipedia(args: Record<string, unknown>, cfg: ToolsConfig, signal?: AbortSignal): Promise<string> {
  const query = textArg(args, 'query');
  const api = `${cfg.wikipediaUrl.replace(/\/$/, '')}/w/api.php`;
  const params = new URLSearchParams({ action: 'query', format: 'json', generator: 'search', gsrsearch: query, gsrlimit: '3', prop: 'extracts', exintro: '1', explaintext: '1', redirects: '1' });
  const { text } = await fetchText(`${api}?${params}`, { timeoutMs: 10_000, maxBytes: 1_000_000, signal });
  const pages = Object.values((JSON.parse(text) as { query?: { pages?: Record<string, { title: string; extract?: string; index?: number }> } }).query?.pages ?? {});
  if (pages.length === 0) return `No Wikipedia article found for "${query}".`;
  return pages
    .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
    .map((p) => `## ${p.title}\n${(p.extract ?? '').trim()}`)
    .join('\n\n');
}

export const duckduckgoSpec = {
  name: 'duckduckgo',
  description: 'Searches the web with DuckDuckGo and returns result titles, links and snippets.',
  parameters: { type: 'object', properties: { query: { type: 'string', description: 'The search query' } }, required: ['query'] },
};

export async function duckduckgo(args: Record<string, unknown>, cfg: ToolsConfig, signal?: AbortSignal): Promise<string> {
  const query = textArg(args, 'query');
  const { text } = await fetchText(`${cfg.duckduckgoUrl.replace(/\/$/, '')}/html/?q=${encodeURIComponent(query)}`, { timeoutMs: 10_000, maxBytes: 2_000_000, signal });
  const $ = cheerio.load(text);
  const results = $('.result')
    .toArray()
    .slice(0, 50)
    .map((el) => {
      const a = $(el).find('.result__a').first();
      let href = a.attr('href') ?? '';
      // DuckDuckGo wraps links as /l/?uddg=<encoded target>
      const wrapped = /[?&]uddg=([^&]+)/.exec(href);
      if (wrapped) href = decodeURIComponent(wrapped[1] as string);
      return { title: a.text().trim(), url: href, snippet: $(el).find('.result__snippet').text().trim() };
    })
    .filter((r) => r.title);
  if (results.length === 0) return `No results for "${query}".`;
  return results.map((r, i) => `${i + 1}. ${r.title}\n   ${r.url}\n   ${r.snippet}`).join('\n');
}

export const scraperSpec = {
  name: 'scraper',
  description: 'Fetches a web page and returns its readable text.',
  parameters: { type: 'object', properties: { url: { type: 'string', description: 'The http(s) URL of the page' } }, required: ['url'] },
};

export async function scrape(args: Record<string, unknown>, cfg: ToolsConfig, signal?: AbortSignal): Promise<string> {
  const url = textArg(args, 'url');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ToolError(`not a URL: ${url}`);
  }
  const { text, contentType } = await fetchText(parsed.toString(), {
    timeoutMs: cfg.scraper.timeoutMs,
    maxBytes: cfg.scraper.maxBytes,
    checkHost: !cfg.scraper.allowPrivate,
    signal,
  });
  if (!/html|xml/i.test(contentType)) return text.slice(0, cfg.maxResultChars);
  const $ = cheerio.load(text);
  $('script, style, noscript, nav, header, footer, aside, form, iframe, svg').remove();
  const root = $('article').first().length ? $('article').first() : $('main').first().length ? $('main').first() : $('body');
  const title = $('title').first().text().trim();
  const body = root.text().replace(/[ \t]+/g, ' ').replace(/\n\s*\n+/g, '\n\n').trim();
  return `${title ? `# ${title}\n\n` : ''}${body}`;
}
