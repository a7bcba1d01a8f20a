import { GraphQLError } from 'graphql';

/*
 * A request that loses its database connection (PostgreSQL restarted, a connection killed, the
 * pool unable to connect) is not a bug of ours: the caller should retry in a moment. Every edge
 * answers it the same way — 503 with Retry-After, or a GraphQL error coded DATABASE_UNAVAILABLE —
 * instead of a bare 500.
 */

export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';
export const RETRY_AFTER_SECONDS = 1;
export const UNAVAILABLE_MESSAGE = 'the database is unavailable for a moment; retry';

// admin_shutdown, crash_shutdown, cannot_connect_now, and the whole connection_exception class.
const SQLSTATES = /^(57P01|57P02|57P03|08...)$/;
const MESSAGES = /Connection terminated|not queryable|ECONNRESET|ECONNREFUSED|timeout exceeded when trying to connect|connection error|Connection ended/i;

/** Whether the error, or one it wraps, says the database connection went away. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 8; depth++) {
    if (typeof e !== 'object') return false;
    const { code, message, cause, originalError, extensions } = e as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      originalError?: unknown;
      extensions?: { code?: unknown };
    };
    if (typeof code === 'string' && SQLSTATES.test(code)) return true;
    // Already translated by the error mask (a context that could not load the viewer, say).
    if (extensions?.code === DATABASE_UNAVAILABLE) return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    e = originalError ?? cause;
  }
  return false;
}

export function databaseUnavailableError(): GraphQLError {
  return new GraphQLError(UNAVAILABLE_MESSAGE, {
    extensions: { code: DATABASE_UNAVAILABLE, http: { status: 503, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } } },
  });
}
