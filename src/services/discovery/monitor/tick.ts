import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../../../logger.ts';
import type { IngestSettings } from '../../ingest/settings.ts';
import { announcePending } from './announce.ts';
import { runMonitorCycle, type CycleSummary } from './cycle.ts';
import { pruneHistory } from './prune.ts';
import { readMonitorSettings } from './settings.ts';

export interface TickSummary {
  active: boolean;
  cycle: CycleSummary | null;
  pruned: { checks: number; changes: number };
}

/**
 * What the schedule runs every minute: retry announcements a failure left behind, check the
 * resources that are due when the monitor is active (each resource's own schedule makes "every
 * monitorInterval minutes", and the shorter retry interval while it fails), and prune history.
 */
export async function runMonitorTick(em: EntityManager, ingest: IngestSettings, log: Logger, now = new Date()): Promise<TickSummary> {
  const settings = await readMonitorSettings(em);
  await announcePending(em.fork(), ingest, now, log);
  const cycle = settings.active ? await runMonitorCycle(em, { settings, ingest, log }) : null;
  const pruned = await pruneHistory(em.fork(), settings.historyDays, now);
  return { active: settings.active, cycle, pruned };
}
