// The Temporal client of the API, and the SDK runtime that API and worker share. The client rides on the
// SDK's native (Rust) connection, as the worker does: it sends a turn's update with less work on the
// event loop than the pure-JS gRPC client (measured ~0.7 ms of the first token's p50 in the bench).
// Client and worker share one data converter (payloadDataConverter): payloads are encrypted at rest.
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { DefaultLogger, LogLevel, NativeConnection, Runtime } from '@temporalio/worker';
import { setTemporalSdkMetricsUrl } from './metrics';
import { AesGcmPayloadCodec, createPayloadCodec, type PayloadKeySettings } from './payload-codec';
import { clientTracingInterceptors } from './tracing';

export interface Temporal {
  connection: NativeConnection;
  client: Client;
  /** The payload codec of the client (the codec endpoint decodes with it too). */
  codec: AesGcmPayloadCodec;
  /** The client's data converter: the worker and replays use the same. */
  dataConverter: DataConverter;
  close(): Promise<void>;
}

/**
 * The data converter of the client and the worker: the default payload converter, failures encoded as
 * payloads (failure-converter.ts), and the AES-256-GCM payload codec with the configured keys
 * (src/infra/payload-codec.ts) over both. Throws PayloadKeyError without a key.
 */
export function payloadDataConverter(keys: PayloadKeySettings): { dataConverter: DataConverter; codec: AesGcmPayloadCodec } {
  const codec = createPayloadCodec(keys);
  return { codec, dataConverter: { payloadCodecs: [codec], failureConverterPath: require.resolve('./failure-converter') } };
}

const SDK_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' };
let runtimeInstalled = false;

/**
 * The SDK's runtime, once per process (API and worker may share one): its own log level follows
 * LOG_LEVEL, one step quieter at info (its bundler output is noise there), and it leaves signals to us.
 * With `sdkMetricsPort`, it exports its own Prometheus metrics (worker slots, polls, sticky cache) on
 * 127.0.0.1 at that port, which our /metrics serves after its own (src/infra/metrics.ts).
 */
export function ensureTemporalRuntime(level: string, sdkMetricsPort?: number) {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const bindAddress = sdkMetricsPort === undefined ? undefined : `127.0.0.1:${sdkMetricsPort}`;
  try {
    Runtime.install({
      logger: new DefaultLogger(SDK_LEVELS[level] === 'INFO' ? 'WARN' : (SDK_LEVELS[level] ?? 'WARN')),
      shutdownSignals: [],
      ...(bindAddress && { telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } } }),
    });
    if (bindAddress) setTemporalSdkMetricsUrl(`http://${bindAddress}/metrics`);
  } catch {
    // already installed by the host process
  }
}

export async function connectTemporal(address: string, namespace: string, logLevel: string, payloadKeys: PayloadKeySettings, sdkMetricsPort?: number): Promise<Temporal> {
  // The keys first: a missing key is a clear error before any connection is opened.
  const { codec, dataConverter } = payloadDataConverter(payloadKeys);
  ensureTemporalRuntime(logLevel, sdkMetricsPort);
  const connection = await NativeConnection.connect({ address });
  // With tracing on, its calls carry the request's trace to the workflow (src/infra/tracing.ts).
  const client = new Client({ connection, namespace, dataConverter, interceptors: { workflow: clientTracingInterceptors() } });
  return { connection, client, codec, dataConverter, close: () => connection.close() };
}
