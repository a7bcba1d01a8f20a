import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';

/** Rows deleted per statement: short transactions, so pruning never holds up the monitor's writes. */
const BATCH = 5000;
const MAX_BATCHES = 200;

/**
 * Deletes check history and status changes older than `historyDays` (the spec 003 setting). The
 * `discovery` events the changes became stay: their retention is the event store's.
 */
export async function pruneHistory(em: EntityManager, historyDays: number, now: Date): Promise<{ checks: number; changes: number }> {
  const cutoff = new Date(now.getTime() - historyDays * 86_400_000);
  const pruned = { checks: 0, changes: 0 };
  for (const [table, column, key] of [
    ['discovery_checks', 'checked_at', 'checks'],
    ['discovery_health_changes', 'changed_at', 'changes'],
  ] as const) {
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const { affectedRows } = await em.execute<QueryResult>(
        `delete from ${table} where id in (select id from ${table} where ${column} < ? limit ${BATCH})`,
        [cutoff],
        'run',
      );
      pruned[key] += affectedRows;
      if (affectedRows < BATCH) break;
    }
  }
  return pruned;
}
