import type { EntityManager } from '@mikro-orm/postgresql';
import { pagedRows, type PagedRows, type PageRequest } from '../../db/paged-rows.ts';
import { executePrepared } from '../../db/prepared-statements.ts';
import { anyOf, isUuid, sqlPart, whereAll, type Sql } from '../../db/sql.ts';
import { selectListsByFields, type RowOf } from '../../../entities/column-facts.ts';
import { EventSchema, type Event } from '../../../entities/event.entity.ts';
import { EVENT_COLUMN_FIELDS } from '../ingest/normalized-event.ts';
import { compileDiscoverQuery } from './discover-query/index.ts';

/*
 * The Discover read side: plain rows, newest first, batched by key for DataLoaders. The redacted
 * payload is large, so lists leave it out and `eventPayloadsByIds` fetches it only when asked for.
 */

/**
 * The event columns the feed reads: what the normalizers fill plus what ingestion adds; all but the
 * redacted payload (fetched apart) and the search index.
 */
const EVENT_ROW_COLUMNS = [
  'id',
  'uuid',
  'projectId',
  'source',
  ...EVENT_COLUMN_FIELDS,
  'deliveryId',
  'recurrenceKey',
  'alertStatus',
  'isDuplicate',
  'correlation',
  'redactionVersion',
  'contentSha256',
  'contentLength',
  'sourceRefs',
  'observables',
  'warnings',
  'receivedAt',
] as const satisfies readonly (keyof Event)[];
const EVENT_ROW_REFS = ['chamado', 'duplicateOf'] as const;

/** One event as the feed reads it: its columns as the entity types them, plus its chamado's public id. */
export type EventRow = RowOf<Event, (typeof EVENT_ROW_COLUMNS)[number], (typeof EVENT_ROW_REFS)[number]> & {
  chamadoPublicId: string | null;
};

/** An EventRow field; `id` is always read. */
export type EventField = Exclude<keyof EventRow, 'id'>;

/** The select list for these fields of an event row (null: every field), id always included. */
const eventColumns = selectListsByFields('e', EventSchema, EVENT_ROW_COLUMNS, EVENT_ROW_REFS, {
  chamadoPublicId: 'c.public_id as "chamadoPublicId"',
});
const EVENT_COLUMNS = eventColumns(null);

const FROM = 'from events e left join chamados c on c.id = e.chamado_id';

export interface EventFilter {
  source?: string | null;
  domain?: string | null;
  severityMin?: number | null;
  from?: Date | null;
  to?: Date | null;
  /** Discover query language (src/services/events/discover-query). */
  q?: string | null;
  /** Public id of the chamado the events belong to. */
  chamado?: string | null;
  sessionId?: string | null;
  duplicate?: boolean | null;
  /** Tenant (spec 002 project_id), exact. */
  projectId?: string | null;
  /** The provider's event id starts with this (taken literally: `%` and `_` are not wildcards). */
  providerEventIdPrefix?: string | null;
  providerEventId?: string | null;
  /** A runbook execution's uuid (spec 002 run_id): the events of its chamado. */
  runId?: string | null;
}


/** `like` pattern for "starts with `prefix`": its own `%`, `_` and `\` escaped (backslash is LIKE's default escape). */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The run's chamado; a malformed run id matches nothing instead of failing the uuid cast. */
/**
 * The provider event id as served (providerEventIdOrFallbackOf in dossier.ts): the provider's own,
 * else `delivery-<delivery id>`, else the numeric id, so an id read off an event finds it again.
 */
function providerEventIdCondition(id: string): Sql {
  const delivery = /^delivery-(.+)$/s.exec(id);
  const fallback = delivery
    ? sqlPart('e.delivery_id = ?', delivery[1]!)
    : /^\d{1,15}$/.test(id)
      ? sqlPart('e.delivery_id is null and e.id = ?', Number(id))
      : null;
  if (!fallback) return sqlPart('e.provider_event_id = ?', id);
  return sqlPart('e.provider_event_id = ? or (e.provider_event_id is null and ?)', id, fallback);
}

function runCondition(runId: string): Sql {
  if (!isUuid(runId)) return sqlPart('false');
  return sqlPart('e.chamado_id = (select r.chamado_id from runbook_executions r where r.uuid = ?)', runId);
}

/** The filter as SQL conditions over `events e left join chamados c` (lists and live feeds alike). */
function conditionsOf(filter: EventFilter): (Sql | null)[] {
  return searchOf(filter).conditions;
}

/** The time range as conditions on `received_at`, the partition key: PostgreSQL plans only the months they allow. */
function timeBounds(filter: EventFilter): (Sql | null)[] {
  return [filter.from ? sqlPart('e.received_at >= ?', filter.from) : null, filter.to ? sqlPart('e.received_at < ?', filter.to) : null];
}

function searchOf(filter: EventFilter): { conditions: (Sql | null)[]; fullText: boolean } {
  const q = filter.q?.trim() ? compileDiscoverQuery(filter.q) : null;
  return { fullText: q?.fullText ?? false, conditions: [
    filter.source ? sqlPart('e.source = ?', filter.source) : null,
    filter.domain ? sqlPart('e.domain = ?', filter.domain.toLowerCase()) : null,
    filter.severityMin != null ? sqlPart('e.severity >= ?', filter.severityMin) : null,
    ...timeBounds(filter),
    filter.chamado ? sqlPart('c.public_id = ?', filter.chamado) : null,
    filter.sessionId ? sqlPart('e.session_id = ?', filter.sessionId) : null,
    filter.duplicate != null ? sqlPart('e.is_duplicate = ?', filter.duplicate) : null,
    filter.projectId ? sqlPart('e.project_id = ?', filter.projectId) : null,
    filter.providerEventIdPrefix ? sqlPart('e.provider_event_id like ?', likePrefix(filter.providerEventIdPrefix)) : null,
    filter.providerEventId ? providerEventIdCondition(filter.providerEventId) : null,
    filter.runId != null ? runCondition(filter.runId) : null,
    q ? sqlPart(q.sql, ...q.params) : null,
  ] };
}

/**
 * Full-text pages are read in two id ranges (paged-rows.ts windowedIds): the newest 20 000 ids as
 * the planner likes (at most 20 000 rows walked), then the rest, walked or through the GIN index
 * by the density found in the first. A third range in between cost a rare word its GIN fetches
 * twice (the planner fetches every match and filters the range) and saved nothing measurable.
 */
const FULL_TEXT_WINDOWS = [20_000] as const;

export interface ListOptions {
  /** Matches counted exactly; past it the total is an estimate (config `EVENTS_COUNT_BOUND`). */
  countBound?: number;
  /** Only these fields of each row (plus its id); every field when absent. */
  fields?: readonly EventField[] | null;
}

/**
 * Newest first by id (ids only grow), so the `after` cursor is the last id seen: rows inserted
 * while a client pages never shift the pages it has not read yet.
 */
export async function listEvents(em: EntityManager, filter: EventFilter, page: PageRequest, options: ListOptions = {}): Promise<PagedRows<EventRow>> {
  const { conditions, fullText } = searchOf(filter);
  return pagedRows<EventRow>(
    em,
    {
      columns: eventColumns(options.fields ?? null),
      from: FROM,
      id: 'e.id',
      where: conditions,
      table: 'events e',
      bounds: timeBounds(filter),
      countBound: options.countBound,
      recentWindows: fullText ? FULL_TEXT_WINDOWS : undefined,
      storedAt: 'e.received_at',
    },
    page,
  );
}

export async function eventsByIds(em: EntityManager, ids: readonly number[]): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  return em.execute<EventRow[]>(`select ${EVENT_COLUMNS} ${FROM} ?`, [whereAll([anyOf('e.id', ids, 'bigint')])]);
}

export async function eventPayloadsByIds(em: EntityManager, ids: readonly number[]): Promise<{ id: number; payload: unknown }[]> {
  if (ids.length === 0) return [];
  return em.execute(`select id::int as id, payload from events where ?`, [anyOf('id', ids, 'bigint')]);
}

/** Events after `afterId` matching the filter, oldest first: a live feed's replay of what it missed. */
export async function eventsAfter(em: EntityManager, filter: EventFilter, afterId: number, limit = 1000): Promise<EventRow[]> {
  return em.execute<EventRow[]>(`select ${EVENT_COLUMNS} ${FROM} ? order by e.id asc limit ?`, [
    whereAll([...conditionsOf(filter), sqlPart('e.id > ?', afterId)]),
    limit,
  ]);
}

/**
 * Which of these (new) events match the filter: one statement for any number of subscribers
 * sharing it, prepared (it runs on every stored event). `receivedFrom`, at or before every one's
 * received_at, leaves out the months before it; by id alone every month is searched.
 */
export async function eventsMatching(
  em: EntityManager,
  filter: EventFilter,
  ids: readonly number[],
  receivedFrom: Date | null = null,
): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  return executePrepared<EventRow>(em, eventsMatchingStatement(filter, ids, receivedFrom));
}

/** eventsMatching's statement, for a writer that runs it itself (src/services/live/feed-prefetch.ts). */
export function eventsMatchingStatement(filter: EventFilter, ids: readonly number[], receivedFrom: Date | null): Sql {
  const conditions = [...conditionsOf(filter), anyOf('e.id', ids, 'bigint'), receivedFrom && sqlPart('e.received_at >= ?', receivedFrom)];
  return sqlPart(`select ${EVENT_COLUMNS} ${FROM} ? order by e.id`, whereAll(conditions));
}

export async function latestEventId(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ id: number | null }[]>('select max(id)::int as id from events');
  return row?.id ?? 0;
}
