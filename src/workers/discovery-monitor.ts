import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import type { IngestSettings } from '../services/ingest/settings.ts';
import { runMonitorTick } from '../services/discovery/monitor/tick.ts';
import { consumeEach, ensureQueue } from './boss.ts';

export const DISCOVERY_MONITOR_QUEUE = 'discovery-monitor';

/**
 * The discovery monitor's clock: a pg-boss schedule ticks every minute, and pg-boss sends each
 * minute's job once however many instances run the schedule. The queue is `stately` (at most one
 * job queued and one active), so a cycle longer than a minute is never run twice at once and
 * ticks do not pile up behind it. What is due is decided per resource (tick.ts), which is how one
 * minute's tick honours monitorInterval and the shorter retry interval.
 */
export async function startDiscoveryMonitor(boss: PgBoss, orm: MikroORM, ingest: IngestSettings, log: Logger): Promise<() => Promise<void>> {
  await ensureQueue(boss, DISCOVERY_MONITOR_QUEUE, { policy: 'stately', retryLimit: 0, expireInSeconds: 3600 });
  await boss.schedule(DISCOVERY_MONITOR_QUEUE, '* * * * *', {}, { tz: 'UTC' });
  return consumeEach(boss, DISCOVERY_MONITOR_QUEUE, { concurrency: 1, pollingIntervalSeconds: 5 }, async () => {
    const summary = await runMonitorTick(orm.em.fork() as EntityManager, ingest, log);
    if (summary.cycle?.checked) log.info({ discoveryCycle: summary.cycle }, 'discovery monitor cycle');
  });
}
