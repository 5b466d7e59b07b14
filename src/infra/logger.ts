// Structured JSON logs (pino). Secrets are redacted by path as a second line of defence: code never
// logs request headers or bodies to begin with. The names cover every secret of domain/secrets.ts SECRETS
// (test/unit/secrets.test.ts checks it).
import pino, { Logger } from 'pino';

export type { Logger };

/** `destination`: where lines go (stdout when absent; tests pass a sink). */
export function createLogger(level: string, name: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: {
      paths: ['*.authorization', '*["x-api-token"]', '*.api_key', '*.token', '*.access_token', '*.password', '*.password_hash', '*.old_password', '*.new_password', '*.env', '*.config_json', '*.hash', 'req.headers'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
