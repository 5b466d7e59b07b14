// Structured JSON logs (pino). Secrets are redacted by path as a second line of defence: code never
// logs request headers or bodies to begin with. The names cover every secret of domain/secrets.ts SECRETS
// (test/unit/secrets.test.ts checks it).
import { context, isSpanContextValid, trace, type Context } from '@opentelemetry/api';
import pino, { Logger } from 'pino';

export type { Logger };

/**
 * `trace_id` and `span_id` of the span of a context (src/infra/tracing.ts), so an operator goes from a log
 * line to its trace and back; none without a span (tracing off). A new object each time: pino merges the
 * line's fields into it.
 */
export function traceFields(ctx: Context = context.active()): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(ctx);
  if (!span) return {};
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

/** `destination`: where lines go (stdout when absent; tests pass a sink). */
export function createLogger(level: string, name: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    // The active context's: the worker's activities (async propagation). The API binds its request's instead.
    mixin: () => traceFields(),
    redact: {
      paths: ['*.authorization', '*["x-api-token"]', '*.api_key', '*.token', '*.access_token', '*.password', '*.password_hash', '*.old_password', '*.new_password', '*.env', '*.config_json', '*.hash', 'req.headers'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
