import type { EntityManager } from '@mikro-orm/postgresql';
import { raw } from '@mikro-orm/core';
import { executePrepared } from './prepared-statements.ts';

interface Pending {
  sql: string;
  params: unknown[];
  resolve: (rows: unknown[]) => void;
}

/**
 * Several independent SELECTs sent as one statement: each becomes a `json_agg` column of a single
 * row, so N reads cost one round trip instead of N. Each `query` answers with its own rows (as
 * JSON gives them: numbers, strings for timestamps) once `send` ran; await them only after it.
 * For reads only, on the hot path where the round trips, not the work, are the cost (ingest).
 */
export class OneRoundTrip {
  readonly #pending: Pending[] = [];

  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise<unknown[]>((resolve) => this.#pending.push({ sql, params, resolve })) as Promise<T[]>;
  }

  async send(em: EntityManager): Promise<void> {
    const pending = this.#pending.splice(0);
    if (pending.length === 0) return;
    const columns = pending.map((_, i) => `(select coalesce(json_agg(r), '[]'::json) from (?) r) as q${i}`);
    // When it fails, `send` throws and the queries never settle: their callers, which await them
    // only after `send`, go no further, and nothing is left rejected with no one to handle it.
    const [row] = await executePrepared<Record<string, unknown[]>>(
      em,
      raw(
        `select ${columns.join(', ')}`,
        pending.map((p) => raw(p.sql, p.params)),
      ),
    );
    pending.forEach((p, i) => p.resolve(row![`q${i}`]!));
  }
}
