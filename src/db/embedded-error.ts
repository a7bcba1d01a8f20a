/**
 * The embedded PostgreSQL could not be prepared, started or stopped. The message says what failed
 * and how to fix it; it is a problem of the machine, not of the code, so no stack trace is useful.
 */
export class EmbeddedPostgresError extends Error {
  constructor(what: string, fix: string, options?: { cause?: unknown }) {
    super(`embedded PostgreSQL: ${what}. ${fix}`, options);
    this.name = 'EmbeddedPostgresError';
  }
}

/** The fallback every message can offer: use a PostgreSQL that is already running. */
export const OR_USE_DATABASE_URL = 'or set DATABASE_URL to use a PostgreSQL you run yourself';
