// Liveness of the services the API depends on, each check bounded so /health never hangs.
import type { AppDeps } from '../../context';

export type ServiceStatus = { status: 'ok' } | { status: 'down'; error: string };

async function bounded(check: () => Promise<unknown>, ms = 2000): Promise<ServiceStatus> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
    return { status: 'ok' };
  } catch (err) {
    return { status: 'down', error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkServices(deps: Pick<AppDeps, 'mongo' | 'redis' | 'temporal'>) {
  const [mongodb, redis, temporal] = await Promise.all([
    bounded(async () => {
      const db = deps.mongo.connection.db;
      if (!db) throw new Error('not connected');
      await db.admin().command({ ping: 1 });
    }),
    bounded(async () => {
      if ((await deps.redis.ping()) !== 'PONG') throw new Error('unexpected PING reply');
    }),
    bounded(async () => {
      const res = await deps.temporal.connection.healthService.check({});
      if (res.status !== 1) throw new Error(`health status ${res.status}`);
    }),
  ]);
  const services = { mongodb, redis, temporal };
  const healthy = Object.values(services).every((s) => s.status === 'ok');
  return { healthy, services };
}
