// API process: HTTP API on the API port, and the same app on the WebSocket listener port.
import http from 'node:http';
import { apiRouters, createApp } from './api/app';
import { routeTable, type RouteEntry } from './api/middleware/access';
import { createChat } from './api/chat';
import type { AppDeps } from './api/context';
import { Config, loadConfig } from './config';
import { createDomain } from './domain';
import { bootstrap } from './domain/bootstrap';
import { createLogger, Logger } from './infra/logger';
import { connectMongo } from './infra/mongo';
import { connectRedis } from './infra/redis';
import { connectTemporal } from './infra/temporal';
import { startTracing } from './infra/tracing';
import { freeLocalPort, startMetricsListener } from './infra/metrics';
import { RedisHub } from './bus/hub';
import { busKeys } from './bus/keys';
import { attachWebSocket } from './api/ws/websocket';
import { followCredentialChanges } from './api/credential-changes';

export interface ApiServer {
  deps: AppDeps;
  apiPort: number;
  wsPort: number;
  createdAdminToken?: string;
  createdAdminPassword?: string;
  /** Every route and who may call it (the route table test reads it). */
  routes: RouteEntry[];
  /** The plain metrics listener's port (COCO_METRICS_PORT), if it runs. */
  metricsPort?: number;
  close(): Promise<void>;
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

export async function startApiServer(config: Readonly<Config>, logger: Logger = createLogger(config.logLevel, 'api')): Promise<ApiServer> {
  const mongo = await connectMongo(config.mongo.uri);
  const redis = await connectRedis(config.redis.url, (err) => logger.warn({ err: err.message }, 'redis error'));
  // With a metrics port, the Temporal SDK's own metrics are exported too (on a loopback port of their own).
  const sdkMetricsPort = config.metrics.apiPort === undefined ? undefined : await freeLocalPort();
  // Before the Temporal client and the app: both trace only when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT).
  const tracing = await startTracing(config.tracing, 'coco-api', 'call');
  const temporal = await connectTemporal(config.temporal.address, config.temporal.namespace, config.logLevel, config.payloads, sdkMetricsPort);
  const hub = await RedisHub.open(redis);
  const domain = createDomain({ models: mongo.models, blobs: mongo.blobs, redis, redisPrefix: config.redis.prefix, stdioCommands: config.tools.mcp.stdioCommands, regexDialect: mongo.regexDialect });
  const deps: AppDeps = { config, logger, mongo, redis, temporal, hub, domain };
  const { createdAdminToken, createdAdminPassword } = await bootstrap(mongo.models, config, logger);

  const chat = createChat(deps, busKeys(config.redis.prefix));
  const app = createApp(deps, chat);
  const routes = routeTable(apiRouters(deps, chat));
  const servers = [http.createServer(app.callback()), http.createServer(app.callback())];
  const sockets = attachWebSocket(app, servers, { credentials: domain.credentials, stream: chat.stream, logger, pingIntervalMs: config.wsPingMs, maxSocketsPerToken: config.wsMaxPerToken });
  const stopFollowing = await followCredentialChanges(hub, redis, domain.credentials, sockets);
  const apiPort = await listen(servers[0]!, config.apiPort, config.host);
  const wsPort = await listen(servers[1]!, config.wsPort, config.host);
  logger.info({ api: apiPort, ws: wsPort }, 'API listening');
  const metrics = await startMetricsListener(config.metrics.apiPort, config.metrics.host, logger);

  return {
    deps,
    apiPort,
    wsPort,
    createdAdminToken,
    createdAdminPassword,
    routes,
    metricsPort: metrics?.port,
    async close() {
      await metrics?.close();
      await stopFollowing().catch(() => undefined);
      await sockets.close();
      // Open replies (NDJSON streams) would hold close() forever: end every connection.
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            }),
        ),
      );
      await Promise.allSettled([hub.close(), mongo.close(), redis.quit(), temporal.close(), tracing.shutdown()]);
    },
  };
}

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'api');
  const server = await startApiServer(config, logger);
  // Printed once, to the terminal only: both are stored hashed and cannot be shown again.
  if (server.createdAdminToken) process.stdout.write(`\nAdmin API token (shown once, keep it): ${server.createdAdminToken}\n`);
  if (server.createdAdminPassword) process.stdout.write(`Admin password for user "admin" (shown once, keep it): ${server.createdAdminPassword}\n`);
  if (server.createdAdminToken || server.createdAdminPassword) process.stdout.write('\n');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`API failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
