import type { EntityManager } from '@mikro-orm/postgresql';
import type { ChamadoStatus } from '../../../entities/chamado-status.ts';
import type { ChamadoOrigin } from '../../../entities/chamado.entity.ts';
import type { TimelineKind } from '../../../entities/timeline-entry.entity.ts';
import type { Role } from '../../../entities/roles.ts';

/*
 * The read side: plain rows through SQL, never hydrated entities (hydration and the identity map
 * cost ~7x on reads). Every function here takes a batch of keys so DataLoaders can call it once
 * per request tick, which keeps list queries at a constant number of statements.
 */

export interface ChamadoRow {
  id: number;
  publicId: string;
  status: ChamadoStatus;
  origin: ChamadoOrigin;
  title: string;
  description: string | null;
  domain: string | null;
  sessionId: string | null;
  wizardStep: string | null;
  wizardStepLabel: string | null;
  wizardStepAt: Date | null;
  sources: string[];
  maxSeverity: number | null;
  eventCount: number;
  assigneeId: number | null;
  createdById: number | null;
  legacyTicketId: number | null;
  fingerprint: string | null;
  mergedIntoId: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
}

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

const CHAMADO_COLUMNS = `c.id, c.public_id as "publicId", c.status, c.origin, c.title, c.description, c.domain,
  c.session_id as "sessionId", c.wizard_step as "wizardStep", c.wizard_step_label as "wizardStepLabel",
  c.wizard_step_at as "wizardStepAt", c.sources, c.max_severity as "maxSeverity", c.event_count as "eventCount",
  c.assignee_id as "assigneeId", c.created_by_id as "createdById", c.legacy_ticket_id as "legacyTicketId",
  c.fingerprint, c.merged_into_id as "mergedIntoId", c.version, c.created_at as "createdAt", c.updated_at as "updatedAt",
  c.resolved_at as "resolvedAt", c.closed_at as "closedAt"`;

const USER_COLUMNS = `u.id, u.username, u.email, u.full_name as "fullName", u.role, u.disabled, u.dialect, u.avatar,
  u.created_at as "createdAt"`;

export interface ChamadoFilter {
  status?: ChamadoStatus[] | null;
  domain?: string | null;
  /** Username of the assignee. */
  assignee?: string | null;
  source?: string | null;
  sessionId?: string | null;
}

export interface ChamadoPage {
  rows: ChamadoRow[];
  total: number;
  hasNextPage: boolean;
}

/** Newest first (by id, which only grows), so a cursor is simply the last id seen. */
export async function listChamados(
  em: EntityManager,
  filter: ChamadoFilter,
  page: { limit: number; afterId?: number | null; offset?: number | null },
): Promise<ChamadoPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.status?.length) {
    where.push(`c.status in (${filter.status.map(() => '?').join(', ')})`);
    params.push(...filter.status);
  }
  if (filter.domain) {
    where.push('c.domain = ?');
    params.push(filter.domain.toLowerCase());
  }
  if (filter.assignee) {
    where.push('c.assignee_id = (select id from users where username = ?)');
    params.push(filter.assignee);
  }
  if (filter.source) {
    where.push('c.sources @> array[?]::text[]');
    params.push(filter.source);
  }
  if (filter.sessionId) {
    where.push('c.session_id = ?');
    params.push(filter.sessionId);
  }
  const filterSql = where.length ? `where ${where.join(' and ')}` : '';
  const pageWhere = page.afterId ? `${filterSql ? `${filterSql} and` : 'where'} c.id < ?` : filterSql;
  const pageParams = page.afterId ? [...params, page.afterId] : params;
  // Window count keeps page and total in one statement; a count of an empty page falls back below.
  const rows = await em.execute<(ChamadoRow & { total: string })[]>(
    `select ${CHAMADO_COLUMNS}, count(*) over () as total from chamados c ${pageWhere}
     order by c.id desc limit ? offset ?`,
    [...pageParams, page.limit + 1, page.offset ?? 0],
  );
  // The window count runs before LIMIT/OFFSET, so it is the filter's total unless a cursor
  // narrowed the rows or the page is empty; only then is a separate count needed.
  let total: number;
  if (rows.length > 0 && !page.afterId) {
    total = Number(rows[0]!.total);
  } else {
    const counted = await em.execute<{ total: string }[]>(`select count(*) as total from chamados c ${filterSql}`, params);
    total = Number(counted[0]?.total ?? 0);
  }
  const hasNextPage = rows.length > page.limit;
  return { rows: rows.slice(0, page.limit).map(stripTotal), total, hasNextPage };
}

function stripTotal({ total: _total, ...row }: ChamadoRow & { total: string }): ChamadoRow {
  return row;
}

export async function chamadosByIds(em: EntityManager, ids: readonly number[]): Promise<ChamadoRow[]> {
  if (ids.length === 0) return [];
  return em.execute<ChamadoRow[]>(`select ${CHAMADO_COLUMNS} from chamados c where c.id = any(array[?]::int[])`, [ids]);
}

export async function chamadosByPublicIds(em: EntityManager, publicIds: readonly string[]): Promise<ChamadoRow[]> {
  if (publicIds.length === 0) return [];
  return em.execute<ChamadoRow[]>(`select ${CHAMADO_COLUMNS} from chamados c where c.public_id = any(array[?]::text[])`, [
    publicIds,
  ]);
}

export async function usersByIds(em: EntityManager, ids: readonly number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return em.execute<UserRow[]>(`select ${USER_COLUMNS} from users u where u.id = any(array[?]::int[])`, [ids]);
}

export async function timelineByChamadoIds(em: EntityManager, chamadoIds: readonly number[]): Promise<TimelineRow[]> {
  if (chamadoIds.length === 0) return [];
  return timelineRowsWhere(em, 't.chamado_id = any(array[?]::int[])', [chamadoIds]);
}

export async function observablesByChamadoIds(em: EntityManager, chamadoIds: readonly number[]): Promise<ObservableRow[]> {
  if (chamadoIds.length === 0) return [];
  return em.execute<ObservableRow[]>(
    `select o.id::int as id, o.chamado_id as "chamadoId", o.tipo, o.valor, o.fonte, o.event_id::int as "eventId",
       o.created_at as "createdAt"
     from observables o where o.chamado_id = any(array[?]::int[]) order by o.chamado_id, o.id`,
    [chamadoIds],
  );
}

export async function timelineEntriesByIds(em: EntityManager, ids: readonly number[]): Promise<TimelineRow[]> {
  if (ids.length === 0) return [];
  return timelineRowsWhere(em, 't.id = any(array[?]::bigint[])', [ids]);
}

async function timelineRowsWhere(em: EntityManager, where: string, params: unknown[]): Promise<TimelineRow[]> {
  return em.execute<TimelineRow[]>(
    `select t.id::int as id, t.chamado_id as "chamadoId", t.kind, t.event_type as "eventType", t.source, t.summary,
       t.severity, t.actor_id as "actorId", t.event_id::int as "eventId", t.data, t.created_at as "createdAt"
     from timeline_entries t where ${where} order by t.chamado_id, t.id`,
    params,
  );
}

/** Timeline entries of one chamado after `afterId`, oldest first (live replay and catch-up). */
export async function timelineAfter(em: EntityManager, chamadoId: number, afterId: number): Promise<TimelineRow[]> {
  return timelineRowsWhere(em, 't.chamado_id = ? and t.id > ?', [chamadoId, afterId]);
}

export async function latestTimelineId(em: EntityManager, chamadoId: number): Promise<number> {
  const [row] = await em.execute<{ id: number | null }[]>('select max(id)::int as id from timeline_entries where chamado_id = ?', [
    chamadoId,
  ]);
  return row?.id ?? 0;
}
