// Users and roles in the admin UI, in headless Debian Chromium against a real API and worker: password
// sign-in (a wrong password shows the server's reason), the Users page (create, search, edit, disable,
// delete), sign-out revoking the sign-in's token, and a non-admin user who sees only the playground
// (chats in it, changes their password) and a notice on an editor's address. Any console error fails.
import type { Browser } from 'playwright-core';
import { startChatEnv, ChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { deleteRowConfirmed, launchChromium, PageSet, PHONE, screenshot, signInWithPassword, TestPage } from './browser';

jest.setTimeout(120_000);

const ADMIN_PASSWORD = 'e2e-admin-Passw0rd';

let env: ChatEnv;
let browser: Browser;
let base: string;
let pages: PageSet;

const page = (viewport?: { width: number; height: number }) => pages.open(viewport);

const done = (t: TestPage) => pages.done(t);

const storedToken = (t: TestPage) => t.page.evaluate(() => (globalThis as any).localStorage.getItem('coco.token') as string | null);
const navLabels = (t: TestPage) => t.page.locator('.ant-layout-sider .ant-menu-item').allInnerTexts();
const login = (username: string, password: string) => env.api.anonymous('POST', '/account/login', { username, password });

async function adminSignIn(t: TestPage) {
  await signInWithPassword(t, base, 'admin', ADMIN_PASSWORD);
  await t.page.waitForSelector('[data-testid=add-assistant]');
}

/** Fills the Users drawer and saves it; waits for the drawer to close. */
async function saveUser(t: TestPage, fields: Record<string, string>) {
  for (const [id, value] of Object.entries(fields)) await t.page.fill(`#${id}`, value);
  await t.page.locator('.ant-drawer-open').getByRole('button', { name: 'Save' }).click();
  await t.page.locator('.ant-drawer-open').waitFor({ state: 'detached' });
}

async function findUser(username: string) {
  const res = await env.api.request('GET', `/user/_search?query=${encodeURIComponent(username)}&size=100`);
  expect(res.status).toBe(200);
  const hit = res.body.hits.hits.find((h: any) => h._source.username === username);
  return hit ? { id: hit._id as string, ...hit._source } : undefined;
}

beforeAll(async () => {
  browser = await launchChromium();
  env = await startChatEnv('e2e-acct', { COCO_ADMIN_PASSWORD: ADMIN_PASSWORD });
  base = env.api.url;
  pages = new PageSet(browser, base);
});

afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  await env?.close();
});

test('a wrong password is refused with the server reason; the password tab is the default', async () => {
  const t = await page();
  t.expectStatuses.add(401);
  await t.page.goto(`${base}/`);
  await t.page.waitForSelector('[data-testid=password-input]');
  await t.page.fill('[data-testid=username-input]', 'admin');
  await t.page.fill('[data-testid=password-input]', 'not-the-password');
  await t.page.click('[data-testid=password-sign-in]');
  await t.page.locator('[data-testid=sign-in-error]').getByText('invalid username or password').waitFor();
  expect(await storedToken(t)).toBeNull();
  await screenshot(t.page, 'sign-in-wrong-password-1280');
  await done(t);
});

test('the admin creates a user on the Users page and signs out; the user sees only the playground, chats, and gets a notice on an editor', async () => {
  // The admin, with the password from COCO_ADMIN_PASSWORD.
  const a = await page();
  const { page: p } = a;
  await adminSignIn(a);
  expect(await storedToken(a)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/); // the sign-in's JWT
  expect(await navLabels(a)).toEqual(['AI Assistants', 'Chat playground', 'Sessions', 'Search', 'Model providers', 'Datasources', 'MCP servers', 'Users']);
  await p.locator('.ant-layout-sider .ant-menu-item').filter({ hasText: 'Users' }).click();
  await p.waitForURL((u) => u.hash === '#/users');
  await p.locator('tr').filter({ hasText: 'admin' }).getByText('you').waitFor();

  // A new user needs a password; the server's refusal shows in the drawer.
  await p.click('[data-testid=add-user]');
  await p.fill('#username', 'e2e-ana');
  await p.locator('.ant-drawer-open').getByRole('button', { name: 'Save' }).click();
  await p.getByText('A new user needs a password').waitFor();
  await saveUser(a, { password: 'ana-first-Passw0rd', name: 'Ana Example', email: 'ana@example.com' });
  const ana = await findUser('e2e-ana');
  expect(ana).toMatchObject({ username: 'e2e-ana', name: 'Ana Example', email: 'ana@example.com', roles: ['user'], disabled: false });
  await p.locator(`tr[data-row-key="${ana.id}"]`).waitFor();

  // Search finds her; Edit without a password keeps it.
  await p.fill('.toolbar input', 'e2e-ana');
  await p.keyboard.press('Enter');
  await p.waitForFunction(() => (globalThis as any).document.querySelectorAll('.ant-table-tbody tr.ant-table-row').length === 1);
  await p.locator(`tr[data-row-key="${ana.id}"]`).getByRole('button', { name: 'Edit' }).click();
  await p.waitForFunction(() => (globalThis as any).document.querySelector('#username')?.value === 'e2e-ana');
  expect(await p.inputValue('#password')).toBe('');
  await saveUser(a, { name: 'Ana Edited' });
  expect(await findUser('e2e-ana')).toMatchObject({ name: 'Ana Edited', roles: ['user'] });
  await p.locator(`tr[data-row-key="${ana.id}"]`).getByText('Ana Edited').waitFor();
  await screenshot(p, 'users-1280');

  // Sign out: the logout is POSTed with the sign-in's token, which then no longer works.
  const adminJwt = (await storedToken(a))!;
  const logout = p.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/account/logout');
  await p.click('[data-testid=sign-out]');
  expect((await logout).status()).toBe(200);
  await p.waitForSelector('[data-testid=password-input]');
  expect(await storedToken(a)).toBeNull();
  expect(a.requests.filter((r) => r.method === 'POST' && r.path === '/account/logout')).toHaveLength(1);
  expect((await env.api.anonymous('GET', '/account/profile', undefined, { 'X-API-TOKEN': adminJwt })).status).toBe(401);

  // The user, in the same browser: the playground and the search page, nothing else in the menu.
  await signInWithPassword(a, base, 'e2e-ana', 'ana-first-Passw0rd');
  await p.getByText('connected').waitFor();
  expect(p.url()).toMatch(/#\/playground$/);
  expect(await navLabels(a)).toEqual(['Chat playground', 'Sessions', 'Search']);
  expect(await p.locator('[data-testid=current-user]').innerText()).toBe('e2e-ana');

  // She chats; the session is listed as hers and reopens.
  env.llm.queue.push({ tokens: tokensOf('Hello Ana, this is the test model.'), delayMs: 10 });
  await p.fill('[data-testid=chat-input]', 'Hello from a user');
  await p.click('[data-testid=send]');
  await p.locator('[data-testid=reply-end]').getByText('reply_end completed').waitFor();
  await p.locator('[data-testid=session-item]').first().waitFor();
  await p.click('text=New chat');
  await p.locator('[data-testid=session-item]').first().click();
  await p.locator('[data-testid=user-message]').getByText('Hello from a user').waitFor();
  await screenshot(p, 'playground-user-1280');

  // An editor's address: a notice, and no request for the editor's data.
  const before = a.requests.length;
  for (const hash of ['#/ai-assistant/list', '#/ai-assistant/edit/default', '#/users', '#/model-provider']) {
    await p.goto(`${base}/${hash}`);
    await p.locator('[data-testid=needs-admin]').getByText('This page needs an administrator').waitFor();
  }
  expect(await p.locator('.header-title').innerText()).toBe('Model providers');
  await screenshot(p, 'needs-admin-1280');
  expect(a.requests.slice(before).filter((r) => /^\/(user|model_provider)\//.test(r.path) || r.path.startsWith('/assistant/default'))).toEqual([]);
  await p.getByRole('button', { name: 'Open the chat playground' }).click();
  await p.getByText('connected').waitFor();

  // Her token is refused by the admin API.
  const userJwt = (await storedToken(a))!;
  const forbidden = await env.api.anonymous('GET', '/user/_search', undefined, { 'X-API-TOKEN': userJwt });
  expect(forbidden.status).toBe(403);
  expect(forbidden.body.error.reason).toMatch(/not allowed/);

  // She changes her own password.
  await p.click('[data-testid=current-user]');
  await p.fill('#old_password', 'ana-first-Passw0rd');
  await p.fill('#new_password', 'ana-second-Passw0rd');
  await p.fill('#repeat', 'ana-second-Passw0rd');
  await p.locator('.ant-modal').getByRole('button', { name: 'Change' }).click();
  await p.getByText('Password changed').waitFor();
  expect((await login('e2e-ana', 'ana-second-Passw0rd')).status).toBe(200);

  await p.click('[data-testid=sign-out]');
  await p.waitForSelector('[data-testid=password-input]');
  await done(a);
});

test('the Disabled switch saves at once; delete asks first; errors show the server reason', async () => {
  const created = await env.api.request('POST', '/user/', { username: 'e2e-bob', password: 'bob-Passw0rd-1', roles: ['user'] });
  expect(created.status).toBe(200);
  const id = created.body._id as string;
  const t = await page();
  const { page: p } = t;
  await adminSignIn(t);
  await p.goto(`${base}/#/users`);
  const row = p.locator(`tr[data-row-key="${id}"]`);
  await row.waitFor();

  await row.getByRole('switch', { name: 'Disabled' }).click();
  await p.getByText('e2e-bob disabled').waitFor();
  expect((await env.api.request('GET', `/user/${id}`)).body._source).toMatchObject({ username: 'e2e-bob', disabled: true, roles: ['user'] });
  expect((await login('e2e-bob', 'bob-Passw0rd-1')).status).not.toBe(200);

  // A username that is taken: the server's reason in the drawer.
  t.expectStatuses.add(400).add(409);
  await p.click('[data-testid=add-user]');
  await p.fill('#username', 'e2e-bob');
  await p.fill('#password', 'another-Passw0rd-2');
  await p.locator('.ant-drawer-open').getByRole('button', { name: 'Save' }).click();
  const refusal = p.locator('.ant-drawer-open .ant-alert-error');
  await refusal.waitFor();
  expect((await refusal.innerText()).trim().length).toBeGreaterThan(0);
  await p.locator('.ant-drawer-open .ant-drawer-close').click();
  await p.locator('.ant-drawer-open').waitFor({ state: 'detached' });

  await deleteRowConfirmed(p, id, 'Delete user e2e-bob?', `/user/${id}`);
  expect((await env.api.request('GET', `/user/${id}`)).status).toBe(404);
  await done(t);
});

test('phone width: the Users page fits the screen', async () => {
  const t = await page(PHONE);
  const { page: p } = t;
  await adminSignIn(t);
  await p.goto(`${base}/#/users`);
  await p.locator('tr').filter({ hasText: 'admin' }).first().waitFor();
  await screenshot(p, 'users-390');
  expect(await p.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  await done(t);
});
