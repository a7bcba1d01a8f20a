import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/orm.ts';
import { DEMO_TOTVS_ID, seedDiscoveryDemo } from '../src/demo/demo-discovery.ts';
import type { Actor } from '../src/services/actor.ts';
import { ensureUser } from '../src/services/auth/accounts.ts';
import { environmentsByInstallationIds, installationsByTotvsIds, resourcePagesOf } from '../src/services/discovery/reads.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';
import { statementsOf } from './helpers/sql-statements.ts';

/**
 * The discovery inventory in the graph (spec 003): installations → environments → resources, the
 * admin mutations with their typed errors and roles, retirement, dependencies and the monitor
 * settings. Every test registers its own installation (unique TOTVS id): the database is shared.
 */

type Json = Record<string, any>;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

async function gql(query: string, variables: Json = {}, as: TestUser = 'admin'): Promise<Json> {
  const res = await server.gql(query, variables, { as });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as Json;
}

const RESOURCE_FIELDS = `resourceId host port category description agent discoveredAt status environmentName
  environment { name installation { totvsId } }
  info { code title detail value } health { type message detail helpUrl } dependsOn { resourceId host }`;

const REGISTER_INSTALLATION = `mutation DiscRegisterInstallation($input: RegisterDiscoveryInstallationInput!) {
  registerDiscoveryInstallation(input: $input) {
    __typename
    ... on DiscoveryInstallation { totvsId name alias receive }
    ... on AlreadyExistsError { resource key }
    ... on ValidationError { issues { path message } }
    ... on Error { code message }
  }
}`;
const REGISTER_ENVIRONMENT = `mutation DiscRegisterEnvironment($totvsId: String!, $name: String!) {
  registerDiscoveryEnvironment(totvsId: $totvsId, name: $name) {
    __typename
    ... on DiscoveryEnvironment { name installation { totvsId } }
    ... on Error { code message }
  }
}`;
const REGISTER_RESOURCE = `mutation DiscRegisterResource($input: RegisterDiscoveredResourceInput!) {
  registerDiscoveredResource(input: $input) {
    __typename
    ... on DiscoveredResource { ${RESOURCE_FIELDS} }
    ... on NotFoundError { resource key }
    ... on AlreadyExistsError { resource key }
    ... on ValidationError { issues { path message } }
    ... on Error { code message }
  }
}`;
const UPDATE_RESOURCE = `mutation DiscUpdateResource($resourceId: String!, $input: UpdateDiscoveredResourceInput!) {
  updateDiscoveredResource(resourceId: $resourceId, input: $input) {
    __typename
    ... on DiscoveredResource { ${RESOURCE_FIELDS} }
    ... on ValidationError { issues { path message } }
    ... on Error { code message }
  }
}`;

/** A fresh installation with the given environments. */
async function installation(envs: string[] = ['PRODUCAO']): Promise<string> {
  const totvsId = unique('t');
  const made = await gql(REGISTER_INSTALLATION, { input: { totvsId, name: 'EMPRESA FULANO', alias: 'FULANO' } });
  expect(made.registerDiscoveryInstallation.__typename).toBe('DiscoveryInstallation');
  for (const name of envs) {
    const env = await gql(REGISTER_ENVIRONMENT, { totvsId, name });
    expect(env.registerDiscoveryEnvironment).toEqual({ __typename: 'DiscoveryEnvironment', name, installation: { totvsId } });
  }
  return totvsId;
}

async function resource(input: Json): Promise<Json> {
  const data = await gql(REGISTER_RESOURCE, { input: { environment: 'PRODUCAO', category: 'server', ...input } });
  expect(data.registerDiscoveredResource.__typename, JSON.stringify(data)).toBe('DiscoveredResource');
  return data.registerDiscoveredResource;
}

describe('registering and reading the inventory', () => {
  it('registers an installation, its environments and a resource, and reads them back through every query', async () => {
    const totvsId = await installation(['PRODUCAO', 'HOMOLOGACAO']);
    const machine = await resource({ totvsId, host: '127.0.0.1', category: 'machine', description: 'Slave 001', agent: 'slave-001' });
    const db = await resource({
      totvsId,
      host: 'db.fulano.local',
      port: 1433,
      category: 'database',
      dependsOn: machine.resourceId,
      info: [{ code: 'cpu', title: 'CPU', detail: 'Central Processing Unit', value: '90' }],
      health: [
        { type: 'warning', message: 'Consumo de CPU em 80%', detail: 'O alto consumo prejudica o desempenho', helpUrl: 'http://www.tdn.totvs.com.br' },
        { type: 'success', message: 'Memória ok' },
      ],
    });
    expect(db).toMatchObject({
      host: 'db.fulano.local',
      port: 1433,
      category: 'database',
      description: '',
      agent: null,
      status: 'warning',
      environmentName: 'PRODUCAO',
      environment: { name: 'PRODUCAO', installation: { totvsId } },
      info: [{ code: 'cpu', title: 'CPU', detail: 'Central Processing Unit', value: '90' }],
      health: [
        { type: 'warning', message: 'Consumo de CPU em 80%', detail: 'O alto consumo prejudica o desempenho', helpUrl: 'http://www.tdn.totvs.com.br' },
        { type: 'success', message: 'Memória ok', detail: null, helpUrl: null },
      ],
      dependsOn: { resourceId: machine.resourceId, host: '127.0.0.1' },
    });
    expect(db.resourceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(Date.parse(db.discoveredAt) - Date.now())).toBeLessThan(60_000);
    expect(machine).toMatchObject({ status: 'success', port: null, agent: 'slave-001', description: 'Slave 001', dependsOn: null });

    const read = await gql(
      `query DiscRead($totvsId: String!, $rid: String!) {
        discoveryInstallation(totvsId: $totvsId) { totvsId name alias receive environments { name } }
        discoveryEnvironment(totvsId: $totvsId, name: "PRODUCAO") { name resources { totalCount edges { node { resourceId } } } }
        discoveredResource(resourceId: $rid) { resourceId status dependsOn { resourceId } }
      }`,
      { totvsId, rid: db.resourceId },
      'viewer',
    );
    expect(read.discoveryInstallation).toEqual({
      totvsId,
      name: 'EMPRESA FULANO',
      alias: 'FULANO',
      receive: '',
      environments: [{ name: 'HOMOLOGACAO' }, { name: 'PRODUCAO' }],
    });
    expect(read.discoveryEnvironment.resources.totalCount).toBe(2);
    // Newest registered first.
    expect(read.discoveryEnvironment.resources.edges.map((e: Json) => e.node.resourceId)).toEqual([db.resourceId, machine.resourceId]);
    expect(read.discoveredResource).toEqual({ resourceId: db.resourceId, status: 'warning', dependsOn: { resourceId: machine.resourceId } });
  });

  it('answers null for what does not exist', async () => {
    const totvsId = await installation();
    const read = await gql(
      `query DiscMissing($totvsId: String!, $unknown: String!) {
        discoveryInstallation(totvsId: $unknown) { totvsId }
        discoveryEnvironment(totvsId: $totvsId, name: "NOPE") { name }
        other: discoveryEnvironment(totvsId: $unknown, name: "PRODUCAO") { name }
        discoveredResource(resourceId: "00000000-0000-4000-8000-000000000000") { resourceId }
        notUuid: discoveredResource(resourceId: "not-a-uuid") { resourceId }
      }`,
      { totvsId, unknown: unique('nope') },
      'viewer',
    );
    expect(read).toEqual({ discoveryInstallation: null, discoveryEnvironment: null, other: null, discoveredResource: null, notUuid: null });
  });

  it('lists installations with totalCount and pages them with after and offset', async () => {
    const mine = [await installation([]), await installation([]), await installation([])];
    const LIST = `query DiscInstallations($first: Int, $after: String, $offset: Int) {
      discoveryInstallations(first: $first, after: $after, offset: $offset) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { totvsId } }
      }
    }`;
    const first = (await gql(LIST, { first: 2 }, 'viewer')).discoveryInstallations;
    expect(first.totalCount).toBeGreaterThanOrEqual(3);
    // Newest first: the last two registered lead (unless another file registers meanwhile; ours stay in order).
    const all = (await gql(LIST, { first: 100 }, 'viewer')).discoveryInstallations;
    const order = all.edges.map((e: Json) => e.node.totvsId).filter((id: string) => mine.includes(id));
    expect(order).toEqual([...mine].reverse());
    expect(all.totalCount).toBe(all.edges.length);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await gql(LIST, { first: 2, after: first.pageInfo.endCursor }, 'viewer')).discoveryInstallations;
    const byOffset = (await gql(LIST, { first: 2, offset: 2 }, 'viewer')).discoveryInstallations;
    expect(second.edges.length).toBeGreaterThan(0);
    expect(second.edges[0].node.totvsId).not.toBe(first.edges[1].node.totvsId);
    expect(byOffset.totalCount).toBe(first.totalCount);
  });

  it('filters environments by category and resources by host, port and category, with paging and totalCount', async () => {
    const totvsId = await installation(['PRODUCAO', 'HOMOLOGACAO']);
    for (const port of [1234, 1235, 1236]) await resource({ totvsId, host: '127.0.0.1', port });
    await resource({ totvsId, host: '127.0.0.2', port: 1234, category: 'lsv' });
    await resource({ totvsId, environment: 'HOMOLOGACAO', host: '127.0.0.1', port: 7890, category: 'database' });

    const envs = await gql(
      `query DiscEnvs($totvsId: String!) {
        discoveryInstallation(totvsId: $totvsId) {
          all: environments { name } lsv: environments(category: lsv) { name } database: environments(category: database) { name }
          gateway: environments(category: gateway) { name }
        }
      }`,
      { totvsId },
      'viewer',
    );
    expect(envs.discoveryInstallation).toEqual({
      all: [{ name: 'HOMOLOGACAO' }, { name: 'PRODUCAO' }],
      lsv: [{ name: 'PRODUCAO' }],
      database: [{ name: 'HOMOLOGACAO' }],
      gateway: [],
    });

    const RESOURCES = `query DiscResources($totvsId: String!, $filter: ResourceFilter, $first: Int, $after: String, $offset: Int) {
      discoveryEnvironment(totvsId: $totvsId, name: "PRODUCAO") {
        resources(filter: $filter, first: $first, after: $after, offset: $offset) {
          totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { host port category } }
        }
      }
    }`;
    const page = async (vars: Json) => (await gql(RESOURCES, { totvsId, ...vars }, 'viewer')).discoveryEnvironment.resources;
    expect((await page({ filter: { host: '127.0.0.1' } })).totalCount).toBe(3);
    expect((await page({ filter: { port: 1234 } })).edges.map((e: Json) => e.node.host).sort()).toEqual(['127.0.0.1', '127.0.0.2']);
    expect((await page({ filter: { category: 'lsv' } })).edges).toEqual([{ node: { host: '127.0.0.2', port: 1234, category: 'lsv' } }]);
    expect((await page({ filter: { host: '127.0.0.1', port: 1235 } })).edges).toEqual([{ node: { host: '127.0.0.1', port: 1235, category: 'server' } }]);

    const first = await page({ first: 3 });
    expect(first).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
    const rest = await page({ first: 3, after: first.pageInfo.endCursor });
    expect(rest).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: false, hasPreviousPage: true } });
    expect(rest.edges).toEqual([{ node: { host: '127.0.0.1', port: 1234, category: 'server' } }]);
    expect((await page({ first: 2, offset: 3 })).edges).toEqual(rest.edges);
  });
});

describe('mutations refuse what is wrong', () => {
  it('refuses duplicates with ALREADY_EXISTS', async () => {
    const totvsId = await installation();
    const again = await gql(REGISTER_INSTALLATION, { input: { totvsId } });
    expect(again.registerDiscoveryInstallation).toMatchObject({ __typename: 'AlreadyExistsError', code: 'ALREADY_EXISTS', key: totvsId });
    const env = await gql(REGISTER_ENVIRONMENT, { totvsId, name: 'PRODUCAO' });
    expect(env.registerDiscoveryEnvironment).toMatchObject({ __typename: 'AlreadyExistsError', code: 'ALREADY_EXISTS' });
    await resource({ totvsId, host: '127.0.0.1', port: 80 });
    const dup = await gql(REGISTER_RESOURCE, { input: { totvsId, environment: 'PRODUCAO', host: '127.0.0.1', port: 80, category: 'gateway' } });
    expect(dup.registerDiscoveredResource).toMatchObject({ __typename: 'AlreadyExistsError', resource: 'discovered resource', key: '127.0.0.1:80' });
  });

  it('lets one of two simultaneous registrations of the same key win and answers the other ALREADY_EXISTS', async () => {
    const totvsId = unique('t');
    const installs = await Promise.all([1, 2, 3].map(() => gql(REGISTER_INSTALLATION, { input: { totvsId } })));
    expect(installs.map((d) => d.registerDiscoveryInstallation.__typename).sort()).toEqual(['AlreadyExistsError', 'AlreadyExistsError', 'DiscoveryInstallation']);
    const envs = await Promise.all([1, 2, 3].map(() => gql(REGISTER_ENVIRONMENT, { totvsId, name: 'PRODUCAO' })));
    expect(envs.map((d) => d.registerDiscoveryEnvironment.__typename).sort()).toEqual(['AlreadyExistsError', 'AlreadyExistsError', 'DiscoveryEnvironment']);
    const input = { totvsId, environment: 'PRODUCAO', host: '127.0.0.1', port: 443, category: 'server' };
    const resources = await Promise.all([1, 2, 3].map(() => gql(REGISTER_RESOURCE, { input })));
    expect(resources.map((d) => d.registerDiscoveredResource.__typename).sort()).toEqual(['AlreadyExistsError', 'AlreadyExistsError', 'DiscoveredResource']);
  });

  it('refuses unknown installations and environments with NOT_FOUND', async () => {
    const totvsId = await installation();
    const env = await gql(REGISTER_ENVIRONMENT, { totvsId: unique('nope'), name: 'PRODUCAO' });
    expect(env.registerDiscoveryEnvironment).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const res = await gql(REGISTER_RESOURCE, { input: { totvsId, environment: 'NOPE', host: '127.0.0.1', category: 'server' } });
    expect(res.registerDiscoveredResource).toMatchObject({ __typename: 'NotFoundError', resource: 'discovery environment', key: `${totvsId}/NOPE` });
    const upd = await gql(UPDATE_RESOURCE, { resourceId: '00000000-0000-4000-8000-000000000000', input: { description: 'x' } });
    expect(upd.updateDiscoveredResource).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const notUuid = await gql(UPDATE_RESOURCE, { resourceId: 'not-a-uuid', input: { description: 'x' } });
    expect(notUuid.updateDiscoveredResource).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  it('validates host, port, description, items and the installation input', async () => {
    const totvsId = await installation();
    const bad = async (input: Json) =>
      (await gql(REGISTER_RESOURCE, { input: { totvsId, environment: 'PRODUCAO', category: 'server', host: '127.0.0.1', ...input } })).registerDiscoveredResource;
    const paths = async (input: Json) => {
      const result = await bad(input);
      expect(result).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
      return result.issues.map((i: Json) => i.path);
    };
    expect(await paths({ host: 'not a host!' })).toEqual(['host']);
    expect(await paths({ host: `${'a'.repeat(64)}.example` })).toEqual(['host']);
    expect(await paths({ host: 'x'.repeat(254) })).toContain('host');
    expect(await paths({ port: 0 })).toEqual(['port']);
    expect(await paths({ port: 65536 })).toEqual(['port']);
    expect(await paths({ description: 'd'.repeat(501) })).toEqual(['description']);
    expect(await paths({ dependsOn: 'not-a-uuid' })).toEqual(['dependsOn']);
    expect(await paths({ health: [{ type: 'danger', message: 'x', helpUrl: 'not a url' }] })).toEqual(['health.0.helpUrl']);
    expect(await bad({ host: '::1', port: 65535 })).toMatchObject({ __typename: 'DiscoveredResource', host: '::1' });
    expect(await bad({ host: 'Srv-01.fulano.local.', port: 1 })).toMatchObject({ __typename: 'DiscoveredResource' });
    const inst = await gql(REGISTER_INSTALLATION, { input: { totvsId: '   ' } });
    expect(inst.registerDiscoveryInstallation).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'totvsId' }] });
  });

  it('refuses a dependency on itself, on another installation, and any cycle', async () => {
    const totvsId = await installation();
    const other = await installation();
    const a = await resource({ totvsId, host: '127.0.0.1', port: 1, category: 'machine' });
    const b = await resource({ totvsId, host: '127.0.0.1', port: 2, dependsOn: a.resourceId });
    const c = await resource({ totvsId, host: '127.0.0.1', port: 3, dependsOn: b.resourceId });
    const foreign = await resource({ totvsId: other, host: '127.0.0.1', port: 4 });
    const dependency = async (resourceId: string, dependsOn: string | null) =>
      (await gql(UPDATE_RESOURCE, { resourceId, input: { dependsOn } })).updateDiscoveredResource;

    expect(await dependency(a.resourceId, a.resourceId)).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'dependsOn', message: expect.stringContaining('itself') }] });
    expect(await dependency(a.resourceId, c.resourceId)).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'dependsOn', message: expect.stringContaining('cycle') }] });
    expect(await dependency(a.resourceId, b.resourceId)).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'dependsOn', message: expect.stringContaining('cycle') }] });
    expect(await dependency(foreign.resourceId, a.resourceId)).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'dependsOn', message: expect.stringContaining('installation') }] });
    const reg = await gql(REGISTER_RESOURCE, { input: { totvsId: other, environment: 'PRODUCAO', host: '127.0.0.1', port: 5, category: 'server', dependsOn: a.resourceId } });
    expect(reg.registerDiscoveredResource).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'dependsOn' }] });
    // Re-pointing along the chain is fine; null clears.
    expect(await dependency(c.resourceId, a.resourceId)).toMatchObject({ __typename: 'DiscoveredResource', dependsOn: { resourceId: a.resourceId } });
    expect(await dependency(c.resourceId, null)).toMatchObject({ __typename: 'DiscoveredResource', dependsOn: null });
  });
});

describe('updating and retiring', () => {
  it('updates only the fields given and re-derives the status from new health', async () => {
    const totvsId = await installation(['PRODUCAO', 'HOMOLOGACAO']);
    const r = await resource({ totvsId, host: '127.0.0.1', port: 8080, description: 'AppServer', agent: 'app-01' });
    const upd = async (input: Json) => (await gql(UPDATE_RESOURCE, { resourceId: r.resourceId, input })).updateDiscoveredResource;

    expect(await upd({ health: [{ type: 'danger', message: 'down' }, { type: 'warning', message: 'slow' }] })).toMatchObject({
      status: 'danger',
      host: '127.0.0.1',
      port: 8080,
      description: 'AppServer',
      agent: 'app-01',
    });
    expect(await upd({ status: 'warning' })).toMatchObject({ status: 'warning', health: [{ type: 'danger' }, { type: 'warning' }] });
    expect(await upd({ port: null, agent: null, description: null, category: 'gateway' })).toMatchObject({
      port: null,
      agent: null,
      description: 'AppServer',
      category: 'gateway',
    });
    expect(await upd({ totvsId, environment: 'HOMOLOGACAO' })).toMatchObject({ environmentName: 'HOMOLOGACAO' });
    expect(await upd({ environment: 'PRODUCAO' })).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'environment' }] });
    expect(await upd({ port: 70000 })).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'port' }] });
  });

  it('retiring hides a resource, an environment and an installation from every read; registering again revives them empty', async () => {
    const totvsId = await installation(['PRODUCAO', 'HOMOLOGACAO']);
    const machine = await resource({ totvsId, host: '127.0.0.1', category: 'machine' });
    const db = await resource({ totvsId, host: '127.0.0.1', port: 5432, category: 'database', dependsOn: machine.resourceId });
    const homolog = await resource({ totvsId, environment: 'HOMOLOGACAO', host: '127.0.0.1', port: 5433 });
    const RETIRE_RESOURCE = `mutation DiscRetireResource($id: String!) { retireDiscoveredResource(resourceId: $id) {
      __typename ... on DiscoveryRetirement { retiredAt resourcesRetired } ... on Error { code } } }`;
    const READ = `query DiscReadRetired($totvsId: String!, $db: String!, $machine: String!, $homolog: String!) {
      discoveryInstallation(totvsId: $totvsId) { environments { name } }
      prod: discoveryEnvironment(totvsId: $totvsId, name: "PRODUCAO") { resources { totalCount edges { node { resourceId } } } }
      homologacao: discoveryEnvironment(totvsId: $totvsId, name: "HOMOLOGACAO") { name }
      db: discoveredResource(resourceId: $db) { resourceId dependsOn { resourceId } }
      machine: discoveredResource(resourceId: $machine) { resourceId }
      homolog: discoveredResource(resourceId: $homolog) { resourceId }
    }`;
    const vars = { totvsId, db: db.resourceId, machine: machine.resourceId, homolog: homolog.resourceId };

    expect((await gql(RETIRE_RESOURCE, { id: machine.resourceId })).retireDiscoveredResource).toMatchObject({ resourcesRetired: 1 });
    expect((await gql(RETIRE_RESOURCE, { id: machine.resourceId })).retireDiscoveredResource).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    let read = await gql(READ, vars, 'viewer');
    expect(read.machine).toBeNull();
    expect(read.db).toEqual({ resourceId: db.resourceId, dependsOn: null });
    expect(read.prod.resources).toEqual({ totalCount: 1, edges: [{ node: { resourceId: db.resourceId } }] });

    const retiredEnv = await gql(
      `mutation DiscRetireEnvironment($totvsId: String!) { retireDiscoveryEnvironment(totvsId: $totvsId, name: "HOMOLOGACAO") {
        __typename ... on DiscoveryRetirement { resourcesRetired } ... on Error { code } } }`,
      { totvsId },
    );
    expect(retiredEnv.retireDiscoveryEnvironment).toEqual({ __typename: 'DiscoveryRetirement', resourcesRetired: 1 });
    read = await gql(READ, vars, 'viewer');
    expect(read.homologacao).toBeNull();
    expect(read.homolog).toBeNull();
    expect(read.discoveryInstallation.environments).toEqual([{ name: 'PRODUCAO' }]);

    const retiredInst = await gql(
      `mutation DiscRetireInstallation($totvsId: String!) { retireDiscoveryInstallation(totvsId: $totvsId) {
        __typename ... on DiscoveryRetirement { resourcesRetired } ... on Error { code } } }`,
      { totvsId },
    );
    expect(retiredInst.retireDiscoveryInstallation).toEqual({ __typename: 'DiscoveryRetirement', resourcesRetired: 1 });
    read = await gql(READ, vars, 'viewer');
    expect(read).toEqual({ discoveryInstallation: null, prod: null, homologacao: null, db: null, machine: null, homolog: null });
    const list = await gql('{ discoveryInstallations(first: 100) { edges { node { totvsId } } } }', {}, 'viewer');
    expect(list.discoveryInstallations.edges.map((e: Json) => e.node.totvsId)).not.toContain(totvsId);

    const back = await gql(REGISTER_INSTALLATION, { input: { totvsId, name: 'DE VOLTA' } });
    expect(back.registerDiscoveryInstallation).toMatchObject({ __typename: 'DiscoveryInstallation', name: 'DE VOLTA', alias: null });
    read = await gql(READ, vars, 'viewer');
    expect(read.discoveryInstallation).toEqual({ environments: [] });
    expect((await gql(REGISTER_ENVIRONMENT, { totvsId, name: 'PRODUCAO' })).registerDiscoveryEnvironment.__typename).toBe('DiscoveryEnvironment');
    read = await gql(READ, vars, 'viewer');
    expect(read.prod.resources.totalCount).toBe(0);
  });
});

describe('the monitor settings', () => {
  const UPDATE = `mutation DiscUpdateConfig($input: UpdateDiscoveryConfigInput!) { updateDiscoveryConfig(input: $input) {
    __typename ... on DiscoveryConfig { monitorActive historyDays monitorInterval sendDataTOTVS updatedAt }
    ... on ValidationError { issues { path message } } ... on Error { code } } }`;

  it('reads the settings and lets an admin change them partially', async () => {
    const read = await gql('{ discoveryConfig { monitorActive historyDays monitorInterval sendDataTOTVS updatedAt } }', {}, 'viewer');
    expect(read.discoveryConfig).toEqual({
      monitorActive: expect.any(Boolean),
      historyDays: expect.any(Number),
      monitorInterval: expect.any(Number),
      sendDataTOTVS: expect.any(Boolean),
      updatedAt: expect.any(String),
    });
    const all = (await gql(UPDATE, { input: { monitorActive: false, historyDays: 45, monitorInterval: 10, sendDataTOTVS: true } })).updateDiscoveryConfig;
    expect(all).toMatchObject({ __typename: 'DiscoveryConfig', monitorActive: false, historyDays: 45, monitorInterval: 10, sendDataTOTVS: true });
    const partial = (await gql(UPDATE, { input: { historyDays: 30 } })).updateDiscoveryConfig;
    expect(partial).toMatchObject({ historyDays: 30, monitorInterval: 10, sendDataTOTVS: true });
    expect(Date.parse(partial.updatedAt)).toBeGreaterThanOrEqual(Date.parse(all.updatedAt));
    await gql(UPDATE, { input: { monitorInterval: 15, sendDataTOTVS: false } });
  });

  it('validates the ranges', async () => {
    for (const [input, path] of [
      [{ historyDays: 0 }, 'historyDays'],
      [{ historyDays: 3651 }, 'historyDays'],
      [{ monitorInterval: 0 }, 'monitorInterval'],
      [{ monitorInterval: 1441 }, 'monitorInterval'],
    ] as const) {
      const res = (await gql(UPDATE, { input })).updateDiscoveryConfig;
      expect(res, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', issues: [{ path }] });
    }
  });
});

describe('roles', () => {
  it('refuses every mutation to ops and viewer with FORBIDDEN, and every query without a token', async () => {
    const totvsId = await installation();
    const r = await resource({ totvsId, host: '127.0.0.1', port: 9 });
    const mutations: [string, Json][] = [
      [REGISTER_INSTALLATION, { input: { totvsId: unique('t') } }],
      [REGISTER_ENVIRONMENT, { totvsId, name: 'OUTRO' }],
      [REGISTER_RESOURCE, { input: { totvsId, environment: 'PRODUCAO', host: '127.0.0.1', port: 10, category: 'server' } }],
      [UPDATE_RESOURCE, { resourceId: r.resourceId, input: { description: 'x' } }],
      ['mutation DiscRoleRetireResource($id: String!) { retireDiscoveredResource(resourceId: $id) { __typename } }', { id: r.resourceId }],
      ['mutation DiscRoleRetireEnvironment($t: String!) { retireDiscoveryEnvironment(totvsId: $t, name: "PRODUCAO") { __typename } }', { t: totvsId }],
      ['mutation DiscRoleRetireInstallation($t: String!) { retireDiscoveryInstallation(totvsId: $t) { __typename } }', { t: totvsId }],
      ['mutation { updateDiscoveryConfig(input: { historyDays: 31 }) { __typename } }', {}],
    ];
    for (const as of ['ops', 'viewer', 'lead'] as const) {
      for (const [query, vars] of mutations) {
        const res = await server.gql(query, vars, { as });
        expect(res.errors?.[0]?.extensions?.code, `${as}: ${query}`).toBe('FORBIDDEN');
      }
    }
    const anonymous = await server.gql('{ discoveryConfig { historyDays } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const still = await gql('query DiscRoleRead($id: String!) { discoveredResource(resourceId: $id) { description } }', { id: r.resourceId }, 'viewer');
    expect(still.discoveredResource).toEqual({ description: '' });
  });
});

describe('SQL cost', () => {
  it('lists 5 or 30 resources (with environment, installation and dependsOn) in the same number of statements', async () => {
    const seed = async (n: number) => {
      const totvsId = await installation();
      const machine = await resource({ totvsId, host: '127.0.0.1', category: 'machine' });
      for (let i = 1; i < n; i++) await resource({ totvsId, host: '127.0.0.1', port: 2000 + i, dependsOn: machine.resourceId });
      return totvsId;
    };
    const QUERY = `query DiscCost($totvsId: String!) {
      discoveryEnvironment(totvsId: $totvsId, name: "PRODUCAO") {
        resources(first: 30) { totalCount edges { node {
          resourceId environmentName environment { name installation { totvsId } }
          dependsOn { resourceId environment { name } } info { code } health { type }
        } } }
      }
    }`;
    const small = await statementsOf(server, QUERY, { totvsId: await seed(5) });
    const large = await statementsOf(server, QUERY, { totvsId: await seed(30) });
    expect(small.data.discoveryEnvironment.resources.totalCount).toBe(5);
    expect(large.data.discoveryEnvironment.resources.totalCount).toBe(30);
    expect(large.statements).toBe(small.statements);
  });

  it('pages the resources of 2 or 8 environments of an installation in the same number of statements', async () => {
    const seed = async (envs: number) => {
      const names = Array.from({ length: envs }, (_, i) => `ENV${i}`);
      const totvsId = await installation(names);
      for (const environment of names) {
        for (const port of [1, 2, 3]) await resource({ totvsId, environment, host: '127.0.0.1', port });
      }
      return totvsId;
    };
    const QUERY = `query DiscCostEnvironments($totvsId: String!) {
      discoveryInstallation(totvsId: $totvsId) {
        environments { name resources(first: 2, filter: { host: "127.0.0.1" }) { totalCount pageInfo { hasNextPage } edges { node { port environmentName } } } }
      }
    }`;
    const small = await statementsOf(server, QUERY, { totvsId: await seed(2) });
    const large = await statementsOf(server, QUERY, { totvsId: await seed(8) });
    const envs = large.data.discoveryInstallation.environments;
    expect(envs).toHaveLength(8);
    for (const env of envs) {
      expect(env.resources).toEqual({
        totalCount: 3,
        pageInfo: { hasNextPage: true },
        edges: [{ node: { port: 3, environmentName: env.name } }, { node: { port: 2, environmentName: env.name } }],
      });
    }
    expect(large.statements).toBe(small.statements);
  });
});

describe('the demo inventory', () => {
  // A database of its own: the demo seeds only an empty inventory, and the shared one never is.
  it('seeds spec 003’s example installation on an empty inventory, once', async () => {
    const serverUrl = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    const maintenance = await MikroORM.init({ clientUrl: serverUrl.toString(), entities: [], discovery: { warnWhenNoEntities: false } });
    const name = `opsgraph_demo_${Date.now()}_${randomBytes(3).toString('hex')}`;
    await maintenance.em.getConnection().execute(`create database "${name}"`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const orm = await openDatabase(url.toString());
    try {
      await ensureUser(orm.em.fork(), { username: 'admin', password: 'opsgraph-admin', fullName: 'Admin', role: 'admin' });
      const [actor] = await orm.em.fork().execute<Actor[]>("select id, username, role from users where username = 'admin'");
      expect(await seedDiscoveryDemo(orm.em.fork(), actor!)).toEqual({ seeded: true });
      expect(await seedDiscoveryDemo(orm.em.fork(), actor!)).toEqual({ seeded: false });

      const em = orm.em.fork();
      const [installation] = await installationsByTotvsIds(em, [DEMO_TOTVS_ID]);
      expect(installation).toMatchObject({ name: 'EMPRESA FULANO', alias: 'FULANO', receive: '' });
      const envs = await environmentsByInstallationIds(em, [installation!.id], null);
      expect(envs.map((e) => e.name)).toEqual(['HOMOLOGACAO', 'PRODUCAO']);
      const pages = await resourcePagesOf(em, [envs[0]!.id, envs[1]!.id], {}, { limit: 50 });
      const [homolog, prod] = [pages.get(envs[0]!.id)!, pages.get(envs[1]!.id)!];
      expect(prod.total + homolog.total).toBe(6);
      const all = [...prod.rows, ...homolog.rows];
      expect(new Set(all.map((r) => r.host))).toEqual(new Set(['127.0.0.1']));
      expect(new Set(all.map((r) => r.category))).toEqual(new Set(['server', 'database', 'lsv', 'machine', 'gateway']));
      const machine = prod.rows.find((r) => r.category === 'machine')!;
      expect(machine).toMatchObject({ status: 'warning', port: null, info: [{ code: 'cpu', value: '90' }, { code: 'memory' }, { code: 'ssd', value: true }] });
      expect(prod.rows.find((r) => r.category === 'database')).toMatchObject({ dependsOnId: machine.id, status: 'success' });
    } finally {
      await orm.close(true);
      await maintenance.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
      await maintenance.close(true);
    }
  });
});
