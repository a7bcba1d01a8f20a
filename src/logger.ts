import { pino, type Logger } from 'pino';

/**
 * One structured JSON logger for the process. Redaction paths keep credentials out of logs even
 * when a caller logs a whole header map or request body by mistake.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'opsgraph' },
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'headers.authorization',
        'headers["x-webhook-secret"]',
        'headers["x-ops-secret"]',
        'headers["x-operator-key"]',
        'headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}
export type { Logger };
