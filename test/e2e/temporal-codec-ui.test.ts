// The Temporal UI reading an encrypted chat through the API's codec endpoint, in headless Chromium. The
// test stack runs Temporal headless, so this file starts a dev server of its own with the UI, as `npm start`
// does (scripts/lib/stack.ts: --ui-ip 127.0.0.1, --ui-codec-endpoint <API>/temporal/codec), and an API and a
// worker on it. The Temporal UI has no field for an API token (it sends its own OIDC token, over https
// only, or cookies), so the admin's browser adds the token header to its requests, as a header extension
// does; without it the endpoint answers 401 and the UI shows the payloads encrypted.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { ensureTemporal } from '../../scripts/lib/toolchain';
import { TEMPORAL_ENV, temporalArgs, temporalServing } from '../../scripts/lib/stack';
import { workflowIdForSession } from '../../src/shared/chat';
import { ChatEnv, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { launchChromium, SCREENSHOTS } from './browser';

jest.setTimeout(180_000);

const PORTS = { temporal: 17634, ui: 18634, api: 19634, ws: 12634 };
const UI = `http://127.0.0.1:${PORTS.ui}`;
const ADMIN_PASSWORD = 'codec-ui-admin-pw';

let temporal: ChildProcess;
let env: ChatEnv;
let browser: Browser;

beforeAll(async () => {
  const bin = await ensureTemporal(() => undefined, process.env.COCO_TEMPORAL_BIN);
  const args = temporalArgs({ port: PORTS.temporal, uiPort: PORTS.ui, dbFile: null, codecEndpoint: `http://127.0.0.1:${PORTS.api}/temporal/codec` });
  temporal = spawn(bin, args, { stdio: 'ignore', env: { ...process.env, ...TEMPORAL_ENV } });
  for (let i = 0; i < 300 && !(await temporalServing(`127.0.0.1:${PORTS.temporal}`)); i++) await new Promise((r) => setTimeout(r, 200));
  env = await startChatEnv('codec-ui', {
    TEMPORAL_ADDRESS: `127.0.0.1:${PORTS.temporal}`,
    COCO_API_PORT: String(PORTS.api),
    COCO_WS_PORT: String(PORTS.ws),
    COCO_TEMPORAL_UI_ORIGINS: UI,
    COCO_ADMIN_PASSWORD: ADMIN_PASSWORD,
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
  if (temporal && temporal.exitCode === null) {
    const exited = new Promise((r) => temporal.once('exit', r));
    temporal.kill('SIGTERM');
    await exited;
  }
});

async function openHistory(headers: Record<string, string>, workflowId: string): Promise<{ page: Page; codecStatuses: number[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, extraHTTPHeaders: headers });
  const page = await context.newPage();
  const codecStatuses: number[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/temporal/codec/decode') && r.request().method() === 'POST') codecStatuses.push(r.status());
  });
  await page.goto(`${UI}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, { waitUntil: 'domcontentloaded' });
  return { page, codecStatuses, close: () => context.close() };
}

it('shows an admin the decoded chat in the Temporal UI; without the token it stays encrypted', async () => {
  const question = 'Which reports are due on Friday for the Lisbon office?';
  env.llm.queue.push({ tokens: tokensOf('The quarterly one and the audit summary.') });
  const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: question }));
  expect(responseText(lines.slice(1))).toBe('The quarterly one and the audit summary.');
  const workflowId = workflowIdForSession(lines[0]._id);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });

  const admin = await openHistory({ 'X-API-TOKEN': env.api.token }, workflowId);
  try {
    // The workflow's input shows decoded (it is encrypted in the history) ...
    await admin.page.getByText('"keepaliveMs"', { exact: false }).first().waitFor({ timeout: 30_000 });
    // ... and so does the sendMessage update's (the turn, with the user's text), once its event is opened.
    await admin.page.locator('text=sendMessage >> visible=true').first().click();
    const text = admin.page.locator('text=Lisbon office >> visible=true').first();
    await text.waitFor({ timeout: 30_000 });
    expect(admin.codecStatuses.length).toBeGreaterThan(0);
    expect(admin.codecStatuses.every((s) => s === 200)).toBe(true);
    await text.scrollIntoViewIfNeeded();
    await admin.page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-codec-decoded.png') });
  } finally {
    await admin.close();
  }

  const anonymous = await openHistory({}, workflowId);
  try {
    for (let i = 0; i < 100 && anonymous.codecStatuses.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(anonymous.codecStatuses.length).toBeGreaterThan(0);
    expect(anonymous.codecStatuses.every((s) => s === 401)).toBe(true);
    await anonymous.page.waitForTimeout(1000);
    await anonymous.page.locator('text=sendMessage >> visible=true').first().click();
    await anonymous.page.waitForTimeout(1000);
    expect(await anonymous.page.getByText('Lisbon office', { exact: false }).count()).toBe(0);
    expect(await anonymous.page.getByText('"keepaliveMs"', { exact: false }).count()).toBe(0);
    await anonymous.page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-codec-refused.png') });
  } finally {
    await anonymous.close();
  }
});

it('shows the decoded chat to an admin signed in with the password: the login cookie, sent by the UI with credentials', async () => {
  const question = 'When is the Porto office review?';
  env.llm.queue.push({ tokens: tokensOf('Next Tuesday at ten.') });
  const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: question }));
  const workflowId = workflowIdForSession(lines[0]._id);

  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    // The admin signs in (as the admin UI does); the cookie it gets is scoped to the codec endpoint.
    const login = await context.request.post(`${env.api.url}/account/login`, { data: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(login.status()).toBe(200);
    const cookie = (await context.cookies(env.api.url + '/temporal/codec/decode')).find((c) => c.name === 'coco_codec_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/temporal/codec/' });
    expect((await context.cookies(env.api.url + '/assistant/_search')).some((c) => c.name === 'coco_codec_session')).toBe(false);
    // The UI's codec settings: "Include cross-origin credentials" (what an operator switches on once).
    const endpoint = `${env.api.url}/temporal/codec`;
    await context.addInitScript((ep) => {
      const storage = (globalThis as any).localStorage;
      storage.setItem('overrideRemoteCodecConfiguration', 'true');
      storage.setItem('endpoint', JSON.stringify(ep));
      storage.setItem('includeCredentials', 'true');
      storage.setItem('passAccessToken', 'false');
    }, endpoint);
    const page = await context.newPage();
    const statuses: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/temporal/codec/decode') && r.request().method() === 'POST') statuses.push(r.status());
    });
    await page.goto(`${UI}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, { waitUntil: 'domcontentloaded' });
    await page.getByText('"keepaliveMs"', { exact: false }).first().waitFor({ timeout: 30_000 });
    await page.locator('text=sendMessage >> visible=true').first().click();
    const text = page.locator('text=Porto office >> visible=true').first();
    await text.waitFor({ timeout: 30_000 });
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((st) => st === 200)).toBe(true);
    await text.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-codec-cookie.png') });
  } finally {
    await context.close();
  }
  // The cookie is no credential anywhere else.
  const jwt = ((await (await fetch(`${env.api.url}/account/login`, { method: "POST", body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }) })).json()) as { access_token: string }).access_token;
  const elsewhere = await fetch(`${env.api.url}/assistant/_search`, { headers: { Cookie: `coco_codec_session=${jwt}` } });
  expect(elsewhere.status).toBe(401);
});
