import type { EntityManager } from '@mikro-orm/postgresql';
import { RecurrenceGroup } from '../../../entities/recurrence-group.entity.ts';

const HOUR_MS = 3_600_000;

/**
 * What the clock changes without any event: an escalation ends after a quiet hour, and a silence
 * runs out. Reads already show both (lifecycle.ts effectiveLifecycle); this stores the first, and
 * touches the groups of both through the unit of work so the change collector moves their
 * change_seq and live views (recurrenceChanged) hear of it. `since`: silences that ran out after
 * it and by `now` are announced (the previous sweep's `now`).
 */
export async function settleRecurrenceClock(em: EntityManager, since: Date, now = new Date()): Promise<number> {
  return em.transactional(async (tx) => {
    const quiet = await tx.find(RecurrenceGroup, { lifecycle: 'escalating', latestOccurrenceAt: { $lt: new Date(now.getTime() - HOUR_MS) } });
    for (const group of quiet) {
      group.lifecycle = 'ongoing';
      group.lifecycleReason = 'an hour without occurrences after escalating';
      group.lifecycleChangedAt = now;
    }
    const expired = await tx.find(RecurrenceGroup, { silencedUntil: { $gt: since, $lte: now } });
    for (const group of expired) group.updatedAt = now;
    return new Set([...quiet, ...expired]).size;
  });
}
