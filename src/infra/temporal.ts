// The Temporal client of the API, and the SDK runtime that API and worker share. The client rides on the
// SDK's native (Rust) connection, as the worker does: it sends a turn's update with less work on the
// event loop than the pure-JS gRPC client (measured ~0.7 ms of the first token's p50 in the bench).
import { Client } from '@temporalio/client';
import { DefaultLogger, LogLevel, NativeConnection, Runtime } from '@temporalio/worker';

export interface Temporal {
  connection: NativeConnection;
  client: Client;
  close(): Promise<void>;
}

const SDK_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' };
let runtimeInstalled = false;

/**
 * The SDK's runtime, once per process (API and worker may share one): its own log level follows
 * LOG_LEVEL, one step quieter at info (its bundler output is noise there), and it leaves signals to us.
 */
export function ensureTemporalRuntime(level: string) {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger(SDK_LEVELS[level] === 'INFO' ? 'WARN' : (SDK_LEVELS[level] ?? 'WARN')), shutdownSignals: [] });
  } catch {
    // already installed by the host process
  }
}

export async function connectTemporal(address: string, namespace: string, logLevel: string): Promise<Temporal> {
  ensureTemporalRuntime(logLevel);
  const connection = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace });
  return { connection, client, close: () => connection.close() };
}
