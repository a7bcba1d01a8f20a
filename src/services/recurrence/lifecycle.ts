import type { RecurrenceLifecycle } from '../../../entities/recurrence-group.entity.ts';
import type { ExecutionStatus } from '../../../entities/runbook-levels.ts';
import type { RecurrenceSettings } from './settings.ts';

const HOUR_MS = 3_600_000;
/** Hours in the trailing window the last hour is compared with. */
export const TRAILING_HOURS = 7 * 24;

/** What ingest knows about a group before this event (null for its first event). */
export interface GroupBefore {
  lifecycle: RecurrenceLifecycle;
  latestOccurrenceAt: Date | null;
  lastRun: { status: ExecutionStatus; finishedAt: Date | null } | null;
  /** Occurrences in this clock hour, the one before, and the TRAILING_HOURS before that. */
  currentHour: number;
  previousHour: number;
  trailing: number;
}

export interface LifecycleChange {
  lifecycle: RecurrenceLifecycle;
  reason: string;
}

/**
 * Occurrences in the last 60 minutes, including this one, from hourly buckets: this hour's plus
 * the part of the previous hour still inside the window (assumed spread evenly, rounded so a
 * burst that straddles the hour is not discounted by a fraction).
 */
export function lastHourOccurrences(before: Pick<GroupBefore, 'currentHour' | 'previousHour'>, at: Date): number {
  const intoHour = (at.getTime() % HOUR_MS) / HOUR_MS;
  return before.currentHour + Math.round(before.previousHour * (1 - intoHour)) + 1;
}

/**
 * The lifecycle after one more event (DOMAIN.md): a resolution resolves; an occurrence after a
 * resolution or after a run that verified the repair regresses; a burst above the trailing rate
 * escalates; `regressed` holds until the group resolves or escalates; anything else is ongoing.
 * Silences are not a stored state here: they are columns of their own, read with the clock.
 */
export function nextLifecycle(before: GroupBefore | null, resolution: boolean, at: Date, settings: RecurrenceSettings): LifecycleChange {
  if (!before) return resolution ? { lifecycle: 'resolved', reason: 'first seen as a resolution' } : { lifecycle: 'new', reason: 'first occurrence' };
  if (resolution) return { lifecycle: 'resolved', reason: 'every occurrence has resolved' };
  if (before.lifecycle === 'resolved') return { lifecycle: 'regressed', reason: 'fired again after it resolved' };
  const run = before.lastRun;
  if (run?.status === 'sucesso' && run.finishedAt && (!before.latestOccurrenceAt || run.finishedAt.getTime() >= before.latestOccurrenceAt.getTime())) {
    return { lifecycle: 'regressed', reason: `fired again after a run verified the repair (${run.finishedAt.toISOString()})` };
  }
  const lastHour = lastHourOccurrences(before, at);
  const rate = before.trailing / TRAILING_HOURS;
  if (lastHour >= settings.escalationMinimum && lastHour > settings.escalationFactor * rate) {
    return {
      lifecycle: 'escalating',
      reason: `${lastHour} occurrences in the last hour > ${settings.escalationFactor} × trailing 7-day rate ${rate.toFixed(2)}/h`,
    };
  }
  if (before.lifecycle === 'regressed') return { lifecycle: 'regressed', reason: 'still recurring since it regressed' };
  return { lifecycle: 'ongoing', reason: 'recurring' };
}

/**
 * The lifecycle as served: a running silence shows as `silenced`, and `escalating` ends after an
 * hour without occurrences. The same rule in SQL is EFFECTIVE_LIFECYCLE_SQL (reads.ts filters on it).
 */
export function effectiveLifecycle(
  g: { lifecycle: RecurrenceLifecycle; silencedUntil: Date | null; latestOccurrenceAt: Date | null },
  now: Date,
): RecurrenceLifecycle {
  if (g.silencedUntil && g.silencedUntil.getTime() > now.getTime()) return 'silenced';
  if (g.lifecycle === 'escalating' && (!g.latestOccurrenceAt || now.getTime() - g.latestOccurrenceAt.getTime() > HOUR_MS)) return 'ongoing';
  return g.lifecycle;
}

/** effectiveLifecycle for a `recurrence_groups` row aliased `alias`, with the database clock. */
export function effectiveLifecycleSql(alias: string): string {
  return `(case when ${alias}.silenced_until > now() then 'silenced'
    when ${alias}.lifecycle = 'escalating' and (${alias}.latest_occurrence_at is null or ${alias}.latest_occurrence_at < now() - interval '1 hour') then 'ongoing'
    else ${alias}.lifecycle end)`;
}
