import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * One structured JSON logger for the process. Redaction paths keep credentials out of logs even
 * when a caller logs a whole header map or request body by mistake; the `err` serializer keeps
 * errors to what helps an operator (see serializeError).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'opsgraph' },
      serializers: { err: serializeError },
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
    },
    destination,
  );
}
export type { Logger };

/** What PostgreSQL says about a failure besides its message (node-postgres puts them on the error). */
const PG_FIELDS = ['severity', 'detail', 'hint', 'routine', 'constraint'] as const;
const MAX_STACK_LINES = 12;
const MAX_FIELD_CHARS = 1000;
const MAX_DEPTH = 2;

/**
 * Errors as {type, message, code, stack} plus PostgreSQL's own fields and a short cause chain —
 * never the error's other properties. pino's default copies every enumerable property, and
 * driver errors carry their client, pool or connection (parameters included, kilobytes a line).
 * Stacks are cut: async frames repeat, and the first frames say where.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const e = value as Record<string, unknown>;
  const out: Record<string, unknown> = {
    type: value.constructor?.name ?? 'Object',
    message: clip(String(e.message ?? '')),
  };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  for (const field of PG_FIELDS) if (typeof e[field] === 'string') out[field] = clip(e[field] as string);
  if (typeof e.stack === 'string') out.stack = e.stack.split('\n').slice(0, MAX_STACK_LINES).join('\n');
  if (depth < MAX_DEPTH) {
    // GraphQLError keeps what a resolver threw in originalError; others use the standard cause.
    const cause = e.originalError ?? e.cause;
    if (cause !== undefined && cause !== null) out.cause = serializeError(cause, depth + 1);
    if (Array.isArray(e.errors)) out.errors = e.errors.slice(0, 3).map((inner) => serializeError(inner, depth + 1));
  }
  return out;
}

function clip(text: string): string {
  return text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS)}…` : text;
}

type YogaLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * graphql-yoga's logger interface on top of pino: an Error among the arguments (a masked
 * resolver failure, a database fault) goes under `err`, so it is serialized as above.
 */
export function yogaLogging(log: Logger): Record<YogaLogLevel, (...args: unknown[]) => void> {
  const at =
    (level: YogaLogLevel) =>
    (...args: unknown[]) => {
      // Yoga logs a few debug lines per request: below the level they cost nothing to build.
      if (!log.isLevelEnabled(level)) return;
      const err = args.find((a) => a instanceof Error);
      const text = args
        .filter((a) => a !== err)
        .map(String)
        .join(' ');
      if (err) log[level]({ err }, text || 'graphql error');
      else log[level](text);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
