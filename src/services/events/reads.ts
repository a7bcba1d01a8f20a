import type { EntityManager } from '@mikro-orm/postgresql';
import { compileDiscoverQuery } from './discover-query/index.ts';

/*
 * The Discover read side: plain rows, newest first, batched by key for DataLoaders. The redacted
 * payload is large, so lists leave it out and `eventPayloadsByIds` fetches it only when asked for.
 */

export interface EventRow {
  id: number;
  source: string;
  eventType: string;
  providerEventId: string | null;
  deliveryId: string | null;
  domain: string | null;
  sessionId: string | null;
  severity: number | null;
  ruleId: string | null;
  agent: string | null;
  summary: string | null;
  fingerprint: string | null;
  alertname: string | null;
  namespace: string | null;
  targetResource: string | null;
  recurrenceKey: string | null;
  alertStatus: string | null;
  sourceSeverity: string | null;
  chamadoId: number | null;
  chamadoPublicId: string | null;
  isDuplicate: boolean;
  duplicateOfId: number | null;
  correlation: Record<string, unknown> | null;
  redactionVersion: string | null;
  contentSha256: string | null;
  contentLength: number | null;
  sourceRefs: Record<string, string> | null;
  observables: { tipo: string; valor: string }[] | null;
  warnings: string[] | null;
  occurredAt: Date | null;
  receivedAt: Date;
}

const EVENT_COLUMNS = `e.id::int as id, e.source, e.event_type as "eventType", e.provider_event_id as "providerEventId",
  e.delivery_id as "deliveryId", e.domain, e.session_id as "sessionId", e.severity, e.rule_id as "ruleId", e.agent,
  e.summary, e.fingerprint, e.alertname, e.namespace, e.target_resource as "targetResource",
  e.recurrence_key as "recurrenceKey", e.alert_status as "alertStatus", e.source_severity as "sourceSeverity",
  e.chamado_id as "chamadoId", c.public_id as "chamadoPublicId", e.is_duplicate as "isDuplicate",
  e.duplicate_of_id::int as "duplicateOfId", e.correlation, e.redaction_version as "redactionVersion",
  e.content_sha256 as "contentSha256", e.content_length as "contentLength", e.source_refs as "sourceRefs",
  e.observables, e.warnings, e.occurred_at as "occurredAt", e.received_at as "receivedAt"`;

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
}

function whereOf(filter: EventFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (filter.source) add('e.source = ?', filter.source);
  if (filter.domain) add('e.domain = ?', filter.domain.toLowerCase());
  if (filter.severityMin != null) add('e.severity >= ?', filter.severityMin);
  if (filter.from) add('e.received_at >= ?', filter.from);
  if (filter.to) add('e.received_at < ?', filter.to);
  if (filter.chamado) add('c.public_id = ?', filter.chamado);
  if (filter.sessionId) add('e.session_id = ?', filter.sessionId);
  if (filter.duplicate != null) add('e.is_duplicate = ?', filter.duplicate);
  if (filter.q?.trim()) {
    const compiled = compileDiscoverQuery(filter.q);
    add(`(${compiled.sql})`, ...compiled.params);
  }
  return { sql: where.length ? `where ${where.join(' and ')}` : '', params };
}

/**
 * Newest first by id (ids only grow), so the `after` cursor is the last id seen: rows inserted
 * while a client pages never shift the pages it has not read yet.
 */
export async function listEvents(
  em: EntityManager,
  filter: EventFilter,
  page: { limit: number; afterId?: number | null; offset?: number | null },
): Promise<{ rows: EventRow[]; total: number; hasNextPage: boolean }> {
  const { sql, params } = whereOf(filter);
  const pageSql = page.afterId ? `${sql ? `${sql} and` : 'where'} e.id < ?` : sql;
  const pageParams = page.afterId ? [...params, page.afterId] : params;
  const rows = await em.execute<(EventRow & { total: string })[]>(
    `select ${EVENT_COLUMNS}, count(*) over () as total ${FROM} ${pageSql} order by e.id desc limit ? offset ?`,
    [...pageParams, page.limit + 1, page.offset ?? 0],
  );
  let total: number;
  if (rows.length > 0 && !page.afterId) {
    total = Number(rows[0]!.total);
  } else {
    const [counted] = await em.execute<{ total: string }[]>(`select count(*) as total ${FROM} ${sql}`, params);
    total = Number(counted?.total ?? 0);
  }
  const list = rows.slice(0, page.limit).map(({ total: _t, ...row }) => row as EventRow);
  return { rows: list, total, hasNextPage: rows.length > page.limit };
}

export async function eventsByIds(em: EntityManager, ids: readonly number[]): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  return em.execute<EventRow[]>(
    `select ${EVENT_COLUMNS} ${FROM} where e.id = any(string_to_array(?, ',')::bigint[])`,
    [ids.join(',')],
  );
}

export async function eventPayloadsByIds(em: EntityManager, ids: readonly number[]): Promise<{ id: number; payload: unknown }[]> {
  if (ids.length === 0) return [];
  return em.execute(`select id::int as id, payload from events where id = any(string_to_array(?, ',')::bigint[])`, [ids.join(',')]);
}

/** Events after `afterId` matching the filter, oldest first: a live feed's replay of what it missed. */
export async function eventsAfter(em: EntityManager, filter: EventFilter, afterId: number, limit = 1000): Promise<EventRow[]> {
  const { sql, params } = whereOf(filter);
  return em.execute<EventRow[]>(
    `select ${EVENT_COLUMNS} ${FROM} ${sql ? `${sql} and` : 'where'} e.id > ? order by e.id asc limit ?`,
    [...params, afterId, limit],
  );
}

/** Which of these (new) events match the filter: one statement for any number of subscribers sharing it. */
export async function eventsMatching(em: EntityManager, filter: EventFilter, ids: readonly number[]): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  const { sql, params } = whereOf(filter);
  return em.execute<EventRow[]>(
    `select ${EVENT_COLUMNS} ${FROM} ${sql ? `${sql} and` : 'where'} e.id = any(string_to_array(?, ',')::bigint[]) order by e.id`,
    [...params, ids.join(',')],
  );
}

export async function latestEventId(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ id: number | null }[]>('select max(id)::int as id from events');
  return row?.id ?? 0;
}
