// The embedded stack as the config asks for it: services named in the environment are left alone.
import path from 'node:path';
import type { Config } from '../../src/config';
import { postgresUrl } from './postgres';
import type { StackOptions } from './stack';

export function portOf(address: string): number {
  const port = Number(address.split(':').pop());
  if (!Number.isInteger(port)) throw new Error(`cannot read a port from "${address}"`);
  return port;
}

export function stackOptionsFor(
  config: Readonly<Config>,
  log: (line: string) => void,
  opts: { persistent: boolean; ui: boolean },
): StackOptions {
  return {
    log,
    dataDir: config.dataDir,
    temporal: config.temporal.embedded
      ? {
          port: portOf(config.temporal.address),
          uiPort: opts.ui ? config.temporal.uiPort : null,
          dbFile: opts.persistent ? path.join(config.dataDir, 'temporal.db') : null,
          bin: config.temporal.bin,
        }
      : null,
    ferret: config.mongo.embedded
      ? {
          port: config.mongo.ferretPort,
          dir: path.join(config.dataDir, 'ferretdb'),
          postgresUrl: config.mongo.store === 'postgresql' ? postgresUrl(config.mongo.postgresPort) : undefined,
        }
      : null,
    postgres: config.mongo.embedded && config.mongo.store === 'postgresql' ? { port: config.mongo.postgresPort, dir: path.join(config.dataDir, 'postgres') } : null,
    redis: config.redis.embedded ? { port: config.redis.port, dir: opts.persistent ? path.join(config.dataDir, 'redis') : null } : null,
    redisUrl: config.redis.url,
  };
}
