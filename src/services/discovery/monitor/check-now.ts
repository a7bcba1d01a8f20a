import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../../../logger.ts';
import { isUuid } from '../../../db/sql.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import type { IngestSettings } from '../../ingest/settings.ts';
import { resourcesByIds, resourcesByUuids, type ResourceRow } from '../reads.ts';
import { runMonitorCycle, type CycleSummary } from './cycle.ts';
import { readMonitorSettings } from './settings.ts';

/** At most this many resources per manual check: a whole estate is the schedule's job. */
export const CHECK_NOW_LIMIT = 1000;

export interface CheckRun extends CycleSummary {
  resources: ResourceRow[];
}

/**
 * Checks these resources now, whatever their schedule and whether the monitor is active (an
 * operator's "is it up?"); the results count like scheduled ones (streaks, history, events).
 * Racing a scheduled cycle it is simply one more observation: results are applied one at a time
 * under the resource's row lock.
 */
export async function checkResourcesNow(
  em: EntityManager,
  resourceIds: readonly string[],
  ingest: IngestSettings,
  log: Logger,
): Promise<CheckRun> {
  const unique = [...new Set(resourceIds)];
  if (unique.length === 0 || unique.length > CHECK_NOW_LIMIT) {
    throw new ValidationError(`resourceIds: 1–${CHECK_NOW_LIMIT} resources`, [{ path: 'resourceIds', message: `1–${CHECK_NOW_LIMIT} resources` }]);
  }
  const found = await resourcesByUuids(em, unique.filter(isUuid));
  const missing = unique.find((uuid) => !found.some((r) => r.uuid === uuid));
  if (missing !== undefined) throw new NotFoundError('discovered resource', missing);
  const ids = found.map((r) => r.id);
  const settings = await readMonitorSettings(em);
  const summary = await runMonitorCycle(em, { settings, ingest, log, only: ids });
  return { ...summary, resources: await resourcesByIds(em.fork(), ids) };
}
