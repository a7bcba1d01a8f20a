import { HEALTH_STATUSES, RESOURCE_CATEGORIES, type HealthItem, type InfoItem } from '../entities/discovery.entity.ts';
import { builder } from '../src/builder.ts';
import { environmentKey, loadAll } from '../src/loaders.ts';
import { readDiscoveryConfig, type DiscoveryConfigRow } from '../src/services/discovery/config.ts';
import { listInstallations, type EnvironmentRow, type InstallationRow, type ResourceRow } from '../src/services/discovery/reads.ts';
import { describedValues } from './described.ts';
import { CLIENT_PAGE_MAX, connectionOf, DEFAULT_PAGE, pageOf } from './pagination.ts';

/* The discovery inventory (spec 003): installations → environments → resources, and the monitor settings. */

export const ResourceCategoryEnum = builder.enumType('ResourceCategory', {
  description: 'What a discovered resource is (spec 003 `category`).',
  values: describedValues(RESOURCE_CATEGORIES, {
    server: 'An application server (an environment’s AppServer).',
    machine: 'A physical or virtual machine.',
    database: 'A database.',
    lsv: 'A license server.',
    gateway: 'Any other resource (DBAccess and the like).',
  }),
});

export const HealthStatusEnum = builder.enumType('HealthStatus', {
  description: 'Health of a resource or of one finding, best first; a resource’s status is its worst finding’s.',
  values: describedValues(HEALTH_STATUSES, {
    success: 'OK.',
    warning: 'A warning: works, but look at it.',
    error: 'An error with a workaround (not fatal).',
    danger: 'A fatal error, no workaround: the resource is down.',
  }),
});

const InfoItemRef = builder.objectRef<InfoItem>('DiscoveryInfoItem').implement({
  description: 'One evaluated item of a resource (spec 003 info: cpu, memory …).',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'Key of the item, e.g. `cpu`.' }),
    title: t.exposeString('title', { description: 'Its short title, e.g. `CPU`.' }),
    detail: t.exposeString('detail', { nullable: true, description: 'What the item is, in more words.' }),
    value: t.string({
      nullable: true,
      description: 'Its value as text (`90`, `true` …), whatever type it was reported with.',
      resolve: (i) => (i.value == null ? null : String(i.value)),
    }),
  }),
});

const HealthItemRef = builder.objectRef<HealthItem>('DiscoveryHealthItem').implement({
  description: 'One health finding of a resource (spec 003 health).',
  fields: (t) => ({
    type: t.expose('type', { type: HealthStatusEnum, description: 'How bad it is.' }),
    message: t.exposeString('message', { description: 'Short message, e.g. "Consumo de CPU em 80%".' }),
    detail: t.exposeString('detail', { nullable: true, description: 'Why it matters, in more words.' }),
    helpUrl: t.exposeString('helpUrl', { nullable: true, description: 'A help page about it.' }),
  }),
});

export const DiscoveryInstallationRef = builder.objectRef<InstallationRow>('DiscoveryInstallation');
export const DiscoveryEnvironmentRef = builder.objectRef<EnvironmentRow>('DiscoveryEnvironment');
export const DiscoveredResourceRef = builder.objectRef<ResourceRow>('DiscoveredResource');

/** A row the loaders hide (retired) surfaced through a parent that is still live: a bug, not a client error. */
async function live<T>(row: Promise<T | null>, what: string): Promise<T> {
  const found = await row;
  if (!found) throw new Error(`${what} is retired or missing under a live child`);
  return found;
}

builder.node(DiscoveryInstallationRef, {
  description: 'A License installation (spec 003 `TOTVSID`) and its environments.',
  id: { resolve: (i) => i.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.discoveryInstallation, ids.map(Number)),
  authScopes: { authenticated: true },
  fields: (t) => ({
    totvsId: t.exposeString('totvsId', { description: 'The installation’s TOTVS id (the `{idTOTVS}` of the discovery paths).' }),
    name: t.exposeString('name', { nullable: true, description: 'Its name, e.g. "EMPRESA FULANO".' }),
    alias: t.exposeString('alias', { nullable: true, description: 'Its alias, e.g. "FULANO".' }),
    receive: t.exposeString('receive', { description: 'For internal control (spec 003): kept and served as given; empty when not set.' }),
    environments: t.field({
      type: [DiscoveryEnvironmentRef],
      description: 'Its environments by name; with `category`, only those holding at least one resource of it.',
      args: { category: t.arg({ type: ResourceCategoryEnum, required: false, description: 'Only environments with a resource of this category.' }) },
      resolve: (i, { category }, ctx) => ctx.loaders.discoveryEnvironmentsOf(category ?? null).load(i.id),
    }),
  }),
});

const ResourceFilterInput = builder.inputType('ResourceFilter', {
  description: 'Which resources of an environment; every given criterion must match.',
  fields: (t) => ({
    host: t.string({ required: false, description: 'This host exactly (IP or DNS name, case-insensitive).' }),
    port: t.int({ required: false, description: 'This port.' }),
    category: t.field({ type: ResourceCategoryEnum, required: false, description: 'This category.' }),
  }),
});

builder.node(DiscoveryEnvironmentRef, {
  description: 'An environment of an installation (PRODUCAO, HOMOLOGACAO …) and its resources.',
  id: { resolve: (e) => e.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.discoveryEnvironment, ids.map(Number)),
  authScopes: { authenticated: true },
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name, unique in its installation (the `{name}` of the resources path).' }),
    installation: t.field({
      type: DiscoveryInstallationRef,
      description: 'The installation it belongs to.',
      resolve: (e, _, ctx) => live(ctx.loaders.discoveryInstallation.load(e.installationId), 'installation'),
    }),
    resources: t.connection(
      {
        type: DiscoveredResourceRef,
        description: `Its resources, newest registered first. \`first\` defaults to ${DEFAULT_PAGE}, at most ${CLIENT_PAGE_MAX}. \`offset\` serves the legacy REST paging; prefer \`after\`.`,
        args: {
          filter: t.arg({ type: ResourceFilterInput, required: false, description: 'Which resources; all when omitted.' }),
          offset: t.arg.int({ required: false, description: 'Legacy offset paging: skip this many (0 or more). Prefer `after`.' }),
        },
        resolve: async (e, args, ctx) => {
          const page = pageOf('discoveredResource', args);
          const result = await ctx.loaders.discoveredResourcePages(args.filter ?? {}, page).load(e.id);
          for (const row of result.rows) ctx.loaders.discoveredResource.prime(row.id, row);
          return connectionOf('discoveredResource', page, result);
        },
      },
      {
        name: 'DiscoveredResourceConnection',
        description: 'A page of an environment’s resources, newest registered first.',
        fields: (t) => ({
          totalCount: t.int({
            description: 'Resources matching the filter, across all pages.',
            resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount,
          }),
        }),
      },
    ),
  }),
});

builder.node(DiscoveredResourceRef, {
  description: 'A server, machine, database, license server or gateway found in an environment, with its latest health.',
  id: { resolve: (r) => r.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.discoveredResource, ids.map(Number)),
  authScopes: { authenticated: true },
  fields: (t) => ({
    resourceId: t.exposeString('uuid', { description: 'Its public id (a UUID): pass it to discoveredResource and the resource mutations.' }),
    environment: t.field({
      type: DiscoveryEnvironmentRef,
      description: 'The environment it is in.',
      resolve: (r, _, ctx) => live(ctx.loaders.discoveryEnvironment.load(r.environmentId), 'environment'),
    }),
    environmentName: t.string({
      description: 'Its environment’s name (spec 003 items’ `name`).',
      resolve: async (r, _, ctx) => (await live(ctx.loaders.discoveryEnvironment.load(r.environmentId), 'environment')).name,
    }),
    host: t.exposeString('host', { description: 'IP address or DNS name.' }),
    port: t.exposeInt('port', { nullable: true, description: 'Its port; null for a whole machine.' }),
    category: t.expose('category', { type: ResourceCategoryEnum, description: 'What it is.' }),
    description: t.exposeString('description', { description: 'What it is, for people (e.g. "Slave 001"); may be empty.' }),
    agent: t.exposeString('agent', { nullable: true, description: 'The Wazuh agent on the same machine, if any: chamados about that agent find it.' }),
    discoveredAt: t.expose('discoveredAt', { type: 'DateTime', description: 'When it was discovered (registered) (spec 003 `date`).' }),
    status: t.expose('status', { type: HealthStatusEnum, description: 'Its health: the worst finding’s, unless set explicitly.' }),
    info: t.field({ type: [InfoItemRef], description: 'The evaluated items of its latest check.', resolve: (r) => r.info }),
    health: t.field({ type: [HealthItemRef], description: 'The health findings of its latest check.', resolve: (r) => r.health }),
    dependsOn: t.field({
      type: DiscoveredResourceRef,
      nullable: true,
      description: 'The resource it depends on (a database on its machine); null for none or when that one was retired.',
      resolve: (r, _, ctx) => (r.dependsOnId ? ctx.loaders.discoveredResource.load(r.dependsOnId) : null),
    }),
  }),
});

const DiscoveryConfigRef = builder.objectRef<DiscoveryConfigRow>('DiscoveryConfig').implement({
  description: 'The discovery monitor’s settings: spec 003’s four (`/discovery/v1/config`) and the monitor’s tuning (the graph only).',
  fields: (t) => ({
    monitorActive: t.exposeBoolean('monitorActive', { description: 'Whether the monitor checks the resources.' }),
    historyDays: t.exposeInt('historyDays', { description: 'Days of check history to keep (default 30).' }),
    monitorInterval: t.exposeInt('monitorInterval', { description: 'Minutes between monitor cycles (default 15).' }),
    sendDataTOTVS: t.exposeBoolean('sendDataTOTVS', { description: 'Whether monitored data is sent to TOTVS.' }),
    failuresBeforeDanger: t.exposeInt('failuresBeforeDanger', { description: 'Consecutive failed checks that make a resource `danger` (down) (default 3).' }),
    passesBeforeSuccess: t.exposeInt('passesBeforeSuccess', { description: 'Consecutive passed checks that end an outage (default 2).' }),
    retryInterval: t.exposeInt('retryInterval', { description: 'Minutes between checks of a failing or recovering resource (default 1); at most monitorInterval.' }),
    probeTimeoutMs: t.exposeInt('probeTimeoutMs', { description: 'Timeout of each step of a probe (resolve, connect, handshake, HTTP answer), in milliseconds (default 5000).' }),
    probeConcurrency: t.exposeInt('probeConcurrency', { description: 'Probes running at once in a cycle (default 64).' }),
    tlsWarningDays: t.exposeInt('tlsWarningDays', { description: 'A TLS certificate with fewer days left is a warning (default 14).' }),
    tlsDangerDays: t.exposeInt('tlsDangerDays', { description: 'A TLS certificate with fewer days left is a danger (default 7); at most tlsWarningDays.' }),
    slowMs: t.exposeInt('slowMs', { description: 'A TCP connect or HTTP answer this slow (milliseconds) or slower is a warning (default 1000).' }),
    allowedNetworks: t.exposeStringList('allowedNetworks', {
      description: 'Networks (CIDR or single addresses) besides loopback that probes may reach; a resource resolving elsewhere is skipped, not probed.',
    }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the settings were last saved.' }),
  }),
});
export { DiscoveryConfigRef };

builder.queryFields((t) => ({
  discoveryInstallations: t.connection(
    {
      type: DiscoveryInstallationRef,
      authScopes: { authenticated: true },
      description: `License installations, newest registered first. \`first\` defaults to ${DEFAULT_PAGE}, at most ${CLIENT_PAGE_MAX}. \`offset\` serves the legacy REST paging; prefer \`after\`. Signed-in users.`,
      args: { offset: t.arg.int({ required: false, description: 'Legacy offset paging: skip this many (0 or more). Prefer `after`.' }) },
      resolve: async (_, args, ctx) => {
        const page = pageOf('discoveryInstallation', args);
        const result = await listInstallations(ctx.em, page);
        for (const row of result.rows) ctx.loaders.discoveryInstallation.prime(row.id, row);
        return connectionOf('discoveryInstallation', page, result);
      },
    },
    {
      name: 'DiscoveryInstallationConnection',
      description: 'A page of installations, newest registered first.',
      fields: (t) => ({
        totalCount: t.int({ description: 'Installations across all pages.', resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }),
      }),
    },
  ),
  discoveryInstallation: t.field({
    type: DiscoveryInstallationRef,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'One installation by TOTVS id; null when unknown or retired. Signed-in users.',
    args: { totvsId: t.arg.string({ description: 'The installation’s TOTVS id.' }) },
    resolve: (_, { totvsId }, ctx) => ctx.loaders.discoveryInstallationByTotvsId.load(totvsId),
  }),
  discoveryEnvironment: t.field({
    type: DiscoveryEnvironmentRef,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'One environment by installation and name; null when either is unknown or retired. Signed-in users.',
    args: {
      totvsId: t.arg.string({ description: 'The installation’s TOTVS id.' }),
      name: t.arg.string({ description: 'The environment’s name (exact).' }),
    },
    resolve: (_, { totvsId, name }, ctx) => ctx.loaders.discoveryEnvironmentByKey.load(environmentKey(totvsId, name)),
  }),
  discoveredResource: t.field({
    type: DiscoveredResourceRef,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'One resource by public id; null when unknown or retired. Signed-in users.',
    args: { resourceId: t.arg.string({ description: 'The resource’s public id (a UUID).' }) },
    resolve: (_, { resourceId }, ctx) => ctx.loaders.discoveredResourceByUuid.load(resourceId),
  }),
  discoveryConfig: t.field({
    type: DiscoveryConfigRef,
    authScopes: { authenticated: true },
    description: 'The discovery monitor’s settings. Signed-in users; admins change them with updateDiscoveryConfig.',
    resolve: (_, __, ctx) => readDiscoveryConfig(ctx.em),
  }),
}));
