// One mongoose connection per process (or per test), with the project's models bound to it.
import mongoose, { Connection } from 'mongoose';
import { bindModels, Models } from '../models';

export interface Mongo {
  connection: Connection;
  models: Models;
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
  return { connection, models, close: () => connection.close() };
}
