import type { EntityManager } from '@mikro-orm/postgresql';
import { raw } from '@mikro-orm/core';

interface Pending {
  sql: string;
  params: unknown[];
  resolve: (rows: unknown[]) => void;
  reject: (error: unknown) => void;
}

/** What a read needs of the EntityManager: running one statement. An EntityManager is one; so is SameTickReads. */
export interface RowReader {
  execute(sql: string, params: unknown[]): Promise<unknown>;
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
    return new Promise<unknown[]>((resolve, reject) => this.#pending.push({ sql, params, resolve, reject })) as Promise<T[]>;
  }

  async send(em: EntityManager): Promise<void> {
    await this.#send(em, this.#pending.splice(0));
  }

  /** Sends what is pending; each query rejects with the statement's error should it fail. */
  async sendSettlingAll(em: EntityManager): Promise<void> {
    const pending = this.#pending.splice(0);
    try {
      await this.#send(em, pending);
    } catch (error) {
      for (const p of pending) p.reject(error);
    }
  }

  async #send(em: EntityManager, pending: Pending[]): Promise<void> {
    if (pending.length === 0) return;
    const columns = pending.map((_, i) => `(select coalesce(json_agg(r), '[]'::json) from (?) r) as q${i}`);
    // When it fails, `send` throws and the queries never settle: their callers, which await them
    // only after `send`, go no further, and nothing is left rejected with no one to handle it.
    const [row] = await em.execute<Record<string, unknown[]>[]>(
      `select ${columns.join(', ')}`,
      pending.map((p) => raw(p.sql, p.params)),
    );
    pending.forEach((p, i) => p.resolve(row![`q${i}`]!));
  }
}

/**
 * Reads started in the same tick sent as one OneRoundTrip: the DataLoaders a list's fields
 * dispatch together (a chamado list's assignees, observables and timelines) cost one round trip
 * instead of one each, and PostgreSQL's JSON is parsed in one go rather than row by row. Rows come
 * as JSON gives them (see OneRoundTrip): only for rows of plain columns, timestamps read as text.
 * Each read settles with its rows, or rejects with the statement's error.
 */
export class SameTickReads implements RowReader {
  readonly #em: EntityManager;
  #trip: OneRoundTrip | null = null;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  execute(sql: string, params: unknown[]): Promise<unknown[]> {
    let trip = this.#trip;
    if (!trip) {
      const started = (trip = this.#trip = new OneRoundTrip());
      // After the tick's DataLoader dispatches (process.nextTick), so that they all join.
      setImmediate(() => {
        this.#trip = null;
        void started.sendSettlingAll(this.#em);
      });
    }
    return trip.query(sql, params);
  }
}
