// The admin UI's Search page and the playground's attachments in headless Debian Chromium, on the real
// stack: documents seeded through the API are found through /query/_search (a worker's BM25 index), shown
// best first with their source, category and score; facets narrow the search (category=, datasource=,
// filter=lang:…) and clearing them widens it again; a user (not only an admin) has the page. In the
// playground, a file of the wrong type is refused before upload, files are uploaded (POST /attachment/_upload),
// their chips reach "completed", one is removed, the message is sent with the other's id, the reply uses
// its text, and the message names it (also when the session is reopened). Last, with the worker stopped, the Search page shows the 503 clearly.
import type { Browser } from 'playwright-core';
import { createRecord, seedUser } from '../helpers/api';
import { ChatEnv, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { launchChromium, PageSet, screenshot, signIn, TestPage } from './browser';

jest.setTimeout(120_000);

let env: ChatEnv;
let browser: Browser;
let base: string;
let pages: PageSet;
let handbooks: string;
let recipes: string;
const ids: Record<string, string> = {};

const post = (path: string, body: unknown) => createRecord(env.api, path, body);

beforeAll(async () => {
  browser = await launchChromium();
  env = await startChatEnv('e2e-search');
  base = env.api.url;
  pages = new PageSet(browser, base);
  handbooks = await post('/datasource/', { name: 'handbooks' });
  recipes = await post('/datasource/', { name: 'recipes' });
  ids.routing = await post(`/datasource/${handbooks}/_doc`, {
    title: 'Zephyr routing handbook',
    summary: 'How zephyr moves packets between servers.',
    content: 'zephyr routes packets between servers',
    category: 'networking',
    lang: 'en',
    url: 'https://example.com/zephyr-routing',
  });
  ids.garden = await post(`/datasource/${handbooks}/_doc`, { title: 'Garden notes', summary: 'Tomatoes and breezes.', content: 'a zephyr breeze cools the tomatoes in the evening while the sun sets slowly', category: 'garden', lang: 'en' });
  ids.soup = await post(`/datasource/${recipes}/_doc`, { title: 'Zephyr soup', summary: 'A light soup.', content: 'zephyr soup with paprika', category: 'kitchen', lang: 'de' });
  ids.other = await post(`/datasource/${handbooks}/_doc`, { title: 'Unrelated', content: 'nothing to see', category: 'networking', lang: 'en' });
}, 90_000);

afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  await env?.close();
});

async function page() {
  const t = await pages.open();
  await signIn(t, base, env.api.token);
  return t;
}

const hitIds = (t: TestPage) => t.page.locator('[data-testid=search-hit]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));

/** Waits until the result list shows exactly these ids (in this order). */
async function waitForHits(t: TestPage, expected: string[]) {
  await t.page.waitForFunction(
    (want) => {
      const doc = (globalThis as any).document;
      const got = [...doc.querySelectorAll('[data-testid=search-hit]')].map((e: any) => e.getAttribute('data-id'));
      return JSON.stringify(got) === JSON.stringify(want);
    },
    expected,
    { timeout: 15_000 },
  ).catch(async () => {
    throw new Error(`expected hits ${JSON.stringify(expected)}, the page shows ${JSON.stringify(await hitIds(t))}`);
  });
}

const bucket = (t: TestPage, facet: string, key: string) => t.page.locator(`[data-testid="facet-${facet}"] [data-testid=facet-bucket][data-key="${key}"]`);

test('Search page: results best first, facets narrow and widen, the address keeps the search', async () => {
  const t = await page();
  const { page: p } = t;
  await p.click('[data-testid=nav] >> text=Search');
  await p.waitForURL((u) => u.hash.startsWith('#/search'));
  // Without words: every enabled document is listed (browse).
  await p.locator('[data-testid=search-stats]').getByText(/^4 results/).waitFor();

  await p.fill('[data-testid=search-input] input', 'zephyr');
  const searched = p.waitForResponse((r) => r.url().includes('/query/_search?query=zephyr') && r.request().method() === 'POST');
  await p.press('[data-testid=search-input] input', 'Enter');
  const answer = await (await searched).json();
  expect((await searched).status()).toBe(200);
  const docIds = answer.hits.hits.filter((h: any) => h._source.type !== 'AI Assistant').map((h: any) => h._id);
  expect(docIds.sort()).toEqual([ids.routing, ids.garden, ids.soup].sort());
  // The page shows the answer's order, which is relevance: scores never rise, the content-only match is last.
  const order = answer.hits.hits.map((h: any) => h._id);
  await waitForHits(t, order);
  const scores = await p.locator('[data-testid=hit-score]').allInnerTexts();
  const numbers = scores.map((s) => Number(s.replace('score ', '')));
  expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
  expect(order.filter((id: string) => docIds.includes(id)).at(-1)).toBe(ids.garden);
  expect(p.url()).toContain('query=zephyr');

  const routing = p.locator(`[data-testid=search-hit][data-id="${ids.routing}"]`);
  await routing.getByText('Zephyr routing handbook').waitFor();
  await routing.getByText('How zephyr moves packets between servers.').waitFor();
  expect(await routing.locator('[data-testid=hit-source]').innerText()).toBe('handbooks');
  expect(await routing.locator('[data-testid=hit-category]').innerText()).toBe('networking');
  expect(await routing.locator('a[href="https://example.com/zephyr-routing"]').count()).toBeGreaterThan(0);
  await p.locator('[data-testid=search-stats]').getByText(`${answer.hits.total.value} results`).waitFor();
  // The datasource facet names its datasources (from the buckets' top hits).
  await bucket(t, 'source.id', recipes).getByText('recipes').waitFor();
  await bucket(t, 'category', 'kitchen').waitFor();
  await screenshot(p, 'search-1280');

  // A category narrows (category=), and its facet is shown as chosen.
  const narrowed = p.waitForResponse((r) => r.url().includes('category=kitchen'));
  await bucket(t, 'category', 'kitchen').click();
  expect((await narrowed).status()).toBe(200);
  const assistants = (await (await narrowed).json()).hits.hits.filter((h: any) => h._source.type === 'AI Assistant').map((h: any) => h._id);
  await waitForHits(t, [...assistants, ids.soup]);
  await p.locator('[data-testid=active-facet-category]').getByText('Category: kitchen').waitFor();
  expect(p.url()).toContain('category=kitchen');
  await screenshot(p, 'search-facet-1280');

  // Clearing it widens again.
  await p.locator('[data-testid=active-facet-category] .ant-tag-close-icon').click();
  await waitForHits(t, order);

  // The datasource facet (datasource=) and the language facet (filter=lang:…).
  const byDs = p.waitForResponse((r) => r.url().includes(`datasource=${recipes}`));
  await bucket(t, 'source.id', recipes).click();
  expect((await byDs).status()).toBe(200);
  await waitForHits(t, [...assistants, ids.soup]);
  await p.locator('[data-testid=active-facet-source\\.id]').getByText('Datasource: recipes').waitFor();
  await bucket(t, 'source.id', recipes).click(); // clicking the chosen bucket clears it
  await waitForHits(t, order);
  const byLang = p.waitForResponse((r) => r.url().includes('filter=lang%3Aen'));
  await bucket(t, 'lang', 'en').click();
  expect((await byLang).status()).toBe(200);
  await waitForHits(t, order.filter((id: string) => id !== ids.soup));

  // The address keeps the search: a reload shows the same narrowed list.
  await p.reload();
  await waitForHits(t, order.filter((id: string) => id !== ids.soup));
  await p.locator('[data-testid=clear-facets]').click();
  await waitForHits(t, order);
  await pages.done(t);
});

test('a user (not an admin) has the Search page', async () => {
  const user = await seedUser(env.api, 'e2e-search-user');
  const t = await pages.open();
  const { page: p } = t;
  await p.goto(`${base}/`);
  await p.click('[data-testid=token-tab]');
  await p.fill('[data-testid=token-input]', user.token);
  await p.click('[data-testid=sign-in]');
  await p.getByText('connected').waitFor();
  expect(await p.locator('.ant-layout-sider .ant-menu-item').allInnerTexts()).toEqual(['Chat playground', 'Sessions', 'Search']);
  await p.click('[data-testid=nav] >> text=Search');
  await p.fill('[data-testid=search-input] input', 'soup');
  await p.press('[data-testid=search-input] input', 'Enter');
  await p.locator(`[data-testid=search-hit][data-id="${ids.soup}"]`).waitFor();
  await pages.done(t);
});

test('playground attachments: refused by extension, uploaded, read, removed, sent with the message; the session shows their names', async () => {
  // Only when the attachment API is there (it is built alongside this page).
  const probe = await env.api.request('POST', '/attachment/_status', { attachments: [] });
  if (probe.status === 404) {
    console.warn('skipped: this server has no /attachment API');
    return;
  }
  const assistantId = (await env.api.request('POST', '/assistant/default/_clone')).body._id as string;
  const current = (await env.api.request('GET', `/assistant/${assistantId}`)).body._source;
  const { id: _id, created: _c, updated: _u, builtin: _b, ...fields } = current;
  const upload = { enabled: true, allowed_file_extensions: ['txt', 'md'], max_file_size_in_bytes: 1024 * 1024, max_file_count: 2 };
  expect((await env.api.request('PUT', `/assistant/${assistantId}`, { ...fields, name: 'Reader', upload })).status).toBe(200);

  const t = await page();
  const { page: p } = t;
  await p.evaluate((id) => (globalThis as any).localStorage.setItem('coco.playground.assistant', id), assistantId);
  await p.goto(`${base}/#/playground`);
  await p.getByText('connected').waitFor();
  await p.locator('[data-testid=assistant-picker]').getByText('Reader').waitFor();

  // The assistant's settings are checked before anything is sent.
  await p.setInputFiles('[data-testid=attach-input]', { name: 'tool.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') });
  await p.locator('[data-testid=attach-error]').getByText('tool.exe: this assistant takes only .txt, .md files').waitFor();
  expect(t.requests.filter((r) => r.path === '/attachment/_upload')).toEqual([]);

  // Two files: each gets a chip that reaches "completed"; one is removed before sending.
  const uploaded = p.waitForResponse((r) => r.url().endsWith('/attachment/_upload'));
  await p.setInputFiles('[data-testid=attach-input]', [
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('The secret word of the e2e suite is periwinkle.\n') },
    { name: 'extra.md', mimeType: 'text/markdown', buffer: Buffer.from('# Extra\n\nNot needed.\n') },
  ]);
  const ids = (await (await uploaded).json()).attachments as string[];
  expect(ids).toHaveLength(2);
  const chip = (name: string) => p.locator('[data-testid=attachment-chip]').filter({ hasText: name });
  await chip('notes.txt').and(p.locator('[data-status=completed]')).waitFor({ timeout: 30_000 });
  await chip('extra.md').and(p.locator('[data-status=completed]')).waitFor({ timeout: 30_000 });
  expect(t.requests.some((r) => r.method === 'POST' && r.path === '/attachment/_status')).toBe(true);
  await screenshot(p, 'playground-attachments-1280');
  await chip('extra.md').locator('.ant-tag-close-icon').click();
  await chip('extra.md').waitFor({ state: 'detached' });

  env.llm.queue.push({ tokens: tokensOf('The secret word is periwinkle.'), delayMs: 10 });
  await p.fill('[data-testid=chat-input]', 'What is the secret word?');
  const sent = p.waitForRequest((r) => r.url().includes('/chat/_new'));
  await p.click('[data-testid=send]');
  expect((await sent).postDataJSON()).toEqual({ message: 'What is the secret word?', attachments: [ids[0]] });
  await p.locator('[data-testid=reply-end]').getByText('reply_end completed').waitFor({ timeout: 30_000 });
  await p.locator('[data-testid=answer]').getByText('The secret word is periwinkle.').waitFor();
  expect(await p.locator('[data-testid=attachment-chip]').count()).toBe(0);
  await p.locator('[data-testid=user-message] [data-testid=message-attachment]').getByText('notes.txt').waitFor();
  // The model was given the file's text.
  expect(JSON.stringify(env.pipelineRequests().at(-1)?.body)).toContain('periwinkle');
  await screenshot(p, 'playground-attachment-sent-1280');

  // Reopened from the session list, the message names its file (POST /attachment/_search).
  await p.reload();
  await p.getByText('connected').waitFor();
  await p.locator('[data-testid=session-item]').first().click();
  await p.locator('[data-testid=user-message] [data-testid=message-attachment]').getByText('notes.txt').waitFor();
  expect(t.requests.some((r) => r.method === 'POST' && r.path === '/attachment/_search')).toBe(true);
  await pages.done(t);
});

test('without a search worker the Search page says so (503)', async () => {
  await env.worker.shutdown();
  const t = await page();
  const { page: p } = t;
  t.expectStatuses.add(503);
  await p.goto(`${base}/#/search?query=zephyr`);
  const alert = p.locator('[data-testid=search-error]');
  await alert.getByText('Search is unavailable: no search worker answered').waitFor({ timeout: 20_000 });
  await screenshot(p, 'search-unavailable-1280');
  await pages.done(t);
});
