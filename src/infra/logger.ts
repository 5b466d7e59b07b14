// Structured JSON logs (pino). Secrets are redacted by path as a second line of defence: code never
// logs request headers or bodies to begin with. The names cover every secret of domain/secrets.ts SECRETS
// (test/unit/secrets.test.ts checks it).
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { Logger } from 'pino';

export type { Logger };

/**
 * The trace of the line's context (src/infra/tracing.ts): `trace_id` and `span_id` of the active span, so an
 * operator goes from a log line to its trace and back. With tracing off there is never an active span.
 * A new object each time: pino merges the line's fields into it.
 */
function traceFields(): object {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

/** `destination`: where lines go (stdout when absent; tests pass a sink). */
export function createLogger(level: string, name: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    mixin: traceFields,
    redact: {
      paths: ['*.authorization', '*["x-api-token"]', '*.api_key', '*.token', '*.access_token', '*.password', '*.password_hash', '*.old_password', '*.new_password', '*.env', '*.config_json', '*.hash', 'req.headers'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
