// The admin UI's resource pages in headless Debian Chromium: model providers (the API key is never
// shown back), datasources with documents (add, edit, delete, upload of a Markdown file), MCP servers,
// and the playground showing the retrieval step for an uploaded document.
import type { Browser } from 'playwright-core';
import { startChatEnv, ChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { launchChromium, PageSet, screenshot, signIn, TestPage } from './browser';

jest.setTimeout(120_000);

let env: ChatEnv;
let browser: Browser;
let base: string;
let pages: PageSet;

async function page() {
  const t = await pages.open();
  await signIn(t, base, env.api.token);
  return t;
}

const done = (t: TestPage) => pages.done(t);

const drawerSave = (t: TestPage) => t.page.locator('.ant-drawer-open').getByRole('button', { name: 'Save' }).click();

/** Saves the drawer's form and waits for it to close; a refusal shown in the drawer fails with its text. */
async function saveAndClose(t: TestPage) {
  await drawerSave(t);
  const open = t.page.locator('.ant-drawer-open');
  // An error of the previous attempt may still be fading out: only a non-empty message counts.
  const refused = open.locator('.ant-alert-error, .ant-form-item-explain-error').filter({ hasText: /\S/ });
  await Promise.race([open.waitFor({ state: 'detached' }), refused.first().waitFor()]);
  const stillRefused = async () => (await open.count()) > 0 && (await refused.count()) > 0;
  if ((await stillRefused()) && (await t.page.waitForTimeout(500), await stillRefused())) {
    throw new Error(`the drawer refused to save: ${await refused.allInnerTexts()}`);
  }
  await open.waitFor({ state: 'detached' });
}

beforeAll(async () => {
  browser = await launchChromium();
  env = await startChatEnv('e2e-res');
  base = env.api.url;
  pages = new PageSet(browser, base);
});

afterAll(async () => {
  await pages?.closeAll();
  await browser?.close();
  await env?.close();
});

test('model providers: create with a key that is never shown back, edit keeps it', async () => {
  const t = await page();
  const { page: p } = t;
  const secret = 'sk-e2e-secret-0123456789abcdef';
  await p.goto(`${base}/#/model-provider`);
  await p.locator('tr[data-row-key="coco"]').waitFor();
  await p.getByRole('button', { name: 'Add' }).click();
  await p.fill('#name', 'E2E provider');
  await p.fill('#base_url', 'http://127.0.0.1:9/v1');
  await p.fill('#api_key_new', secret);
  await p.getByRole('button', { name: 'Add model' }).click();
  await p.fill('#models_0_name', 'e2e-model');
  await saveAndClose(t);
  const list = await env.api.request('GET', '/model_provider/_search?query=name:E2E%20provider');
  const id = list.body.hits.hits[0]._id as string;
  const stored = (await env.api.request('GET', `/model_provider/${id}`)).body._source;
  expect(stored).toMatchObject({ name: 'E2E provider', base_url: 'http://127.0.0.1:9/v1', models: [{ name: 'e2e-model' }] });
  expect(stored.api_key).not.toBe(secret);
  const masked = stored.api_key;

  // Edit: the key field is empty, the secret appears nowhere; saving keeps the stored key.
  await p.locator(`tr[data-row-key="${id}"]`).getByRole('button', { name: 'Edit' }).click();
  await p.waitForSelector('#api_key_new');
  expect(await p.inputValue('#api_key_new')).toBe('');
  expect(await p.content()).not.toContain(secret);
  await p.fill('#description', 'edited');
  await saveAndClose(t);
  const after = (await env.api.request('GET', `/model_provider/${id}`)).body._source;
  expect(after).toMatchObject({ description: 'edited', api_key: masked });
  await done(t);
});

test('datasources and documents: create, upload a Markdown file, add, edit and delete a document; the playground shows the sources step', async () => {
  const t = await page();
  const { page: p } = t;
  await p.goto(`${base}/#/datasource`);
  await p.getByRole('button', { name: 'Add' }).click();
  await p.fill('#name', 'E2E docs');
  await drawerSave(t);
  await p.getByText('E2E docs').click();
  await p.getByRole('button', { name: 'Add document' }).waitFor();
  const dsId = /#\/datasource\/([^/?#]+)/.exec(p.url())![1]!;

  await p.setInputFiles('input[type=file]', {
    name: 'guide.md',
    mimeType: 'text/markdown',
    buffer: Buffer.from('# Zebra protocol guide\n\nThe zebra protocol moves striped packets between Coco servers.\n'),
  });
  await p.getByRole('cell', { name: 'Zebra protocol guide', exact: true }).waitFor();
  const docs = await env.api.request('GET', `/document/_search?filter=source.id:${dsId}`);
  expect(docs.body.hits.hits[0]._source).toMatchObject({ title: 'Zebra protocol guide', type: 'markdown', source: { id: dsId } });
  expect(docs.body.hits.hits[0]._source.content).toContain('striped packets');

  await p.getByRole('button', { name: 'Add document' }).click();
  await p.fill('#title', 'Hand written');
  await p.fill('#content', 'Typed in the browser.');
  await drawerSave(t);
  const row = p.locator('tr').filter({ hasText: 'Hand written' });
  await row.waitFor();
  await row.getByRole('button', { name: 'Edit' }).click();
  await p.fill('#title', 'Hand written (edited)');
  await drawerSave(t);
  const edited = p.locator('tr').filter({ hasText: 'Hand written (edited)' });
  await edited.waitFor();
  await edited.getByRole('button', { name: 'Delete' }).click();
  await p.locator('.ant-modal-confirm').getByRole('button', { name: 'Delete' }).click();
  await edited.waitFor({ state: 'detached' });
  expect((await env.api.request('GET', `/document/_search?filter=source.id:${dsId}`)).body.hits.total.value).toBe(1);

  // The uploaded document is found by the default assistant, and the step shows it.
  await p.goto(`${base}/#/playground`);
  await p.getByText('connected').waitFor();
  await p.getByRole('switch', { name: 'Search datasources' }).click();
  env.llm.queue.push({ tokens: tokensOf('Striped packets, according to the guide.'), delayMs: 20 });
  await p.fill('[data-testid=chat-input]', 'zebra protocol');
  await p.click('[data-testid=send]');
  await p.locator('[data-testid=reply-end]').getByText('reply_end completed').waitFor();
  await p.locator('[data-testid=step-sources]').getByText(/Found [1-9]\d* source/).click();
  await p.locator('[data-testid=step-sources]').getByText('Zebra protocol guide').waitFor();
  await p.waitForTimeout(400); // the panel's opening animation
  await screenshot(p, 'playground-sources-1280');
  await done(t);
});

test('MCP servers: stdio with args and env one per line; a URL type needs a URL', async () => {
  const t = await page();
  const { page: p } = t;
  await p.goto(`${base}/#/mcp-server`);
  await p.getByRole('button', { name: 'Add' }).click();
  await p.fill('#name', 'E2E everything');
  await p.fill('#command', 'npx');
  await p.fill('#args_text', '-y\n@modelcontextprotocol/server-everything');
  await p.fill('#env_text', 'NOT VALID');
  await drawerSave(t);
  await p.getByText('"NOT VALID" is not KEY=value').waitFor();
  await p.fill('#env_text', 'API_KEY=very-secret\nMODE=test');
  await saveAndClose(t);
  const list = await env.api.request('GET', '/mcp_server/_search?query=name:E2E%20everything');
  const id = list.body.hits.hits[0]._id as string;
  const stored = (await env.api.request('GET', `/mcp_server/${id}`)).body._source;
  expect(stored).toMatchObject({ type: 'stdio', config: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] } });
  expect(Object.keys(stored.config.env).sort()).toEqual(['API_KEY', 'MODE']);

  await p.locator(`tr[data-row-key="${id}"]`).getByRole('button', { name: 'Edit' }).click();
  await p.waitForSelector('#env_text');
  expect(await p.inputValue('#env_text')).not.toContain('very-secret');
  await p.click('#type');
  await p.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'streamable_http' }).click();
  await p.fill('#url', 'not a url');
  await drawerSave(t);
  await p.getByText('An http(s) URL').waitFor();
  await p.fill('#url', 'http://127.0.0.1:9/mcp');
  await saveAndClose(t);
  expect((await env.api.request('GET', `/mcp_server/${id}`)).body._source).toMatchObject({ type: 'streamable_http', config: { url: 'http://127.0.0.1:9/mcp' } });
  await done(t);
});

test('the playground shows tool calls and thinking as they stream', async () => {
  const created = await env.api.request('POST', '/assistant/', {
    name: 'Steps assistant',
    answering_model: { provider_id: 'coco', name: 'test-model', settings: { reasoning: true } },
    tools: { enabled: true, builtin: { calculator: true } },
    mcp_servers: { enabled: true, ids: ['*'], max_iterations: 3 },
  });
  expect(created.status).toBe(200);
  // Tool steps (non-streamed requests offering tools): call the calculator once, then stop.
  const isToolStep = (r: any) => Array.isArray(r.body?.tools) && r.body.stream !== true;
  const toolResults = (r: any) => (r.body.messages as Array<{ role: string }>).filter((m) => m.role === 'tool');
  env.llm.routes.unshift({
    match: isToolStep,
    script: (r) => (toolResults(r).length === 0 ? { toolCalls: [{ name: 'calculator', arguments: '{"expression":"2+3"}' }] } : { tokens: ['Done.'] }),
  });
  try {
    const t = await page();
    const { page: p } = t;
    await p.goto(`${base}/#/playground`);
    await p.getByText('connected').waitFor();
    await p.click('[data-testid=assistant-picker]');
    await p.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'Steps assistant' }).click();
    await p.getByRole('switch', { name: 'Tools' }).click();
    env.llm.queue.push({ reasoning: tokensOf('First I add two and three.'), tokens: tokensOf('The sum is **5**.'), delayMs: 30 });
    await p.fill('[data-testid=chat-input]', 'What is 2+3?');
    await p.click('[data-testid=send]');
    await p.locator('[data-testid=step-think]').getByText('First I add').waitFor();
    await p.locator('[data-testid=reply-end]').getByText('reply_end completed').waitFor();
    await p.locator('[data-testid=step-tools]').getByText('Tools · 1 call').click();
    await p.locator('[data-testid=step-tools]').getByText('calculator').waitFor();
    await p.locator('[data-testid=step-tools]').getByText('{"expression":"2+3"}').waitFor();
    // The thinking panel opened while the model thought, and stays readable.
    await p.locator('[data-testid=step-think]').getByText('First I add two and three.').waitFor();
    expect(await p.locator('[data-testid=answer]').innerText()).toBe('The sum is 5.');
    await p.waitForTimeout(400);
    await screenshot(p, 'playground-steps-1280');
    await done(t);
  } finally {
    env.llm.routes.shift();
  }
});
