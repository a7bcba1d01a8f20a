import type { EntityManager } from '@mikro-orm/postgresql';
import type { RowReader } from '../../db/batched-reads.ts';
import { pagedRows, type PagedRows, type PageRequest } from '../../db/paged-rows.ts';
import { anyOf, arrayOf, sqlPart, whereAll, type Sql } from '../../db/sql.ts';
import type { ChamadoStatus } from '../../../entities/chamado-status.ts';
import { ChamadoSchema, type Chamado } from '../../../entities/chamado.entity.ts';
import { selectListsByFields, type RowOf } from '../../../entities/column-facts.ts';
import type { TimelineKind } from '../../../entities/timeline-entry.entity.ts';
import type { Role } from '../../../entities/roles.ts';

/*
 * The read side: plain rows through SQL, never hydrated entities (hydration and the identity map
 * cost ~7x on reads). Every function here takes a batch of keys so DataLoaders can call it once
 * per request tick, which keeps list queries at a constant number of statements.
 */

/** The chamado columns the read side serves: every column, references as their ids. */
const CHAMADO_ROW_COLUMNS = [
  'id',
  'publicId',
  'projectId',
  'status',
  'origin',
  'title',
  'description',
  'domain',
  'sessionId',
  'wizardStep',
  'wizardStepLabel',
  'wizardStepAt',
  'sources',
  'maxSeverity',
  'eventCount',
  'legacyTicketId',
  'fingerprint',
  'version',
  'createdAt',
  'updatedAt',
  'resolvedAt',
  'closedAt',
] as const satisfies readonly (keyof Chamado)[];
const CHAMADO_ROW_REFS = ['assignee', 'createdBy', 'mergedInto'] as const;

export type ChamadoRow = RowOf<Chamado, (typeof CHAMADO_ROW_COLUMNS)[number], (typeof CHAMADO_ROW_REFS)[number]>;

export interface UserRow {
  id: number;
  username: string;
  email: string | null;
  fullName: string;
  role: Role;
  disabled: boolean;
  dialect: string;
  avatar: string | null;
  createdAt: Date;
}

export interface TimelineRow {
  id: number;
  chamadoId: number;
  kind: TimelineKind;
  eventType: string;
  source: string;
  summary: string | null;
  severity: number | null;
  actorId: number | null;
  eventId: number | null;
  data: Record<string, unknown> | null;
  createdAt: Date;
}

export interface ObservableRow {
  id: number;
  chamadoId: number;
  tipo: string;
  valor: string;
  fonte: string;
  eventId: number | null;
  createdAt: Date;
}

/** A ChamadoRow field; `id` is always read. */
export type ChamadoField = Exclude<keyof ChamadoRow, 'id'>;

/** The select list for these fields of a chamado row (null: every field), id always included. */
const chamadoColumns = selectListsByFields('c', ChamadoSchema, CHAMADO_ROW_COLUMNS, CHAMADO_ROW_REFS);
const CHAMADO_COLUMNS = chamadoColumns(null);

const USER_COLUMNS = `u.id, u.username, u.email, u.full_name as "fullName", u.role, u.disabled, u.dialect, u.avatar,
  u.created_at as "createdAt"`;

export interface ChamadoFilter {
  status?: ChamadoStatus[] | null;
  domain?: string | null;
  /** Username of the assignee. */
  assignee?: string | null;
  source?: string | null;
  sessionId?: string | null;
  /** Tenant (the project of the event that opened it). */
  projectId?: string | null;
}

/**
 * The chamado filter as SQL conditions over `chamados c`: lists and the live `chamadosChanged`
 * feed read the same rules from here.
 */
export function chamadoConditions(filter: ChamadoFilter): (Sql | null)[] {
  return [
    filter.status?.length ? anyOf('c.status', filter.status, 'text') : null,
    filter.domain ? sqlPart('c.domain = ?', filter.domain.toLowerCase()) : null,
    filter.assignee ? sqlPart('c.assignee_id = (select id from users where username = ?)', filter.assignee) : null,
    filter.source ? sqlPart('c.sources @> array[?]::text[]', filter.source) : null,
    filter.sessionId ? sqlPart('c.session_id = ?', filter.sessionId) : null,
    filter.projectId ? sqlPart('c.project_id = ?', filter.projectId) : null,
  ];
}

export type ChamadoPage = PagedRows<ChamadoRow>;

/**
 * Newest first (by id, which only grows), so a cursor is simply the last id seen. With `fields`,
 * the rows carry only those (plus id): for a resolver that knows what its query selects, never
 * for a cache shared with other readers.
 */
export async function listChamados(
  em: EntityManager,
  filter: ChamadoFilter,
  page: PageRequest,
  fields: readonly ChamadoField[] | null = null,
): Promise<ChamadoPage> {
  return pagedRows<ChamadoRow>(
    em,
    { columns: chamadoColumns(fields), from: 'from chamados c', id: 'c.id', where: chamadoConditions(filter) },
    page,
  );
}

export async function chamadosByIds(em: RowReader, ids: readonly number[]): Promise<ChamadoRow[]> {
  if (ids.length === 0) return [];
  return em.execute<ChamadoRow[]>(`select ${CHAMADO_COLUMNS} from chamados c where ?`, [anyOf('c.id', ids, 'int')]);
}

/** Which of these (changed) chamados match the filter: one statement per distinct filter and change. */
export async function chamadosMatching(em: EntityManager, filter: ChamadoFilter, ids: readonly number[]): Promise<ChamadoRow[]> {
  if (ids.length === 0) return [];
  return em.execute<ChamadoRow[]>(`select ${CHAMADO_COLUMNS} from chamados c ? order by c.id`, [
    whereAll([...chamadoConditions(filter), anyOf('c.id', ids, 'int')]),
  ]);
}

export async function chamadosByPublicIds(em: RowReader, publicIds: readonly string[]): Promise<ChamadoRow[]> {
  if (publicIds.length === 0) return [];
  return em.execute<ChamadoRow[]>(`select ${CHAMADO_COLUMNS} from chamados c where ?`, [anyOf('c.public_id', publicIds, 'text')]);
}

export async function usersByIds(em: RowReader, ids: readonly number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return em.execute<UserRow[]>(`select ${USER_COLUMNS} from users u where ?`, [anyOf('u.id', ids, 'int')]);
}

/**
 * Every entry of these chamados. With `fields`, the rows carry only those (plus id and chamadoId):
 * for a resolver that knows what its query selects, never for a cache shared with other readers.
 */
export async function timelineByChamadoIds(
  em: RowReader,
  chamadoIds: readonly number[],
  fields: readonly TimelineField[] | null = null,
): Promise<TimelineRow[]> {
  if (chamadoIds.length === 0) return [];
  return em.execute<TimelineRow[]>(`select ${timelineColumns(fields)} from timeline_entries t where ? order by t.chamado_id, t.id`, [
    anyOf('t.chamado_id', chamadoIds, 'int'),
  ]);
}

/** Each ObservableRow field's select expression; `id` and `chamadoId` are always read. */
const OBSERVABLE_FIELD_SQL = {
  tipo: 'o.tipo',
  valor: 'o.valor',
  fonte: 'o.fonte',
  eventId: 'o.event_id::int as "eventId"',
  createdAt: 'o.created_at as "createdAt"',
} as const satisfies Record<Exclude<keyof ObservableRow, 'id' | 'chamadoId'>, string>;

export type ObservableField = keyof typeof OBSERVABLE_FIELD_SQL;

/**
 * The observables of these chamados. With `fields`, the rows carry only those (plus id and
 * chamadoId): for a resolver that knows what its query selects, never for a cache shared with
 * other readers.
 */
export async function observablesByChamadoIds(
  em: RowReader,
  chamadoIds: readonly number[],
  fields: readonly ObservableField[] | null = null,
): Promise<ObservableRow[]> {
  if (chamadoIds.length === 0) return [];
  const columns = fieldColumns(['o.id::int as id', 'o.chamado_id as "chamadoId"'], OBSERVABLE_FIELD_SQL, fields);
  return em.execute<ObservableRow[]>(`select ${columns} from observables o where ? order by o.chamado_id, o.id`, [
    anyOf('o.chamado_id', chamadoIds, 'int'),
  ]);
}

export async function timelineEntriesByIds(em: RowReader, ids: readonly number[]): Promise<TimelineRow[]> {
  if (ids.length === 0) return [];
  return timelineRowsWhere(em, anyOf('t.id', ids, 'bigint'));
}

/**
 * Each TimelineRow field's select expression. `id` and `chamadoId` are always read; a list reads
 * only the fields its query shows (a console's list skips `data`, whose JSON parse cost more than
 * half of reading 1,000 entries).
 */
const TIMELINE_FIELD_SQL = {
  kind: 't.kind',
  eventType: 't.event_type as "eventType"',
  source: 't.source',
  summary: 't.summary',
  severity: 't.severity',
  actorId: 't.actor_id as "actorId"',
  eventId: 't.event_id::int as "eventId"',
  data: 't.data',
  createdAt: 't.created_at as "createdAt"',
} as const satisfies Record<Exclude<keyof TimelineRow, 'id' | 'chamadoId'>, string>;

export type TimelineField = keyof typeof TIMELINE_FIELD_SQL;

/** The select list for these fields of a timeline row (null: every field). */
function timelineColumns(fields: readonly TimelineField[] | null): string {
  return fieldColumns(['t.id::int as id', 't.chamado_id as "chamadoId"'], TIMELINE_FIELD_SQL, fields);
}

const TIMELINE_COLUMNS = timelineColumns(null);

async function timelineRowsWhere(em: RowReader, condition: Sql): Promise<TimelineRow[]> {
  return em.execute<TimelineRow[]>(`select ${TIMELINE_COLUMNS} from timeline_entries t where ? order by t.chamado_id, t.id`, [condition]);
}

/**
 * A part of each chamado's timeline: the `first` entries from the oldest or the `last` from the
 * newest (at most one of them; neither: all), strictly between the `afterId` and `beforeId` entries.
 */
export interface TimelineWindow {
  first: number | null;
  last: number | null;
  afterId: number | null;
  beforeId: number | null;
}

/**
 * The window of each chamado's timeline, oldest first, in one statement for the whole batch: a
 * lateral `limit` per chamado walks the (chamado_id, id) index from the wanted end and stops after
 * the window, however long the timeline is.
 */
export async function timelineWindowsByChamadoIds(
  em: RowReader,
  chamadoIds: readonly number[],
  window: TimelineWindow,
  fields: readonly TimelineField[] | null = null,
): Promise<TimelineRow[]> {
  if (chamadoIds.length === 0) return [];
  const newestFirst = window.last !== null;
  return em.execute<TimelineRow[]>(
    `select ${timelineColumns(fields)} from unnest(?) as c(id)
     cross join lateral (select * from timeline_entries t ? order by t.id ${newestFirst ? 'desc' : 'asc'} limit ?) t
     order by t.chamado_id, t.id`,
    [
      arrayOf(chamadoIds, 'int'),
      whereAll([
        sqlPart('t.chamado_id = c.id'),
        window.afterId !== null && sqlPart('t.id > ?', window.afterId),
        window.beforeId !== null && sqlPart('t.id < ?', window.beforeId),
      ]),
      // limit null is PostgreSQL's limit all: a window given only by its bounds.
      window.last ?? window.first,
    ],
  );
}

/** Timeline entries of one chamado after `afterId`, oldest first (live replay and catch-up). */
export async function timelineAfter(em: EntityManager, chamadoId: number, afterId: number): Promise<TimelineRow[]> {
  return timelineRowsWhere(em, sqlPart('t.chamado_id = ? and t.id > ?', chamadoId, afterId));
}

export async function latestTimelineId(em: EntityManager, chamadoId: number): Promise<number> {
  const [row] = await em.execute<{ id: number | null }[]>('select max(id)::int as id from timeline_entries where chamado_id = ?', [
    chamadoId,
  ]);
  return row?.id ?? 0;
}

/** When a timeline entry was written (a live resume compares it with the wizard step's time). */
export async function timelineEntryCreatedAt(em: EntityManager, id: number): Promise<Date | null> {
  const [row] = await em.execute<{ createdAt: Date }[]>('select created_at as "createdAt" from timeline_entries where id = ?', [id]);
  return row ? new Date(row.createdAt) : null;
}

/** A select list from hand-written expressions: the columns always read, then each chosen field's (null: every field). */
function fieldColumns<F extends string>(
  always: readonly string[],
  fieldSql: Readonly<Record<F, string>>,
  fields: readonly F[] | null,
): string {
  const chosen = fields ?? (Object.keys(fieldSql) as F[]);
  return [...always, ...chosen.map((field) => fieldSql[field])].join(', ');
}
