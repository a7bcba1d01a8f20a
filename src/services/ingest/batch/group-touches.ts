import type { EntityManager } from '@mikro-orm/postgresql';
import type { RecurrenceLifecycle } from '../../../../entities/recurrence-group.entity.ts';
import { sqlPart, type Sql } from '../../../db/sql.ts';
import { nextLifecycle, type LifecycleChange } from '../../recurrence/lifecycle.ts';
import { addCounters, GROUP_COUNTERS, GROUP_INSERT_COLUMNS } from '../../recurrence/maintain.ts';
import { recurrenceWhy, RECURRENCE_RULE_VERSION } from '../../recurrence/rule.ts';
import type { RecurrenceSettings } from '../../recurrence/settings.ts';
import { sourceRefFacts } from '../../recurrence/source-refs.ts';
import type { NormalizedEvent } from '../normalized-event.ts';
import { scopedKey, type GroupSnapshot, type RunStamp } from './prefetch.ts';

const HOUR_MS = 3_600_000;

interface Touch {
  event: NormalizedEvent;
  eventId: number;
  duplicate: boolean;
  change: LifecycleChange | null;
}

/** A group as the batch's turns see it: the snapshot, moved along by every touch in memory. */
export interface GroupState {
  projectId: string;
  recurrenceKey: string;
  /** Null until a group created by this batch is written. */
  id: number | null;
  snapshot: GroupSnapshot | null;
  /** The lifecycle inputs of the next touch (null before a new group's first touch). */
  before: GroupSnapshot['before'] | null;
  touches: Touch[];
  /** Chamados linked by this batch (ids, or the entity of one opened by it). */
  links: { chamadoId: () => number }[];
}

const isResolution = (event: NormalizedEvent) => event.alertStatus === 'resolved';

/**
 * recurrence/maintain.ts's touchRecurrenceGroup and linkGroupChamado for a whole batch: each
 * touch moves the group's state in memory exactly as the upsert would (so the next touch's
 * lifecycle sees it), and `write` stores every group's touches in a handful of statements.
 */
export class GroupTouches {
  readonly #settings: RecurrenceSettings;
  readonly #now: Date;
  readonly #groups = new Map<string, GroupState>();

  constructor(settings: RecurrenceSettings, now: Date, snapshots: Map<string, GroupSnapshot>) {
    this.#settings = settings;
    this.#now = now;
    for (const [key, snapshot] of snapshots) {
      const [projectId, recurrenceKey] = key.split('\u0000') as [string, string];
      this.#groups.set(key, { projectId, recurrenceKey, id: snapshot.id, snapshot, before: { ...snapshot.before }, touches: [], links: [] });
    }
  }

  get(projectId: string, recurrenceKey: string): GroupState | undefined {
    return this.#groups.get(scopedKey(projectId, recurrenceKey));
  }

  touch(projectId: string, recurrenceKey: string, event: NormalizedEvent, eventId: number, duplicate: boolean): GroupState {
    const key = scopedKey(projectId, recurrenceKey);
    let group = this.#groups.get(key);
    if (!group) {
      group = { projectId, recurrenceKey, id: null, snapshot: null, before: null, touches: [], links: [] };
      this.#groups.set(key, group);
    }
    const resolution = isResolution(event);
    const occurrence = !duplicate && !resolution;
    const change = duplicate ? null : nextLifecycle(group.before, resolution, this.#now, this.#settings);
    group.touches.push({ event, eventId, duplicate, change });
    const before = group.before ?? { lifecycle: 'new' as RecurrenceLifecycle, latestOccurrenceAt: null, lastRun: null, currentHour: 0, previousHour: 0, trailing: 0 };
    group.before = {
      ...before,
      lifecycle: change?.lifecycle ?? before.lifecycle,
      latestOccurrenceAt: occurrence ? this.#now : before.latestOccurrenceAt,
      currentHour: before.currentHour + (occurrence ? 1 : 0),
    };
    return group;
  }

  /** A link to a chamado: its latest run becomes the group's when it is later than the group's. */
  link(group: GroupState, chamadoId: () => number, known: { id: number; lastRun: RunStamp | null } | null): void {
    group.links.push({ chamadoId });
    if (!known || group.snapshot?.linkedChamados.has(known.id)) return;
    group.snapshot?.linkedChamados.add(known.id);
    const run = known.lastRun;
    const current = group.before?.lastRun ?? null;
    if (run && group.before && (!current || run.createdAt > current.createdAt || (run.createdAt.getTime() === current.createdAt.getTime() && run.id > current.id))) {
      group.before = { ...group.before, lastRun: run };
    }
  }

  /** The stored groups the batch touched: their write moves their change_seq (the recurrence feed's order). */
  touchedIds(): Set<number> {
    return new Set([...this.#groups.values()].flatMap((g) => (g.touches.length > 0 && g.id !== null ? [g.id] : [])));
  }

  /**
   * Every touched group's write as common table expressions of the batch's one write statement
   * (view.ts): new groups inserted, the others updated (the advisory lock on each key makes sure no
   * one else creates one meanwhile), then their hours and links from the ids both returned. Null
   * when no group was touched; the view is not used after it.
   */
  writeCtes(): Sql | null {
    const touched = [...this.#groups.values()].filter((g) => g.touches.length > 0);
    if (touched.length === 0) return null;
    const rows = touched.map((g) => foldedRow(g, this.#now));
    const links = touched.flatMap((g) => g.links.map((l) => ({ project_id: g.projectId, recurrence_key: g.recurrenceKey, chamado_id: l.chamadoId() })));
    const hour = new Date(Math.floor(this.#now.getTime() / HOUR_MS) * HOUR_MS);
    return sqlPart(
      `touched_groups as (select * from ${ROWS}),
       created_groups as (
         insert into recurrence_groups as g (${GROUP_INSERT_COLUMNS})
         select r.project_id, r.recurrence_key, ?, r.basis, r.why, r.provider, r.alertname, r.rule_id, r.severity,
           r.namespace, r.target_resource, r.fingerprint, ${GROUP_COUNTERS.map((c) => `r.${c}`).join(', ')}, r.first_event_id, r.latest_event_id,
           r.at, r.at, r.latest_occurrence_at, r.latest_alert_status, r.lifecycle, r.at,
           r.lifecycle_reason, r.at, r.at, nextval('recurrence_change_seq')
         from touched_groups r where r.is_new
         returning g.id, g.project_id, g.recurrence_key),
       updated_groups as (
         update recurrence_groups g set
           ${addCounters('r')},
           severity = coalesce(r.severity, g.severity),
           latest_event_id = case when r.at >= g.latest_received_at then r.latest_event_id else g.latest_event_id end,
           latest_received_at = greatest(g.latest_received_at, r.at),
           latest_occurrence_at = coalesce(r.latest_occurrence_at, g.latest_occurrence_at),
           latest_alert_status = case when r.has_live then r.latest_alert_status else g.latest_alert_status end,
           lifecycle_changed_at = case when r.lifecycle_changed then r.at else g.lifecycle_changed_at end,
           lifecycle = case when r.has_live then r.lifecycle else g.lifecycle end,
           lifecycle_reason = case when r.has_live then r.lifecycle_reason else g.lifecycle_reason end,
           change_seq = nextval('recurrence_change_seq'),
           updated_at = r.at
         from touched_groups r
         where not r.is_new and g.project_id = r.project_id and g.recurrence_key = r.recurrence_key
         returning g.id, g.project_id, g.recurrence_key),
       group_ids as (select * from created_groups union all select * from updated_groups),
       counted_hours as (
         insert into recurrence_hours (group_id, hour, occurrences)
         select i.id, ?::timestamptz, r.occurrence_total from group_ids i
         join touched_groups r on r.project_id = i.project_id and r.recurrence_key = i.recurrence_key
         where r.occurrence_total > 0
         on conflict (group_id, hour) do update set occurrences = recurrence_hours.occurrences + excluded.occurrences),
       linked_chamados as (
         insert into recurrence_group_chamados (group_id, chamado_id, linked_at)
         select i.id, l.chamado_id, ?::timestamptz
         from jsonb_to_recordset(?::jsonb) as l(project_id text, recurrence_key text, chamado_id bigint)
         join group_ids i on i.project_id = l.project_id and i.recurrence_key = l.recurrence_key
         on conflict do nothing)`,
      JSON.stringify(rows),
      RECURRENCE_RULE_VERSION,
      hour,
      this.#now,
      JSON.stringify(links),
    );
  }
}

/** One group's touches folded into what the one-by-one upserts would have left. */
function foldedRow(group: GroupState, now: Date) {
  const first = group.touches[0]!;
  const live = group.touches.filter((t) => !t.duplicate);
  const lastLive = live.at(-1);
  let lifecycle: RecurrenceLifecycle | null = group.snapshot?.before.lifecycle ?? null;
  let lifecycleChanged = false;
  for (const t of live) {
    if (t.change!.lifecycle !== lifecycle) lifecycleChanged = true;
    lifecycle = t.change!.lifecycle;
  }
  const sum = (f: (t: Touch) => boolean) => group.touches.filter(f).length;
  const refs = group.touches.map((t) => sourceRefFacts(t.event.source, t.event.sourceRefs));
  const { basis, why } = recurrenceWhy(first.event);
  return {
    project_id: group.projectId,
    recurrence_key: group.recurrenceKey,
    basis,
    why,
    provider: first.event.source,
    alertname: first.event.alertname,
    rule_id: first.event.ruleId,
    severity: live.map((t) => t.event.sourceSeverity).filter((s) => s != null).at(-1) ?? null,
    namespace: first.event.namespace,
    target_resource: first.event.targetResource,
    fingerprint: first.event.fingerprint,
    occurrence_total: sum((t) => !t.duplicate && !isResolution(t.event)),
    resolved_total: sum((t) => !t.duplicate && isResolution(t.event)),
    duplicate_total: sum((t) => t.duplicate),
    source_ref_total: refs.reduce((n, r) => n + r.count, 0),
    missing_source_refs_total: refs.filter((r) => r.count === 0).length,
    sentry_ref_total: refs.filter((r) => r.sentry).length,
    signoz_ref_total: refs.filter((r) => r.signoz).length,
    alert_ref_total: refs.filter((r) => r.alert).length,
    first_event_id: first.eventId,
    latest_event_id: group.touches.at(-1)!.eventId,
    latest_occurrence_at: live.some((t) => !isResolution(t.event)) ? now.toISOString() : null,
    has_live: live.length > 0,
    latest_alert_status: lastLive?.event.alertStatus ?? null,
    lifecycle: lastLive?.change!.lifecycle ?? 'new',
    lifecycle_reason: lastLive?.change!.reason ?? null,
    lifecycle_changed: lifecycleChanged,
    at: now.toISOString(),
    is_new: !group.snapshot,
  };
}

/** The folded rows, as a record set (one jsonb parameter). */
const ROWS = `jsonb_to_recordset(?::jsonb) as r(project_id text, recurrence_key text, basis text, why jsonb, provider text, alertname text,
  rule_id text, severity text, namespace text, target_resource text, fingerprint text,
  ${GROUP_COUNTERS.map((c) => `${c} int`).join(', ')}, first_event_id bigint, latest_event_id bigint,
  latest_occurrence_at timestamptz, has_live boolean, latest_alert_status text, lifecycle text, lifecycle_reason text, lifecycle_changed boolean,
  at timestamptz, is_new boolean)`;
