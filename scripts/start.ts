// `npm start`: the embedded stack, then the API and the worker, in one command. Ctrl-C stops all of it;
// a crashed API or worker is restarted on its own (scripts/lib/supervise.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { bootstrap } from '../src/domain/bootstrap';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/infra/logger';
import { connectMongo } from '../src/infra/mongo';
import { ensurePayloadKeyFile } from '../src/infra/payload-codec';
import { stackOptionsFor } from './lib/embedded';
import { migrateSqliteStore, sqliteStoreToMigrate } from './lib/migrate-store';
import { Stack, startStack } from './lib/stack';
import { supervise, Supervisor } from './lib/supervise';

const root = path.resolve(__dirname, '..');
const log = (line: string) => process.stdout.write(`[start] ${line}\n`);

async function waitForHealth(url: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet, or restarting after a crash (a crash loop stops everything, this wait too)
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the API did not become healthy within ${timeoutMs / 1000}s`);
}

async function main() {
  const started = Date.now();
  const config = loadConfig();
  const children: Supervisor[] = [];
  let stack: Stack | undefined;
  let stackStarting: Promise<Stack> | undefined;
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping ...');
    await Promise.all(children.map((c) => c.stop()));
    // Ctrl-C while the stack is still starting: wait for it, so that its processes are stopped too.
    await (stack ?? (await stackStarting?.catch(() => undefined)))?.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    // The key that encrypts chat payloads in Temporal: COCO_PAYLOAD_KEY, else one made at the first start.
    const keyCreated = !config.payloads.key && ensurePayloadKeyFile(config.payloads.keyFile).created;
    if (keyCreated) log(`created the payload key ${path.relative(root, config.payloads.keyFile) || config.payloads.keyFile} (mode 0600)`);
    const stackOptions = stackOptionsFor(config, log, { persistent: true, ui: true });
    // The Temporal UI decodes payloads through the API (admins only).
    if (stackOptions.temporal) stackOptions.temporal.codecEndpoint = `${config.publicUrl.replace(/\/+$/, '')}/temporal/codec`;
    stackStarting = startStack(stackOptions);
    stack = await stackStarting;
    if (stopping) return;
    log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    // Data of an earlier store (FerretDB on SQLite) moves into PostgreSQL once, before anything reads it.
    const oldStore = sqliteStoreToMigrate(config);
    if (oldStore) await migrateSqliteStore(config, oldStore, log);

    // Bootstrap here, before the API starts, so this banner can show a newly created admin token and password.
    const mongo = await connectMongo(config.mongo.uri);
    const { createdAdminToken, createdAdminPassword } = await bootstrap(mongo.models, config, createLogger('warn', 'start'));
    await mongo.close();
    // Stopped meanwhile (Ctrl-C during bootstrap): children started now would outlive this process.
    if (stopping) return;

    for (const entry of ['src/server.ts', 'src/worker.ts']) {
      // node with tsx's loader (not the tsx wrapper): one process each, so signals reach them directly.
      const spawnChild = () => spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, stdio: 'inherit', env: process.env });
      children.push(supervise({ name: entry, spawn: spawnChild, log, onCrashLoop: () => void stopAll(1) }));
    }
    await waitForHealth(`http://127.0.0.1:${config.apiPort}/health`);
    if (stopping) return;

    const lines = [
      '',
      `Coco server ready in ${((Date.now() - started) / 1000).toFixed(1)}s`,
      `  API          ${config.publicUrl}`,
      `  WebSocket    ws://${new URL(config.publicUrl).hostname}:${config.wsPort}/ws (and /ws on the API port)`,
      config.temporal.embedded ? `  Temporal UI  http://127.0.0.1:${config.temporal.uiPort}` : `  Temporal     ${config.temporal.address}`,
      config.payloads.key
        ? '  Payload key  COCO_PAYLOAD_KEY (chat payloads in Temporal are encrypted with it)'
        : `  Payload key  ${config.payloads.keyFile}${keyCreated ? ' (created now: back it up, histories cannot be read without it)' : ''}`,
      createdAdminToken
        ? `  Admin token  ${createdAdminToken}   (shown once: it is stored hashed)`
        : config.adminToken
          ? '  Admin token  the value of COCO_ADMIN_TOKEN'
          : '  Admin token  printed at the first start (create more with POST /auth/request_access_token)',
      createdAdminPassword
        ? `  Admin login  user "admin", password ${createdAdminPassword}   (shown once: it is stored hashed)`
        : config.adminPassword
          ? '  Admin login  user "admin", password COCO_ADMIN_PASSWORD (as set at its first start)'
          : '  Admin login  user "admin", password printed at the first start (sign in at the API URL)',
      config.llm ? `  Model        ${config.llm.model} at ${config.llm.baseUrl}` : '  Model        none configured (set COCO_LLM_BASE_URL and COCO_LLM_MODEL before the first start)',
      '',
      'Press Ctrl-C to stop.',
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } catch (err) {
    if (stopping) return; // a failure caused by stopping (e.g. Temporal exiting on Ctrl-C) is no news
    process.stderr.write(`\n[start] ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll(1);
  }
}

void main();
