// Headless Debian Chromium driven by playwright-core, for the admin UI tests: console errors fail the
// test, screenshots go to test-artifacts/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser, BrowserContext, Page, Request } from 'playwright-core';

export const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'screenshots');
export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: the admin UI tests drive Debian's chromium package. ` +
        'Install it with `apt-get update && apt-get install -y chromium` (.ci/run does this), or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface TestPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors, less the HTTP statuses the test said it expects. */
  errors: string[];
  /** Every API request the page sent (method and path). */
  requests: Array<{ method: string; path: string }>;
  /** HTTP error statuses the browser may log as "Failed to load resource" because the test provokes them. */
  expectStatuses: Set<number>;
  close(): Promise<void>;
}

export async function openPage(browser: Browser, baseUrl: string, viewport = DESKTOP): Promise<TestPage> {
  // Reduced motion (honoured by the UI): a click never lands on a dialog that is still zooming in.
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, isMobile: viewport.width < 500, hasTouch: viewport.width < 500, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: Array<{ method: string; path: string }> = [];
  const expectStatuses = new Set<number>();
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const status = /status of (\d{3})/.exec(text);
    if (status && expectStatuses.has(Number(status[1]))) return;
    errors.push(`console: ${text}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('request', (req: Request) => {
    const url = new URL(req.url());
    if (url.origin === new URL(baseUrl).origin) requests.push({ method: req.method(), path: url.pathname + url.search });
  });
  return { page, context, errors, requests, expectStatuses, close: () => context.close() };
}

/**
 * The pages a test file opens: `open` adds one, `done` closes it and fails the test on any console error
 * it logged, `closeAll` (afterAll) closes what a failed test left open.
 */
export class PageSet {
  private readonly pages: TestPage[] = [];

  constructor(
    private readonly browser: Browser,
    private readonly baseUrl: string,
  ) {}

  async open(viewport?: { width: number; height: number }): Promise<TestPage> {
    const t = await openPage(this.browser, this.baseUrl, viewport);
    this.pages.push(t);
    return t;
  }

  async done(t: TestPage): Promise<void> {
    const errors = [...t.errors];
    await t.close();
    expect(errors).toEqual([]);
  }

  async closeAll(): Promise<void> {
    for (const t of this.pages) await t.close().catch(() => undefined);
  }
}

/** Deletes a table row through its Delete button and the confirm dialog; waits for the DELETE and the row to go. */
export async function deleteRowConfirmed(p: Page, rowKey: string, confirmTitle: string, apiPath: string) {
  const row = p.locator(`tr[data-row-key="${rowKey}"]`);
  await row.getByRole('button', { name: 'Delete' }).click();
  await p.locator('.ant-modal-confirm-title').getByText(confirmTitle).waitFor();
  const deleted = p.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith(apiPath));
  await p.locator('.ant-modal-confirm').getByRole('button', { name: 'Delete' }).click();
  expect((await deleted).status()).toBe(200);
  await row.waitFor({ state: 'detached' });
}

export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** Signs in with an API token (the sign-in page's second tab) and waits for the assistant list. */
export async function signIn(t: TestPage, baseUrl: string, token: string) {
  await t.page.goto(`${baseUrl}/`);
  await t.page.click('[data-testid=token-tab]');
  await t.page.fill('[data-testid=token-input]', token);
  await t.page.click('[data-testid=sign-in]');
  await t.page.waitForSelector('[data-testid=add-assistant]');
}

/** Signs in with a username and password (the sign-in page's default tab); the caller waits for its page. */
export async function signInWithPassword(t: TestPage, baseUrl: string, username: string, password: string) {
  await t.page.goto(`${baseUrl}/`);
  await t.page.click('[data-testid=password-tab]');
  await t.page.fill('[data-testid=username-input]', username);
  await t.page.fill('[data-testid=password-input]', password);
  await t.page.click('[data-testid=password-sign-in]');
}
