// The only reader of process.env. Everything else receives a frozen Config.
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
/** A port that may be left unset (an empty value too). */
const optionalPort = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), port.optional());
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** A payload key: `[<id>:]<base64 of 32 bytes>` (the id: letters, digits, `_.-`, up to 64). */
const isPayloadKey = (v: string) => {
  const m = /^(?:([A-Za-z0-9_.-]{1,64}):)?([A-Za-z0-9+/_-]+={0,2})$/.exec(v);
  return !!m && Buffer.from(m[2] as string, 'base64').length === 32;
};
const PAYLOAD_KEY_FORMAT = (what: string) => `${what} must be [<id>:]<base64 of 32 random bytes> (e.g. \`openssl rand -base64 32\`)`;

const Env = z.object({
  COCO_HOST: z.string().default('127.0.0.1'),
  COCO_API_PORT: port.default(9000),
  COCO_WS_PORT: port.default(2900),
  COCO_WS_PING_MS: z.coerce.number().int().positive().default(54_000),
  COCO_WS_MAX_PER_TOKEN: z.coerce.number().int().positive().default(50),
  COCO_PUBLIC_URL: optionalString,
  COCO_DATA_DIR: z.string().default('.data'),
  COCO_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024),
  COCO_UPLOAD_LIMIT_BYTES: z.coerce.number().int().positive().default(20 * 1024 * 1024),
  COCO_ATTACHMENT_WAIT_MS: z.coerce.number().int().positive().max(20 * 60_000).default(120_000),
  COCO_ADMIN_TOKEN: optionalString,
  COCO_CORS_ORIGINS: z.string().default(''),
  COCO_ADMIN_PASSWORD: optionalString.refine((v) => v === undefined || v.length >= 8, 'COCO_ADMIN_PASSWORD must have at least 8 characters'),
  COCO_LLM_BASE_URL: optionalString,
  COCO_LLM_API_KEY: optionalString,
  COCO_LLM_MODEL: optionalString,
  MONGODB_URI: optionalString,
  COCO_FERRETDB_PORT: port.default(27017),
  COCO_STORE: z.enum(['postgresql', 'sqlite']).default('postgresql'),
  COCO_POSTGRES_PORT: port.default(5490),
  REDIS_URL: optionalString,
  COCO_REDIS_PORT: port.default(6390),
  COCO_REDIS_PREFIX: z.string().default('coco:'),
  COCO_REPLY_LOG_TTL_SEC: z.coerce.number().int().positive().default(3600),
  COCO_TOOLS_WIKIPEDIA_URL: z.string().url().default('https://en.wikipedia.org'),
  COCO_TOOLS_DUCKDUCKGO_URL: z.string().url().default('https://html.duckduckgo.com'),
  COCO_SCRAPER_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  COCO_SCRAPER_MAX_BYTES: z.coerce.number().int().positive().default(2 * 1024 * 1024),
  COCO_SCRAPER_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  COCO_MCP_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  COCO_MCP_CALL_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  COCO_MCP_IDLE_MS: z.coerce.number().int().positive().default(10 * 60_000),
  COCO_MCP_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(32),
  COCO_MCP_STDIO_COMMANDS: z.string().default('npx,uvx,node'),
  COCO_RETRIEVAL_MAX_DOCS: z.coerce.number().int().min(1).default(200_000),
  COCO_RETRIEVAL_SNAPSHOTS: z.enum(['true', 'false']).default('false'),
  COCO_WORKER_CACHED_SESSIONS: z.coerce.number().int().min(0).default(1000),
  COCO_WORKER_STEPS: z.coerce.number().int().min(1).default(100),
  COCO_WORKER_WORKFLOW_TASKS: z.coerce.number().int().min(2).default(40),
  COCO_CHAT_TURNS_PER_RUN: z.coerce.number().int().min(1).default(100),
  COCO_CHAT_CONTINUE_QUIET_MS: z.coerce.number().int().min(0).default(5000),
  COCO_CHAT_FORCE_CONTINUE_EVENTS: z.coerce.number().int().min(100).default(2000),
  COCO_CHAT_ADMISSION_MS: z.coerce.number().int().min(2000).default(20_000),
  COCO_UI_SUMMARY_TEXT: z.enum(['true', 'false']).default('true'),
  COCO_TURN_STARTS: z.coerce.number().int().min(1).default(16),
  COCO_TURN_QUEUE: z.coerce.number().int().min(0).default(1000),
  COCO_TURN_QUEUE_WAIT_MS: z.coerce.number().int().min(100).default(15_000),
  COCO_STICKY_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(100).default(1000),
  COCO_STREAM_COALESCE_MS: z.coerce.number().int().min(0).max(1000).default(0),
  COCO_FOLLOW_IDLE_MS: z.coerce.number().int().min(1000).default(300_000),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('coco-chat'),
  COCO_TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  COCO_TEMPORAL_BIN: optionalString,
  COCO_PAYLOAD_KEY: optionalString.refine((v) => v === undefined || isPayloadKey(v), PAYLOAD_KEY_FORMAT('COCO_PAYLOAD_KEY')),
  COCO_PAYLOAD_OLD_KEYS: optionalString.refine((v) => v === undefined || v.split(',').every((k) => k.trim() === '' || isPayloadKey(k.trim())), PAYLOAD_KEY_FORMAT('each key of COCO_PAYLOAD_OLD_KEYS')),
  COCO_TEMPORAL_UI_ORIGINS: optionalString,
  COCO_METRICS_PORT: optionalPort,
  COCO_WORKER_METRICS_PORT: optionalPort,
  COCO_METRICS_HOST: z.string().default('127.0.0.1'),
  COCO_TEMPORAL_UI_URL: optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'COCO_TEMPORAL_UI_URL: an http(s) URL such as http://127.0.0.1:8233'),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.refine((v) => v === undefined || /^https?:\/\/\S+$/.test(v), 'OTEL_EXPORTER_OTLP_ENDPOINT: an http(s) URL such as http://127.0.0.1:4318'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalString.refine((v) => v === undefined || /^https?:\/\/\S+$/.test(v), 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: an http(s) URL such as http://127.0.0.1:4318/v1/traces'),
  OTEL_SERVICE_NAME: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Bounds and endpoints of the tools a reply can call. */
export interface ToolsConfig {
  wikipediaUrl: string;
  duckduckgoUrl: string;
  scraper: { allowPrivate: boolean; maxBytes: number; timeoutMs: number };
  /** maxConnections: open MCP connections per worker; the least recently used idle one closes first. */
  /** stdioCommands: the commands a stdio MCP server may run (COCO_MCP_STDIO_COMMANDS); empty = stdio off. */
  mcp: { connectTimeoutMs: number; callTimeoutMs: number; idleMs: number; maxConnections: number; stdioCommands: string[] };
  /** Tool results are cut to this many characters before they reach the model. */
  maxResultChars: number;
}

export interface Config {
  host: string;
  apiPort: number;
  wsPort: number;
  wsPingMs: number;
  /** Open WebSockets one token may hold per API instance (COCO_WS_MAX_PER_TOKEN). */
  wsMaxPerToken: number;
  publicUrl: string;
  dataDir: string;
  bodyLimitBytes: number;
  /** Browser origins allowed with credentials (COCO_CORS_ORIGINS); empty: any origin, without credentials. */
  corsOrigins: string[];
  adminToken?: string;
  /** The admin user's password when the first start creates it (else a random one is printed once). */
  adminPassword?: string;
  llm?: { baseUrl: string; apiKey?: string; model: string };
  /**
   * embedded: the stack runs FerretDB on `ferretPort`, on its own PostgreSQL (`store` postgresql, on
   * `postgresPort`) or on SQLite files (`store` sqlite, the store of earlier versions).
   */
  mongo: { uri: string; embedded: boolean; ferretPort: number; store: 'postgresql' | 'sqlite'; postgresPort: number };
  /** embedded: the stack runs its own redis-server on `port` (with an append-only file under dataDir/redis). */
  redis: { url: string; prefix: string; embedded: boolean; port: number };
  /** followIdleMs: a client's relay of a reply gives up (and says so) when nothing arrives for this long. */
  stream: { logTtlSec: number; coalesceMs: number; followIdleMs: number };
  /**
   * turnsPerRun: continue-as-new after so many turns, once the chat is quiet for continueQuietMs.
   * forceContinueEvents: a run whose history has this many events continues as new without waiting for quiet.
   * admissionMs: how long a send waits for a worker to take the turn before it answers 503.
   * turnStarts: how many turns one API instance starts at once, how many more wait (and how long) before a 503.
   * uiText: the Temporal UI's summaries and details of a session may show message text (a title, first
   * words); false: only ids, names and counts (COCO_UI_SUMMARY_TEXT).
   */
  chat: {
    turnsPerRun: number;
    continueQuietMs: number;
    forceContinueEvents: number;
    admissionMs: number;
    turnStarts: { concurrency: number; queue: number; maxWaitMs: number };
    uiText: boolean;
  };
  tools: ToolsConfig;
  /**
   * What one worker process holds at most: session workflows kept in memory between turns (the rest are
   * replayed from history on their next turn), steps (activities) and workflow tasks running at once.
   */
  worker: { cachedSessions: number; steps: number; workflowTasks: number };
  /**
   * maxDocs: documents one worker holds in its retrieval indexes; snapshotDir: where built indexes are
   * kept, when snapshots are on (off by default: writing one blocked the worker's event loop for up to
   * 15 s at 100,000 documents, which stalls every reply that worker streams meanwhile).
   */
  retrieval: { maxDocs: number; snapshotDir?: string };
  /** Uploads: bytes per request (COCO_UPLOAD_LIMIT_BYTES, 20 MB as Coco); how long a turn waits for its files' text. */
  attachments: { uploadLimitBytes: number; waitMs: number };
  temporal: {
    address: string;
    embedded: boolean;
    namespace: string;
    taskQueue: string;
    uiPort: number;
    bin?: string;
    /** How long a session's next workflow task waits on its worker's sticky queue before any worker may take it. */
    stickyTimeoutMs: number;
    /** Origins of the Temporal UI allowed to call the codec endpoint (`/temporal/codec/*`) from a browser. */
    uiOrigins: string[];
    /** Where operators open the Temporal UI (COCO_TEMPORAL_UI_URL, else the embedded UI's address): the admin UI links workflows there. */
    uiUrl: string;
  };
  /**
   * The AES-256-GCM keys of the payload codec (src/infra/payload-codec.ts): `key` encrypts (from
   * COCO_PAYLOAD_KEY, else read from `keyFile`, which `npm start` creates on its first start), `oldKeys`
   * still decrypt what older keys encrypted. Each is `[<id>:]<base64>`.
   */
  payloads: { key?: string; oldKeys: string[]; keyFile: string };
  /**
   * The plain Prometheus listeners (GET /metrics, no auth; 0: any free port; absent: off): the API's
   * (COCO_METRICS_PORT) and the worker's (COCO_WORKER_METRICS_PORT, else the next port), on `host`
   * (COCO_METRICS_HOST, 127.0.0.1; 0.0.0.0 only on a private network such as compose's).
   */
  metrics: { host: string; apiPort?: number; workerPort?: number };
  /**
   * OpenTelemetry tracing (src/infra/tracing.ts): on when an OTLP endpoint is set. `url`: where spans go
   * (OTLP over HTTP, protobuf): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT +
   * `/v1/traces`. `serviceName`: OTEL_SERVICE_NAME (else coco-api / coco-worker).
   */
  tracing: { url?: string; serviceName?: string };
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.COCO_DATA_DIR);
  let llm: Config['llm'];
  if (e.COCO_LLM_BASE_URL || e.COCO_LLM_MODEL) {
    if (!e.COCO_LLM_BASE_URL || !e.COCO_LLM_MODEL) {
      throw new ConfigError('COCO_LLM_BASE_URL and COCO_LLM_MODEL must be set together');
    }
    llm = { baseUrl: e.COCO_LLM_BASE_URL, apiKey: e.COCO_LLM_API_KEY, model: e.COCO_LLM_MODEL };
  }
  const config: Config = {
    host: e.COCO_HOST,
    apiPort: e.COCO_API_PORT,
    wsPort: e.COCO_WS_PORT,
    wsPingMs: e.COCO_WS_PING_MS,
    wsMaxPerToken: e.COCO_WS_MAX_PER_TOKEN,
    publicUrl: e.COCO_PUBLIC_URL ?? `http://${displayHost(e.COCO_HOST)}:${e.COCO_API_PORT}`,
    dataDir,
    bodyLimitBytes: e.COCO_BODY_LIMIT_BYTES,
    adminToken: e.COCO_ADMIN_TOKEN,
    corsOrigins: e.COCO_CORS_ORIGINS.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean),
    adminPassword: e.COCO_ADMIN_PASSWORD,
    llm,
    mongo: {
      uri: e.MONGODB_URI ?? `mongodb://127.0.0.1:${e.COCO_FERRETDB_PORT}/coco`,
      embedded: e.MONGODB_URI === undefined,
      ferretPort: e.COCO_FERRETDB_PORT,
      store: e.COCO_STORE,
      postgresPort: e.COCO_POSTGRES_PORT,
    },
    redis: {
      url: e.REDIS_URL ?? `redis://127.0.0.1:${e.COCO_REDIS_PORT}`,
      prefix: e.COCO_REDIS_PREFIX,
      embedded: e.REDIS_URL === undefined,
      port: e.COCO_REDIS_PORT,
    },
    stream: { logTtlSec: e.COCO_REPLY_LOG_TTL_SEC, coalesceMs: e.COCO_STREAM_COALESCE_MS, followIdleMs: e.COCO_FOLLOW_IDLE_MS },
    chat: {
      turnsPerRun: e.COCO_CHAT_TURNS_PER_RUN,
      continueQuietMs: e.COCO_CHAT_CONTINUE_QUIET_MS,
      forceContinueEvents: e.COCO_CHAT_FORCE_CONTINUE_EVENTS,
      admissionMs: e.COCO_CHAT_ADMISSION_MS,
      turnStarts: { concurrency: e.COCO_TURN_STARTS, queue: e.COCO_TURN_QUEUE, maxWaitMs: e.COCO_TURN_QUEUE_WAIT_MS },
      uiText: e.COCO_UI_SUMMARY_TEXT === 'true',
    },
    tools: {
      wikipediaUrl: e.COCO_TOOLS_WIKIPEDIA_URL,
      duckduckgoUrl: e.COCO_TOOLS_DUCKDUCKGO_URL,
      scraper: { allowPrivate: e.COCO_SCRAPER_ALLOW_PRIVATE === 'true', maxBytes: e.COCO_SCRAPER_MAX_BYTES, timeoutMs: e.COCO_SCRAPER_TIMEOUT_MS },
      mcp: { connectTimeoutMs: e.COCO_MCP_CONNECT_TIMEOUT_MS, callTimeoutMs: e.COCO_MCP_CALL_TIMEOUT_MS, idleMs: e.COCO_MCP_IDLE_MS, maxConnections: e.COCO_MCP_MAX_CONNECTIONS, stdioCommands: e.COCO_MCP_STDIO_COMMANDS.split(',').map((c) => c.trim()).filter(Boolean) },
      maxResultChars: 8000,
    },
    attachments: { uploadLimitBytes: e.COCO_UPLOAD_LIMIT_BYTES, waitMs: e.COCO_ATTACHMENT_WAIT_MS },
    retrieval: { maxDocs: e.COCO_RETRIEVAL_MAX_DOCS, ...(e.COCO_RETRIEVAL_SNAPSHOTS === 'true' && { snapshotDir: path.join(dataDir, 'retrieval') }) },
    worker: { cachedSessions: e.COCO_WORKER_CACHED_SESSIONS, steps: e.COCO_WORKER_STEPS, workflowTasks: e.COCO_WORKER_WORKFLOW_TASKS },
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.COCO_TEMPORAL_PORT}`,
      embedded: e.TEMPORAL_ADDRESS === undefined,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiPort: e.TEMPORAL_UI_PORT,
      bin: e.COCO_TEMPORAL_BIN,
      stickyTimeoutMs: e.COCO_STICKY_QUEUE_TIMEOUT_MS,
      uiOrigins: (e.COCO_TEMPORAL_UI_ORIGINS ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT},http://localhost:${e.TEMPORAL_UI_PORT}`)
        .split(',')
        .map((o) => o.trim().replace(/\/+$/, ''))
        .filter(Boolean),
      uiUrl: (e.COCO_TEMPORAL_UI_URL ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`).replace(/\/+$/, ''),
    },
    payloads: {
      key: e.COCO_PAYLOAD_KEY,
      oldKeys: (e.COCO_PAYLOAD_OLD_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
      keyFile: path.join(dataDir, 'payload.key'),
    },
    metrics: {
      host: e.COCO_METRICS_HOST,
      apiPort: e.COCO_METRICS_PORT,
      workerPort: e.COCO_WORKER_METRICS_PORT ?? (e.COCO_METRICS_PORT === undefined ? undefined : e.COCO_METRICS_PORT === 0 ? 0 : e.COCO_METRICS_PORT + 1),
    },
    tracing: {
      url: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT && `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`),
      serviceName: e.OTEL_SERVICE_NAME,
    },
    logLevel: e.LOG_LEVEL,
  };
  return deepFreeze(config);
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
