// What an operator sees of a chat in the Temporal UI, in headless Chromium: a workflow's page shows its
// summary (title or first words, assistant, user) and details (assistant, model, user, links), what it
// does now (its current details: the turn and step running, turns queued) and a summary on each step and
// timer (`tool · calculator`, `answer · test-model`, `keepalive · …`). The workflow list of this UI
// (2.42, Temporal CLI 1.5.1) has no summary column (list results carry no user metadata): the test adds
// the CocoSummary search attribute's column (`<assistant> · <user>`, text-free) with the list's column
// settings, as an operator would, and checks the session's row shows it. A second API with COCO_UI_SUMMARY_TEXT=false starts
// sessions whose summaries and details hold no message text. Like temporal-codec-ui, this file starts a
// dev server of its own with the UI, whose codec endpoint is the first API's (summaries and details are
// payloads: encrypted, decoded for a browser that sends the admin token).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ensureTemporal } from '../../scripts/lib/toolchain';
import { TEMPORAL_ENV, temporalArgs, temporalServing } from '../../scripts/lib/stack';
import { workflowIdForSession } from '../../src/shared/chat';
import { SUMMARY_ATTRIBUTE } from '../../src/workflows/definitions';
import { ChatEnv, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { RecordedRequest, tokensOf } from '../helpers/fake-llm';
import { launchChromium, SCREENSHOTS } from './browser';

jest.setTimeout(240_000);

const PORTS = { temporal: 17734, ui: 18734, api: 19734, ws: 12734, hiddenApi: 19735, hiddenWs: 12735 };
const UI = `http://127.0.0.1:${PORTS.ui}`;

let temporal: ChildProcess;
let env: ChatEnv;
/** An API and worker whose sessions show no message text in the Temporal UI. */
let hidden: ChatEnv;
let browser: Browser;

const isToolStep = (r: RecordedRequest) => Array.isArray(r.body.tools) && r.body.stream !== true;
const toolResults = (r: RecordedRequest) => (r.body.messages as Array<{ role: string; content: string }>).filter((m) => m.role === 'tool');

beforeAll(async () => {
  const bin = await ensureTemporal(() => undefined, process.env.COCO_TEMPORAL_BIN);
  const args = temporalArgs({ port: PORTS.temporal, uiPort: PORTS.ui, dbFile: null, codecEndpoint: `http://127.0.0.1:${PORTS.api}/temporal/codec` });
  temporal = spawn(bin, args, { stdio: 'ignore', env: { ...process.env, ...TEMPORAL_ENV } });
  for (let i = 0; i < 300 && !(await temporalServing(`127.0.0.1:${PORTS.temporal}`)); i++) await new Promise((r) => setTimeout(r, 200));
  const common = { TEMPORAL_ADDRESS: `127.0.0.1:${PORTS.temporal}`, COCO_TEMPORAL_UI_ORIGINS: UI };
  env = await startChatEnv('ui-summary', { ...common, COCO_API_PORT: String(PORTS.api), COCO_WS_PORT: String(PORTS.ws) });
  hidden = await startChatEnv('ui-summary-hidden', { ...common, COCO_API_PORT: String(PORTS.hiddenApi), COCO_WS_PORT: String(PORTS.hiddenWs), COCO_UI_SUMMARY_TEXT: 'false' });
  browser = await launchChromium();
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await hidden?.close();
  await env?.close();
  if (temporal && temporal.exitCode === null) {
    const exited = new Promise((r) => temporal.once('exit', r));
    temporal.kill('SIGTERM');
    await exited;
  }
});

/** A page of the Temporal UI in a browser that sends the admin token, so the codec endpoint decodes. */
async function openUi(url: string): Promise<{ page: Page; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 1100 }, extraHTTPHeaders: { 'X-API-TOKEN': env.api.token } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return { page, close: () => context.close() };
}

const visible = (page: Page, text: string) => page.locator(`text=${text} >> visible=true`).first();
/** The text of the page and of its frames (the UI renders markdown metadata in sandboxed iframes). */
async function shownText(page: Page): Promise<string> {
  const texts = await Promise.all(page.frames().map((f) => f.evaluate(() => (globalThis as any).document.body?.innerText ?? '').catch(() => '')));
  return texts.join('\n');
}

async function waitShown(page: Page, texts: string[], ms = 30_000): Promise<void> {
  const text = await waitFor(() => shownText(page), (t) => texts.every((x) => t.includes(x)), ms);
  for (const x of texts) expect(text).toContain(x);
}

const listUrl = (workflowId: string) => `${UI}/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`;
const workflowUrl = (workflowId: string) => `${UI}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;

/** The workflow's current details, as the UI reads them (the SDK's built-in metadata query). */
async function currentDetails(e: ChatEnv, workflowId: string): Promise<string> {
  const handle = e.api.server.deps.temporal.client.workflow.getHandle(workflowId);
  const meta = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
  return meta.currentDetails ?? '';
}

async function waitFor<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function toolAssistant(e: ChatEnv, name: string): Promise<string> {
  const res = await e.api.request('POST', '/assistant/', {
    name,
    answering_model: { provider_id: 'coco', name: 'test-model' },
    tools: { enabled: true, builtin: { calculator: true } },
    mcp_servers: { enabled: true, ids: ['*'], max_iterations: 3 },
  });
  return res.body._id as string;
}

it('lists the session with its CocoSummary column; its page shows its summary and details, what it does now and a summary per step', async () => {
  const assistantId = await toolAssistant(env, 'Budget helper');
  // Turn 1: a calculator call, then the answer.
  env.llm.routes.unshift({
    match: isToolStep,
    script: (r) => (toolResults(r).length === 0 ? { toolCalls: [{ name: 'calculator', arguments: '{"expression":"12 * 7"}' }] } : { tokens: ['It is 84.'] }),
  });
  env.llm.queue.push({ tokens: tokensOf('The Lisbon budget needs 84 units.') });
  const question = 'How many units does the Lisbon budget need for twelve weeks?';
  const lines = await readNdjson(await postStream(env.api, `/chat/_create?assistant_id=${assistantId}&mcp=true`, { message: question }));
  expect(responseText(lines.slice(1))).toBe('The Lisbon budget needs 84 units.');
  const sessionId = lines[0]._id as string;
  const workflowId = workflowIdForSession(sessionId);

  // The static summary and details, as the client reads them (decoded).
  const description = await env.api.server.deps.temporal.client.workflow.getHandle(workflowId).describe();
  expect(await description.staticSummary()).toBe('How many units does the Lisbon budget need for twelve weeks? · Budget helper · admin');
  const staticDetails = await description.staticDetails();
  expect(staticDetails).toContain(`**Assistant**: Budget helper (\`${assistantId}\`)`);
  expect(staticDetails).toContain('**Model**: coco · test-model');
  expect(staticDetails).toContain(`/#/playground?session=${sessionId}`);
  expect(staticDetails).toContain(`/chat/${sessionId}/_history`);
  expect(staticDetails).not.toContain(env.env.COCO_LLM_API_KEY!);
  expect(await waitFor(() => currentDetails(env, workflowId), (d) => d.startsWith('**idle** since'))).toMatch(/^\*\*idle\*\* since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · 1 turn done/);

  // Turn 2 hangs in its answer (streamed by its first step, as no step comes before it); turn 3 waits behind it.
  env.llm.routes.splice(0, 1);
  env.llm.queue.push({ hang: true });
  const streams: Response[] = [];
  try {
    streams.push(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'And for the Porto office?' }));
    expect(streams[0]!.status).toBe(200);
    await waitFor(() => currentDetails(env, workflowId), (d) => d.includes('begin reply · test-model'));
    env.llm.queue.push({ tokens: tokensOf('Fine.') });
    streams.push(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'Thanks!' }));
    expect(streams[1]!.status).toBe(200);
    const busy = await waitFor(() => currentDetails(env, workflowId), (d) => d.includes('queued turns: 1'));
    expect(busy).toBe('**turn 2**: begin reply · test-model\n\n> And for the Porto office?\n\nqueued turns: 1');

    // The workflow list: the session's row, its CocoSummary column added with the table's settings drawer
    // (this UI's list shows no static summaries: see the README).
    const list = await openUi(listUrl(workflowId));
    try {
      const { page } = list;
      const row = page.getByTestId('workflows-summary-configurable-table-row').filter({ hasText: workflowId });
      await row.first().waitFor({ timeout: 30_000 });
      await page.getByTestId('workflows-summary-table-configuration-button').click();
      await page.getByTestId('orderable-list-item-CocoSummary-add-button').click();
      // Next to the workflow id (the columns after Status, Workflow ID, Run ID, Type, Start, End).
      for (let i = 0; i < 4; i++) await page.getByTestId('orderable-list-item-CocoSummary-move-up-button').click();
      await page.getByTestId('drawer-close-button').click();
      await page.getByTestId('workflows-summary-table-header-cell-CocoSummary').waitFor({ timeout: 10_000 });
      const headers = await page.locator('th[data-testid^="workflows-summary-table-header-cell-"]').allInnerTexts();
      expect(headers.map((h) => h.trim()).slice(0, 3)).toEqual(['Status', 'Workflow ID', 'CocoSummary']);
      const cells = (await row.first().locator('td').allInnerTexts()).map((c) => c.trim());
      expect(cells).toContain('Budget helper · admin');
      expect(cells.indexOf('Budget helper · admin')).toBe(cells.indexOf(workflowId) + 1);
      // The UI keeps the chosen columns per browser and namespace.
      const columns = await page.evaluate(() => JSON.parse((globalThis as any).localStorage.getItem('namespace-workflow-table-columns') ?? '{}'));
      expect(columns.default).toEqual(expect.arrayContaining([{ label: 'CocoSummary' }]));
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-summary-list.png') });
    } finally {
      await list.close();
    }
    // The attribute holds names only, never the message or title (search attributes are stored in the clear).
    const attributes = (await env.api.server.deps.temporal.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes;
    expect(attributes.get(SUMMARY_ATTRIBUTE)).toBe('Budget helper · admin');

    // The workflow's page: its summary and details, its current details, and the steps' summaries, decoded.
    const wf = await openUi(workflowUrl(workflowId));
    try {
      const { page } = wf;
      // The event history: each step and timer with its summary.
      for (const summary of ['begin reply · test-model', 'answer · test-model', 'tool · calculator', 'tools · test-model · step 1', 'keepalive · the run ends after 30 min idle']) {
        await visible(page, summary).waitFor({ timeout: 30_000 });
      }
      await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-summary-workflow.png'), fullPage: true });
      // Its User Metadata tab: the summary, the details, and what it does now.
      await page.getByRole('tab', { name: 'User Metadata' }).or(page.getByText('User Metadata', { exact: true })).first().click();
      await waitShown(page, [
        'How many units does the Lisbon budget need for twelve weeks? · Budget helper · admin',
        'Model: coco · test-model',
        'turn 2: begin reply · test-model',
        'And for the Porto office?',
        'queued turns: 1',
      ]);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-summary-metadata.png'), fullPage: true });
    } finally {
      await wf.close();
    }
  } finally {
    // Stop the hanging reply; the queued turn then runs.
    await env.api.request('POST', `/chat/${sessionId}/_cancel`);
    await Promise.all(streams.map((r) => readNdjson(r)));
  }
  expect(await waitFor(() => currentDetails(env, workflowId), (d) => d.includes('3 turns done'))).toContain('3 turns done');
});

it('with COCO_UI_SUMMARY_TEXT=false, no message text in the summary or details', async () => {
  const question = 'Please review the confidential Faro merger memo';
  hidden.llm.queue.push({ tokens: tokensOf('Reviewed.') });
  const lines = await readNdjson(await postStream(hidden.api, '/chat/_create', { message: question }));
  expect(responseText(lines.slice(1))).toBe('Reviewed.');
  const sessionId = lines[0]._id as string;
  const workflowId = workflowIdForSession(sessionId);

  const description = await hidden.api.server.deps.temporal.client.workflow.getHandle(workflowId).describe();
  const summary = (await description.staticSummary()) ?? '';
  const staticDetails = (await description.staticDetails()) ?? '';
  expect(summary).toMatch(/^chat · .+ · admin$/);
  // The list's column: the same names, whatever the flag says.
  expect(description.typedSearchAttributes.get(SUMMARY_ATTRIBUTE)).toBe(summary.slice('chat · '.length));
  for (const shown of [summary, staticDetails, await currentDetails(hidden, workflowId)]) {
    expect(shown).not.toContain('Faro');
    expect(shown).not.toContain('merger');
  }
  expect(staticDetails).toContain(`/chat/${sessionId}/_history`);

  const wf = await openUi(workflowUrl(workflowId));
  try {
    const { page } = wf;
    await visible(page, 'begin reply · test-model').waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: 'User Metadata' }).or(page.getByText('User Metadata', { exact: true })).first().click();
    await waitShown(page, [summary, '1 turn done', 'Assistant:']);
    // The page shows the summaries, details and the run's input (which, for a new session, holds no messages).
    expect(await shownText(page)).not.toContain('Faro');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-summary-hidden.png'), fullPage: true });
  } finally {
    await wf.close();
  }
});
