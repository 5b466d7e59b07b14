import { createClient } from 'redis';

function makeClient(url: string) {
  return createClient({ url });
}

export type Redis = ReturnType<typeof makeClient>;

export async function connectRedis(url: string, onError: (err: Error) => void): Promise<Redis> {
  const client = makeClient(url);
  client.on('error', onError);
  await client.connect();
  return client;
}
