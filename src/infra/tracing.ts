// OpenTelemetry tracing: one trace per turn, from the API's HTTP span through the Temporal update, the
// workflow and its activities to the model call. On only when an OTLP endpoint is configured
// (config.tracing.url): then a tracer provider exports spans over OTLP/HTTP (protobuf) in batches, and the
// API's Temporal client and the worker get the interceptors of @temporalio/interceptors-opentelemetry.
// Off, nothing of the SDK is loaded: @opentelemetry/api's tracer is a no-op and no interceptor is installed.
//
// One provider per process: API and worker in one process (tests) share the first one started; it is shut
// down (spans flushed) when the last user shuts down.
//
// How a span's context reaches the code it covers differs by process ('call' or 'async' propagation):
// - The worker ('async'): an activity's span must be the parent of the model span and of the log lines of
//   everything the activity awaits, so the context follows async calls (AsyncLocalStorage).
// - The API ('call'): a request's trace context is passed explicitly (ctx.state.trace, then withTrace around
//   the Temporal client call that reads it). AsyncLocalStorage would copy its store onto every promise the
//   process makes, thousands per turn (Koa, mongoose, Redis, the reply stream); measured alone, 600 promises
//   took 230 µs with OpenTelemetry's store beside Temporal's own, 90 µs without. Its context manager only
//   holds a context for the synchronous call context.with() makes, which is all the client interceptor needs.
// API and worker in one process: the worker's 'async' wins (the API's explicit passing works with either).
import { context, propagation, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
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

/** How the process's active context follows its code (see above). */
export type ContextPropagation = 'call' | 'async';

/** A request's trace context, handed on explicitly in the API. */
export type TraceContext = Context;

/**
 * A context manager whose context.with(ctx, fn) makes ctx active while fn runs synchronously, and nothing
 * after: no async hook, no cost to the process's promises. What is active after an await is the root.
 */
class CallContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;

  active(): Context {
    return this.current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as (...args: unknown[]) => unknown;
    const bound = (...args: unknown[]) => this.with(ctx, () => fn(...args));
    return bound as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

async function contextManagerFor(propagation: ContextPropagation): Promise<ContextManager> {
  if (propagation === 'call') return new CallContextManager();
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks'); // loaded only when tracing is on
  return new AsyncLocalStorageContextManager();
}

interface Active {
  users: number;
  propagation: ContextPropagation;
  processor: SpanProcessor;
  resource: Resource;
  stop(): Promise<void>;
}

let active: Active | undefined;
let starting: Promise<Active> | undefined;

const OFF: Tracing = { enabled: false, flush: async () => undefined, shutdown: async () => undefined };

async function startProvider(url: string, serviceName: string, contextPropagation: ContextPropagation): Promise<Active> {
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
  // The global tracer provider, context manager and W3C trace-context propagator.
  provider.register({ contextManager: await contextManagerFor(contextPropagation) });
  return {
    users: 0,
    propagation: contextPropagation,
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
 * the process's default (coco-api, coco-worker), unless the settings name one. `contextPropagation`: what
 * this user needs (see above); 'async' upgrades a process that started with 'call'.
 */
export async function startTracing(settings: TracingSettings, serviceName: string, contextPropagation: ContextPropagation = 'async'): Promise<Tracing> {
  if (!settings.url) return OFF;
  if (!active) {
    starting ??= startProvider(settings.url, settings.serviceName ?? serviceName, contextPropagation);
    try {
      active = await starting;
    } finally {
      starting = undefined;
    }
  }
  const mine = active;
  if (contextPropagation === 'async' && mine.propagation === 'call') {
    mine.propagation = 'async';
    const manager = await contextManagerFor('async');
    context.disable();
    context.setGlobalContextManager(manager.enable());
  }
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

/** How this process's context follows its code, while it traces. */
export function tracingPropagation(): ContextPropagation | undefined {
  return active?.propagation;
}

/**
 * Calls fn with `trace` active for its synchronous part: the Temporal client's tracing interceptor reads the
 * active context when a call starts, so a client call made this way continues the request's trace.
 */
export function withTrace<T>(traceContext: TraceContext | undefined, fn: () => T): T {
  return traceContext ? context.with(traceContext, fn) : fn();
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
