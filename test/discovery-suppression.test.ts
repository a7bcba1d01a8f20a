import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpListener, type TestListener } from './helpers/listeners.ts';
import { dataOf, startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';
import { statementsOf } from './helpers/sql-statements.ts';

/**
 * Status changes that open no chamado (issue 10): a resource whose parent is down, and anything
 * under a running maintenance window. End to end: real listeners on loopback, monitor cycles run
 * with checkDiscoveredResources (default settings: 3 failures → danger, 2 passes → success), the
 * `discovery` events read back through the graph. Every test registers its own installation.
 */

type Json = Record<string, any>;

let server: TestServer;
const listeners: TestListener[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  await server?.close();
});

const graph = (query: string, variables: Json = {}, as: TestUser = 'admin'): Promise<Json> => dataOf(server, query, variables, as);

async function listener(): Promise<TestListener> {
  const l = await tcpListener();
  listeners.push(l);
  return l;
}

async function installation(): Promise<string> {
  const totvsId = unique('sup');
  await graph('mutation SupInst($input: RegisterDiscoveryInstallationInput!) { registerDiscoveryInstallation(input: $input) { __typename } }', {
    input: { totvsId },
  });
  await graph('mutation SupEnv($totvsId: String!) { registerDiscoveryEnvironment(totvsId: $totvsId, name: "PRODUCAO") { __typename } }', { totvsId });
  return totvsId;
}

async function resource(totvsId: string, port: number, input: Json = {}): Promise<string> {
  const data = await graph(
    `mutation SupResource($input: RegisterDiscoveredResourceInput!) {
      registerDiscoveredResource(input: $input) { __typename ... on DiscoveredResource { resourceId } ... on Error { code message } }
    }`,
    { input: { totvsId, environment: 'PRODUCAO', host: '127.0.0.1', port, category: 'server', ...input } },
  );
  expect(data.registerDiscoveredResource.__typename, JSON.stringify(data)).toBe('DiscoveredResource');
  return data.registerDiscoveredResource.resourceId;
}

/** One monitor cycle over these resources; their statuses after it, in the order given. */
async function check(resourceIds: string[]): Promise<string[]> {
  const data = await graph(
    `mutation SupCheck($ids: [String!]!) {
      checkDiscoveredResources(resourceIds: $ids) { __typename ... on DiscoveryCheckRun { resources { resourceId status } } ... on Error { code message } }
    }`,
    { ids: resourceIds },
    'lead',
  );
  const byId = new Map<string, string>(data.checkDiscoveredResources.resources.map((r: Json) => [r.resourceId, r.status]));
  return resourceIds.map((id) => byId.get(id)!);
}

async function checkTimes(times: number, resourceIds: string[]): Promise<string[]> {
  let statuses: string[] = [];
  for (let i = 0; i < times; i++) statuses = await check(resourceIds);
  return statuses;
}

interface Change {
  toStatus: string;
  suppressedBy: string | null;
  suppressionDetail: string | null;
  eventId: number | null;
}

/** A resource's status changes, oldest first (no graph field serves them yet). */
function changesOf(resourceId: string): Promise<Change[]> {
  return server.orm.em.getConnection().execute<Change[]>(
    `select h.to_status as "toStatus", h.suppressed_by as "suppressedBy", h.suppression_detail as "suppressionDetail", h.event_id as "eventId"
     from discovery_health_changes h join discovered_resources r on r.id = h.resource_id where r.uuid = ? order by h.id`,
    [resourceId],
  );
}

async function eventOf(change: Change): Promise<Json> {
  expect(change.eventId, 'the change became an event').not.toBeNull();
  const data = await graph(
    'query SupEvent($id: Int!) { event(eventId: $id) { source eventType alertStatus recurrenceKey correlation chamado { publicId } } }',
    { id: Number(change.eventId) },
    'viewer',
  );
  return data.event;
}

const WINDOW = 'windowId resource { resourceId } environment { name } startsAt endsAt reason createdBy { username } createdAt cancelledAt active';
const SCHEDULE = `mutation SupSchedule($input: ScheduleDiscoveryMaintenanceInput!) {
  scheduleDiscoveryMaintenance(input: $input) {
    __typename ... on MaintenanceWindow { ${WINDOW} } ... on ValidationError { issues { path message } } ... on Error { code message }
  }
}`;
const CANCEL = `mutation SupCancel($windowId: String!) {
  cancelDiscoveryMaintenance(windowId: $windowId) {
    __typename ... on MaintenanceWindow { ${WINDOW} } ... on ValidationError { issues { path message } } ... on Error { code message }
  }
}`;
const MAINTENANCE_OF = `query SupMaintenance($id: String!, $includeEnded: Boolean) {
  discoveredResource(resourceId: $id) { inMaintenance maintenanceWindows(includeEnded: $includeEnded) { windowId active } }
}`;

const inOneHour = () => new Date(Date.now() + 3600_000).toISOString();

async function schedule(input: Json, as: TestUser = 'lead'): Promise<Json> {
  return (await graph(SCHEDULE, { input }, as)).scheduleDiscoveryMaintenance;
}

describe('a resource whose parent is down', () => {
  it('records its outage as suppressed by the dependency: stored and counted, but no chamado; the parent opens one; recoveries are never suppressed', async () => {
    const totvsId = await installation();
    const [machinePort, databasePort] = [await listener(), await listener()];
    const machine = await resource(totvsId, machinePort.port, { category: 'machine' });
    const database = await resource(totvsId, databasePort.port, { category: 'database', dependsOn: machine });

    await Promise.all([machinePort.close(), databasePort.close()]);
    expect(await checkTimes(2, [machine, database])).toEqual(['success', 'success']);
    expect(await check([machine, database])).toEqual(['danger', 'danger']);

    const [machineDown] = await changesOf(machine);
    expect(machineDown).toMatchObject({ toStatus: 'danger', suppressedBy: null, suppressionDetail: null });
    const machineEvent = await eventOf(machineDown!);
    expect(machineEvent).toMatchObject({ source: 'discovery', eventType: 'resource.danger', alertStatus: 'firing' });
    expect(machineEvent.correlation.decision).toBe('opened');
    expect(machineEvent.chamado?.publicId).toMatch(/^CH-/);

    const [databaseDown] = await changesOf(database);
    expect(databaseDown).toMatchObject({ toStatus: 'danger', suppressedBy: 'dependency' });
    expect(databaseDown!.suppressionDetail).toContain(`127.0.0.1:${machinePort.port}`);
    const databaseEvent = await eventOf(databaseDown!);
    expect(databaseEvent).toMatchObject({ source: 'discovery', eventType: 'resource.danger', alertStatus: 'firing', chamado: null });
    expect(databaseEvent.correlation).toMatchObject({ decision: 'stored' });
    expect(databaseEvent.correlation.reason).toContain('suppressed (dependency)');
    expect(databaseEvent.recurrenceKey, 'counted in its recurrence group').toBeTruthy();

    await Promise.all([machinePort.reopen(), databasePort.reopen()]);
    expect(await check([machine, database])).toEqual(['danger', 'danger']);
    expect(await check([machine, database])).toEqual(['success', 'success']);
    const machineChanges = await changesOf(machine);
    const databaseChanges = await changesOf(database);
    expect(machineChanges.map((c) => [c.toStatus, c.suppressedBy])).toEqual([['danger', null], ['success', null]]);
    expect(databaseChanges.map((c) => [c.toStatus, c.suppressedBy])).toEqual([['danger', 'dependency'], ['success', null]]);
    const machineUp = await eventOf(machineChanges[1]!);
    expect(machineUp).toMatchObject({ eventType: 'resource.success', alertStatus: 'resolved', chamado: { publicId: machineEvent.chamado.publicId } });
    const databaseUp = await eventOf(databaseChanges[1]!);
    expect(databaseUp).toMatchObject({ eventType: 'resource.success', alertStatus: 'resolved' });
    expect(String(databaseUp.correlation.reason ?? '')).not.toContain('suppressed');
  });
});

describe('maintenance windows', () => {
  it('an environment window suppresses an outage and is shown; once cancelled, an outage opens a chamado again', async () => {
    const totvsId = await installation();
    const [firstPort, secondPort] = [await listener(), await listener()];
    const first = await resource(totvsId, firstPort.port);
    const second = await resource(totvsId, secondPort.port);

    const window = await schedule({ totvsId, environment: 'PRODUCAO', endsAt: inOneHour(), reason: 'troca de disco' });
    expect(window).toMatchObject({
      __typename: 'MaintenanceWindow',
      resource: null,
      environment: { name: 'PRODUCAO' },
      reason: 'troca de disco',
      createdBy: { username: 'lead' },
      cancelledAt: null,
      active: true,
    });
    expect((await graph(MAINTENANCE_OF, { id: first }, 'viewer')).discoveredResource).toEqual({
      inMaintenance: true,
      maintenanceWindows: [{ windowId: window.windowId, active: true }],
    });
    const listed = await graph(
      `query SupListed($totvsId: String!) {
        discoveryEnvironment(totvsId: $totvsId, name: "PRODUCAO") { maintenanceWindows { windowId } }
        discoveryMaintenanceWindows(totvsId: $totvsId) { windowId environment { name } }
      }`,
      { totvsId },
      'viewer',
    );
    expect(listed.discoveryEnvironment.maintenanceWindows).toEqual([{ windowId: window.windowId }]);
    expect(listed.discoveryMaintenanceWindows).toEqual([{ windowId: window.windowId, environment: { name: 'PRODUCAO' } }]);

    await firstPort.close();
    expect(await checkTimes(3, [first])).toEqual(['danger']);
    const [firstDown] = await changesOf(first);
    expect(firstDown).toMatchObject({ toStatus: 'danger', suppressedBy: 'maintenance' });
    expect(firstDown!.suppressionDetail).toContain('troca de disco');
    const firstEvent = await eventOf(firstDown!);
    expect(firstEvent).toMatchObject({ source: 'discovery', chamado: null, correlation: { decision: 'stored' } });

    const cancelled = (await graph(CANCEL, { windowId: window.windowId }, 'lead')).cancelDiscoveryMaintenance;
    expect(cancelled).toMatchObject({ __typename: 'MaintenanceWindow', windowId: window.windowId, active: false });
    expect(cancelled.cancelledAt).not.toBeNull();
    expect((await graph(MAINTENANCE_OF, { id: first }, 'viewer')).discoveredResource).toEqual({ inMaintenance: false, maintenanceWindows: [] });
    expect((await graph(MAINTENANCE_OF, { id: first, includeEnded: true }, 'viewer')).discoveredResource.maintenanceWindows).toEqual([
      { windowId: window.windowId, active: false },
    ]);
    expect((await graph('query SupActive($t: String!) { discoveryMaintenanceWindows(totvsId: $t, activeOnly: false) { windowId } }', { t: totvsId }, 'viewer'))
      .discoveryMaintenanceWindows).toEqual([]);

    await secondPort.close();
    expect(await checkTimes(3, [second])).toEqual(['danger']);
    const [secondDown] = await changesOf(second);
    expect(secondDown).toMatchObject({ toStatus: 'danger', suppressedBy: null });
    const secondEvent = await eventOf(secondDown!);
    expect(secondEvent.correlation.decision).toBe('opened');
    expect(secondEvent.chamado?.publicId).toMatch(/^CH-/);
  });

  it('an outage that outlasts its window is announced again, unsuppressed, at the next failed check', async () => {
    const totvsId = await installation();
    const down = await listener();
    const id = await resource(totvsId, down.port);
    const window = await schedule({ resourceId: id, endsAt: inOneHour(), reason: 'troca de disco' });
    await down.close();
    expect(await checkTimes(3, [id])).toEqual(['danger']);
    const [suppressed] = await changesOf(id);
    expect(suppressed).toMatchObject({ toStatus: 'danger', suppressedBy: 'maintenance' });
    expect((await eventOf(suppressed!)).chamado).toBeNull();

    // Still down while the window runs: nothing new.
    await check([id]);
    expect(await changesOf(id)).toHaveLength(1);
    await graph(CANCEL, { windowId: window.windowId }, 'lead');
    await check([id]);
    const [, still] = await changesOf(id);
    expect(still).toMatchObject({ toStatus: 'danger', suppressedBy: null });
    const event = await eventOf(still!);
    expect(event.chamado?.publicId, 'the outage now has its chamado').toMatch(/^CH-/);
    await check([id]);
    expect(await changesOf(id), 'announced once').toHaveLength(2);
  });

  it('a resource window covers that resource only; an upcoming window is listed but not active', async () => {
    const totvsId = await installation();
    const covered = await resource(totvsId, (await listener()).port);
    const other = await resource(totvsId, (await listener()).port);
    const own = await schedule({ resourceId: covered, endsAt: inOneHour(), reason: 'atualização do banco' });
    expect(own).toMatchObject({ resource: { resourceId: covered }, environment: null, active: true });
    const later = await schedule({
      resourceId: other,
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      endsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      reason: 'janela futura',
    });
    expect(later.active).toBe(false);

    expect((await graph(MAINTENANCE_OF, { id: covered }, 'viewer')).discoveredResource.inMaintenance).toBe(true);
    expect((await graph(MAINTENANCE_OF, { id: other }, 'viewer')).discoveredResource).toEqual({
      inMaintenance: false,
      maintenanceWindows: [{ windowId: later.windowId, active: false }],
    });
    const query = 'query SupList($t: String!, $a: Boolean) { discoveryMaintenanceWindows(totvsId: $t, activeOnly: $a) { windowId } }';
    expect((await graph(query, { t: totvsId }, 'viewer')).discoveryMaintenanceWindows).toEqual([{ windowId: own.windowId }]);
    expect((await graph(query, { t: totvsId, a: false }, 'viewer')).discoveryMaintenanceWindows).toEqual([
      { windowId: own.windowId },
      { windowId: later.windowId },
    ]);
  });

  it('reads windows of every resource of an environment in constant SQL', async () => {
    const query = `query SupStatements($t: String!) {
      discoveryEnvironment(totvsId: $t, name: "PRODUCAO") {
        resources { edges { node { inMaintenance maintenanceWindows { windowId environment { name } createdBy { username } } } } }
      }
    }`;
    const fill = async (count: number): Promise<string> => {
      const totvsId = await installation();
      await schedule({ totvsId, environment: 'PRODUCAO', endsAt: inOneHour(), reason: 'lote' });
      for (let i = 0; i < count; i++) {
        const id = await resource(totvsId, 20000 + i);
        await schedule({ resourceId: id, endsAt: inOneHour(), reason: `lote ${i}` }, i % 2 ? 'lead' : 'admin');
      }
      return totvsId;
    };
    const one = await statementsOf(server, query, { t: await fill(1) });
    const four = await statementsOf(server, query, { t: await fill(4) });
    const resources = four.data.discoveryEnvironment.resources.edges.map((e: Json) => e.node);
    expect(resources).toHaveLength(4);
    expect(resources.every((r: Json) => r.inMaintenance && r.maintenanceWindows.length === 2)).toBe(true);
    expect(four.statements).toBe(one.statements);
  });
});

describe('scheduling and cancelling: validation and roles', () => {
  it('refuses a window without exactly one subject, with a bad time span or an empty reason', async () => {
    const totvsId = await installation();
    const id = await resource(totvsId, (await listener()).port);
    const endsAt = inOneHour();
    const issuesOf = async (input: Json) => {
      const result = await schedule(input);
      expect(result.__typename, JSON.stringify(result)).toBe('ValidationError');
      expect(result.code).toBe('VALIDATION_FAILED');
      return result.issues.map((i: Json) => i.path);
    };
    expect(await issuesOf({ resourceId: id, totvsId, environment: 'PRODUCAO', endsAt, reason: 'x' })).toEqual(['resourceId']);
    expect(await issuesOf({ endsAt, reason: 'x' })).toEqual(['resourceId']);
    expect(await issuesOf({ totvsId, endsAt, reason: 'x' })).toEqual(['environment']);
    expect(await issuesOf({ resourceId: id, startsAt: endsAt, endsAt: new Date(Date.now() + 60_000).toISOString(), reason: 'x' })).toEqual(['endsAt']);
    expect(await issuesOf({ resourceId: id, startsAt: new Date(Date.now() - 7200_000).toISOString(), endsAt: new Date(Date.now() - 3600_000).toISOString(), reason: 'x' })).toEqual(['endsAt']);
    expect(await issuesOf({ resourceId: id, endsAt: new Date(Date.now() + 91 * 86_400_000).toISOString(), reason: 'x' })).toEqual(['endsAt']);
    expect(await issuesOf({ resourceId: id, endsAt, reason: '   ' })).toEqual(['reason']);
    expect(await issuesOf({ resourceId: id, endsAt, reason: 'x'.repeat(501) })).toEqual(['reason']);

    const unknown = await schedule({ resourceId: '00000000-0000-4000-8000-000000000000', endsAt, reason: 'x' });
    expect(unknown).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await schedule({ totvsId, environment: 'NOPE', endsAt, reason: 'x' })).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('lets ops leads and admins schedule and cancel, not ops or viewers; cancelling twice is an error', async () => {
    const totvsId = await installation();
    const input = { totvsId, environment: 'PRODUCAO', endsAt: inOneHour(), reason: 'manutenção' };
    for (const as of ['viewer', 'ops'] as const) {
      const res = await server.gql(SCHEDULE, { input }, { as });
      expect(res.errors?.[0]?.extensions?.code, as).toBe('FORBIDDEN');
    }
    const window = await schedule(input, 'admin');
    expect(window.__typename).toBe('MaintenanceWindow');
    const refused = await server.gql(CANCEL, { windowId: window.windowId }, { as: 'ops' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    expect((await graph(CANCEL, { windowId: window.windowId }, 'lead')).cancelDiscoveryMaintenance.__typename).toBe('MaintenanceWindow');
    const again = (await graph(CANCEL, { windowId: window.windowId }, 'lead')).cancelDiscoveryMaintenance;
    expect(again).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', issues: [{ path: 'windowId', message: 'the window was already cancelled' }] });
    expect((await graph(CANCEL, { windowId: 'not-a-window' }, 'lead')).cancelDiscoveryMaintenance).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('refuses to cancel a window that already ended', async () => {
    const totvsId = await installation();
    const window = await schedule({ totvsId, environment: 'PRODUCAO', endsAt: inOneHour(), reason: 'curta' });
    // No window can be scheduled in the past, so this one is made to have ended.
    await server.orm.em.getConnection().execute("update discovery_maintenance_windows set starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour' where uuid = ?", [window.windowId]);
    const ended = (await graph(CANCEL, { windowId: window.windowId }, 'lead')).cancelDiscoveryMaintenance;
    expect(ended).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'windowId', message: 'the window already ended' }] });
  });
});
