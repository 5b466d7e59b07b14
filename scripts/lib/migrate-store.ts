// Moves the data of an earlier embedded store (FerretDB on SQLite files in <data dir>/ferretdb) into the
// current one (FerretDB on PostgreSQL), once: npm start runs it when it finds the old files and no
// PostgreSQL store yet. The old files are kept, renamed, until you remove them.
import fs from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Config } from '../../src/config';
import { ferretArgs, tcpOpen } from './stack';
import { ensureFerretDB } from './toolchain';
import { spawn } from 'node:child_process';

const BATCH = 1000;

/** The SQLite store of an earlier version, if it holds data and was not moved yet. */
export function sqliteStoreToMigrate(config: Readonly<Config>): string | undefined {
  if (!config.mongo.embedded || config.mongo.store !== 'postgresql') return undefined;
  const dir = path.join(config.dataDir, 'ferretdb');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.sqlite')) : [];
  return files.length > 0 ? dir : undefined;
}

/**
 * Copies every collection of the configured database from the SQLite store (served by a FerretDB of its
 * own, on the next port) into the running store, then renames the old directory. Documents already
 * there (an earlier, interrupted run) are left as they are.
 */
export async function migrateSqliteStore(config: Readonly<Config>, dir: string, log: (line: string) => void): Promise<void> {
  const port = config.mongo.ferretPort + 1;
  if (await tcpOpen(port)) throw new Error(`moving the old store needs port ${port} free for a while (a FerretDB over the old files)`);
  log(`moving the data of ${dir} (FerretDB on SQLite) into PostgreSQL ...`);
  const bin = await ensureFerretDB(log);
  const old = spawn(bin, ferretArgs({ port, dir }), { stdio: 'ignore' });
  const dbName = new URL(config.mongo.uri).pathname.slice(1) || 'coco';
  const from = new mongoose.mongo.MongoClient(`mongodb://127.0.0.1:${port}/${dbName}`, { retryWrites: false });
  const to = new mongoose.mongo.MongoClient(config.mongo.uri, { retryWrites: false });
  try {
    for (let i = 0; i < 50 && !(await tcpOpen(port)); i++) await new Promise((r) => setTimeout(r, 100));
    await Promise.all([from.connect(), to.connect()]);
    let moved = 0;
    for (const { name } of await from.db(dbName).listCollections().toArray()) {
      const cursor = from.db(dbName).collection(name).find({}, { batchSize: BATCH });
      let batch: mongoose.mongo.Document[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await to.db(dbName).collection(name).insertMany(batch, { ordered: false }).catch((err: { code?: number; writeErrors?: unknown[] }) => {
          // Already moved by an earlier run that stopped half way: keep what is there.
          if (err.code !== 11000 && !err.writeErrors) throw err;
        });
        moved += batch.length;
        batch = [];
      };
      for await (const doc of cursor) {
        batch.push(doc);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
    }
    log(`moved ${moved} documents`);
  } finally {
    await Promise.allSettled([from.close(), to.close()]);
    old.kill('SIGTERM');
  }
  const kept = `${dir}-sqlite-moved-${new Date().toISOString().slice(0, 10)}`;
  fs.renameSync(dir, kept);
  log(`the old files are kept in ${kept}; remove them when you no longer need them`);
}
