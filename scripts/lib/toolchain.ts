// Makes sure the embedded stack's binaries exist: the Temporal CLI (dev server) and the FerretDB wrapper.
// Binaries are built from the Go module proxy into a per-user cache outside the clone, so fresh clones
// (and CI) reuse them, and are linked into .tools/bin. Nothing is downloaded as a prebuilt binary.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_VERSION = '1.5.1';
export const FERRETDB_VERSION = '1.24.2';

const root = path.resolve(__dirname, '..', '..');
const toolsBin = path.join(root, '.tools', 'bin');
const ferretSrc = path.join(root, 'tools', 'ferretdb');

type Log = (line: string) => void;

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'coco-durable-server');
}

function versionOf(bin: string, args: string[]): string | undefined {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function link(target: string, name: string): string {
  fs.mkdirSync(toolsBin, { recursive: true });
  const dest = path.join(toolsBin, name);
  fs.rmSync(dest, { force: true });
  fs.symlinkSync(target, dest);
  return dest;
}

function requireGo(what: string): string {
  const go = findOnPath('go') ?? ['/usr/local/go/bin/go'].find((p) => fs.existsSync(p));
  if (!go) {
    throw new Error(
      `${what} is not installed and Go is not available to build it.\n` +
        `Install Go 1.24+ (https://go.dev/dl/), or put a Temporal CLI v${TEMPORAL_VERSION} on PATH ` +
        `(or set COCO_TEMPORAL_BIN), or point MONGODB_URI / TEMPORAL_ADDRESS at running services.`,
    );
  }
  return go;
}

/** Runs a Go build, streaming its package list so a long cold build shows progress. */
function runGo(go: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }, label: string, log: Log) {
  return new Promise<void>((resolve, reject) => {
    const started = Date.now();
    log(`building ${label} (first time only; a cold build takes a few minutes) ...`);
    const child = spawn(go, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let packages = 0;
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      packages += text.split('\n').filter((l) => l.trim() !== '').length;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const ticker = setInterval(() => {
      log(`  ... ${label}: ${Math.round((Date.now() - started) / 1000)}s, ${packages} packages/lines so far`);
    }, 15_000);
    child.on('error', (err) => {
      clearInterval(ticker);
      reject(err);
    });
    child.on('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) {
        log(`built ${label} in ${Math.round((Date.now() - started) / 1000)}s`);
        resolve();
      } else {
        reject(new Error(`building ${label} failed (exit ${code}):\n${tail}`));
      }
    });
  });
}

/** Returns the path of a Temporal CLI v1.5.x: COCO_TEMPORAL_BIN, one on PATH, the cache, or a fresh build. */
export async function ensureTemporal(log: Log, explicit?: string): Promise<string> {
  if (explicit) {
    if (!versionOf(explicit, ['--version'])) throw new Error(`COCO_TEMPORAL_BIN=${explicit} does not run`);
    return link(explicit, 'temporal');
  }
  const onPath = findOnPath('temporal');
  const onPathVersion = onPath && versionOf(onPath, ['--version']);
  if (onPath && onPathVersion?.includes(`version ${TEMPORAL_VERSION}`)) return link(onPath, 'temporal');

  const dir = path.join(cacheDir(), `temporal-${TEMPORAL_VERSION}`);
  const bin = path.join(dir, 'temporal');
  if (!versionOf(bin, ['--version'])?.includes(`version ${TEMPORAL_VERSION}`)) {
    const go = requireGo('The Temporal CLI');
    fs.mkdirSync(dir, { recursive: true });
    await runGo(
      go,
      [
        'install',
        '-v',
        '-ldflags',
        `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_VERSION}`,
        `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_VERSION}`,
      ],
      { cwd: os.tmpdir(), env: { ...process.env, GOBIN: dir, GOFLAGS: '-buildvcs=false' } },
      `Temporal CLI v${TEMPORAL_VERSION}`,
      log,
    );
  }
  return link(bin, 'temporal');
}

/** The wrapper's cache key covers its sources, so a change to tools/ferretdb rebuilds it. */
function ferretSourceHash(): string {
  const h = createHash('sha256');
  for (const f of fs.readdirSync(ferretSrc).sort()) h.update(f).update(fs.readFileSync(path.join(ferretSrc, f)));
  return h.digest('hex').slice(0, 12);
}

export async function ensureFerretDB(log: Log): Promise<string> {
  const dir = path.join(cacheDir(), `ferretdb-${FERRETDB_VERSION}-${ferretSourceHash()}`);
  const bin = path.join(dir, 'ferretdb');
  if (!versionOf(bin, ['--version'])?.includes(FERRETDB_VERSION)) {
    const go = requireGo('FerretDB');
    fs.mkdirSync(dir, { recursive: true });
    await runGo(
      go,
      ['build', '-v', '-ldflags', '-s -w', '-o', bin, '.'],
      { cwd: ferretSrc, env: { ...process.env, GOFLAGS: '-buildvcs=false' } },
      `FerretDB v${FERRETDB_VERSION} wrapper`,
      log,
    );
  }
  return link(bin, 'ferretdb');
}
