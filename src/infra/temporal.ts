import { Client, Connection } from '@temporalio/client';

export interface Temporal {
  connection: Connection;
  client: Client;
  close(): Promise<void>;
}

export async function connectTemporal(address: string, namespace: string): Promise<Temporal> {
  const connection = await Connection.connect({ address, connectTimeout: 10_000 });
  const client = new Client({ connection, namespace });
  return { connection, client, close: () => connection.close() };
}
