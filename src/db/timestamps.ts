/*
 * Read-side rows keep PostgreSQL's text for timestamptz (MikroORM's pg type parsers leave it raw),
 * e.g. `2026-12-05 10:28:46.729981+00` — the connection's time zone is UTC (forceUtcTimezone).
 * Turning that into ISO-8601 through `new Date(text)` takes V8's slow legacy parser; a list page
 * serialises ~1,000 of them. This rewrites the UTC form directly, with the same result as
 * `new Date(text).toISOString()` (fractions truncated to milliseconds), and leaves every other
 * form (another offset, years past 9999, infinity) to Date.
 */
const PG_UTC_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?\+00$/;

/** ISO-8601 in UTC with milliseconds (`2026-12-05T10:28:46.729Z`) from a Date or PostgreSQL's timestamptz text. */
export function isoTimestamp(value: Date | string): string {
  if (typeof value === 'string') {
    const parts = PG_UTC_TIMESTAMP.exec(value);
    if (parts) return `${parts[1]}T${parts[2]}.${((parts[3] ?? '') + '000').slice(0, 3)}Z`;
    return new Date(value).toISOString();
  }
  return value.toISOString();
}
