import type { EntityManager } from '@mikro-orm/postgresql';
import type { RecurrenceLifecycle } from '../../../entities/recurrence-group.entity.ts';
import type { ExecutionStatus } from '../../../entities/runbook-levels.ts';
import { anyOf } from '../../db/sql.ts';
import type { NormalizedEvent } from '../ingest/normalized-event.ts';
import { nextLifecycle, TRAILING_HOURS, type GroupBefore } from './lifecycle.ts';
import { recurrenceWhy, RECURRENCE_RULE_VERSION } from './rule.ts';
import type { RecurrenceSettings } from './settings.ts';
import { sourceRefFacts } from './source-refs.ts';

const HOUR_MS = 3_600_000;

/** The columns a group's first touch writes (its counters, the facts that made its key, its lifecycle). */
export const GROUP_INSERT_COLUMNS = `project_id, recurrence_key, rule_version, basis, why, provider, alertname, rule_id, severity,
  namespace, target_resource, fingerprint, occurrence_total, resolved_total, duplicate_total, source_ref_total,
  missing_source_refs_total, sentry_ref_total, signoz_ref_total, alert_ref_total, first_event_id, latest_event_id,
  first_received_at, latest_received_at, latest_occurrence_at, latest_alert_status, lifecycle, lifecycle_changed_at,
  lifecycle_reason, created_at, updated_at, change_seq`;

/** A group's counters: every touch adds its own to them, atomically. */
export const GROUP_COUNTERS = [
  'occurrence_total',
  'resolved_total',
  'duplicate_total',
  'source_ref_total',
  'missing_source_refs_total',
  'sentry_ref_total',
  'signoz_ref_total',
  'alert_ref_total',
] as const;

/** `counter = g.counter + from.counter, …` for the group row aliased `g` (`from` comes from code). */
export function addCounters(from: string): string {
  return GROUP_COUNTERS.map((c) => `${c} = g.${c} + ${from}.${c}`).join(', ');
}

/** One stored event, as the group it belongs to needs to see it. */
export interface GroupTouch {
  projectId: string;
  recurrenceKey: string;
  event: NormalizedEvent;
  eventId: number;
  duplicate: boolean;
  at: Date;
}

/** The group after the event, with what ingest's opening decision needs. */
export interface TouchedGroup {
  id: number;
  created: boolean;
  lifecycle: RecurrenceLifecycle;
  silencedUntil: Date | null;
  silenceReason: string | null;
  openThreshold: number | null;
  openWindowMinutes: number | null;
}

const isResolution = (event: NormalizedEvent) => event.alertStatus === 'resolved';

/**
 * Counts the event into its recurrence group, creating the group on its first event: one upsert
 * per event, so the recurrence views never recompute from the events. Runs inside ingest's
 * transaction, after the advisory lock on the recurrence key (ingest/correlate.ts) for
 * non-duplicates, so the lifecycle read-then-write below sees every earlier event of the key.
 * Duplicates only bump counters, atomically, and never move the lifecycle.
 */
export async function touchRecurrenceGroup(em: EntityManager, settings: RecurrenceSettings, touch: GroupTouch): Promise<TouchedGroup> {
  const { event, at, duplicate } = touch;
  const resolution = isResolution(event);
  const occurrence = !duplicate && !resolution;
  let change: { lifecycle: RecurrenceLifecycle; reason: string } | null = null;
  if (!duplicate) change = nextLifecycle(await groupBefore(em, touch), resolution, at, settings);
  const refs = sourceRefFacts(event.source, event.sourceRefs);
  const { basis, why } = recurrenceWhy(event);
  const [row] = await em.execute<(TouchedGroup & { created: boolean })[]>(
    `insert into recurrence_groups as g (${GROUP_INSERT_COLUMNS})
     values (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nextval('recurrence_change_seq'))
     on conflict (project_id, recurrence_key) do update set
       ${addCounters('excluded')},
       severity = coalesce(excluded.severity, g.severity),
       latest_event_id = case when excluded.latest_received_at >= g.latest_received_at then excluded.latest_event_id else g.latest_event_id end,
       latest_received_at = greatest(g.latest_received_at, excluded.latest_received_at),
       latest_occurrence_at = coalesce(excluded.latest_occurrence_at, g.latest_occurrence_at),
       latest_alert_status = case when ? then g.latest_alert_status else excluded.latest_alert_status end,
       lifecycle_changed_at = case when ? or g.lifecycle = excluded.lifecycle then g.lifecycle_changed_at else excluded.lifecycle_changed_at end,
       lifecycle = case when ? then g.lifecycle else excluded.lifecycle end,
       lifecycle_reason = case when ? then g.lifecycle_reason else excluded.lifecycle_reason end,
       change_seq = nextval('recurrence_change_seq'),
       updated_at = excluded.updated_at
     returning id, (xmax = 0) as created, lifecycle, silenced_until as "silencedUntil", silence_reason as "silenceReason",
       open_threshold as "openThreshold", open_window_minutes as "openWindowMinutes"`,
    [
      touch.projectId,
      touch.recurrenceKey,
      RECURRENCE_RULE_VERSION,
      basis,
      JSON.stringify(why),
      event.source,
      event.alertname,
      event.ruleId,
      duplicate ? null : event.sourceSeverity,
      event.namespace,
      event.targetResource,
      event.fingerprint,
      occurrence ? 1 : 0,
      !duplicate && resolution ? 1 : 0,
      duplicate ? 1 : 0,
      refs.count,
      refs.count === 0 ? 1 : 0,
      refs.sentry ? 1 : 0,
      refs.signoz ? 1 : 0,
      refs.alert ? 1 : 0,
      touch.eventId,
      touch.eventId,
      at,
      at,
      occurrence ? at : null,
      duplicate ? null : event.alertStatus,
      change?.lifecycle ?? 'new',
      at,
      change?.reason ?? null,
      at,
      at,
      duplicate,
      duplicate,
      duplicate,
      duplicate,
    ],
  );
  if (occurrence) {
    await em.execute(
      `insert into recurrence_hours (group_id, hour, occurrences) values (?, ?, 1)
       on conflict (group_id, hour) do update set occurrences = recurrence_hours.occurrences + 1`,
      [row!.id, hourOf(at)],
    );
  }
  return { ...row!, id: Number(row!.id) };
}

/** Records that one of the group's events joined this chamado (its runs become the group's). */
export async function linkGroupChamado(em: EntityManager, groupId: number, chamadoId: number, at: Date): Promise<void> {
  await em.execute(
    `insert into recurrence_group_chamados (group_id, chamado_id, linked_at) values (?, ?, ?) on conflict do nothing`,
    [groupId, chamadoId, at],
  );
}

function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/** The group as it was, locked for this transaction, with its latest run and hourly counts. */
async function groupBefore(em: EntityManager, touch: GroupTouch): Promise<GroupBefore | null> {
  const current = hourOf(touch.at);
  const previous = new Date(current.getTime() - HOUR_MS);
  const trailingStart = new Date(previous.getTime() - TRAILING_HOURS * HOUR_MS);
  const [row] = await em.execute<
    { lifecycle: RecurrenceLifecycle; latestOccurrenceAt: string | null; lastRun: { status: string; finishedAt: string | null } | null; currentHour: number; previousHour: number; trailing: number }[]
  >(
    `select g.lifecycle, g.latest_occurrence_at as "latestOccurrenceAt",
       (select json_build_object('status', x.status, 'finishedAt', x.finished_at)
          from recurrence_group_chamados gc join runbook_executions x on x.chamado_id = gc.chamado_id
          where gc.group_id = g.id order by x.created_at desc, x.id desc limit 1) as "lastRun",
       coalesce(sum(h.occurrences) filter (where h.hour = ?), 0)::int as "currentHour",
       coalesce(sum(h.occurrences) filter (where h.hour = ?), 0)::int as "previousHour",
       coalesce(sum(h.occurrences) filter (where h.hour >= ? and h.hour < ?), 0)::int as "trailing"
     from recurrence_groups g left join recurrence_hours h on h.group_id = g.id and h.hour >= ?
     where g.project_id = ? and g.recurrence_key = ?
     group by g.id`,
    [current, previous, trailingStart, previous, trailingStart, touch.projectId, touch.recurrenceKey],
  );
  if (!row) return null;
  return {
    lifecycle: row.lifecycle,
    latestOccurrenceAt: row.latestOccurrenceAt ? new Date(row.latestOccurrenceAt) : null,
    lastRun: row.lastRun
      ? { status: row.lastRun.status as ExecutionStatus, finishedAt: row.lastRun.finishedAt ? new Date(row.lastRun.finishedAt) : null }
      : null,
    currentHour: row.currentHour,
    previousHour: row.previousHour,
    trailing: row.trailing,
  };
}

/** linkGroupChamado for events placed on a chamado later (an operator's attach, a threshold opening). */
export async function linkGroupsOfEvents(em: EntityManager, chamadoId: number, eventIds: number[], at: Date): Promise<void> {
  if (eventIds.length === 0) return;
  await em.execute(
    `insert into recurrence_group_chamados (group_id, chamado_id, linked_at)
     select distinct g.id, ?::int, ?::timestamptz from events e
       join recurrence_groups g on g.project_id = e.project_id and g.recurrence_key = e.recurrence_key
     where ?
     on conflict do nothing`,
    [chamadoId, at, anyOf('e.id', eventIds, 'bigint')],
  );
}

/** A merge moves the source's events to the target: the target joins the source's groups too. */
export async function linkMergedChamado(em: EntityManager, sourceId: number, targetId: number, at: Date): Promise<void> {
  await em.execute(
    `insert into recurrence_group_chamados (group_id, chamado_id, linked_at)
     select group_id, ?::int, ?::timestamptz from recurrence_group_chamados where chamado_id = ?
     on conflict do nothing`,
    [targetId, at, sourceId],
  );
}
