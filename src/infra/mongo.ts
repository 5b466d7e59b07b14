// One mongoose connection per process (or per test), with the project's models bound to it.
import mongoose, { Connection } from 'mongoose';
import { bindModels, Models } from '../models';
import { BlobStore } from './blob-store';

export interface Mongo {
  connection: Connection;
  models: Models;
  /**
   * What runs `$regex` there: FerretDB evaluates it with Go's regexp (RE2, linear time), MongoDB with PCRE
   * (backtracking): search/es-query.ts compiles wildcards for it.
   */
  regexDialect: 're2' | 'backtracking';
  /** Uploaded files' bytes (GridFS). */
  blobs: BlobStore;
  close(): Promise<void>;
}

export async function connectMongo(uri: string): Promise<Mongo> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 10_000,
    // FerretDB 1.24 has no retryable writes (they need sessions/transactions).
    retryWrites: false,
    autoIndex: true,
  });
  await connection.asPromise();
  const models = bindModels(connection);
  await Promise.all(Object.values(models).map((m) => m.init()));
  // FerretDB answers buildInfo with its own version beside the MongoDB one it speaks.
  const info = (await connection.db!.admin().command({ buildInfo: 1 }).catch(() => ({}))) as Record<string, unknown>;
  const regexDialect = 'ferretdbVersion' in info ? 're2' : 'backtracking';
  return { connection, models, regexDialect, blobs: new BlobStore(connection), close: () => connection.close() };
}
