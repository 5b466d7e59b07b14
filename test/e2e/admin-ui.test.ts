// The admin UI in headless Debian Chromium against a real API, worker and the local test model:
// assistants (create, edit, clone, delete, built-ins), the filter check before saving, server
// validation errors, the chat playground (streaming, Stop, resume after a reload), sessions, and
// screenshots at 1280 px and phone width. Any console error fails the test.
import Koa from 'koa';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { startChatEnv, ChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { errorEnvelope } from '../../src/api/middleware/errors';
import { staticUi, WEB_DIST } from '../../src/api/middleware/static';
import { deleteRowConfirmed, launchChromium, PageSet, PHONE, screenshot, signIn, TestPage } from './browser';
import fs from 'node:fs';

jest.setTimeout(120_000);

let env: ChatEnv;
let browser: Browser;
let base: string;
let pages: PageSet;

const page = (viewport?: { width: number; height: number }) => pages.open(viewport);

const done = (t: TestPage) => pages.done(t);

beforeAll(async () => {
  if (!fs.existsSync(`${WEB_DIST}/index.html`)) throw new Error('web/dist is missing: run `npm run build:web` (npm ci does it through `prepare`)');
  browser = await launchChromium();
  env = await startChatEnv('e2e-ui');
  base = env.api.url;
  pages = new PageSet(browser, base);
});

afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  await env?.close();
});

describe('serving the UI', () => {
  test('GET / and the hashed assets are public; the API still needs the token', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
    expect((await fetch(`${base}/favicon.svg`)).status).toBe(200);
    const missing = await fetch(`${base}/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 404 });
    expect((await fetch(`${base}/assets/../package.json`)).status).not.toBe(200);
    expect((await fetch(`${base}/assistant/_search`)).status).toBe(401);
  });

  test('without a build, GET / answers a 503 envelope that says how to build it', async () => {
    const app = new Koa();
    app.use(errorEnvelope() as Koa.Middleware);
    app.use(staticUi('/nonexistent/web/dist') as Koa.Middleware);
    const server = http.createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as any;
      expect(body.status).toBe(503);
      expect(body.error.reason).toMatch(/not built.*npm ci/);
    } finally {
      server.close();
    }
  });
});

describe('assistants', () => {
  test('sign in with a token (second tab): a wrong token is refused, the right one opens the list; sign out returns to sign-in', async () => {
    const t = await page();
    t.expectStatuses.add(401);
    await t.page.goto(`${base}/`);
    await t.page.waitForSelector('[data-testid=password-input]'); // the default
    await t.page.click('[data-testid=token-tab]');
    await t.page.fill('[data-testid=token-input]', 'not-a-token');
    await t.page.click('[data-testid=sign-in]');
    await t.page.getByText('This token is not valid').waitFor();
    await t.page.fill('[data-testid=token-input]', env.api.token);
    await t.page.click('[data-testid=sign-in]');
    await t.page.waitForSelector('[data-testid=add-assistant]');
    await t.page.click('[data-testid=sign-out]');
    await t.page.waitForSelector('[data-testid=token-input]'); // the tab used last
    // Sign out POSTs the logout, which revokes only password sign-ins: the API token keeps working.
    expect(t.requests.filter((r) => r.method === 'POST' && r.path === '/account/logout')).toHaveLength(1);
    expect((await env.api.request('GET', '/account/profile')).status).toBe(200);
    expect(await t.page.evaluate(() => (globalThis as any).localStorage.getItem('coco.token'))).toBeNull();

    // A token that stops working (revoked, expired): the first 401 sends the user back to sign-in.
    await t.page.evaluate(() => (globalThis as any).localStorage.setItem('coco.token', 'revoked-token'));
    await t.page.reload();
    await t.page.waitForSelector('[data-testid=token-input]');
    await done(t);
  });

  test('the list shows built-ins with a tag and no delete; create, edit, toggle, clone and delete', async () => {
    const t = await page();
    const { page: p } = t;
    await signIn(t, base, env.api.token);

    // Built-in "default": tag, and Edit + Clone but no Delete.
    const builtinRow = p.locator('tr[data-row-key="default"]');
    await builtinRow.waitFor();
    await expect(builtinRow.getByText('Built-in').count()).resolves.toBe(1);
    await expect(builtinRow.getByRole('button', { name: 'Edit' }).count()).resolves.toBe(1);
    await expect(builtinRow.getByRole('button', { name: 'Delete' }).count()).resolves.toBe(0);
    await screenshot(p, 'assistant-list-1280');

    // Create with the Add form's defaults plus a name and the test model.
    await p.click('[data-testid=add-assistant]');
    await p.waitForSelector('#name');
    expect(await p.inputValue('#keepalive')).toBe('30m');
    await p.fill('#name', 'E2E helper');
    await p.fill('#description', 'Made by the browser test');
    await p.click('#answering_model_provider_id');
    await p.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'Coco AI' }).first().click();
    await p.click('#answering_model_name');
    await p.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'test-model' }).first().click();
    await p.click('[data-testid=save-assistant]');
    await p.waitForSelector('[data-testid=add-assistant]');
    const found = await env.api.request('GET', '/assistant/_search?query=name:E2E%20helper');
    const created = found.body.hits.hits.map((h: any) => h._source).find((a: any) => a.name === 'E2E helper');
    expect(created).toMatchObject({
      type: 'simple',
      enabled: true,
      keepalive: '30m',
      answering_model: { provider_id: 'coco', name: 'test-model' },
      datasource: { enabled: true, ids: ['*'], filter: null },
      mcp_servers: { ids: ['*'] },
      chat_settings: { history_message: { number: 5, compression_threshold: 1000, summary: true } },
    });
    const id = created.id as string;
    const row = p.locator(`tr[data-row-key="${id}"]`);
    await row.waitFor();

    // Edit: a malformed filter is refused in the form, before any request.
    await row.getByRole('button', { name: 'Edit' }).click();
    await p.waitForSelector('#filter_text');
    expect(await p.inputValue('#name')).toBe('E2E helper');
    await p.fill('#description', 'Edited in the browser');
    await p.fill('#filter_text', '{"term": {"category": ');
    const before = t.requests.length;
    await p.click('[data-testid=save-assistant]');
    await p.getByText('The filter is not valid JSON').waitFor();
    await p.waitForTimeout(300);
    const writes = t.requests.slice(before).filter((r) => r.path.startsWith('/assistant') && (r.method === 'PUT' || r.method === 'POST'));
    expect(writes).toEqual([]);
    expect((await env.api.request('GET', `/assistant/${id}`)).body._source.description).toBe('Made by the browser test');

    // A filter that parses but the server refuses: its 400 reason shows next to the form and the field.
    t.expectStatuses.add(400);
    await p.fill('#filter_text', '{"no_such_query": {}}');
    await p.click('[data-testid=save-assistant]');
    await p.waitForSelector('[data-testid=server-error]');
    expect(await p.locator('[data-testid=server-error]').innerText()).toMatch(/datasource\.filter/);

    // A good filter saves, with the edited description and the deep-think section.
    await p.fill('#filter_text', '{"term": {"category": "docs"}}');
    await p.click('#type');
    await p.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'Deep Think' }).click();
    await p.waitForSelector('[data-testid=deep-think]');
    await p.fill('#chat_settings_input_preprocess_tpl', 'Answer briefly: {{.query}}');
    await p.fill('#questions_text', 'What is Coco?\nHow do I add a datasource?');
    await p.locator('#name').scrollIntoViewIfNeeded();
    await p.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await screenshot(p, 'assistant-edit-1280');
    await p.click('[data-testid=save-assistant]');
    await p.waitForSelector('[data-testid=add-assistant]');
    const saved = (await env.api.request('GET', `/assistant/${id}`)).body._source;
    expect(saved).toMatchObject({
      description: 'Edited in the browser',
      type: 'deep_think',
      datasource: { filter: { term: { category: 'docs' } } },
      config: { visible: true, pick_datasource: false },
      chat_settings: { input_preprocess_tpl: 'Answer briefly: {{.query}}', suggested: { questions: ['What is Coco?', 'How do I add a datasource?'] } },
    });

    // The Enabled switch saves at once.
    await row.getByRole('switch').click();
    await p.getByText('E2E helper disabled').waitFor();
    expect((await env.api.request('GET', `/assistant/${id}`)).body._source).toMatchObject({ enabled: false, description: 'Edited in the browser' });

    // Clone opens the copy's edit page.
    await row.getByRole('button', { name: 'Clone' }).click();
    await p.waitForURL((u) => u.hash.startsWith('#/ai-assistant/edit/') && !u.hash.endsWith(id));
    const copyId = /edit\/([^/?#]+)/.exec(p.url())![1]!;
    expect(copyId).not.toBe(id);
    await p.waitForFunction(() => (globalThis as any).document.querySelector('#name')?.value === 'E2E helper_copy');
    await p.click('[data-testid=save-assistant]');
    await p.waitForSelector('[data-testid=add-assistant]');

    // Delete the copy: confirm dialog, then it is gone.
    await deleteRowConfirmed(p, copyId, 'Delete assistant E2E helper_copy?', `/assistant/${copyId}`);
    expect((await env.api.request('GET', `/assistant/${copyId}`)).status).toBe(404);

    await done(t);
  });

  test('a forced delete of a built-in shows the server reason', async () => {
    const t = await page();
    const { page: p } = t;
    t.expectStatuses.add(403);
    // The UI offers no delete for built-ins; make the row look deletable to send the request anyway.
    // The route is in place before the first list load, so no unaltered answer can land after it.
    await p.route('**/assistant/_search?*', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      for (const h of body.hits.hits) h._source.builtin = false;
      await route.fulfill({ response: res, json: body });
    });
    await signIn(t, base, env.api.token);
    const row = p.locator('tr[data-row-key="default"]');
    await row.getByRole('button', { name: 'Delete' }).click();
    const deleted = p.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith('/assistant/default'));
    await p.locator('.ant-modal-confirm').getByRole('button', { name: 'Delete' }).click();
    expect((await deleted).status()).toBe(403);
    await p.getByText('Built-in assistant cannot be deleted').waitFor();
    expect((await env.api.request('GET', '/assistant/default')).status).toBe(200);
    await done(t);
  });
});

describe('chat playground', () => {
  const ANSWER = 'Coco streams **this answer** token by token, and the page renders it as Markdown for the test.';

  async function openPlayground(t: TestPage) {
    await signIn(t, base, env.api.token);
    await t.page.goto(`${base}/#/playground`);
    await t.page.getByText('connected').waitFor();
  }

  async function ask(t: TestPage, text: string) {
    await t.page.fill('[data-testid=chat-input]', text);
    await t.page.click('[data-testid=send]');
  }

  test('streams an answer in Markdown, then reply_end; sessions can be renamed and deleted', async () => {
    const t = await page();
    const { page: p } = t;
    await openPlayground(t);
    env.llm.queue.push({ tokens: tokensOf(ANSWER), delayMs: 70 });
    await ask(t, 'Tell me about streaming');
    await p.locator('[data-testid=answer]').getByText('Coco streams').waitFor();
    await screenshot(p, 'playground-mid-reply-1280');
    await p.locator('[data-testid=reply-end]').getByText('reply_end completed').waitFor();
    expect(await p.locator('[data-testid=answer] strong').innerText()).toBe('this answer');
    expect(await p.locator('[data-testid=answer]').innerText()).toBe(ANSWER.replace(/\*\*/g, ''));

    // The session is listed; rename it, reopen its history, delete it.
    const item = p.locator('[data-testid=session-item]').first();
    await item.waitFor();
    await item.getByRole('button', { name: 'Rename' }).click();
    await p.fill('[data-testid=rename-input]', 'Renamed in the browser');
    await p.locator('.ant-modal').getByRole('button', { name: 'OK' }).click();
    await p.locator('[data-testid=session-item]').getByText('Renamed in the browser').waitFor();
    const sessions = await env.api.request('GET', '/chat/_history');
    const session = sessions.body.hits.hits.map((h: any) => h._source).find((s: any) => s.title === 'Renamed in the browser');
    expect(session).toBeDefined();

    await p.click('text=New chat');
    await p.locator('[data-testid=session-item]').getByText('Renamed in the browser').click();
    await p.locator('[data-testid=answer]').getByText('Coco streams').waitFor();
    await p.locator('[data-testid=user-message]').getByText('Tell me about streaming').waitFor();

    await p.locator('[data-testid=session-item]').filter({ hasText: 'Renamed in the browser' }).getByRole('button', { name: 'Delete session' }).click();
    await p.locator('.ant-popconfirm').getByRole('button', { name: 'Delete' }).click();
    await p.locator('[data-testid=session-item]').getByText('Renamed in the browser').waitFor({ state: 'detached' });
    expect((await env.api.request('GET', `/chat/${session.id}`)).status).toBe(404);
    await done(t);
  });

  test('Stop cancels the reply: reply_end user_cancelled is shown', async () => {
    const t = await page();
    const { page: p } = t;
    await openPlayground(t);
    const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    env.llm.queue.push({ tokens: tokensOf(long), delayMs: 60 });
    await ask(t, 'Say a lot');
    await p.locator('[data-testid=answer]').getByText('word3', { exact: false }).waitFor();
    await p.click('[data-testid=stop]');
    await p.locator('[data-testid=reply-end]').getByText('reply_end user_cancelled').waitFor({ timeout: 20_000 });
    await p.waitForSelector('[data-testid=send]');
    const shown = await p.locator('[data-testid=answer]').innerText();
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).not.toContain('word199');
    await done(t);
  });

  test('a reload mid-reply resumes it: the whole answer appears exactly once', async () => {
    const t = await page();
    const { page: p } = t;
    await openPlayground(t);
    const words = Array.from({ length: 50 }, (_, i) => `part${i}`);
    const answer = `Resumed answer: ${words.join(' ')} END-OF-ANSWER`;
    env.llm.queue.push({ tokens: tokensOf(answer), delayMs: 60 });
    await ask(t, 'Keep talking through a reload');
    await p.locator('[data-testid=answer]').getByText('part5', { exact: false }).waitFor();
    const stored = await p.evaluate(() => (globalThis as any).sessionStorage.getItem('coco.playground.inflight'));
    expect(JSON.parse(stored).lastSeq).toBeGreaterThan(0);
    await p.reload();
    await p.locator('[data-testid=reply-end]').getByText('reply_end completed').waitFor({ timeout: 30_000 });
    const text = await p.locator('[data-testid=messages]').innerText();
    expect(text.split('Resumed answer:').length - 1).toBe(1);
    expect(text.split('END-OF-ANSWER').length - 1).toBe(1);
    expect(await p.locator('[data-testid=answer]').innerText()).toBe(answer);
    expect(t.requests.some((r) => r.path.includes('/_stream?message_id=') && /after_seq=[1-9]/.test(r.path))).toBe(true);
    expect(await p.evaluate(() => (globalThis as any).sessionStorage.getItem('coco.playground.inflight'))).toBeNull();
    await done(t);
  });

  test('phone width: the list and the playground mid-reply', async () => {
    const t = await page(PHONE);
    const { page: p } = t;
    await signIn(t, base, env.api.token);
    await p.locator('tr[data-row-key="default"]').waitFor();
    await screenshot(p, 'assistant-list-390');
    await p.goto(`${base}/#/ai-assistant/edit/default`);
    await p.waitForSelector('#name');
    await screenshot(p, 'assistant-edit-390');
    expect(await p.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await p.goto(`${base}/#/playground`);
    await p.getByText('connected').waitFor();
    env.llm.queue.push({ tokens: tokensOf(ANSWER), delayMs: 80 });
    await ask(t, 'Hello from a phone');
    await p.locator('[data-testid=answer]').getByText('Coco streams').waitFor();
    await screenshot(p, 'playground-mid-reply-390');
    await p.locator('[data-testid=reply-end]').getByText('reply_end completed').waitFor();
    // Nothing is wider than the screen.
    const overflow = await p.evaluate(() => (globalThis as any).document.documentElement.scrollWidth);
    expect(overflow).toBeLessThanOrEqual(PHONE.width);
    await done(t);
  });
});
