// The HTTP server span of each request (installed only when tracing is on; src/infra/tracing.ts). It
// continues a caller's W3C `traceparent`; its context is ctx.state.trace, handed on explicitly to what the
// request does (its log lines, its Temporal update: the turn's trace starts here), as the API propagates
// no context through async calls. It ends when the response is closed, so a streamed reply (NDJSON) is
// inside it. Named `METHOD /route/:pattern` once the router matched.
// Manual rather than @opentelemetry/instrumentation-koa/-http: those hook module loading (not Koa 3 here,
// and not modules loaded through jest or tsx reliably); one span per request is all a turn's trace needs.
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Next } from 'koa';
import type { AppContext } from '../context';

export function traceRequests() {
  // The provider's tracer as this app is made: a module-level one would keep the first provider of the process
  // (a proxy tracer binds once), and spans of a later one (tests restart tracing) would go nowhere.
  const tracer = trace.getTracer('coco-api');
  return async (ctx: AppContext, next: Next) => {
    const parent = propagation.extract(ROOT_CONTEXT, ctx.headers);
    const span = tracer.startSpan(
      ctx.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path, 'url.scheme': ctx.protocol } },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      if (typeof route === 'string') {
        span.setAttribute('http.route', route);
        span.updateName(`${ctx.method} ${route}`);
      }
      span.setAttribute('http.response.status_code', ctx.status);
      if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    // The response may stream on after the middleware returned: the span ends with the response.
    ctx.res.once('close', end);
    ctx.state.trace = trace.setSpan(parent, span);
    try {
      await next();
    } catch (err) {
      span.recordException(err as Error);
      throw err;
    }
  };
}
