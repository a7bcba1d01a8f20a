import type { EntityManager } from '@mikro-orm/postgresql';
import { selectList, type RowOf } from '../../../entities/column-facts.ts';
import type { HealthStatus } from '../../../entities/discovery.entity.ts';
import {
  DiscoveryCheckSchema,
  ResourceHealthChangeSchema,
  type DiscoveryCheck,
  type ResourceHealthChange,
} from '../../../entities/discovery-monitor.entity.ts';
import { clampPageLimit, pagedRows, type PagedRows, type PageRequest } from '../../db/paged-rows.ts';
import { anyOf, arrayOf, isUuid, sqlPart, whereAll, type Sql } from '../../db/sql.ts';

/*
 * What the monitor recorded, read back: each resource's check history and status changes (batched
 * per resource for DataLoaders, one statement per batch: a lateral page per resource on its
 * index), the changes across the inventory, and the feed the live subscription polls. Like
 * reads.ts, only live resources of live environments are seen.
 */

const CHECK_PROPS = ['id', 'checkedAt', 'allowed', 'ok', 'reason', 'durationMs', 'status', 'checks'] as const satisfies readonly (keyof DiscoveryCheck)[];
const CHANGE_PROPS = [
  'id',
  'uuid',
  'fromStatus',
  'toStatus',
  'reason',
  'detail',
  'suppressedBy',
  'suppressionDetail',
  'changedAt',
] as const satisfies readonly (keyof ResourceHealthChange)[];

export type CheckRow = RowOf<DiscoveryCheck, (typeof CHECK_PROPS)[number], 'resource'>;
export type HealthChangeRow = RowOf<ResourceHealthChange, (typeof CHANGE_PROPS)[number], 'resource' | 'event'>;

const CHECK_COLUMNS = selectList('c', DiscoveryCheckSchema, CHECK_PROPS, ['resource']);
const CHANGE_COLUMNS = selectList('h', ResourceHealthChangeSchema, CHANGE_PROPS, ['resource', 'event']);

const LIVE_CHANGES = `from discovery_health_changes h
  join discovered_resources r on r.id = h.resource_id and r.retired_at is null
  join discovery_environments e on e.id = r.environment_id and e.retired_at is null
  join discovery_installations i on i.id = e.installation_id and i.retired_at is null`;

export interface CheckPageRequest {
  limit: number;
  /** Keyset cursor: only checks older than this one. */
  afterId: number | null;
  /** Only probes that ran and failed (a check skipped by the network policy is no failure). */
  failedOnly: boolean;
}

/**
 * One page of each resource's checks, newest first. The order is the (resource, checked_at) index's,
 * id breaking ties; the cursor is a check id, placed by its own checked_at (a cursor whose check
 * was pruned since ends the list).
 */
export async function checkPagesOf(
  em: EntityManager,
  resourceIds: readonly number[],
  page: CheckPageRequest,
): Promise<Map<number, { rows: CheckRow[]; hasNextPage: boolean }>> {
  const pages = new Map(resourceIds.map((id) => [id, { rows: [] as CheckRow[], hasNextPage: false }]));
  if (resourceIds.length === 0) return pages;
  const limit = clampPageLimit(page.limit);
  const rows = await em.execute<CheckRow[]>(
    `select ${CHECK_COLUMNS} from unnest(?) as wanted(id) cross join lateral (
       select * from discovery_checks c ? order by c.checked_at desc, c.id desc limit ?
     ) c order by c.resource_id, c.checked_at desc, c.id desc`,
    [
      arrayOf(resourceIds, 'int'),
      whereAll([
        sqlPart('c.resource_id = wanted.id'),
        page.failedOnly && sqlPart('c.allowed and not c.ok'),
        page.afterId !== null && sqlPart('(c.checked_at, c.id) < (select a.checked_at, a.id from discovery_checks a where a.id = ?)', page.afterId),
      ]),
      limit + 1,
    ],
  );
  for (const row of rows) {
    const of = pages.get(row.resourceId)!;
    if (of.rows.length === limit) of.hasNextPage = true;
    else of.rows.push(row);
  }
  return pages;
}

export async function healthChangesByIds(em: EntityManager, ids: readonly number[]): Promise<HealthChangeRow[]> {
  if (ids.length === 0) return [];
  return em.execute<HealthChangeRow[]>(`select ${CHANGE_COLUMNS} ${LIVE_CHANGES} where ?`, [anyOf('h.id', ids, 'int')]);
}

/** Each resource's newest `limit` status changes, newest first, in one statement. */
export async function healthChangesOf(em: EntityManager, resourceIds: readonly number[], limit: number): Promise<HealthChangeRow[]> {
  if (resourceIds.length === 0) return [];
  return em.execute<HealthChangeRow[]>(
    `select ${CHANGE_COLUMNS} from unnest(?) as wanted(id) cross join lateral (
       select * from discovery_health_changes h where h.resource_id = wanted.id order by h.id desc limit ?
     ) h order by h.resource_id, h.id desc`,
    [arrayOf(resourceIds, 'int'), clampPageLimit(limit)],
  );
}

/** Which status changes; every given criterion must match. */
export interface HealthChangeFilter {
  totvsId?: string | null;
  /** An environment name (exact), usually with totvsId. */
  environment?: string | null;
  /** A resource's public id; anything that is not a UUID matches nothing. */
  resourceId?: string | null;
  toStatus?: HealthStatus | null;
  /** true: only changes that opened no chamado (maintenance, a parent down); false: only the others. */
  suppressed?: boolean | null;
}

function changeConditions(filter: HealthChangeFilter): (Sql | null)[] {
  const resourceId = filter.resourceId;
  return [
    filter.totvsId != null ? sqlPart('i.totvs_id = ?', filter.totvsId) : null,
    filter.environment != null ? sqlPart('e.name = ?', filter.environment) : null,
    resourceId != null ? (isUuid(resourceId) ? sqlPart('r.uuid = ?', resourceId.toLowerCase()) : sqlPart('false')) : null,
    filter.toStatus ? sqlPart('h.to_status = ?', filter.toStatus) : null,
    filter.suppressed == null ? null : sqlPart(filter.suppressed ? 'h.suppressed_by is not null' : 'h.suppressed_by is null'),
  ];
}

/** Status changes across the inventory, newest first. */
export async function listHealthChanges(em: EntityManager, filter: HealthChangeFilter, page: PageRequest): Promise<PagedRows<HealthChangeRow>> {
  return pagedRows<HealthChangeRow>(em, { columns: CHANGE_COLUMNS, from: LIVE_CHANGES, id: 'h.id', where: changeConditions(filter) }, page);
}

/** A live feed's catch-up reads at most this many changes per statement. */
const MAX_FEED_ROWS = 1000;

/**
 * The changes stored after `afterId` (null: from the first), oldest first, at most `limit` (up to
 * MAX_FEED_ROWS): what a live feed publishes next. Ids are taken at insert, so a change committed late can carry an id below one
 * already read; the monitor writes its changes one at a time, which keeps that rare.
 */
export async function healthChangesAfter(
  em: EntityManager,
  filter: HealthChangeFilter,
  afterId: number | null,
  limit: number,
): Promise<HealthChangeRow[]> {
  return em.execute<HealthChangeRow[]>(`select ${CHANGE_COLUMNS} ${LIVE_CHANGES} ? order by h.id limit ?`, [
    whereAll([...changeConditions(filter), afterId !== null && sqlPart('h.id > ?', afterId)]),
    Math.min(Math.max(Math.trunc(limit), 1), MAX_FEED_ROWS),
  ]);
}

/** The newest change's id (null when there is none): where a live feed starts. */
export async function latestHealthChangeId(em: EntityManager): Promise<number | null> {
  const [row] = await em.execute<{ id: number | null }[]>('select max(id)::int as id from discovery_health_changes');
  return row?.id ?? null;
}
