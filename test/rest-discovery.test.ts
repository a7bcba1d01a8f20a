import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * The discovery v1 REST paths (spec 003) over HTTP against the real server and database. The
 * inventory is registered through the graph's admin mutations under unique TOTVS ids, so other
 * files sharing the database never change what these paths answer for them.
 */

let server: TestServer;
type Res = Awaited<ReturnType<TestServer['rest']>>;

const SPEC_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
const get = (path: string, as: TestUser | null = 'viewer') => server.rest('GET', path, as ? { as } : undefined);

function ok(res: Res): any {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

function expectError(res: Res, status: number, error: string, mentions?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(res.body).toMatchObject({ error, message: expect.any(String) });
  if (mentions) expect(res.body.message).toContain(mentions);
}

/** Runs an admin mutation and returns its result, failing on GraphQL or typed errors. */
async function admin(query: string, variables: Record<string, unknown>): Promise<any> {
  const res = await server.gql(query, variables, { as: 'admin' });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  const result = Object.values(res.data as Record<string, any>)[0];
  expect(result.code, JSON.stringify(result)).toBeUndefined();
  return result;
}

const ERROR = '... on Error { code message }';
const registerInstallation = (input: Record<string, unknown>) =>
  admin(`mutation ($input: RegisterDiscoveryInstallationInput!) {
    registerDiscoveryInstallation(input: $input) { __typename ${ERROR} } }`, { input });
const registerEnvironment = (totvsId: string, name: string) =>
  admin(`mutation ($totvsId: String!, $name: String!) {
    registerDiscoveryEnvironment(totvsId: $totvsId, name: $name) { __typename ${ERROR} } }`, { totvsId, name });
const registerResource = (input: Record<string, unknown>) =>
  admin(`mutation ($input: RegisterDiscoveredResourceInput!) {
    registerDiscoveredResource(input: $input) { __typename ${ERROR} } }`, { input });

const cpu = { code: 'cpu', title: 'CPU', detail: 'Central Processing Unit', value: '90' };
const cpuHigh = { type: 'warning', message: 'CPU at 80%', detail: 'High CPU use slows the system', helpUrl: 'http://www.tdn.totvs.com.br' };
const noRam = { type: 'danger', message: 'Memory below the recommended', detail: null, helpUrl: null };

/** Installation A: PRODUCAO (two hosts, four resources), HOMOLOGACAO (one database), TESTE (empty). */
const A = { totvsId: unique('t'), name: 'EMPRESA FULANO', alias: 'FULANO', receive: '' };
const others = [unique('t'), unique('t')];

beforeAll(async () => {
  server = await startTestServer();
  await registerInstallation(A);
  for (const totvsId of others) await registerInstallation({ totvsId, name: null, alias: null, receive: 'x' });
  for (const env of ['PRODUCAO', 'HOMOLOGACAO', 'TESTE']) await registerEnvironment(A.totvsId, env);
  const resource = (environment: string, r: Record<string, unknown>) =>
    registerResource({ totvsId: A.totvsId, environment, description: '', info: [], health: [], ...r });
  await resource('PRODUCAO', { host: '10.1.1.1', port: 1234, category: 'server', description: 'Slave 001', info: [cpu], health: [cpuHigh] });
  await resource('PRODUCAO', { host: '10.1.1.1', port: 5432, category: 'database', description: 'Postgres', health: [noRam] });
  await resource('PRODUCAO', { host: '10.1.1.2', port: 1234, category: 'server', description: 'Slave 002' });
  await resource('PRODUCAO', { host: '10.1.1.2', port: null, category: 'machine', description: 'Host 2' });
  await resource('HOMOLOGACAO', { host: 'db.example.com', port: 1433, category: 'database', description: 'SQL Server' });
});
afterAll(() => server?.close());

describe('GET /discovery/v1/ids/receiver', () => {
  it('lists installations as {TOTVSID, name, alias, receive}, paged', async () => {
    const found: any[] = [];
    for (let page = 1; ; page++) {
      const body = ok(await get(`/discovery/v1/ids/receiver?page=${page}&pageSize=100`));
      expect(Object.keys(body)).toEqual(['total', 'hasNext', 'items']);
      found.push(...body.items);
      if (!body.hasNext) break;
    }
    expect(found.find((i) => i.TOTVSID === A.totvsId)).toEqual({ TOTVSID: A.totvsId, name: A.name, alias: A.alias, receive: '' });
    expect(found.find((i) => i.TOTVSID === others[0])).toEqual({ TOTVSID: others[0], name: null, alias: null, receive: 'x' });

    const first = ok(await get('/discovery/v1/ids/receiver?pageSize=2'));
    expect(first.items).toHaveLength(2);
    expect(first.total).toBeGreaterThanOrEqual(3);
    expect(first.hasNext).toBe(true);
    const beyond = ok(await get(`/discovery/v1/ids/receiver?pageSize=2&page=${first.total}`));
    expect(beyond).toMatchObject({ hasNext: false, items: [] });
  });

  it('pages 20 by default and refuses pages out of bounds', async () => {
    expect(ok(await get('/discovery/v1/ids/receiver')).items.length).toBeLessThanOrEqual(20);
    expectError(await get('/discovery/v1/ids/receiver?page=0'), 400, 'BAD_REQUEST', 'page');
    expectError(await get('/discovery/v1/ids/receiver?pageSize=101'), 400, 'BAD_REQUEST', 'pageSize');
    expectError(await get('/discovery/v1/ids/receiver?pageSize=x'), 400, 'BAD_REQUEST', 'pageSize');
  });

  it('needs a token', async () => {
    expectError(await get('/discovery/v1/ids/receiver', null), 401, 'UNAUTHENTICATED');
  });
});

describe('GET /discovery/v1/environments/{idTOTVS}', () => {
  const path = (query = '') => `/discovery/v1/environments/${encodeURIComponent(A.totvsId)}${query}`;

  it('lists the environments by name as {name}', async () => {
    expect(ok(await get(path()))).toEqual({
      total: 3,
      hasNext: false,
      items: [{ name: 'HOMOLOGACAO' }, { name: 'PRODUCAO' }, { name: 'TESTE' }],
    });
  });

  it('pages with page and pageSize', async () => {
    expect(ok(await get(path('?pageSize=2')))).toEqual({ total: 3, hasNext: true, items: [{ name: 'HOMOLOGACAO' }, { name: 'PRODUCAO' }] });
    expect(ok(await get(path('?pageSize=2&page=2')))).toEqual({ total: 3, hasNext: false, items: [{ name: 'TESTE' }] });
  });

  it('keeps those with a resource of the category', async () => {
    expect(ok(await get(path('?category=database'))).items).toEqual([{ name: 'HOMOLOGACAO' }, { name: 'PRODUCAO' }]);
    expect(ok(await get(path('?category=machine')))).toEqual({ total: 1, hasNext: false, items: [{ name: 'PRODUCAO' }] });
    expect(ok(await get(path('?category=lsv')))).toEqual({ total: 0, hasNext: false, items: [] });
    expectError(await get(path('?category=router')), 400, 'BAD_REQUEST', 'category');
  });

  it('answers 404 for an unknown installation and 401 without a token', async () => {
    expectError(await get(`/discovery/v1/environments/${unique('t')}`), 404, 'NOT_FOUND', 'installation');
    expectError(await get(path(), null), 401, 'UNAUTHENTICATED');
  });
});

describe('GET /discovery/v1/resources/{idTOTVS}/{name}', () => {
  const path = (env: string, query = '') => `/discovery/v1/resources/${encodeURIComponent(A.totvsId)}/${env}${query}`;
  const byPort = (items: any[], host: string, port: number | null) => items.find((i) => i.host === host && i.port === port);

  it('serves each resource in the spec shape, named by its environment', async () => {
    const body = ok(await get(path('PRODUCAO')));
    expect(body.total).toBe(4);
    expect(body.hasNext).toBe(false);
    expect(body.items).toHaveLength(4);
    const item = byPort(body.items, '10.1.1.1', 1234);
    expect(Object.keys(item)).toEqual(['name', 'host', 'port', 'category', 'date', 'status', 'description', 'info', 'health']);
    expect(item).toEqual({
      name: 'PRODUCAO',
      host: '10.1.1.1',
      port: 1234,
      category: 'server',
      date: expect.stringMatching(SPEC_DATE),
      status: 'warning',
      description: 'Slave 001',
      info: [cpu],
      health: [cpuHigh],
    });
    expect(Object.keys(item.health[0])).toEqual(['type', 'message', 'detail', 'helpUrl']);
    expect(Math.abs(Date.parse(item.date) - Date.now())).toBeLessThan(10 * 60_000);
    expect(byPort(body.items, '10.1.1.2', null)).toMatchObject({ category: 'machine', status: 'success', info: [], health: [] });
    expect(byPort(body.items, '10.1.1.1', 5432)).toMatchObject({ status: 'danger', health: [noRam] });
  });

  it('filters by host, port and category', async () => {
    const hosts = (body: any) => body.items.map((i: any) => `${i.host}:${i.port}`).sort();
    expect(hosts(ok(await get(path('PRODUCAO', '?host=10.1.1.2'))))).toEqual(['10.1.1.2:1234', '10.1.1.2:null']);
    expect(hosts(ok(await get(path('PRODUCAO', '?hostip=10.1.1.2'))))).toEqual(['10.1.1.2:1234', '10.1.1.2:null']);
    expect(hosts(ok(await get(path('PRODUCAO', '?port=1234'))))).toEqual(['10.1.1.1:1234', '10.1.1.2:1234']);
    expect(hosts(ok(await get(path('PRODUCAO', '?category=database'))))).toEqual(['10.1.1.1:5432']);
    expect(ok(await get(path('PRODUCAO', '?host=10.1.1.1&category=machine')))).toEqual({ total: 0, hasNext: false, items: [] });
    expect(ok(await get(path('HOMOLOGACAO'))).items).toEqual([
      expect.objectContaining({ name: 'HOMOLOGACAO', host: 'db.example.com', port: 1433, category: 'database' }),
    ]);
  });

  it('pages with page and pageSize', async () => {
    const one = ok(await get(path('PRODUCAO', '?pageSize=3')));
    const two = ok(await get(path('PRODUCAO', '?pageSize=3&page=2')));
    expect([one.total, one.hasNext, one.items.length]).toEqual([4, true, 3]);
    expect([two.total, two.hasNext, two.items.length]).toEqual([4, false, 1]);
    const seen = [...one.items, ...two.items].map((i: any) => `${i.host}:${i.port}`);
    expect(new Set(seen).size).toBe(4);
  });

  it('portGroup=true serves one item per host: port null, worst status, earliest date, all info and health', async () => {
    const all = ok(await get(path('PRODUCAO'))).items;
    const body = ok(await get(path('PRODUCAO', '?portGroup=true')));
    expect(body.total).toBe(2);
    expect(body.hasNext).toBe(false);
    const one = body.items.find((i: any) => i.host === '10.1.1.1');
    const members = all.filter((i: any) => i.host === '10.1.1.1');
    expect(one).toEqual({
      name: 'PRODUCAO',
      host: '10.1.1.1',
      port: null,
      category: members[0].category,
      date: members.map((m: any) => m.date).sort()[0],
      status: 'danger',
      description: members[0].description,
      info: members.flatMap((m: any) => m.info),
      health: members.flatMap((m: any) => m.health),
    });
    expect(one.health).toHaveLength(2);
    expect(body.items.find((i: any) => i.host === '10.1.1.2')).toMatchObject({ port: null, status: 'success', info: [], health: [] });

    const paged = ok(await get(path('PRODUCAO', '?portGroup=true&pageSize=1')));
    expect([paged.total, paged.hasNext, paged.items.length]).toEqual([2, true, 1]);
    const filtered = ok(await get(path('PRODUCAO', '?portGroup=true&category=server&host=10.1.1.1')));
    expect(filtered.items).toEqual([expect.objectContaining({ host: '10.1.1.1', port: null, status: 'warning', health: [cpuHigh] })]);
    expect(ok(await get(path('PRODUCAO', '?portGroup=false'))).total).toBe(4);
  });

  it('costs the same statements for one resource as for four, grouped or not', async () => {
    const statements = async (env: string, query = '') => {
      const res = await get(path(env, query));
      ok(res);
      expect(res.headers.get('x-sql-statements')).toMatch(/^\d+$/);
      return Number(res.headers.get('x-sql-statements'));
    };
    expect(await statements('PRODUCAO')).toBe(await statements('HOMOLOGACAO'));
    expect(await statements('PRODUCAO', '?portGroup=true')).toBe(await statements('HOMOLOGACAO', '?portGroup=true'));
  });

  it('refuses a bad port, category or portGroup with the reason', async () => {
    for (const port of ['abc', '0', '65536', '1.5']) expectError(await get(path('PRODUCAO', `?port=${port}`)), 400, 'BAD_REQUEST', 'port');
    expectError(await get(path('PRODUCAO', '?category=router')), 400, 'BAD_REQUEST', 'category');
    expectError(await get(path('PRODUCAO', '?portGroup=yes')), 400, 'BAD_REQUEST', 'portGroup');
  });

  it('answers 404 for an unknown installation or environment, 401 without a token', async () => {
    expectError(await get(`/discovery/v1/resources/${unique('t')}/PRODUCAO`), 404, 'NOT_FOUND', 'installation');
    expectError(await get(path('NOPE')), 404, 'NOT_FOUND', 'environment NOPE');
    expectError(await get(path('PRODUCAO'), null), 401, 'UNAUTHENTICATED');
  });
});

describe('/discovery/v1/config', () => {
  const post = (body: unknown, as: TestUser | null = 'admin') =>
    server.rest('POST', '/discovery/v1/config', { body, ...(as ? { as } : {}) });
  const KEYS = ['monitorActive', 'historyDays', 'monitorInterval', 'sendDataTOTVS'];

  it('GET serves the settings to any signed-in user', async () => {
    const body = ok(await get('/discovery/v1/config'));
    expect(Object.keys(body)).toEqual(KEYS);
    expect(body).toEqual({
      monitorActive: expect.any(Boolean),
      historyDays: expect.any(Number),
      monitorInterval: expect.any(Number),
      sendDataTOTVS: expect.any(Boolean),
    });
    expectError(await get('/discovery/v1/config', null), 401, 'UNAUTHENTICATED');
  });

  // The settings are one row that test/discovery-graph.test.ts changes too, maybe at the same time:
  // only historyDays is changed here, to values of its own, and back to the default (30) at the end.
  it('POST changes what it is given, takes historyDay for historyDays, and answers the stored settings', async () => {
    const shape = { monitorActive: expect.any(Boolean), monitorInterval: expect.any(Number), sendDataTOTVS: expect.any(Boolean) };
    const spelledOld = ok(await post({ historyDay: 44 }));
    expect(Object.keys(spelledOld)).toEqual(KEYS);
    expect(spelledOld).toEqual({ ...shape, historyDays: 44 });
    expect(ok(await post({ historyDays: 43 }))).toEqual({ ...shape, historyDays: 43 });
    expect(ok(await post({ historyDays: 42, historyDay: 42 }))).toEqual({ ...shape, historyDays: 42 });
    expect(ok(await post({}))).toEqual({ ...shape, historyDays: expect.any(Number) });
    expect(ok(await post({ historyDays: 30 }))).toEqual({ ...shape, historyDays: 30 });
  });

  it('POST refuses wrong types and unknown fields with a 400, values out of range with a 422', async () => {
    expectError(await post({ historyDays: '30' }), 400, 'BAD_REQUEST', 'historyDays');
    expectError(await post({ monitorActive: 'yes' }), 400, 'BAD_REQUEST', 'monitorActive');
    expectError(await post({ monitorInterval: 1.5 }), 400, 'BAD_REQUEST', 'monitorInterval');
    expectError(await post({ historyDays: 30, colour: 'red' }), 400, 'BAD_REQUEST', 'colour');
    expectError(await post([1]), 400, 'BAD_REQUEST');
    expectError(await post({ historyDays: 30, historyDay: 31 }), 400, 'BAD_REQUEST', 'historyDay');
    const raw = await server.rest('POST', '/discovery/v1/config', { as: 'admin', rawBody: '{"historyDays":' });
    expectError(raw, 400, 'MALFORMED_JSON');
    for (const body of [{ historyDays: 0 }, { historyDay: 3651 }, { monitorInterval: 0 }, { monitorInterval: 1441 }]) {
      const res = await post(body);
      expectError(res, 422, 'VALIDATION_FAILED');
      expect(res.body.issues.length, JSON.stringify(res.body)).toBeGreaterThan(0);
    }
  });

  it('POST is for admins: 403 for others, 401 without a token', async () => {
    expectError(await post({ historyDays: 30 }, 'ops'), 403, 'FORBIDDEN');
    expectError(await post({ historyDays: 30 }, 'lead'), 403, 'FORBIDDEN');
    expectError(await post({ historyDays: 30 }, null), 401, 'UNAUTHENTICATED');
  });
});
