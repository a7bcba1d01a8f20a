import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.ts';

/**
 * Warns, once at start-up, when the database server runs without autovacuum. Ingest rewrites the
 * same recurrence-group and chamado rows hundreds of times a second; unvacuumed, their dead
 * versions pile up and every batch gets slower by the hour (seen here: 719,000 dead rows behind
 * 12,500 groups), and new tables never get the statistics their plans need. OpsGraph still works;
 * the operator is told why it slows down. Returns whether it warned.
 */
export async function warnWithoutAutovacuum(em: EntityManager, log: Logger): Promise<boolean> {
  if (await autovacuumOn(em)) return false;
  log.warn(
    'PostgreSQL runs with autovacuum = off: ingest rewrites recurrence groups and chamados constantly, and without VACUUM (ANALYZE) it slows down as dead rows pile up; turn autovacuum on, or vacuum on a schedule',
  );
  return true;
}

/** Whether the database server runs autovacuum (the bench also asks, to vacuum where it does not). */
export async function autovacuumOn(em: EntityManager): Promise<boolean> {
  const [row] = await em.execute<{ on: boolean }[]>(`select current_setting('autovacuum') = 'on' as on`);
  return row?.on !== false;
}
