import type { EntityManager } from '@mikro-orm/postgresql';
import type { RecurrenceLifecycle } from '../../../entities/recurrence-group.entity.ts';
import { anyOf, arrayOf, sqlPart, whereAll, type Sql } from '../../db/sql.ts';
import { groupWorkItemState, runsByGroupIds, runsOf, type GroupRuns } from './group-runs.ts';
import { effectiveLifecycleSql } from './lifecycle.ts';
import { GROUP_COLUMNS, type RecurrenceGroupRow } from './reads.ts';

/*
 * The recurrence read model's lists: pages of groups, the dossier's latest groups and its summary,
 * and per-group batches (chamados, occurrences, histogram) for DataLoaders. Every function takes
 * all the groups of a request at once, so nested fields cost a constant number of statements.
 */

/**
 * Keyset position: a timestamp in epoch microseconds (as text, exact; JS Dates keep only
 * milliseconds and would skip or repeat rows that share one) and the row id.
 */
export interface Keyset {
  micros: string;
  id: number;
}

const micros = (column: string) => `(extract(epoch from ${column}) * 1000000)::bigint::text`;
/** `(column, id) < keyset`: rows after the keyset in newest-first order. */
const before = (column: string, id: string, at: Keyset) =>
  sqlPart(`(${column}, ${id}) < (timestamptz 'epoch' + ?::bigint * interval '1 microsecond', ?)`, at.micros, at.id);

export interface GroupFilter {
  projectId?: string | null;
  provider?: string | null;
  /** Lifecycles as served (a running silence is `silenced`, a quiet escalation `ongoing`). */
  lifecycle?: readonly RecurrenceLifecycle[] | null;
  recurrenceKey?: string | null;
}

function groupConditions(filter: GroupFilter): (Sql | null)[] {
  return [
    filter.projectId ? sqlPart('g.project_id = ?', filter.projectId) : null,
    filter.provider ? sqlPart('g.provider = ?', filter.provider) : null,
    filter.lifecycle?.length ? anyOf(effectiveLifecycleSql('g'), filter.lifecycle, 'text') : null,
    filter.recurrenceKey ? sqlPart('g.recurrence_key = ?', filter.recurrenceKey) : null,
  ];
}

export type KeyedGroupRow = RecurrenceGroupRow & { sortMicros: string };

/** Groups newest `latest_received_at` first (then id), after `after`; with the filter's total. */
export async function listGroups(
  em: EntityManager,
  filter: GroupFilter,
  page: { limit: number; after: Keyset | null },
): Promise<{ rows: KeyedGroupRow[]; total: number; hasNextPage: boolean }> {
  const where = groupConditions(filter);
  const rows = await em.execute<(KeyedGroupRow & { total: string })[]>(
    `select ${GROUP_COLUMNS}, ${micros('g.latest_received_at')} as "sortMicros", count(*) over () as total
     from recurrence_groups g ? order by g.latest_received_at desc, g.id desc limit ?`,
    [whereAll([...where, page.after && before('g.latest_received_at', 'g.id', page.after)]), page.limit + 1],
  );
  // The window count is the filter's total only without a cursor (and when some row came back).
  let total: number;
  if (page.after === null) total = rows.length > 0 ? Number(rows[0]!.total) : 0;
  else {
    const [counted] = await em.execute<{ total: string }[]>('select count(*) as total from recurrence_groups g ?', [whereAll(where)]);
    total = Number(counted?.total ?? 0);
  }
  return { rows: rows.slice(0, page.limit).map(({ total: _t, ...row }) => row as KeyedGroupRow), total, hasNextPage: rows.length > page.limit };
}

/** The latest `limit` groups of a project / provider (omitted: all): the dossier's items. */
async function latestGroups(
  em: EntityManager,
  filter: { projectId?: string | null; provider?: string | null },
  limit: number,
): Promise<RecurrenceGroupRow[]> {
  return em.execute<RecurrenceGroupRow[]>(
    `select ${GROUP_COLUMNS} from recurrence_groups g ? order by g.latest_received_at desc, g.id desc limit ?`,
    [whereAll(groupConditions(filter)), limit],
  );
}

export interface RecurrenceSummary {
  sourceEventTotal: number;
  recurrenceGroupTotal: number;
  recurrentGroupTotal: number;
  duplicateEventTotal: number;
  linkedRunTotal: number;
  unlinkedEventTotal: number;
  autoRepairLinkedTotal: number;
  verifiedRepairGroupTotal: number;
  openWorkItemGroupTotal: number;
  manualGateGroupTotal: number;
  automationGapGroupTotal: number;
  failedRepairGroupTotal: number;
  latestReceivedAt: Date | null;
}

/** The dossier's summary over exactly these groups (spec 002 ChannelEventRecurrenceSummary). */
export function recurrenceSummary(groups: readonly RecurrenceGroupRow[], runs: Map<number, GroupRuns>): RecurrenceSummary {
  const s: RecurrenceSummary = {
    sourceEventTotal: 0,
    recurrenceGroupTotal: groups.length,
    recurrentGroupTotal: 0,
    duplicateEventTotal: 0,
    linkedRunTotal: 0,
    unlinkedEventTotal: 0,
    autoRepairLinkedTotal: 0,
    verifiedRepairGroupTotal: 0,
    openWorkItemGroupTotal: 0,
    manualGateGroupTotal: 0,
    automationGapGroupTotal: 0,
    failedRepairGroupTotal: 0,
    latestReceivedAt: null,
  };
  const perState = {
    verified_repair: 'verifiedRepairGroupTotal',
    open: 'openWorkItemGroupTotal',
    manual_gate: 'manualGateGroupTotal',
    automation_gap: 'automationGapGroupTotal',
    failed_repair: 'failedRepairGroupTotal',
  } as const;
  for (const g of groups) {
    const r = runsOf(runs, g.id);
    s.sourceEventTotal += g.occurrenceTotal + g.resolvedTotal + g.duplicateTotal;
    if (g.occurrenceTotal >= 2) s.recurrentGroupTotal += 1;
    s.duplicateEventTotal += g.duplicateTotal;
    s.linkedRunTotal += r.linkedRunTotal;
    if (r.linkedRunTotal === 0) s.unlinkedEventTotal += g.occurrenceTotal;
    s.autoRepairLinkedTotal += r.autoRepairTotal;
    s[perState[groupWorkItemState(g, r).state]] += 1;
    const at = new Date(g.latestReceivedAt);
    if (!s.latestReceivedAt || at > s.latestReceivedAt) s.latestReceivedAt = at;
  }
  return s;
}

/**
 * The dossier (spec 002 `/events/dossier/recurrence`): the latest `limit` groups, their runs and
 * the summary over them, in two statements.
 */
export async function recurrenceDossier(
  em: EntityManager,
  filter: { projectId?: string | null; provider?: string | null },
  limit: number,
): Promise<{ groups: RecurrenceGroupRow[]; runs: Map<number, GroupRuns>; summary: RecurrenceSummary }> {
  const groups = await latestGroups(em, filter, limit);
  const runs = await runsByGroupIds(em, groups.map((g) => g.id));
  return { groups, runs, summary: recurrenceSummary(groups, runs) };
}

/** The chamados each group's events joined, oldest first (ids and public ids). */
export async function chamadosOfGroups(
  em: EntityManager,
  ids: readonly number[],
): Promise<{ groupId: number; chamadoId: number; publicId: string }[]> {
  if (ids.length === 0) return [];
  return em.execute(
    `select gc.group_id as "groupId", c.id as "chamadoId", c.public_id as "publicId"
     from recurrence_group_chamados gc join chamados c on c.id = gc.chamado_id
     where ? order by gc.group_id, c.created_at, c.id`,
    [anyOf('gc.group_id', ids, 'int')],
  );
}

export interface OccurrencePage {
  /** Event ids, newest first, with their keyset position. */
  events: { eventId: number; sortMicros: string }[];
  /** The group's non-duplicate events across all pages. */
  total: number;
  hasNextPage: boolean;
}

/**
 * One page of each group's non-duplicate events (occurrences and resolutions), newest
 * `received_at` first: one statement for all the groups, a lateral page per group on the
 * (project_id, recurrence_key, received_at) index.
 */
export async function occurrencesOfGroups(
  em: EntityManager,
  ids: readonly number[],
  page: { limit: number; after: Keyset | null },
): Promise<Map<number, OccurrencePage>> {
  const out = new Map<number, OccurrencePage>();
  if (ids.length === 0) return out;
  const rows = await em.execute<{ groupId: number; eventId: string | null; sortMicros: string | null; total: string }[]>(
    `select g.id as "groupId", o.id as "eventId", o.micros as "sortMicros",
       (select count(*) from events n where n.project_id = g.project_id and n.recurrence_key = g.recurrence_key and not n.is_duplicate) as total
     from recurrence_groups g
     left join lateral (
       select e.id, e.received_at, ${micros('e.received_at')} as micros from events e
       ? order by e.received_at desc, e.id desc limit ?
     ) o on true
     where ? order by g.id, o.received_at desc, o.id desc`,
    [
      whereAll([
        sqlPart('e.project_id = g.project_id and e.recurrence_key = g.recurrence_key and not e.is_duplicate'),
        page.after && before('e.received_at', 'e.id', page.after),
      ]),
      page.limit + 1,
      anyOf('g.id', ids, 'int'),
    ],
  );
  for (const row of rows) {
    const entry = out.get(row.groupId) ?? { events: [], total: Number(row.total), hasNextPage: false };
    if (row.eventId !== null) entry.events.push({ eventId: Number(row.eventId), sortMicros: row.sortMicros! });
    out.set(row.groupId, entry);
  }
  for (const entry of out.values()) {
    entry.hasNextPage = entry.events.length > page.limit;
    entry.events = entry.events.slice(0, page.limit);
  }
  return out;
}

export const HISTOGRAM_BUCKETS = ['HOUR', 'DAY'] as const;
export type HistogramBucket = (typeof HISTOGRAM_BUCKETS)[number];

const STEP_MS: Record<HistogramBucket, number> = { HOUR: 3_600_000, DAY: 86_400_000 };
/** Buckets shown when `from` is not given: the last 48 hours, the last 30 days. */
const DEFAULT_BUCKETS: Record<HistogramBucket, number> = { HOUR: 48, DAY: 30 };
/** At most a month of hours, a year of days. */
export const MAX_BUCKETS: Record<HistogramBucket, number> = { HOUR: 24 * 31, DAY: 366 };

export interface HistogramRange {
  bucket: HistogramBucket;
  /** Start of the first bucket (UTC hour or day). */
  start: Date;
  count: number;
}

/**
 * The buckets from `from` (floored to its UTC hour / day) up to `to` (exclusive; default now).
 * Without `from`, the last DEFAULT_BUCKETS buckets, the current one included.
 */
export function histogramRange(
  bucket: HistogramBucket,
  from: Date | null,
  to: Date | null,
  now: Date,
): { range: HistogramRange } | { error: string } {
  const step = STEP_MS[bucket];
  const end = (to ?? now).getTime();
  const floor = (ms: number) => Math.floor(ms / step) * step;
  if (from && from.getTime() >= end) return { error: 'from must be before to' };
  const start = from ? floor(from.getTime()) : floor(end - 1) - (DEFAULT_BUCKETS[bucket] - 1) * step;
  const count = Math.ceil((end - start) / step);
  if (count > MAX_BUCKETS[bucket]) return { error: `at most ${MAX_BUCKETS[bucket]} ${bucket} buckets (asked for ${count})` };
  return { range: { bucket, start: new Date(start), count } };
}

/** Occurrences per bucket for each group, every bucket of the range (zeros included), oldest first. */
export async function histogramOfGroups(
  em: EntityManager,
  ids: readonly number[],
  range: HistogramRange,
): Promise<{ groupId: number; start: Date; count: number }[]> {
  if (ids.length === 0) return [];
  const step = STEP_MS[range.bucket];
  const last = new Date(range.start.getTime() + (range.count - 1) * step);
  const end = new Date(range.start.getTime() + range.count * step);
  const unit = range.bucket === 'HOUR' ? 'hour' : 'day';
  return em.execute(
    `with counts as (
       select h.group_id, date_trunc(?, h.hour, 'UTC') as start, sum(h.occurrences)::int as n
       from recurrence_hours h where ? and h.hour >= ? and h.hour < ? group by 1, 2)
     select g.id as "groupId", s.start, coalesce(c.n, 0) as count
     from unnest(?) as g(id) cross join generate_series(?::timestamptz, ?::timestamptz, ?::interval) as s(start)
     left join counts c on c.group_id = g.id and c.start = s.start
     order by g.id, s.start`,
    [unit, anyOf('h.group_id', ids, 'int'), range.start, end, arrayOf(ids, 'int'), range.start, last, `1 ${unit}`],
  );
}
