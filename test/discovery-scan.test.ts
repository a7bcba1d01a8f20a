import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Actor } from '../src/services/actor.ts';
import { readDiscoveryConfig, updateDiscoveryConfig } from '../src/services/discovery/config.ts';
import { guessByPort } from '../src/services/discovery/probes/port-table.ts';
import { closedPort, tcpListener, type TestListener } from './helpers/listeners.ts';
import { dataOf, startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/**
 * The admin scan against real listeners on 127.0.0.1: what listens is registered once, with the
 * port table's category; the network policy refuses a scan before any packet. Every test scans
 * into its own environment of its own installation (the database is shared), and the one test that
 * widens allowedNetworks puts the shared config row back in a finally.
 */

type Json = Record<string, any>;

const SCAN = `mutation DiscScan($input: ScanDiscoveryHostsInput!) {
  scanDiscoveryHosts(input: $input) {
    __typename
    ... on DiscoveryScanResult {
      probed durationMs
      listening { host port what category probe }
      registered { resourceId host port category description status }
      alreadyKnown { resourceId host port }
    }
    ... on NetworkNotAllowedError { hosts }
    ... on NotFoundError { resource key }
    ... on ValidationError { issues { path message } }
    ... on Error { code message }
  }
}`;

let server: TestServer;
let totvsId: string;
let listeners: TestListener[];
let open: number[];
let closed: number[];

const graph = (query: string, variables: Json = {}, as: TestUser = 'admin'): Promise<Json> => dataOf(server, query, variables, as);

async function scan(input: Json): Promise<Json> {
  return (await graph(SCAN, { input })).scanDiscoveryHosts;
}

/** A fresh environment of this file's installation. */
async function newEnvironment(): Promise<string> {
  const name = unique('ENV');
  const res = await graph('mutation DiscScanEnv($t: String!, $n: String!) { registerDiscoveryEnvironment(totvsId: $t, name: $n) { __typename } }', {
    t: totvsId,
    n: name,
  });
  expect(res.registerDiscoveryEnvironment.__typename).toBe('DiscoveryEnvironment');
  return name;
}

async function liveResourcesOf(environment: string): Promise<{ host: string; port: number }[]> {
  return server.orm.em.fork().execute(
    `select r.host, r.port from discovered_resources r join discovery_environments e on e.id = r.environment_id
     join discovery_installations i on i.id = e.installation_id
     where i.totvs_id = ? and e.name = ? and r.retired_at is null order by r.port`,
    [totvsId, environment],
  );
}

/** A loopback listener that counts the connections it is offered. */
async function countingListener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const listener: Server = createServer((socket) => {
    count += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return {
    port: (listener.address() as { port: number }).port,
    connections: () => count,
    close: () => new Promise((resolve) => listener.close(() => resolve())),
  };
}

beforeAll(async () => {
  server = await startTestServer();
  totvsId = unique('scan');
  const res = await graph('mutation DiscScanInst($input: RegisterDiscoveryInstallationInput!) { registerDiscoveryInstallation(input: $input) { __typename } }', {
    input: { totvsId },
  });
  expect(res.registerDiscoveryInstallation.__typename).toBe('DiscoveryInstallation');
  listeners = await Promise.all([tcpListener(), tcpListener(), tcpListener()]);
  open = listeners.map((l) => l.port).sort((a, b) => a - b);
  closed = [await closedPort(), await closedPort()];
});
afterAll(async () => {
  await Promise.all((listeners ?? []).map((l) => l.close()));
  await server?.close();
});

describe('scanDiscoveryHosts', () => {
  it('registers exactly what listens, filed by the port table; a second scan finds them known', async () => {
    const environment = await newEnvironment();
    const first = await scan({ totvsId, environment, hosts: ['127.0.0.1'], ports: [...open, ...closed] });
    expect(first.__typename).toBe('DiscoveryScanResult');
    expect(first.probed).toBe(5);
    expect(first.listening).toEqual(open.map((port) => ({ host: '127.0.0.1', port, what: 'unknown', category: 'server', probe: 'tcp' })));
    expect(first.registered.map((r: Json) => r.port).sort()).toEqual(open);
    for (const r of first.registered) {
      expect(r).toMatchObject({ host: '127.0.0.1', category: 'server', description: 'found by scan: unknown', status: 'success' });
    }
    expect(first.alreadyKnown).toEqual([]);

    const again = await scan({ totvsId, environment, hosts: ['127.0.0.1'], ports: [...open, ...closed] });
    expect(again.registered).toEqual([]);
    expect(again.alreadyKnown.map((r: Json) => r.resourceId).sort()).toEqual(first.registered.map((r: Json) => r.resourceId).sort());
    expect(await liveResourcesOf(environment)).toHaveLength(3);
  });

  it('files a well-known port by the table: the test database’s own PostgreSQL', async () => {
    const database = new URL(inject('databaseUrl'));
    const port = Number(database.port || 5432);
    expect(guessByPort(port)).toEqual({ what: 'postgresql', category: 'database', kind: 'tcp' });
    const environment = await newEnvironment();
    const res = await scan({ totvsId, environment, hosts: [database.hostname], ports: [port] });
    expect(res.listening).toEqual([{ host: database.hostname, port, what: 'postgresql', category: 'database', probe: 'tcp' }]);
    expect(res.registered).toMatchObject([{ host: database.hostname, port, category: 'database', description: 'found by scan: postgresql' }]);
    const [stored] = await server.orm.em.fork().execute<{ probe: string }[]>('select probe from discovered_resources where uuid = ?', [res.registered[0].resourceId]);
    expect(stored?.probe).toBe('tcp');
  });

  it('guesses category and probe from well-known ports; an unknown port is a server probed by a connect', () => {
    expect(guessByPort(5432)).toEqual({ what: 'postgresql', category: 'database', kind: 'tcp' });
    expect(guessByPort(3389)).toMatchObject({ category: 'machine', kind: 'tcp' });
    expect(guessByPort(443)).toMatchObject({ category: 'gateway', kind: 'https' });
    expect(guessByPort(5555)).toMatchObject({ category: 'lsv', kind: 'tcp' });
    expect(guessByPort(636)).toMatchObject({ category: 'server', kind: 'tls' });
    expect(guessByPort(open[0]!)).toEqual({ what: 'unknown', category: 'server', kind: 'tcp' });
  });

  it('never creates a listener twice when two scans of one environment run at once', async () => {
    const environment = await newEnvironment();
    const input = { totvsId, environment, hosts: ['127.0.0.1'], ports: [...open, ...closed] };
    const results = await Promise.all([scan(input), scan(input), scan(input)]);
    for (const r of results) expect(r.registered.length + r.alreadyKnown.length).toBe(3);
    const created = results.flatMap((r) => r.registered.map((x: Json) => x.resourceId));
    expect(new Set(created).size).toBe(3);
    expect(created).toHaveLength(3);
    expect((await liveResourcesOf(environment)).map((r) => r.port)).toEqual(open);
  });

  it('registers a name as given and expands a CIDR block into its addresses', async () => {
    const environment = await newEnvironment();
    const byName = await scan({ totvsId, environment, hosts: ['localhost'], ports: [open[0]!, closed[0]!] });
    expect(byName.registered).toMatchObject([{ host: 'localhost', port: open[0] }]);

    const byBlock = await scan({ totvsId, environment, hosts: ['127.0.0.1/30'], ports: [open[1]!, closed[0]!] });
    // 127.0.0.0/30 holds 127.0.0.1 and 127.0.0.2; only .1 has the listener.
    expect(byBlock.probed).toBe(4);
    expect(byBlock.listening).toEqual([{ host: '127.0.0.1', port: open[1], what: 'unknown', category: 'server', probe: 'tcp' }]);
    expect(byBlock.registered).toMatchObject([{ host: '127.0.0.1', port: open[1] }]);
  });

  it('refuses a scan reaching outside loopback before any packet, unless allowedNetworks holds the network', async () => {
    const environment = await newEnvironment();
    const watched = await countingListener();
    try {
      const started = performance.now();
      const refused = await scan({ totvsId, environment, hosts: ['127.0.0.1', '10.1.2.3'], ports: [watched.port] });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(refused).toMatchObject({ __typename: 'NetworkNotAllowedError', code: 'NETWORK_NOT_ALLOWED', hosts: ['10.1.2.3'] });
      expect(refused.message).toContain('10.1.2.3');
      expect(watched.connections()).toBe(0);
      expect(await liveResourcesOf(environment)).toEqual([]);

      const block = await scan({ totvsId, environment, hosts: ['10.9.9.0/24'], ports: [22] });
      expect(block).toMatchObject({ code: 'NETWORK_NOT_ALLOWED', hosts: ['10.9.9.0/24'] });
    } finally {
      await watched.close();
    }

    const [admin] = await server.orm.em.fork().execute<Actor[]>("select id, username, role from users where username = 'admin'");
    const before = await readDiscoveryConfig(server.orm.em.fork());
    try {
      await updateDiscoveryConfig(server.orm.em.fork(), admin!, { allowedNetworks: [...before.allowedNetworks, '10.0.0.0/8'], probeTimeoutMs: 300 });
      const allowed = await scan({ totvsId, environment, hosts: ['10.1.2.3'], ports: [closed[0]!] });
      expect(allowed).toMatchObject({ __typename: 'DiscoveryScanResult', probed: 1 });
    } finally {
      await updateDiscoveryConfig(server.orm.em.fork(), admin!, { allowedNetworks: before.allowedNetworks, probeTimeoutMs: before.probeTimeoutMs });
    }
  });

  it('answers VALIDATION_FAILED with the offending paths for bad or oversized input', async () => {
    const environment = await newEnvironment();
    const failing = async (input: Json): Promise<string[]> => {
      const res = await scan({ totvsId, environment, hosts: ['127.0.0.1'], ports: [open[0]!], ...input });
      expect(res.code, JSON.stringify(res)).toBe('VALIDATION_FAILED');
      return res.issues.map((i: Json) => i.path);
    };
    expect(await failing({ hosts: [] })).toEqual(['hosts']);
    expect(await failing({ ports: [] })).toEqual(['ports']);
    expect(await failing({ ports: [0, 80, 65536] })).toEqual(['ports.0', 'ports.2']);
    expect(await failing({ ports: Array.from({ length: 1025 }, (_, i) => i + 1) })).toEqual(['ports']);
    expect(await failing({ hosts: ['127.0.0.1', 'not a host', '127.0.0.0/23', '::1/120'] })).toEqual(['hosts.1', 'hosts.2', 'hosts.3']);
    expect(await failing({ hosts: ['127.0.1.0/24', '127.0.2.0/24'] })).toEqual(['hosts']);
    // 62 hosts × 300 ports = 18,600 pairs.
    expect(await failing({ hosts: ['127.0.3.0/26'], ports: Array.from({ length: 300 }, (_, i) => i + 1) })).toEqual(['ports']);
    expect(await failing({ hosts: [`${unique('nohost')}.invalid`] })).toEqual(['hosts.0']);
    expect(await liveResourcesOf(environment)).toEqual([]);
  });

  it('answers NOT_FOUND for an unknown installation or environment', async () => {
    const noEnv = await scan({ totvsId, environment: unique('NOPE'), hosts: ['127.0.0.1'], ports: [open[0]!] });
    expect(noEnv).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', resource: 'discovery environment' });
    const noInst = await scan({ totvsId: unique('nope'), environment: 'PRODUCAO', hosts: ['127.0.0.1'], ports: [open[0]!] });
    expect(noInst).toMatchObject({ code: 'NOT_FOUND', resource: 'discovery installation' });
  });

  it('is for admins only', async () => {
    const environment = await newEnvironment();
    const input = { totvsId, environment, hosts: ['127.0.0.1'], ports: open };
    for (const as of ['lead', 'ops', 'viewer'] as const) {
      const res = await server.gql(SCAN, { input }, { as });
      expect(res.errors?.[0]?.extensions?.code, as).toBe('FORBIDDEN');
    }
    expect((await server.gql(SCAN, { input })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await liveResourcesOf(environment)).toEqual([]);
  });
});
