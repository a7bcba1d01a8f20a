import type { EntityManager } from '@mikro-orm/postgresql';
import { clampPageLimit, pagedRows, type PagedRows, type PageRequest } from '../../db/paged-rows.ts';
import { anyOf, arrayOf, sqlPart, whereAll, type Sql } from '../../db/sql.ts';
import {
  DiscoveredResourceSchema,
  DiscoveryEnvironmentSchema,
  DiscoveryInstallationSchema,
  type DiscoveredResource,
  type DiscoveryEnvironment,
  type DiscoveryInstallation,
  type ResourceCategory,
} from '../../../entities/discovery.entity.ts';
import { selectList, type RowOf } from '../../../entities/column-facts.ts';

/*
 * The inventory's read side: plain rows, batched by key for DataLoaders. Retired rows are hidden
 * from every read here (they stay in the tables for history), so callers never filter them again.
 */

const INSTALLATION_PROPS = ['id', 'totvsId', 'name', 'alias', 'receive'] as const satisfies readonly (keyof DiscoveryInstallation)[];
const ENVIRONMENT_PROPS = ['id', 'name'] as const satisfies readonly (keyof DiscoveryEnvironment)[];
const RESOURCE_PROPS = [
  'id',
  'uuid',
  'host',
  'port',
  'category',
  'description',
  'agent',
  'discoveredAt',
  'status',
  'info',
  'health',
  'monitored',
  'probe',
  'httpPath',
  'down',
  'failStreak',
  'passStreak',
  'nextCheckAt',
  'lastCheckedAt',
  'lastSuccess',
  'lastReason',
  'lastDurationMs',
  'certExpiresAt',
  'lastChecks',
  'statusChangedAt',
] as const satisfies readonly (keyof DiscoveredResource)[];

export type InstallationRow = RowOf<DiscoveryInstallation, (typeof INSTALLATION_PROPS)[number]>;
export type EnvironmentRow = RowOf<DiscoveryEnvironment, (typeof ENVIRONMENT_PROPS)[number], 'installation'>;
export type ResourceRow = RowOf<DiscoveredResource, (typeof RESOURCE_PROPS)[number], 'environment' | 'dependsOn'>;

const INSTALLATION_COLUMNS = selectList('i', DiscoveryInstallationSchema, INSTALLATION_PROPS);
const ENVIRONMENT_COLUMNS = selectList('e', DiscoveryEnvironmentSchema, ENVIRONMENT_PROPS, ['installation']);
const RESOURCE_COLUMNS = selectList('r', DiscoveredResourceSchema, RESOURCE_PROPS, ['environment', 'dependsOn']);

/** Installations, newest registered first. */
export async function listInstallations(em: EntityManager, page: PageRequest): Promise<PagedRows<InstallationRow>> {
  return pagedRows<InstallationRow>(
    em,
    { columns: INSTALLATION_COLUMNS, from: 'from discovery_installations i', id: 'i.id', where: [sqlPart('i.retired_at is null')] },
    page,
  );
}

export async function installationsByIds(em: EntityManager, ids: readonly number[]): Promise<InstallationRow[]> {
  if (ids.length === 0) return [];
  return em.execute<InstallationRow[]>(`select ${INSTALLATION_COLUMNS} from discovery_installations i where i.retired_at is null and ?`, [
    anyOf('i.id', ids, 'int'),
  ]);
}

export async function installationsByTotvsIds(em: EntityManager, totvsIds: readonly string[]): Promise<InstallationRow[]> {
  if (totvsIds.length === 0) return [];
  return em.execute<InstallationRow[]>(`select ${INSTALLATION_COLUMNS} from discovery_installations i where i.retired_at is null and ?`, [
    anyOf('i.totvs_id', totvsIds, 'text'),
  ]);
}

/** Live environments of live installations only. */
const LIVE_ENVIRONMENTS = 'from discovery_environments e join discovery_installations i on i.id = e.installation_id and i.retired_at is null where e.retired_at is null';

export async function environmentsByIds(em: EntityManager, ids: readonly number[]): Promise<EnvironmentRow[]> {
  if (ids.length === 0) return [];
  return em.execute<EnvironmentRow[]>(`select ${ENVIRONMENT_COLUMNS} ${LIVE_ENVIRONMENTS} and ?`, [anyOf('e.id', ids, 'int')]);
}

/** An environment's key on the wire: its installation's TOTVS id and its name. */
export interface EnvironmentKey {
  totvsId: string;
  name: string;
}

export async function environmentsByKeys(em: EntityManager, keys: readonly EnvironmentKey[]): Promise<(EnvironmentRow & { totvsId: string })[]> {
  if (keys.length === 0) return [];
  return em.execute(`select ${ENVIRONMENT_COLUMNS}, i.totvs_id as "totvsId" ${LIVE_ENVIRONMENTS} and (i.totvs_id, e.name) in (select * from unnest(?, ?))`, [
    arrayOf(keys.map((k) => k.totvsId), 'text'),
    arrayOf(keys.map((k) => k.name), 'text'),
  ]);
}

/**
 * The environments of these installations, by name; with a category, only those holding at least
 * one live resource of it (the spec's `/environments/{idTOTVS}?category=`).
 */
export async function environmentsByInstallationIds(
  em: EntityManager,
  installationIds: readonly number[],
  category: ResourceCategory | null,
): Promise<EnvironmentRow[]> {
  if (installationIds.length === 0) return [];
  const holding: Sql | null = category
    ? sqlPart('exists (select 1 from discovered_resources r where r.environment_id = e.id and r.retired_at is null and r.category = ?)', category)
    : null;
  return em.execute<EnvironmentRow[]>(`select ${ENVIRONMENT_COLUMNS} ${LIVE_ENVIRONMENTS} and ? and ? order by e.installation_id, e.name`, [
    anyOf('e.installation_id', installationIds, 'int'),
    holding ?? sqlPart('true'),
  ]);
}

/** Live resources of live environments only. */
const LIVE_RESOURCES = `from discovered_resources r
  join discovery_environments e on e.id = r.environment_id and e.retired_at is null
  join discovery_installations i on i.id = e.installation_id and i.retired_at is null`;

export async function resourcesByIds(em: EntityManager, ids: readonly number[]): Promise<ResourceRow[]> {
  if (ids.length === 0) return [];
  return em.execute<ResourceRow[]>(`select ${RESOURCE_COLUMNS} ${LIVE_RESOURCES} where r.retired_at is null and ?`, [anyOf('r.id', ids, 'int')]);
}

/** By public id; ids that are not UUIDs must be dropped by the caller (the column is `uuid`). */
export async function resourcesByUuids(em: EntityManager, uuids: readonly string[]): Promise<ResourceRow[]> {
  if (uuids.length === 0) return [];
  return em.execute<ResourceRow[]>(`select ${RESOURCE_COLUMNS} ${LIVE_RESOURCES} where r.retired_at is null and ?`, [
    anyOf('r.uuid', uuids, 'uuid'),
  ]);
}

export interface ResourceFilter {
  host?: string | null;
  port?: number | null;
  category?: ResourceCategory | null;
}

function resourceConditions(filter: ResourceFilter): (Sql | null)[] {
  return [
    sqlPart('r.retired_at is null'),
    filter.host ? sqlPart('lower(r.host) = lower(?)', filter.host) : null,
    filter.port != null ? sqlPart('r.port = ?', filter.port) : null,
    filter.category ? sqlPart('r.category = ?', filter.category) : null,
  ];
}

/**
 * One page of each environment's resources, newest registered first (keyset on id, like every
 * other list), in two statements whatever the number of environments: the rows numbered per
 * environment, and the totals grouped by environment (counted apart, as src/db/paged-rows.ts explains).
 */
export async function resourcePagesOf(
  em: EntityManager,
  environmentIds: readonly number[],
  filter: ResourceFilter,
  page: PageRequest,
): Promise<Map<number, PagedRows<ResourceRow>>> {
  const pages = new Map<number, PagedRows<ResourceRow>>(environmentIds.map((id) => [id, { rows: [], total: 0, hasNextPage: false }]));
  if (environmentIds.length === 0) return pages;
  const limit = clampPageLimit(page.limit);
  const offset = Math.max(page.offset ?? 0, 0);
  const matching = [anyOf('r.environment_id', environmentIds, 'int'), ...resourceConditions(filter)];
  const rows = await em.execute<(ResourceRow & { n: number })[]>(
    `select * from (select ${RESOURCE_COLUMNS}, row_number() over (partition by r.environment_id order by r.id desc)::int as n
       from discovered_resources r ?) numbered where n > ? and n <= ? order by "environmentId", n`,
    [whereAll([...matching, page.afterId ? sqlPart('r.id < ?', page.afterId) : null]), offset, offset + limit + 1],
  );
  const totals = await em.execute<{ environmentId: number; total: number }[]>(
    `select r.environment_id as "environmentId", count(*)::int as total from discovered_resources r ? group by r.environment_id`,
    [whereAll(matching)],
  );
  for (const { environmentId, total } of totals) pages.get(environmentId)!.total = total;
  for (const { n, ...row } of rows) {
    const of = pages.get(row.environmentId)!;
    if (n - offset > limit) of.hasNextPage = true;
    else of.rows.push(row);
  }
  return pages;
}
