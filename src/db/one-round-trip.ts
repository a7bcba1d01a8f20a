import type { EntityManager } from '@mikro-orm/postgresql';
import { raw } from '@mikro-orm/core';
import { executePipelined } from './prepared-statements.ts';
import type { Sql } from './sql.ts';

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

  send(em: EntityManager): Promise<void> {
    return OneRoundTrip.sendInOrder(em, [this]);
  }

  /**
   * Sends each one's statement, in this order, all in one round trip (executePipelined): each
   * still runs as a statement of its own, so a later one sees what an earlier one locked.
   */
  static async sendInOrder(em: EntityManager, rounds: readonly OneRoundTrip[]): Promise<void> {
    const sending = rounds.map((round) => round.#pending.splice(0)).filter((pending) => pending.length > 0);
    if (sending.length === 0) return;
    // When it fails, this throws and the queries never settle: their callers, which await them
    // only after the send, go no further, and nothing is left rejected with no one to handle it.
    const rows = await executePipelined<Record<string, unknown[]>[]>(em, sending.map(statementOf));
    sending.forEach((pending, s) => pending.forEach((p, i) => p.resolve(rows[s]![0]![`q${i}`]!)));
  }
}

function statementOf(pending: Pending[]): Sql {
  const columns = pending.map((_, i) => `(select coalesce(json_agg(r), '[]'::json) from (?) r) as q${i}`);
  return raw(
    `select ${columns.join(', ')}`,
    pending.map((p) => raw(p.sql, p.params)),
  );
}
