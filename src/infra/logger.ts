// Structured JSON logs (pino). Secrets are redacted by path as a second line of defence: code never
// logs request headers or bodies to begin with.
import pino, { Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['*.authorization', '*["x-api-token"]', '*.api_key', '*.token', '*.access_token', '*.password', '*.password_hash', '*.old_password', '*.new_password', '*.env', 'req.headers'],
      censor: '[redacted]',
    },
  });
}
