import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { isoTimestamp } from '../src/db/timestamps.ts';

/*
 * The DateTime scalar's fast path must give exactly what `new Date(text).toISOString()` gave for
 * every timestamptz PostgreSQL can send in UTC, and fall back to Date for anything else.
 */

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** PostgreSQL's UTC text form: fraction only when non-zero, 1–6 digits, trailing zeros dropped. */
function pgText(ms: number, micros: number): string {
  const d = new Date(ms);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const fraction = pad(d.getUTCMilliseconds() * 1000 + micros, 6).replace(/0+$/, '');
  return `${base}${fraction ? `.${fraction}` : ''}+00`;
}

describe('isoTimestamp', () => {
  it('matches Date for any UTC timestamptz text, microseconds included', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31) }), fc.integer({ min: 0, max: 999 }), (ms, micros) => {
        const text = pgText(ms, micros);
        expect(isoTimestamp(text)).toBe(new Date(text).toISOString());
      }),
      { numRuns: 5000 },
    );
  });

  it('leaves other forms to Date, and passes Dates through', () => {
    for (const text of ['2026-06-16 10:00:00-03', '2026-06-16T10:00:00Z', '2026-06-16 10:00:00.5+05:30']) {
      expect(isoTimestamp(text)).toBe(new Date(text).toISOString());
    }
    expect(isoTimestamp(new Date(Date.UTC(2026, 5, 16, 10)))).toBe('2026-06-16T10:00:00.000Z');
    expect(() => isoTimestamp('not a time')).toThrow(RangeError);
  });

  it('agrees with what PostgreSQL itself sends in UTC', async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      await client.query(`set time zone 'UTC'`);
      const { rows } = await client.query<{ t: string }>(
        `select (timestamptz '2026-12-05 10:28:46+00' + make_interval(secs => g * 0.0001237))::text as t from generate_series(0, 2000) g`,
      );
      for (const { t } of rows) expect(isoTimestamp(t)).toBe(new Date(t).toISOString());
      expect(new Set(rows.map((r) => r.t.length)).size).toBeGreaterThan(2);
    } finally {
      await client.end();
    }
  });
});
