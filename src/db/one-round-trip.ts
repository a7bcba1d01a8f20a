import type { EntityManager } from '@mikro-orm/postgresql';
import { raw } from '@mikro-orm/core';

interface Pending {
  sql: string;
  params: unknown[];
  resolve: (rows: unknown[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Several independent SELECTs sent as one statement: each becomes a `json_agg` column of a single
 * row, so N reads cost one round trip instead of N. Each `query` answers with its own rows (as
 * JSON gives them: numbers, strings for timestamps) once `send` ran. For reads only, on the hot
 * path where the round trips, not the work, are the cost (ingest batches).
 */
export class OneRoundTrip {
  readonly #pending: Pending[] = [];

  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const rows = new Promise<unknown[]>((resolve, reject) => this.#pending.push({ sql, params, resolve, reject }));
    // When `send` fails it throws itself; a query nobody awaits any more must not crash the process.
    rows.catch(() => undefined);
    return rows as Promise<T[]>;
  }

  async send(em: EntityManager): Promise<void> {
    const pending = this.#pending.splice(0);
    if (pending.length === 0) return;
    const columns = pending.map((_, i) => `(select coalesce(json_agg(r), '[]'::json) from (?) r) as q${i}`);
    try {
      const [row] = await em.execute<Record<string, unknown[]>[]>(
        `select ${columns.join(', ')}`,
        pending.map((p) => raw(p.sql, p.params)),
      );
      pending.forEach((p, i) => p.resolve(row![`q${i}`]!));
    } catch (err) {
      for (const p of pending) p.reject(err);
      throw err;
    }
  }
}
