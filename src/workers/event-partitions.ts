import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { PgBoss } from 'pg-boss';
import { Gauge } from 'prom-client';
import type { Logger } from '../logger.ts';
import { dropExpiredEventPartitions, ensureEventPartitions } from '../services/events/partitions.ts';
import { consumeEach, ensureQueue } from './boss.ts';

export const EVENT_PARTITIONS_QUEUE = 'event-partitions';

const defaultPartitionRows = new Gauge({
  name: 'opsgraph_events_default_partition_rows',
  help: 'Events in events_default after the last partition maintenance (0 unless a month had no partition when they arrived)',
});

/**
 * Makes the coming months' event partitions and, with a retention, drops the expired ones. At
 * start (after migrations) and then hourly through a pg-boss schedule, which sends each hour's job
 * once however many instances run it; both steps are idempotent, so an hour is plenty ahead of a
 * month boundary and a missed run only delays the next drop.
 */
export async function maintainEventPartitions(em: EntityManager, retentionMonths: number, log: Logger, now = new Date()): Promise<void> {
  await makeEventPartitions(em, log, now);
  const dropped = await dropExpiredEventPartitions(em.fork(), now, retentionMonths);
  if (dropped.length) log.info({ dropped, retentionMonths }, 'expired event partitions dropped');
}

/** The start's step: the coming months, no retention (that waits for the schedule). */
export async function makeEventPartitions(em: EntityManager, log: Logger, now = new Date()): Promise<void> {
  const ensured = await ensureEventPartitions(em.fork(), now);
  if (ensured.created.length) log.info({ created: ensured.created, moved: ensured.moved }, 'event partitions created');
  defaultPartitionRows.set(ensured.defaultRows);
  // Rows there mean a month had no partition when they arrived: the maintenance did not keep up.
  if (ensured.defaultRows > 0) log.warn({ rows: ensured.defaultRows }, 'events_default holds rows no month partition took');
}

export async function startEventPartitionMaintenance(boss: PgBoss, orm: MikroORM, retentionMonths: number, log: Logger): Promise<() => Promise<void>> {
  await ensureQueue(boss, EVENT_PARTITIONS_QUEUE, { policy: 'stately', retryLimit: 2, expireInSeconds: 3600 });
  await boss.schedule(EVENT_PARTITIONS_QUEUE, '17 * * * *', {}, { tz: 'UTC' });
  return consumeEach(boss, EVENT_PARTITIONS_QUEUE, { concurrency: 1, pollingIntervalSeconds: 30 }, () =>
    maintainEventPartitions(orm.em.fork() as EntityManager, retentionMonths, log),
  );
}
