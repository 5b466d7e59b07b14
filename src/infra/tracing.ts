// OpenTelemetry tracing: one trace per turn, from the API's HTTP span through the Temporal update, the
// workflow and its activities to the model call. On only when an OTLP endpoint is configured
// (config.tracing.url): then a tracer provider exports spans over OTLP/HTTP (protobuf) in batches, and the
// API's Temporal client and the worker get the interceptors of @temporalio/interceptors-opentelemetry.
// Off, nothing of the SDK is loaded: @opentelemetry/api's tracer is a no-op and no interceptor is installed.
//
// One provider per process: API and worker in one process (tests, `npm start` in one process) share the
// first one started; it is shut down (spans flushed) when the last user shuts down.
import { context, propagation, trace } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { OpenTelemetryWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';

export interface TracingSettings {
  /** The OTLP/HTTP traces URL (e.g. http://127.0.0.1:4318/v1/traces); unset: tracing is off. */
  url?: string;
  /** Overrides the service name the process gives (OTEL_SERVICE_NAME). */
  serviceName?: string;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans ended so far. */
  flush(): Promise<void>;
  /** This user is done; the last one flushes and stops the provider. Idempotent. */
  shutdown(): Promise<void>;
}

interface Active {
  users: number;
  processor: SpanProcessor;
  resource: Resource;
  stop(): Promise<void>;
}

let active: Active | undefined;
let starting: Promise<Active> | undefined;

const OFF: Tracing = { enabled: false, flush: async () => undefined, shutdown: async () => undefined };

async function startProvider(url: string, serviceName: string): Promise<Active> {
  // Loaded only when tracing is on.
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { Resource }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  const resource = Resource.default().merge(new Resource({ 'service.name': serviceName }));
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // The global tracer provider, AsyncLocalStorage context manager and W3C trace-context propagator.
  provider.register();
  return {
    users: 0,
    processor,
    resource,
    async stop() {
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/**
 * Starts tracing for this process when `settings.url` is set (a no-op handle otherwise). `serviceName`:
 * the process's default (coco-api, coco-worker), unless the settings name one.
 */
export async function startTracing(settings: TracingSettings, serviceName: string): Promise<Tracing> {
  if (!settings.url) return OFF;
  if (!active) {
    starting ??= startProvider(settings.url, settings.serviceName ?? serviceName);
    try {
      active = await starting;
    } finally {
      starting = undefined;
    }
  }
  const mine = active;
  mine.users++;
  let done = false;
  return {
    enabled: true,
    flush: () => mine.processor.forceFlush(),
    async shutdown() {
      if (done) return;
      done = true;
      if (--mine.users > 0) return;
      if (active === mine) active = undefined;
      await mine.stop();
    },
  };
}

/** Whether this process traces (a provider was started and is not shut down). */
export function tracingEnabled(): boolean {
  return active !== undefined;
}

/** The interceptors of the API's Temporal client: its start/update/signal calls carry the trace to the workflow. */
export function clientTracingInterceptors(): WorkflowClientInterceptor[] {
  return tracingEnabled() ? [new OpenTelemetryWorkflowClientInterceptor()] : [];
}

/**
 * What Worker.create needs to trace: each activity runs in a span continuing the workflow's (and that span is
 * the active context, so log lines and the model span inside it join the trace); the workflow interceptors
 * (`workflowModule`, bundled with the workflows) make the workflow's spans, which leave the isolate through the
 * `exporter` sink. Empty when tracing is off.
 */
export function workerTracingOptions(workflowModule: string): { interceptors?: WorkerInterceptors; sinks?: InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> } {
  if (!active) return {};
  return {
    interceptors: {
      workflowModules: [workflowModule],
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
    sinks: { exporter: makeWorkflowExporter(active.processor, active.resource) },
  };
}
