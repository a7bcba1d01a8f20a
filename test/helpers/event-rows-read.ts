import type { EntityManager } from '@mikro-orm/postgresql';

/** A statement on the transaction `em` is in (the tests count that transaction's own reads). */
export const executeInTransaction = <T>(em: EntityManager, sql: string, params: unknown[] = []) =>
  em.getConnection().execute<T[]>(sql, params, 'all', em.getTransactionContext());

/**
 * Rows of events' partitions this transaction has read so far (sequential and through indexes):
 * PostgreSQL's per-transaction table statistics, which see the transaction's own reads at once.
 */
export async function eventRowsRead(em: EntityManager): Promise<number> {
  const [row] = await executeInTransaction<{ n: string }>(
    em,
    `select coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0) as n from pg_stat_xact_user_tables where relname like 'events%'`,
  );
  return Number(row!.n);
}
