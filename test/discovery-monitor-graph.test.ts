import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, httpListener, httpsListener, tcpListener, type TestListener } from './helpers/listeners.ts';
import { dataOf, startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';
import { statementsOf } from './helpers/sql-statements.ts';
import { selfSignedCert } from './helpers/tls-cert.ts';

/**
 * The monitor's read side in the graph, against the real server and real loopback listeners:
 * each resource's latest probe, streaks, check history and status changes, the status changes
 * across the inventory, the probe inputs of the resource mutations and the monitor's tuning
 * settings. Checks run through checkDiscoveredResources (never the schedule: monitorActive stays
 * off), so every test decides when its resources are probed.
 */

type Json = Record<string, any>;

let server: TestServer;
/** The shared settings as this file found them: N and M of the streak rule, the TLS thresholds. */
let settings: Json;
const listeners: TestListener[] = [];

const CONFIG_FIELDS = `monitorActive historyDays monitorInterval sendDataTOTVS failuresBeforeDanger passesBeforeSuccess retryInterval
  probeTimeoutMs probeConcurrency tlsWarningDays tlsDangerDays slowMs allowedNetworks updatedAt`;

beforeAll(async () => {
  server = await startTestServer();
  settings = (await graph(`{ discoveryConfig { ${CONFIG_FIELDS} } }`, {}, 'viewer')).discoveryConfig;
  expect(settings.monitorActive, 'monitorActive must stay off: the schedule would check every test’s resources').toBe(false);
});
afterAll(async () => {
  for (const listener of listeners) await listener.close();
  await server?.close();
});

const graph = (query: string, variables: Json = {}, as: TestUser = 'admin'): Promise<Json> => dataOf(server, query, variables, as);

async function listening<T extends TestListener>(made: Promise<T>): Promise<T> {
  const listener = await made;
  listeners.push(listener);
  return listener;
}

const MONITOR_FIELDS = `resourceId status monitored probe effectiveProbe httpPath down consecutiveFailures consecutivePasses
  lastCheckedAt nextCheckAt lastSuccess lastReason lastDurationMs certExpiresAt certDaysLeft statusChangedAt
  lastChecks { check ok durationMs reason value detail }`;
const CHANGE_FIELDS = `id changeId fromStatus toStatus reason detail suppressedBy suppressionDetail changedAt
  resource { resourceId } event { eventId source eventType }`;

const REGISTER = `mutation MonRegister($input: RegisterDiscoveredResourceInput!) {
  registerDiscoveredResource(input: $input) {
    __typename ... on DiscoveredResource { ${MONITOR_FIELDS} }
    ... on ValidationError { issues { path message } } ... on Error { code message }
  }
}`;
const UPDATE = `mutation MonUpdate($resourceId: String!, $input: UpdateDiscoveredResourceInput!) {
  updateDiscoveredResource(resourceId: $resourceId, input: $input) {
    __typename ... on DiscoveredResource { ${MONITOR_FIELDS} }
    ... on ValidationError { issues { path message } } ... on Error { code message }
  }
}`;
const CHECK = `mutation MonCheck($ids: [String!]!) {
  checkDiscoveredResources(resourceIds: $ids) {
    __typename ... on DiscoveryCheckRun { checked passed failed skipped statusChanges } ... on Error { code message }
  }
}`;
const READ = `query MonRead($id: String!, $first: Int, $after: String, $failedOnly: Boolean) {
  discoveredResource(resourceId: $id) {
    ${MONITOR_FIELDS}
    checkHistory(first: $first, after: $after, failedOnly: $failedOnly) {
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { checkedAt allowed ok reason durationMs status checks { check ok reason value } } }
    }
    healthChanges { ${CHANGE_FIELDS} }
  }
}`;

/** A fresh installation (unique TOTVS id) with these environments. */
async function installation(envs: string[] = ['PRODUCAO']): Promise<string> {
  const totvsId = unique('mon');
  await graph('mutation MonInstallation($totvsId: String!) { registerDiscoveryInstallation(input: { totvsId: $totvsId }) { __typename } }', { totvsId });
  for (const name of envs) {
    await graph('mutation MonEnvironment($totvsId: String!, $name: String!) { registerDiscoveryEnvironment(totvsId: $totvsId, name: $name) { __typename } }', {
      totvsId,
      name,
    });
  }
  return totvsId;
}

async function register(input: Json): Promise<Json> {
  const result = (await graph(REGISTER, { input: { environment: 'PRODUCAO', category: 'server', host: '127.0.0.1', ...input } })).registerDiscoveredResource;
  expect(result.__typename, JSON.stringify(result)).toBe('DiscoveredResource');
  return result;
}

async function update(resourceId: string, input: Json): Promise<Json> {
  return (await graph(UPDATE, { resourceId, input })).updateDiscoveredResource;
}

async function check(ids: string[]): Promise<Json> {
  const run = (await graph(CHECK, { ids }, 'lead')).checkDiscoveredResources;
  expect(run.__typename, JSON.stringify(run)).toBe('DiscoveryCheckRun');
  return run;
}

async function read(id: string, vars: Json = {}): Promise<Json> {
  return (await graph(READ, { id, ...vars }, 'viewer')).discoveredResource;
}

const times = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('the latest probe and the check history', () => {
  it('probes tcp and http listeners: lastChecks, streaks, and the history paged newest first', async () => {
    const totvsId = await installation();
    const tcp = await listening(tcpListener());
    const paths: string[] = [];
    const http = await listening(
      httpListener((req, res) => {
        paths.push(req.url ?? '');
        res.end('ok');
      }),
    );
    const plain = await register({ totvsId, port: tcp.port });
    const web = await register({ totvsId, port: http.port, probe: 'http', httpPath: '/health?full=1' });
    expect(plain).toMatchObject({
      monitored: true,
      probe: null,
      effectiveProbe: 'tcp',
      httpPath: '/',
      down: false,
      consecutiveFailures: 0,
      consecutivePasses: 0,
      lastCheckedAt: null,
      nextCheckAt: null,
      lastSuccess: null,
      lastReason: null,
      certExpiresAt: null,
      certDaysLeft: null,
      lastChecks: [],
    });
    expect(web).toMatchObject({ probe: 'http', effectiveProbe: 'http', httpPath: '/health?full=1' });

    for (const _ of times(3)) expect(await check([plain.resourceId, web.resourceId])).toMatchObject({ checked: 2, passed: 2, failed: 0, statusChanges: 0 });
    expect(paths).toEqual(['/health?full=1', '/health?full=1', '/health?full=1']);

    const tcpRead = await read(plain.resourceId, { first: 2 });
    expect(tcpRead).toMatchObject({ status: 'success', down: false, consecutiveFailures: 0, consecutivePasses: 3, lastSuccess: true, lastReason: null });
    // An address needs no resolving: only names get a dns check.
    expect(tcpRead.lastChecks).toEqual([
      { check: 'tcp', ok: true, durationMs: expect.any(Number), reason: null, value: null, detail: null },
    ]);
    expect(tcpRead.lastDurationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(tcpRead.nextCheckAt)).toBeGreaterThan(Date.parse(tcpRead.lastCheckedAt));
    expect(tcpRead.healthChanges).toEqual([]);

    const webRead = await read(web.resourceId);
    expect(webRead.lastChecks.map((c: Json) => [c.check, c.ok, c.value])).toEqual([
      ['tcp', true, null],
      ['http', true, '200'],
    ]);

    // Two, then the last one; the pages never overlap and run newest first.
    const first = tcpRead.checkHistory;
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.edges).toHaveLength(2);
    const rest = (await read(plain.resourceId, { first: 2, after: first.pageInfo.endCursor })).checkHistory;
    expect(rest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(rest.edges).toHaveLength(1);
    const history = [...first.edges, ...rest.edges].map((e: Json) => e.node);
    expect(new Set([...first.edges, ...rest.edges].map((e: Json) => e.cursor)).size).toBe(3);
    const at = history.map((c) => Date.parse(c.checkedAt));
    expect([...at].sort((a, b) => b - a)).toEqual(at);
    expect(at[0]).toBe(Date.parse(tcpRead.lastCheckedAt));
    for (const c of history) expect(c).toMatchObject({ allowed: true, ok: true, reason: null, status: 'success', checks: [{ check: 'tcp' }] });
    expect((await read(plain.resourceId, { failedOnly: true })).checkHistory).toMatchObject({ edges: [], pageInfo: { hasNextPage: false } });

    const badCursor = await server.gql(READ, { id: plain.resourceId, after: 'nope' }, { as: 'viewer' });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('goes down after N failed checks, comes back after M passes, and records both changes with their events', async () => {
    const N = settings.failuresBeforeDanger as number;
    const M = settings.passesBeforeSuccess as number;
    const totvsId = await installation();
    const tcp = await listening(tcpListener());
    const r = await register({ totvsId, port: tcp.port, description: 'AppServer' });
    await check([r.resourceId]);

    await tcp.close();
    for (const i of times(N)) {
      expect(await check([r.resourceId])).toMatchObject({ checked: 1, failed: 1, statusChanges: i === N ? 1 : 0 });
      const now = await read(r.resourceId);
      expect(now).toMatchObject({ consecutiveFailures: i, consecutivePasses: 0, lastSuccess: false, lastReason: 'refused' });
      expect(now.lastChecks.at(-1)).toMatchObject({ check: 'tcp', ok: false, reason: 'refused' });
      // Below N a failure is recorded but not news: the status holds.
      expect(now).toMatchObject(i < N ? { status: 'success', down: false, healthChanges: [] } : { status: 'danger', down: true });
    }
    const down = await read(r.resourceId);
    expect(down.healthChanges).toEqual([
      expect.objectContaining({
        fromStatus: 'success',
        toStatus: 'danger',
        reason: 'refused',
        suppressedBy: null,
        suppressionDetail: null,
        resource: { resourceId: r.resourceId },
        event: expect.objectContaining({ source: 'discovery', eventType: 'resource.danger' }),
      }),
    ]);
    expect(down.statusChangedAt).toBe(down.healthChanges[0].changedAt);
    expect(down.healthChanges[0].changeId).toMatch(/^[0-9a-f-]{36}$/);

    await tcp.reopen();
    for (const j of times(M)) {
      await check([r.resourceId]);
      const now = await read(r.resourceId);
      expect(now).toMatchObject({ consecutivePasses: j, consecutiveFailures: 0, lastSuccess: true, lastReason: null });
      expect(now).toMatchObject(j < M ? { status: 'danger', down: true } : { status: 'success', down: false });
    }
    const back = await read(r.resourceId, { failedOnly: true, first: 50 });
    expect(back.healthChanges.map((c: Json) => [c.fromStatus, c.toStatus, c.reason])).toEqual([
      ['danger', 'success', null],
      ['success', 'danger', 'refused'],
    ]);
    expect(back.healthChanges[0].event).toMatchObject({ source: 'discovery', eventType: 'resource.success' });
    const failed = back.checkHistory.edges.map((e: Json) => e.node);
    expect(failed).toHaveLength(N);
    for (const c of failed) expect(c).toMatchObject({ allowed: true, ok: false, reason: 'refused' });
    expect(failed[0].status).toBe('danger');
    expect(failed.at(-1).status).toBe(N > 1 ? 'success' : 'danger');
  });

  it('reads the certificate expiry of an https listener as certExpiresAt and certDaysLeft', async () => {
    const notAfter = new Date(Date.now() + 10 * 86_400_000);
    const cert = selfSignedCert({ notBefore: new Date(Date.now() - 86_400_000), notAfter });
    const https = await listening(httpsListener(cert));
    const totvsId = await installation();
    const r = await register({ totvsId, port: https.port, probe: 'https', httpPath: '/status' });
    await check([r.resourceId]);
    const now = await read(r.resourceId);
    // X.509 keeps whole seconds; 10 days less the moments since makes 9 whole days.
    expect(Date.parse(now.certExpiresAt)).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
    expect(now.certDaysLeft).toBe(9);
    expect(now.lastChecks.map((c: Json) => [c.check, c.ok, c.value])).toEqual([
      ['tcp', true, null],
      ['tls', true, '9'],
      ['http', true, '200'],
    ]);
    const expected = 9 < settings.tlsDangerDays ? 'danger' : 9 < settings.tlsWarningDays ? 'warning' : 'success';
    expect(now).toMatchObject({ status: expected, down: false, lastSuccess: true });
  });
});

describe('status changes across the inventory', () => {
  it('filters resourceHealthChanges by installation, environment, resource, status and suppression, and pages them', async () => {
    const N = settings.failuresBeforeDanger as number;
    const totvsId = await installation(['PRODUCAO', 'HOMOLOGACAO']);
    const [a, b, c] = [await listening(tcpListener()), await listening(tcpListener()), await listening(tcpListener())];
    const machine = await register({ totvsId, port: a.port, category: 'machine' });
    const app = await register({ totvsId, port: b.port, dependsOn: machine.resourceId });
    const homolog = await register({ totvsId, environment: 'HOMOLOGACAO', port: c.port });
    await Promise.all([a.close(), b.close(), c.close()]);
    // One batch: the monitor stores the machine's result first, so the app sees it down.
    for (const _ of times(N)) await check([app.resourceId, homolog.resourceId, machine.resourceId]);

    const LIST = `query MonChanges($filter: ResourceHealthChangeFilter, $first: Int, $after: String) {
      resourceHealthChanges(filter: $filter, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { ${CHANGE_FIELDS} } }
      }
    }`;
    const list = async (filter: Json, page: Json = {}) => (await graph(LIST, { filter, ...page }, 'viewer')).resourceHealthChanges;
    const subjects = (conn: Json) => conn.edges.map((e: Json) => e.node.resource.resourceId);

    const all = await list({ totvsId });
    expect(all.totalCount).toBe(3);
    for (const { node } of all.edges) expect(node).toMatchObject({ fromStatus: 'success', toStatus: 'danger', reason: 'refused', event: { source: 'discovery' } });
    const ids = all.edges.map((e: Json) => Number(atob(e.node.id).split(':').at(-1)));
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);

    expect(subjects(await list({ totvsId, environment: 'HOMOLOGACAO' }))).toEqual([homolog.resourceId]);
    const suppressed = await list({ totvsId, suppressed: true });
    expect(suppressed.edges.map((e: Json) => e.node)).toEqual([
      expect.objectContaining({
        resource: { resourceId: app.resourceId },
        suppressedBy: 'dependency',
        suppressionDetail: expect.stringContaining(`127.0.0.1:${a.port}`),
        event: expect.objectContaining({ source: 'discovery' }),
      }),
    ]);
    expect(subjects(await list({ totvsId, suppressed: false })).sort()).toEqual([machine.resourceId, homolog.resourceId].sort());
    expect(subjects(await list({ resourceId: machine.resourceId }))).toEqual([machine.resourceId]);
    expect((await list({ totvsId, toStatus: 'danger' })).totalCount).toBe(3);
    expect((await list({ totvsId, toStatus: 'success' })).totalCount).toBe(0);
    expect((await list({ resourceId: 'not-a-uuid' })).totalCount).toBe(0);
    expect((await list({ totvsId: unique('nope') })).totalCount).toBe(0);

    const page1 = await list({ totvsId }, { first: 2 });
    const page2 = await list({ totvsId }, { first: 2, after: page1.pageInfo.endCursor });
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect([...subjects(page1), ...subjects(page2)]).toEqual(subjects(all));

    const node = await graph('query MonNode($id: ID!) { node(id: $id) { ... on ResourceHealthChange { changeId toStatus } } }', { id: all.edges[0].node.id }, 'viewer');
    expect(node.node).toEqual({ changeId: all.edges[0].node.changeId, toStatus: 'danger' });
  });
});

describe('the probe settings of a resource', () => {
  it('registers unmonitored resources the monitor never checks, and validates httpPath', async () => {
    const totvsId = await installation();
    const tcp = await listening(tcpListener());
    const quiet = await register({ totvsId, port: tcp.port, monitored: false });
    expect(quiet.monitored).toBe(false);
    expect(await check([quiet.resourceId])).toMatchObject({ checked: 0 });
    expect(await read(quiet.resourceId)).toMatchObject({ lastCheckedAt: null, lastChecks: [], checkHistory: { edges: [] } });

    for (const httpPath of ['health', '/a b', `/${'a'.repeat(500)}`, '/\u0007']) {
      const res = (await graph(REGISTER, { input: { totvsId, environment: 'PRODUCAO', category: 'server', host: '127.0.0.1', port: 1, httpPath } }))
        .registerDiscoveredResource;
      expect(res, httpPath).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', issues: [{ path: 'httpPath' }] });
    }
    const bad = await update(quiet.resourceId, { httpPath: 'x' });
    expect(bad).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'httpPath' }] });
    expect(await update(quiet.resourceId, { monitored: null, description: 'still quiet' })).toMatchObject({ monitored: false });
    expect(await update(quiet.resourceId, { monitored: true })).toMatchObject({ monitored: true });
  });

  it('makes a resource due now and restarts its streaks when host, port, probe or httpPath change, keeping its status', async () => {
    const N = settings.failuresBeforeDanger as number;
    const M = settings.passesBeforeSuccess as number;
    const totvsId = await installation();
    const old = await listening(tcpListener());
    const next = await listening(httpListener());
    const r = await register({ totvsId, port: old.port });
    await old.close();
    for (const _ of times(N)) await check([r.resourceId]);
    const down = await read(r.resourceId);
    expect(down).toMatchObject({ status: 'danger', down: true, consecutiveFailures: N });
    expect(down.nextCheckAt).not.toBeNull();

    // An edit of something else leaves the schedule and the streaks alone.
    expect(await update(r.resourceId, { description: 'moved soon' })).toMatchObject({ nextCheckAt: down.nextCheckAt, consecutiveFailures: N });

    const moved = await update(r.resourceId, { port: next.port });
    expect(moved).toMatchObject({ status: 'danger', down: true, nextCheckAt: null, consecutiveFailures: 0, consecutivePasses: 0 });
    await check([r.resourceId]);
    expect(await read(r.resourceId)).toMatchObject({ consecutivePasses: 1, status: M > 1 ? 'danger' : 'success' });

    const asked = await update(r.resourceId, { probe: 'http', httpPath: '/ping' });
    expect(asked).toMatchObject({ probe: 'http', effectiveProbe: 'http', httpPath: '/ping', nextCheckAt: null, consecutivePasses: 0 });
    for (const _ of times(M)) await check([r.resourceId]);
    const up = await read(r.resourceId);
    expect(up).toMatchObject({ status: 'success', down: false });
    expect(up.lastChecks.at(-1)).toMatchObject({ check: 'http', ok: true, value: '200' });

    const cleared = await update(r.resourceId, { probe: null, httpPath: null });
    expect(cleared).toMatchObject({ probe: null, effectiveProbe: 'tcp', httpPath: '/', nextCheckAt: null, consecutivePasses: 0, status: 'success' });
  });
});

describe('the monitor tuning settings', () => {
  const UPDATE_CONFIG = `mutation MonConfig($input: UpdateDiscoveryConfigInput!) { updateDiscoveryConfig(input: $input) {
    __typename ... on DiscoveryConfig { ${CONFIG_FIELDS} } ... on ValidationError { issues { path message } } ... on Error { code } } }`;

  it('reads and changes the tuning fields, and refuses values out of range or in conflict', async () => {
    const before = (await graph(`{ discoveryConfig { ${CONFIG_FIELDS} } }`, {}, 'viewer')).discoveryConfig;
    // Only settings no other test file depends on change; the rest are written back as they are.
    const input = {
      failuresBeforeDanger: before.failuresBeforeDanger,
      passesBeforeSuccess: before.passesBeforeSuccess,
      retryInterval: before.retryInterval,
      tlsWarningDays: before.tlsWarningDays,
      tlsDangerDays: before.tlsDangerDays,
      probeConcurrency: before.probeConcurrency === 1024 ? 1023 : before.probeConcurrency + 1,
      slowMs: before.slowMs + 1,
    };
    try {
      const changed = (await graph(UPDATE_CONFIG, { input })).updateDiscoveryConfig;
      expect(changed).toMatchObject({ __typename: 'DiscoveryConfig', ...input, allowedNetworks: expect.any(Array) });
    } finally {
      await graph(UPDATE_CONFIG, { input: { probeConcurrency: before.probeConcurrency, slowMs: before.slowMs } });
    }

    for (const [input, path, says] of [
      // The largest values: above monitorInterval and tlsWarningDays whatever other files set them to meanwhile.
      [{ retryInterval: 1440 }, 'retryInterval', 'monitorInterval'],
      [{ tlsDangerDays: 365 }, 'tlsDangerDays', 'tlsWarningDays'],
      [{ allowedNetworks: ['10.0.0.0/8', 'not-a-network'] }, 'allowedNetworks', 'not-a-network'],
      [{ allowedNetworks: ['300.1.2.3/8'] }, 'allowedNetworks', '300.1.2.3/8'],
      [{ failuresBeforeDanger: 0 }, 'failuresBeforeDanger', ''],
      [{ passesBeforeSuccess: 21 }, 'passesBeforeSuccess', ''],
      [{ probeTimeoutMs: 99 }, 'probeTimeoutMs', ''],
      [{ probeConcurrency: 1025 }, 'probeConcurrency', ''],
      [{ tlsWarningDays: 366 }, 'tlsWarningDays', ''],
      [{ slowMs: 0 }, 'slowMs', ''],
    ] as const) {
      const res = (await graph(UPDATE_CONFIG, { input })).updateDiscoveryConfig;
      expect(res, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', issues: [{ path, message: expect.stringContaining(says) }] });
    }
    const after = (await graph(`{ discoveryConfig { ${CONFIG_FIELDS} } }`, {}, 'viewer')).discoveryConfig;
    for (const key of Object.keys(input)) expect(after[key], key).toBe(before[key]);
  });

  it('keeps the REST config at spec 003’s four settings', async () => {
    const res = await server.rest('GET', '/discovery/v1/config', { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['historyDays', 'monitorActive', 'monitorInterval', 'sendDataTOTVS']);
  });
});

describe('roles', () => {
  it('lets viewers read the monitor’s fields but not run checks or change the tuning', async () => {
    const totvsId = await installation();
    const r = await register({ totvsId, port: await closedPort() });
    for (const as of ['viewer', 'ops'] as const) {
      const res = await server.gql(CHECK, { ids: [r.resourceId] }, { as });
      expect(res.errors?.[0]?.extensions?.code, as).toBe('FORBIDDEN');
    }
    for (const as of ['viewer', 'ops', 'lead'] as const) {
      const res = await server.gql('mutation MonRoleConfig { updateDiscoveryConfig(input: { failuresBeforeDanger: 3, allowedNetworks: [] }) { __typename } }', {}, { as });
      expect(res.errors?.[0]?.extensions?.code, as).toBe('FORBIDDEN');
    }
    expect(await read(r.resourceId)).toMatchObject({ resourceId: r.resourceId, lastChecks: [] });
    const anonymous = await server.gql('{ resourceHealthChanges { totalCount } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('SQL cost', () => {
  it('lists 2 or 10 resources with checkHistory(first: 3) and healthChanges (with events) in the same number of statements', async () => {
    const N = settings.failuresBeforeDanger as number;
    const port = await closedPort();
    const seed = async (n: number) => {
      const totvsId = await installation();
      // Every loopback address answers for itself: one closed port, n resources that go down.
      const ids = [];
      for (const i of times(n)) ids.push((await register({ totvsId, host: `127.0.0.${i}`, port })).resourceId);
      for (const _ of times(Math.max(N, 3))) await check(ids);
      return totvsId;
    };
    const QUERY = `query MonCost($totvsId: String!) {
      discoveryEnvironment(totvsId: $totvsId, name: "PRODUCAO") {
        resources(first: 10) { edges { node {
          resourceId lastChecks { ok }
          checkHistory(first: 3) { edges { node { ok } } }
          healthChanges { toStatus event { source } }
        } } }
      }
    }`;
    const small = await statementsOf(server, QUERY, { totvsId: await seed(2) });
    const large = await statementsOf(server, QUERY, { totvsId: await seed(10) });
    const nodes = large.data.discoveryEnvironment.resources.edges.map((e: Json) => e.node);
    expect(nodes).toHaveLength(10);
    for (const node of nodes) {
      expect(node.checkHistory.edges).toHaveLength(3);
      expect(node.healthChanges).toEqual([{ toStatus: 'danger', event: { source: 'discovery' } }]);
    }
    expect(small.data.discoveryEnvironment.resources.edges).toHaveLength(2);
    expect(large.statements).toBe(small.statements);
  });
});
