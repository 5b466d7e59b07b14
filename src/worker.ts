// Worker process: runs the workflows of src/workflows and the activities of src/activities.
import { NativeConnection, Worker } from '@temporalio/worker';
import { ActivityDeps, createActivities } from './activities';
import { CancelWatcher } from './bus/cancel';
import { RedisHub } from './bus/hub';
import { busKeys } from './bus/keys';
import { RetrievalEngine } from './retrieval/engine';
import { McpPool } from './tools/mcp-pool';
import { Config, loadConfig } from './config';
import { createDomain } from './domain';
import { createLogger, Logger } from './infra/logger';
import { connectMongo } from './infra/mongo';
import { connectRedis } from './infra/redis';
import { DocChanges } from './infra/doc-changes';
import { ensureTemporalRuntime, payloadDataConverter } from './infra/temporal';
import { startTracing, workerTracingOptions } from './infra/tracing';
import { freeLocalPort, startMetricsListener } from './infra/metrics';
import { serveUnifiedSearch } from './activities/unified-search';

export interface RunningWorker {
  worker: Worker;
  run: Promise<void>;
  /** The plain metrics listener's port (COCO_WORKER_METRICS_PORT), if it runs. */
  metricsPort?: number;
  shutdown(): Promise<void>;
}

/** What the activities run on: connections to the database and Redis, the domain, the MCP pool. */
export async function connectActivityDeps(config: Readonly<Config>, logger: Logger): Promise<{ deps: ActivityDeps; close(): Promise<void> }> {
  const mongo = await connectMongo(config.mongo.uri);
  const redis = await connectRedis(config.redis.url, (err) => logger.warn({ err: err.message }, 'redis error'));
  const hub = await RedisHub.open(redis);
  const keys = busKeys(config.redis.prefix);
  const domain = createDomain({ models: mongo.models, blobs: mongo.blobs, redis, redisPrefix: config.redis.prefix, stdioCommands: config.tools.mcp.stdioCommands, regexDialect: mongo.regexDialect });
  const pool = new McpPool(config.tools.mcp, logger);
  const deps: ActivityDeps = {
    logger,
    domain,
    redis,
    keys,
    cancels: new CancelWatcher(redis, keys, hub),
    publisher: config.stream,
    retrieval: new RetrievalEngine(domain.documents, new DocChanges(redis, config.redis.prefix), { ...config.retrieval, logger }),
    tools: { pool, config: config.tools },
    attachmentWaitMs: config.attachments.waitMs,
  };
  return {
    deps,
    close: async () => {
      await Promise.allSettled([pool.close(), hub.close(), mongo.close(), redis.quit()]);
    },
  };
}

export async function startWorker(config: Readonly<Config>, logger: Logger = createLogger(config.logLevel, 'worker')): Promise<RunningWorker> {
  // With a metrics port, the Temporal SDK's own metrics (slots, polls, sticky cache) are served there too.
  ensureTemporalRuntime(config.logLevel, config.metrics.workerPort === undefined ? undefined : await freeLocalPort());
  // Payloads are encrypted at rest with the API's keys (a missing key stops the start here, clearly).
  const { dataConverter } = payloadDataConverter(config.payloads);
  const tracing = await startTracing(config.tracing, 'coco-worker');
  const { deps, close } = await connectActivityDeps(config, logger);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    dataConverter,
    // A stopping worker lets running steps finish briefly, then cancels them: Temporal retries them on
    // another worker, and a reply continues where it was.
    shutdownGraceTime: '5 seconds',
    // A session's next task goes to the worker that ran its last one (it has the workflow cached). If that
    // worker died, the task waits this long before another worker may take it (Temporal's default, 10 s,
    // was the pause a session's next message saw after a worker crash).
    stickyQueueScheduleToStartTimeout: config.temporal.stickyTimeoutMs,
    shutdownForceTime: '15 seconds',
    // Bounded by config, not by the heap: an idle session costs nothing here once evicted (its next turn
    // replays its history), so memory stays flat however many sessions are open.
    maxCachedWorkflows: config.worker.cachedSessions,
    maxConcurrentActivityTaskExecutions: config.worker.steps,
    maxConcurrentWorkflowTaskExecutions: config.worker.workflowTasks,
    activities: createActivities(deps),
    // With tracing on: activity and workflow spans (src/workflows/tracing.ts), workflow spans leave through a sink.
    ...workerTracingOptions(require.resolve('./workflows/tracing')),
  });
  const search = await serveUnifiedSearch(deps, config.redis.prefix); // answers /query/_search (bus/search-requests)
  const metrics = await startMetricsListener(config.metrics.workerPort, config.metrics.host, logger);
  const run = worker.run().finally(async () => {
    await Promise.all([search.stop(), metrics?.close()]);
    await Promise.allSettled([connection.close(), close(), tracing.shutdown()]);
  });
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
  return {
    worker,
    run,
    metricsPort: metrics?.port,
    // Idempotent: a second signal (Ctrl-C reaches the whole process group) must not throw.
    shutdown: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await run;
    },
  };
}

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  const running = await startWorker(config, logger);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void running.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await running.run;
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
