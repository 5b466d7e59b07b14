// The admin UI's Sessions page in headless Debian Chromium, on the real stack: two users chat through the
// API; the admin's page lists both users' sessions (owner, status, turns, last activity) with a link to each
// session's workflow in the Temporal UI; a user's page (reached from the menu) lists only their own.
import type { Browser } from 'playwright-core';
import { seedUser, TestUser } from '../helpers/api';
import { ChatEnv, postStream, readNdjson, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { launchChromium, PageSet, screenshot, signIn } from './browser';

jest.setTimeout(120_000);

const UI_URL = 'http://127.0.0.1:8233';
let env: ChatEnv;
let browser: Browser;
let base: string;
let pages: PageSet;
let ana: TestUser;
let ben: TestUser;
const sessions: Record<string, string> = {};

async function turn(user: TestUser, message: string, sessionId?: string): Promise<string> {
  const lines = await readNdjson(await postStream(env.api, sessionId ? `/chat/${sessionId}/_chat` : '/chat/_create', { message }, user.headers));
  if (!lines.some((l) => l.chunk_type === 'reply_end')) throw new Error(`no reply_end: ${JSON.stringify(lines).slice(0, 300)}`);
  return sessionId ?? (lines[0]._id as string);
}

beforeAll(async () => {
  browser = await launchChromium();
  env = await startChatEnv('e2e-sessions', { COCO_TEMPORAL_UI_URL: UI_URL });
  env.llm.fallback = () => ({ tokens: tokensOf('An answer.') });
  base = env.api.url;
  pages = new PageSet(browser, base);
  ana = await seedUser(env.api, 'ana');
  ben = await seedUser(env.api, 'ben');
  sessions.ana = await turn(ana, 'Planning the garden');
  await turn(ana, 'and the roses?', sessions.ana);
  await turn(ana, 'and the tulips?', sessions.ana);
  sessions.ben = await turn(ben, 'Fixing a bicycle');
  await env.api.request('POST', `/chat/${sessions.ben}/_close`, {}, ben.headers);
});

afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  await env?.close();
});

const row = (p: import('playwright-core').Page, id: string) => p.locator(`tr[data-row-key="${id}"]`);

test("the admin sees every user's sessions with status, turns, last activity and the workflow's Temporal UI link", async () => {
  const t = await pages.open();
  const { page: p } = t;
  await signIn(t, base, env.api.token);
  await p.click('[data-testid=nav] >> text=Sessions');
  await row(p, sessions.ana!).waitFor();
  await row(p, sessions.ben!).waitFor();
  expect(p.url()).toContain('#/sessions');
  expect(await p.locator('.ant-table-thead th').allInnerTexts()).toEqual(['Title', 'Owner', 'Status', 'Turns', 'Last activity', 'Created', 'Workflow']);

  const anaRow = row(p, sessions.ana!);
  await expect(anaRow.locator('[data-testid=session-turns]').innerText()).resolves.toBe('3');
  await expect(anaRow.locator('[data-testid=session-status]').innerText()).resolves.toBe('active');
  await expect(anaRow.innerText()).resolves.toContain('ana');
  const benRow = row(p, sessions.ben!);
  await expect(benRow.locator('[data-testid=session-turns]').innerText()).resolves.toBe('1');
  await expect(benRow.locator('[data-testid=session-status]').innerText()).resolves.toBe('closed');
  await expect(benRow.innerText()).resolves.toContain('ben');
  // The most recently active first: ben's session had the last reply.
  expect(await p.locator('tbody tr.ant-table-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row-key')))).toEqual([sessions.ben, sessions.ana]);

  const link = anaRow.locator('[data-testid=workflow-link]');
  expect(await link.getAttribute('href')).toBe(`${UI_URL}/namespaces/default/workflows/chat-session%3A${sessions.ana}`);
  expect(await link.getAttribute('target')).toBe('_blank');
  expect(await row(p, sessions.ana!).locator('[data-testid=open-session]').count()).toBe(0); // not the admin's to open
  await screenshot(p, 'sessions-1280');
  await pages.done(t);
});

test('a user sees only their own sessions, without the owner column', async () => {
  const t = await pages.open();
  const { page: p } = t;
  await p.goto(`${base}/`);
  await p.click('[data-testid=token-tab]');
  await p.fill('[data-testid=token-input]', ana.token);
  await p.click('[data-testid=sign-in]');
  await p.click('[data-testid=nav] >> text=Sessions');
  await row(p, sessions.ana!).waitFor();
  expect(await p.locator('tbody tr.ant-table-row').count()).toBe(1);
  expect(await p.locator('.ant-table-thead th').allInnerTexts()).toEqual(['Title', 'Status', 'Turns', 'Last activity', 'Created', 'Workflow']);
  expect(await p.content()).not.toContain(sessions.ben);
  await expect(row(p, sessions.ana!).locator('[data-testid=session-turns]').innerText()).resolves.toBe('3');
  // Her own session opens in the playground, with its messages.
  await row(p, sessions.ana!).locator('[data-testid=open-session]').click();
  await p.waitForURL((u) => u.hash === `#/playground?session=${sessions.ana}`);
  await p.getByText('and the tulips?').waitFor();
  await pages.done(t);
});
