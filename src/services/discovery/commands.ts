import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  DiscoveredResource,
  DiscoveryEnvironment,
  DiscoveryInstallation,
} from '../../../entities/discovery.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { isUuid } from '../../db/sql.ts';
import { AlreadyExistsError, NotFoundError, ValidationError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { parseInput } from '../validation.ts';
import { EnvironmentName, InstallationInput, ResourceChange, ResourceInput } from './inputs.ts';
import { environmentsByKeys, installationsByTotvsIds, resourcesByIds, resourcesByUuids, type EnvironmentRow, type InstallationRow, type ResourceRow } from './reads.ts';
import { worstStatus } from './status.ts';

/*
 * The inventory's write side (admin). Registering something that was retired brings it back
 * (the TOTVS id and environment names are unique keys, retired rows included). Retiring is in
 * retire.ts.
 */

const now = () => new Date();

/** Two registrations of one key at once: the unique index stops the second, which answers like a plain duplicate. */
async function orAlreadyExists<T>(resource: string, key: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) throw new AlreadyExistsError(resource, key);
    throw err;
  }
}

/** Every dependency change takes this lock, so two edits cannot close a cycle between them. */
const DEPENDENCY_LOCK = "select pg_advisory_xact_lock(hashtext('discovery_dependencies'))";

export async function liveInstallation(em: EntityManager, totvsId: string): Promise<InstallationRow> {
  const [row] = await installationsByTotvsIds(em, [totvsId]);
  if (!row) throw new NotFoundError('discovery installation', totvsId);
  return row;
}

export async function liveEnvironment(em: EntityManager, totvsId: string, name: string): Promise<EnvironmentRow> {
  const [row] = await environmentsByKeys(em, [{ totvsId, name }]);
  if (row) return row;
  await liveInstallation(em, totvsId);
  throw new NotFoundError('discovery environment', `${totvsId}/${name}`);
}

/** A live resource by public id; anything that is not a UUID is simply not found. */
export async function liveResource(em: EntityManager, uuid: string): Promise<ResourceRow> {
  const [row] = isUuid(uuid) ? await resourcesByUuids(em, [uuid]) : [];
  if (!row) throw new NotFoundError('discovered resource', uuid);
  return row;
}

function dependencyError(message: string): ValidationError {
  return new ValidationError(`dependsOn: ${message}`, [{ path: 'dependsOn', message }]);
}

export async function registerInstallation(em: EntityManager, input: unknown): Promise<InstallationRow> {
  const given = parseInput(InstallationInput, input);
  return orAlreadyExists('discovery installation', given.totvsId, () => em.transactional(async (tx) => {
    const existing = await tx.findOne(DiscoveryInstallation, { totvsId: given.totvsId });
    if (existing && !existing.retiredAt) throw new AlreadyExistsError('discovery installation', given.totvsId);
    const installation = existing ?? tx.create(DiscoveryInstallation, { totvsId: given.totvsId });
    Object.assign(installation, { name: given.name, alias: given.alias, receive: given.receive, retiredAt: null });
    await tx.flush();
    return liveInstallation(tx, given.totvsId);
  }));
}

export async function registerEnvironment(em: EntityManager, totvsId: string, name: string): Promise<EnvironmentRow> {
  const envName = parseInput(EnvironmentName, name, 'name');
  return orAlreadyExists('discovery environment', `${totvsId}/${envName}`, () => em.transactional(async (tx) => {
    const installation = await liveInstallation(tx, totvsId);
    const existing = await tx.findOne(DiscoveryEnvironment, { installation: installation.id, name: envName });
    if (existing && !existing.retiredAt) throw new AlreadyExistsError('discovery environment', `${totvsId}/${envName}`);
    if (existing) existing.retiredAt = null;
    else tx.create(DiscoveryEnvironment, { installation: installation.id, name: envName });
    await tx.flush();
    return liveEnvironment(tx, totvsId, envName);
  }));
}

/**
 * The same listener (host and port) registered twice in one environment is a mistake, not a second
 * resource. No index can say so (retired rows keep their host and port), so the environment's row
 * is locked first and two registrations of one listener at once are serialized.
 */
async function refuseDuplicate(em: EntityManager, environmentId: number, host: string, port: number | null, except: number | null): Promise<void> {
  await em.execute('select id from discovery_environments where id = ? for update', [environmentId]);
  const [dup] = await em.execute<{ id: number }[]>(
    `select id from discovered_resources where environment_id = ? and lower(host) = lower(?) and port is not distinct from ?
       and retired_at is null and id is distinct from ? limit 1`,
    [environmentId, host, port, except],
  );
  if (dup) throw new AlreadyExistsError('discovered resource', port == null ? host : `${host}:${port}`);
}

/** The parent a resource may depend on: live, in the same installation, not itself, closing no cycle. */
async function checkedParent(em: EntityManager, parentUuid: string, installationId: number, selfId: number | null): Promise<ResourceRow> {
  const parent = await liveResource(em, parentUuid);
  if (parent.id === selfId) throw dependencyError('a resource cannot depend on itself');
  if ((await installationOf(em, parent.environmentId)) !== installationId) throw dependencyError('a resource can only depend on a resource of its own installation');
  if (selfId !== null) {
    // `union` (not `union all`) stops on a row already seen, so even a damaged chain ends.
    const [cycle] = await em.execute<{ id: number }[]>(
      `with recursive chain(id, parent) as (
         select id, depends_on_id from discovered_resources where id = ?
         union select r.id, r.depends_on_id from discovered_resources r join chain c on r.id = c.parent
       ) select id from chain where id = ? limit 1`,
      [parent.id, selfId],
    );
    if (cycle) throw dependencyError('that dependency would close a cycle');
  }
  return parent;
}

export async function registerResource(em: EntityManager, actor: Actor | null, input: unknown): Promise<ResourceRow> {
  const given = parseInput(ResourceInput, input);
  return em.transactional(async (tx) => {
    const environment = await liveEnvironment(tx, given.totvsId, given.environment);
    await refuseDuplicate(tx, environment.id, given.host, given.port ?? null, null);
    if (given.dependsOn) await tx.execute(DEPENDENCY_LOCK);
    const parent = given.dependsOn ? await checkedParent(tx, given.dependsOn, environment.installationId, null) : null;
    const health = given.health ?? [];
    const resource = tx.create(DiscoveredResource, {
      environment: environment.id,
      host: given.host,
      port: given.port ?? null,
      category: given.category,
      description: given.description ?? '',
      agent: given.agent || null,
      discoveredAt: now(),
      info: given.info ?? [],
      health,
      status: given.status ?? worstStatus(health),
      dependsOn: parent?.id ?? null,
      monitored: given.monitored ?? true,
      probe: given.probe ?? null,
      httpPath: given.httpPath ?? '/',
      // Given, not left to the property default: MikroORM would store that default ('[]') as a JSON string.
      lastChecks: [],
      createdBy: actor ? tx.getReference(User, actor.id) : null,
    });
    await tx.flush();
    return (await resourcesByIds(tx, [resource.id]))[0]!;
  });
}

/** Fields that cannot be cleared: a null for them means "unchanged", as if it were absent. */
const REQUIRED_ON_RESOURCE = ['totvsId', 'environment', 'host', 'category', 'description', 'info', 'health', 'status', 'monitored'] as const;

export async function updateResource(em: EntityManager, resourceId: string, input: Record<string, unknown>): Promise<ResourceRow> {
  const cleaned = { ...input };
  for (const k of REQUIRED_ON_RESOURCE) if (cleaned[k] === null) delete cleaned[k];
  const change = parseInput(ResourceChange, cleaned);
  return em.transactional(async (tx) => {
    const current = await liveResource(tx, resourceId);
    const environment = change.totvsId && change.environment ? await liveEnvironment(tx, change.totvsId, change.environment) : null;
    const environmentId = environment?.id ?? current.environmentId;
    const installationId = environment?.installationId ?? (await installationOf(tx, environmentId));
    const host = change.host ?? current.host;
    const port = change.port === undefined ? current.port : change.port;
    if (environment || change.host !== undefined || change.port !== undefined) await refuseDuplicate(tx, environmentId, host, port, current.id);
    const resource = await tx.findOneOrFail(DiscoveredResource, current.id);
    if (change.dependsOn !== undefined || environment) {
      await tx.execute(DEPENDENCY_LOCK);
      const parentUuid = change.dependsOn === undefined ? await uuidOf(tx, current.dependsOnId) : change.dependsOn;
      const parent = parentUuid ? await checkedParent(tx, parentUuid, installationId, current.id) : null;
      if (environment) await refuseStrandedChildren(tx, current.id, installationId);
      resource.dependsOn = parent ? tx.getReference(DiscoveredResource, parent.id) : null;
    }
    if (environment) resource.environment = tx.getReference(DiscoveryEnvironment, environment.id);
    resource.host = host;
    resource.port = port;
    if (change.category) resource.category = change.category;
    if (change.description != null) resource.description = change.description;
    if (change.agent !== undefined) resource.agent = change.agent || null;
    if (change.info) resource.info = change.info;
    if (change.health) resource.health = change.health;
    // New findings without a status of their own re-derive it; a status given alone is taken as is.
    if (change.status) resource.status = change.status;
    else if (change.health) resource.status = worstStatus(change.health);
    if (change.monitored != null) resource.monitored = change.monitored;
    if (change.probe !== undefined) resource.probe = change.probe;
    if (change.httpPath !== undefined) resource.httpPath = change.httpPath ?? '/';
    if (retargeted(current, resource)) restartMonitoring(resource);
    await tx.flush();
    return (await resourcesByIds(tx, [current.id]))[0]!;
  });
}

/** Whether an edit changed what the monitor probes: another endpoint, or another way of asking it. */
function retargeted(before: ResourceRow, after: DiscoveredResource): boolean {
  return before.host !== after.host || before.port !== after.port || before.probe !== after.probe || before.httpPath !== after.httpPath;
}

/**
 * After a retarget the streaks count results of what the resource no longer is: kept, two failures
 * of the old port and one of the new would call the new one down after a single failed check (and
 * passes of the old one would count toward ending an outage of the new). So they restart from zero,
 * and the resource is due at the next tick, so whoever edited it learns within a minute whether the
 * new target answers rather than a whole monitor interval later. Its status (and `down`) stays: an
 * edit is no finding, and changing the status here would record a status change, and open or
 * resolve a chamado, that no check saw; the new target's own checks move it by the usual rule.
 */
function restartMonitoring(resource: DiscoveredResource): void {
  resource.failStreak = 0;
  resource.passStreak = 0;
  resource.nextCheckAt = null;
}

async function installationOf(em: EntityManager, environmentId: number): Promise<number> {
  const [row] = await em.execute<{ installationId: number }[]>('select installation_id as "installationId" from discovery_environments where id = ?', [
    environmentId,
  ]);
  return row!.installationId;
}

async function uuidOf(em: EntityManager, id: number | null): Promise<string | null> {
  if (id === null) return null;
  const [row] = await resourcesByIds(em, [id]);
  return row?.uuid ?? null;
}

/** Moving a resource to another installation would leave the resources depending on it across installations. */
async function refuseStrandedChildren(em: EntityManager, id: number, installationId: number): Promise<void> {
  const [stranded] = await em.execute<{ id: number }[]>(
    `select r.id from discovered_resources r join discovery_environments e on e.id = r.environment_id
     where r.depends_on_id = ? and r.retired_at is null and e.installation_id <> ? limit 1`,
    [id, installationId],
  );
  if (stranded) throw new ValidationError('environment: resources of its installation depend on this one', [
    { path: 'environment', message: 'resources of its installation depend on this one' },
  ]);
}
