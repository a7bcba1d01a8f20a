import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpListener, tlsListener, type TestListener } from './helpers/listeners.ts';
import { selfSignedCert } from './helpers/tls-cert.ts';
import { liveFeeds, type Feed, type Json } from './helpers/live-feed.ts';
import { dataOf, startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/**
 * Issue 10 end to end, as an operator lives it: a listener closes, the monitor's checks turn its
 * resource danger after N of them, and that one status change is everywhere — a `discovery` event
 * in Discover and in a recurrence group, a chamado with a `down` infra block, and the
 * resourceHealthChanged subscription over graphql-ws and SSE. It comes back: success after M
 * passes, the same places say so, and the chamado nobody claimed resolves itself.
 */

let server: TestServer;
let listener: TestListener;
beforeAll(async () => {
  server = await startTestServer();
  listener = await tcpListener();
});
afterAll(async () => {
  await listener?.close();
  await server?.close();
});

const { wsClient, subscribeWs, subscribeSse } = liveFeeds({ timeoutMs: 10_000, quietMs: 400 });

const graph = (query: string, variables: Json = {}, as: TestUser = 'admin'): Promise<Json> => dataOf(server, query, variables, as);

async function register(): Promise<{ totvsId: string; resourceId: string }> {
  const totvsId = unique('e2e');
  await graph('mutation E2eInst($input: RegisterDiscoveryInstallationInput!) { registerDiscoveryInstallation(input: $input) { __typename } }', {
    input: { totvsId },
  });
  await graph('mutation E2eEnv($totvsId: String!) { registerDiscoveryEnvironment(totvsId: $totvsId, name: "PRODUCAO") { __typename } }', { totvsId });
  const data = await graph(
    `mutation E2eResource($input: RegisterDiscoveredResourceInput!) {
      registerDiscoveredResource(input: $input) { ... on DiscoveredResource { resourceId } ... on Error { code message } }
    }`,
    { input: { totvsId, environment: 'PRODUCAO', host: '127.0.0.1', port: listener.port, category: 'database', agent: unique('agent') } },
  );
  return { totvsId, resourceId: data.registerDiscoveredResource.resourceId };
}

async function check(resourceId: string, times: number): Promise<string> {
  let status = '';
  for (let i = 0; i < times; i++) {
    const data = await graph(
      'mutation E2eCheck($ids: [String!]!) { checkDiscoveredResources(resourceIds: $ids) { ... on DiscoveryCheckRun { resources { status } } } }',
      { ids: [resourceId] },
      'lead',
    );
    status = data.checkDiscoveredResources.resources[0].status;
  }
  return status;
}

const CHANGED = `subscription E2eHealth($filter: ResourceHealthChangedFilter, $after: ID) {
  resourceHealthChanged(filter: $filter, after: $after) { id changeId fromStatus toStatus reason detail suppressedBy resource { resourceId status } }
}`;

const CHANGES = `query E2eChanges($id: String!) {
  discoveredResource(resourceId: $id) {
    status down consecutiveFailures
    healthChanges { toStatus reason event { eventId source eventType alertStatus recurrenceKey chamado { publicId status origin infra { score status checks } } } }
  }
}`;

describe('a listener goes away and comes back', () => {
  it('is one status change in the subscription, Discover, a recurrence group and a chamado with its infra block', async () => {
    const { totvsId, resourceId } = await register();
    const token = await server.token('viewer');
    const ws = subscribeWs(wsClient(server, token), 'resourceHealthChanged', CHANGED, { filter: { resourceId } });
    const sse: Feed = subscribeSse(server, 'resourceHealthChanged', CHANGED, { filter: { totvsId, toStatus: 'danger' } }, token);
    await ws.quiet();
    await sse.quiet();

    expect(await check(resourceId, 1)).toBe('success');
    await listener.close();
    expect(await check(resourceId, 2)).toBe('success');
    expect(ws.items, 'two failures are not news').toHaveLength(0);
    expect(await check(resourceId, 1)).toBe('danger');

    const [down] = await ws.take(1);
    expect(down).toMatchObject({ fromStatus: 'success', toStatus: 'danger', reason: 'refused', suppressedBy: null, resource: { resourceId, status: 'danger' } });
    expect((await sse.take(1))[0]!.changeId).toBe(down!.changeId);

    const after = (await graph(CHANGES, { id: resourceId }, 'viewer')).discoveredResource;
    expect(after).toMatchObject({ status: 'danger', down: true, consecutiveFailures: 3 });
    const event = after.healthChanges[0].event;
    expect(event).toMatchObject({ source: 'discovery', eventType: 'resource.danger', alertStatus: 'firing' });
    expect(event.recurrenceKey).toBeTruthy();
    expect(event.chamado).toMatchObject({ status: 'novo', origin: 'discovery', infra: { score: '0/1', status: 'down' } });
    expect(event.chamado.infra.checks[0]).toMatchObject({ resourceId, check: 'tcp', passing: false, reason: 'refused' });

    const discover = await graph('query E2eDiscover($q: String!) { events(filter: { q: $q }, first: 5) { edges { node { eventId } } } }', {
      q: `source:discovery`,
    });
    expect(discover.events.edges.map((e: Json) => e.node.eventId)).toContain(event.eventId);
    const [group] = await server.orm.em
      .getConnection()
      .execute<{ occurrences: number }[]>('select occurrence_total as occurrences from recurrence_groups where recurrence_key = ?', [event.recurrenceKey]);
    expect(group).toEqual({ occurrences: 1 });

    await listener.reopen();
    expect(await check(resourceId, 1), 'one pass is not enough').toBe('danger');
    expect(await check(resourceId, 1)).toBe('success');
    const [, up] = await ws.take(2);
    expect(up).toMatchObject({ fromStatus: 'danger', toStatus: 'success', reason: null });
    await sse.quiet();
    expect(sse.items, 'the SSE feed was filtered to danger').toHaveLength(1);

    const back = (await graph(CHANGES, { id: resourceId }, 'viewer')).discoveredResource;
    const recovery = back.healthChanges[0].event;
    expect(recovery).toMatchObject({ eventType: 'resource.success', alertStatus: 'resolved', recurrenceKey: event.recurrenceKey });
    expect(recovery.chamado).toMatchObject({ publicId: event.chamado.publicId, status: 'resolvido', infra: { score: '1/1', status: 'ok' } });
  });

  it('replays missed changes from a cursor, and refuses a cursor of another type', async () => {
    const { resourceId } = await register();
    await listener.close();
    await check(resourceId, 3);
    await listener.reopen();
    await check(resourceId, 2);
    const changes = (await graph('query E2eAll($id: String!) { resourceHealthChanges(filter: { resourceId: $id }) { edges { node { id toStatus } } } }', { id: resourceId }))
      .resourceHealthChanges.edges.map((e: Json) => e.node);
    expect(changes.map((c: Json) => c.toStatus)).toEqual(['success', 'danger']);
    const token = await server.token('viewer');
    const replay = subscribeWs(wsClient(server, token), 'resourceHealthChanged', CHANGED, { filter: { resourceId }, after: changes[1].id });
    const [first] = await replay.take(1);
    expect(first!.toStatus).toBe('success');
    const wrong = subscribeWs(wsClient(server, token), 'resourceHealthChanged', CHANGED, { after: 'RXZlbnQ6MQ==' });
    await wrong.ended();
    expect(JSON.stringify(wrong.failure ?? wrong.errors)).toMatch(/ResourceHealthChange/);
  });
});

describe('TLS certificates, graded by the days they have left', () => {
  const DAY = 86_400_000;
  const certFor = (daysLeft: number) => selfSignedCert({ notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() + daysLeft * DAY + 3600_000) });

  it('passes 30 days, warns under 14, is danger under 7 (a chamado), and an expired one is down after N checks', async () => {
    const { totvsId } = await register();
    const listeners = await Promise.all([30, 10, 3, -2].map((days) => tlsListener(certFor(days))));
    try {
      const ids: string[] = [];
      for (const l of listeners) {
        const data = await graph(
          `mutation E2eTls($input: RegisterDiscoveredResourceInput!) {
            registerDiscoveredResource(input: $input) { ... on DiscoveredResource { resourceId } ... on Error { code message } }
          }`,
          { input: { totvsId, environment: 'PRODUCAO', host: '127.0.0.1', port: l.port, category: 'server', probe: 'tls' } },
        );
        ids.push(data.registerDiscoveredResource.resourceId);
      }
      const read = async (id: string) =>
        (await graph(
          `query E2eTlsRead($id: String!) { discoveredResource(resourceId: $id) {
            status certDaysLeft lastReason health { type message } healthChanges { toStatus event { eventType chamado { publicId } } }
          } }`,
          { id },
        )).discoveredResource;
      await check(ids[0]!, 1);
      expect(await read(ids[0]!)).toMatchObject({ status: 'success', certDaysLeft: 30, health: [] });
      await check(ids[1]!, 1);
      const warned = await read(ids[1]!);
      expect(warned).toMatchObject({ status: 'warning', certDaysLeft: 10, health: [{ type: 'warning', message: 'TLS certificate expires in 10 days (under 14)' }] });
      expect(warned.healthChanges[0].event).toMatchObject({ eventType: 'resource.warning', chamado: null });
      await check(ids[2]!, 1);
      const urgent = await read(ids[2]!);
      expect(urgent).toMatchObject({ status: 'danger', certDaysLeft: 3, health: [{ type: 'danger', message: 'TLS certificate expires in 3 days (under 7)' }] });
      expect(urgent.healthChanges[0].event.chamado?.publicId, 'danger opens a chamado').toMatch(/^CH-/);
      expect(await check(ids[3]!, 2)).toBe('success');
      expect(await check(ids[3]!, 1)).toBe('danger');
      expect(await read(ids[3]!)).toMatchObject({ certDaysLeft: -2, lastReason: 'tls_expired' });
    } finally {
      await Promise.all(listeners.map((l) => l.close()));
    }
  });
});
