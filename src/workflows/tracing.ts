// The workflow interceptors of OpenTelemetry tracing, bundled with the workflows only when tracing is on
// (src/worker.ts names this module in `interceptors.workflowModules`, see src/infra/tracing.ts). Not a workflow.
//
// Spans: RunWorkflow:<type> (continuing the start request's trace), HandleUpdate:<name> and
// HandleSignal:<name> (continuing the API call's), StartActivity:<type> (its context goes to the activity in
// the `_tracer-data` header, where the worker's activity interceptor continues it). They leave the isolate
// through the worker's `exporter` sink. Built on the workflow half of @temporalio/interceptors-opentelemetry
// (its context manager, sink exporter and header format), with two differences:
// - One trace per turn: a session's activities would all continue RunWorkflow, the trace of the session's
//   first request. A turn's activities (their first argument is the Turn) continue the HandleUpdate span of
//   the `sendMessage` update that queued that turn instead, from the HTTP request to the model call.
// - No yield points: each interceptor returns the very promise of the call it wraps (the span ends beside
//   it), so the commands of a workflow task come in the same order with tracing on or off. The package's own
//   interceptors await around update handlers and activity starts: a session started with them fails to
//   replay on a worker without them (test/integration/tracing.test.ts replays both ways).
// First: the globals OpenTelemetry expects in the isolate (`performance`), before its modules load.
import '@temporalio/interceptors-opentelemetry/lib/workflow/runtime';
import * as otel from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { extractContextFromHeaders, headersWithContext } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import { ContextManager } from '@temporalio/interceptors-opentelemetry/lib/workflow/context-manager';
import { SpanExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/span-exporter';
import { ContinueAsNew, workflowInfo } from '@temporalio/workflow';
import type {
  ActivityInput,
  ContinueAsNewInput,
  DisposeInput,
  GetLogAttributesInput,
  Next,
  SignalInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

// Module state is per workflow run (the worker isolates each workflow's modules).
let contextManager: ContextManager | undefined;
let tracer: otel.Tracer | undefined;

function getTracer(): otel.Tracer {
  if (!tracer) {
    contextManager = new ContextManager();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new SpanExporter())] });
    provider.register({ contextManager });
    tracer = provider.getTracer('coco-workflow');
  }
  return tracer;
}

/**
 * Runs `run` in a new span (a child of `parent`, else of the active context) and returns run's own promise:
 * the span ends beside it, adding no await to the workflow's path.
 */
function traced<T>(name: string, parent: otel.Context | undefined, attributes: otel.Attributes, run: (ctx: otel.Context) => Promise<T>, benign?: (err: unknown) => boolean): Promise<T> {
  const base = parent ?? otel.context.active();
  const span = getTracer().startSpan(name, { attributes }, base);
  const ctx = otel.trace.setSpan(base, span);
  const fail = (err: unknown) => {
    if (benign?.(err)) {
      span.setStatus({ code: otel.SpanStatusCode.OK });
    } else {
      span.setStatus({ code: otel.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      if (err instanceof Error) span.recordException(err);
    }
    span.end();
  };
  let result: Promise<T>;
  try {
    result = otel.context.with(ctx, () => run(ctx));
  } catch (err) {
    fail(err);
    throw err;
  }
  result.then(() => {
    span.setStatus({ code: otel.SpanStatusCode.OK });
    span.end();
  }, fail);
  return result;
}

/** The contexts of the last turns queued, by reply id (a run holds a bounded number of turns anyway). */
const turnContexts = new Map<string, otel.Context>();
const MAX_TURNS = 32;

const replyIdOf = (arg: unknown): string | undefined => {
  const id = (arg as { replyId?: unknown } | null | undefined)?.replyId;
  return typeof id === 'string' ? id : undefined;
};

class TracingInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return traced(`RunWorkflow:${workflowInfo().workflowType}`, extractContextFromHeaders(input.headers), {}, () => next(input), (err) => err instanceof ContinueAsNew);
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return traced(`HandleUpdate:${input.name}`, extractContextFromHeaders(input.headers), { temporalUpdateId: input.updateId }, (ctx) => {
      const replyId = replyIdOf(input.args[0]);
      if (replyId) {
        if (turnContexts.size >= MAX_TURNS) turnContexts.delete(turnContexts.keys().next().value as string);
        turnContexts.set(replyId, ctx);
      }
      return next(input);
    });
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return traced(`HandleSignal:${input.signalName}`, extractContextFromHeaders(input.headers), {}, () => next(input));
  }
}

class TracingOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    const replyId = replyIdOf(input.args[0]);
    const turn = replyId === undefined ? undefined : turnContexts.get(replyId);
    return traced(`StartActivity:${input.activityType}`, turn, {}, () => next({ ...input, headers: headersWithContext(input.headers) }));
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    return next({ ...input, headers: headersWithContext(input.headers) }); // the next run continues this one's trace
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    const sc = otel.trace.getSpan(otel.context.active())?.spanContext();
    return next(sc && otel.isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId, ...input } : input);
  }
}

class TracingInternals implements WorkflowInternalsInterceptor {
  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    contextManager?.disable();
    next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  getTracer(); // registers the W3C propagator first: the run's headers are read before its span starts
  return { inbound: [new TracingInbound()], outbound: [new TracingOutbound()], internals: [new TracingInternals()] };
};
