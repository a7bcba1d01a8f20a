import { createRequire } from 'node:module';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { exportProbeResults } from '../src/edge/http/probe-metrics.ts';
import { createLogger } from '../src/logger.ts';
import { createChamado } from './helpers/fixtures.ts';
import { newDomain, postWebhook, withIds } from './helpers/factories.ts';
import { closedPort, httpsListener, tcpListener, type TestListener } from './helpers/listeners.ts';
import { dataOf, startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';
import { statementsOf } from './helpers/sql-statements.ts';
import { selfSignedCert } from './helpers/tls-cert.ts';

/**
 * A chamado's `infra` block (DOMAIN.md "Discovered resources") from the resources linked to its
 * domain, agent or outage, through real probes of loopback listeners run by checkDiscoveredResources;
 * and /metrics serving the probe results in blackbox_exporter's names, read back with a Prometheus
 * text parser. Every test registers its own installation and agents (the database is shared).
 */

type Json = Record<string, any>;

interface MetricFamily {
  name: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}
// The parser ships no type declarations; this is the part of its output the tests read.
const parsePrometheusText = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => MetricFamily[];

const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.wazuh!;

let server: TestServer;
let totvsId: string;
const listeners: TestListener[] = [];

beforeAll(async () => {
  server = await startTestServer();
  totvsId = unique('infra');
  await graph(`mutation InfraInstallation($input: RegisterDiscoveryInstallationInput!) {
    registerDiscoveryInstallation(input: $input) { __typename }
  }`, { input: { totvsId } });
  await graph(`mutation InfraEnvironment($totvsId: String!) { registerDiscoveryEnvironment(totvsId: $totvsId, name: "PRODUCAO") { __typename } }`, {
    totvsId,
  });
});
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  await server?.close();
});

const graph = (query: string, variables: Json = {}, as: TestUser = 'admin'): Promise<Json> => dataOf(server, query, variables, as);

/** Every port handed out here or a resource of this file was registered at (resource() adds each). */
const portsTaken = new Set<number>();
/**
 * A closed port no resource of this file has yet: the OS can hand closedPort() a free port it
 * handed before, or one a listener of an earlier test had (closed since), and a second resource at
 * localhost:<port> is ALREADY_EXISTS.
 */
async function unusedClosedPort(): Promise<number> {
  for (;;) {
    const port = await closedPort();
    if (portsTaken.has(port)) continue;
    portsTaken.add(port);
    return port;
  }
}

/** Registers a resource in this file's installation; returns its public id. */
async function resource(input: Json): Promise<string> {
  if (typeof input.port === 'number') portsTaken.add(input.port);
  const data = await graph(
    `mutation InfraResource($input: RegisterDiscoveredResourceInput!) {
      registerDiscoveredResource(input: $input) { __typename ... on DiscoveredResource { resourceId } ... on Error { code message } }
    }`,
    { input: { totvsId, environment: 'PRODUCAO', category: 'server', ...input } },
  );
  expect(data.registerDiscoveredResource.__typename, JSON.stringify(data)).toBe('DiscoveredResource');
  return data.registerDiscoveredResource.resourceId;
}

/** One monitor run over these resources, as an ops lead would start it. */
async function check(resourceIds: string[]): Promise<Json> {
  const data = await graph(
    `mutation InfraCheck($ids: [String!]!) {
      checkDiscoveredResources(resourceIds: $ids) { __typename ... on DiscoveryCheckRun { checked passed failed } ... on Error { code message } }
    }`,
    { ids: resourceIds },
    'lead',
  );
  expect(data.checkDiscoveredResources.checked, JSON.stringify(data)).toBe(resourceIds.length);
  return data.checkDiscoveredResources;
}

/** A Wazuh alert from this agent opens a chamado carrying it as an `agent` observable (and nothing else to link by). */
async function chamadoOfAgent(agent: string, project?: string): Promise<string> {
  const { body } = withIds('wazuh-brute-force', { agent });
  delete body.agent.ip;
  delete body.data.srcip;
  const res = await postWebhook(server, project ? `wazuh?project_id=${project}` : 'wazuh', body, SECRET);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.chamado_public_id, JSON.stringify(res.body)).toMatch(/^CH-/);
  return res.body.chamado_public_id;
}

async function infraOf(publicId: string): Promise<Json | null> {
  const data = await graph(`query InfraOf($id: String!) { chamado(publicId: $id) { infra { score status checks } } }`, { id: publicId }, 'viewer');
  return data.chamado.infra;
}

/** GET /metrics, parsed, with the statements the scrape cost. */
async function scrape(): Promise<{ families: MetricFamily[]; statements: string | null }> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  return { families: parsePrometheusText(await res.text()), statements: res.headers.get('x-sql-statements') };
}

function samples(families: MetricFamily[], name: string, resourceId: string): { value: number; labels: Record<string, string> }[] {
  const family = families.find((f) => f.name === name);
  return (family?.metrics ?? [])
    .filter((m) => m.labels?.resource_id === resourceId)
    .map((m) => ({ value: Number(m.value), labels: m.labels! }));
}

describe('the infra block of a chamado', () => {
  it('sums the latest checks of the resources linked by agent: ok, degraded after one failure, down after three', async () => {
    const agent = unique('vm-infra');
    const db = await tcpListener();
    const notAfter = new Date(Math.floor(Date.now() / 1000 + 90 * 86_400) * 1000);
    const web = await httpsListener(selfSignedCert({ notBefore: new Date(Date.now() - 86_400_000), notAfter }));
    listeners.push(db, web);
    const dbId = await resource({ host: 'localhost', port: db.port, category: 'database', agent });
    const webId = await resource({ host: '127.0.0.1', port: web.port, category: 'gateway', agent });
    // An ephemeral port is a plain connect by the port table; the graph does not set the probe kind yet.
    await server.orm.em.getConnection().execute(`update discovered_resources set probe = 'https' where uuid = ?`, [webId]);
    const publicId = await chamadoOfAgent(agent);

    expect(await check([dbId, webId])).toMatchObject({ passed: 2, failed: 0 });
    const ok = (await infraOf(publicId))!;
    expect(ok).toMatchObject({ score: '5/5', status: 'ok' });
    expect(ok.checks.map((c: Json) => `${c.host}:${c.check}`).sort()).toEqual(
      ['127.0.0.1:http', '127.0.0.1:tcp', '127.0.0.1:tls', 'localhost:dns', 'localhost:tcp'].sort(),
    );
    const http = ok.checks.find((c: Json) => c.check === 'http');
    expect(http).toMatchObject({ resourceId: webId, port: web.port, category: 'gateway', resourceStatus: 'success', passing: true, reason: null, value: 200 });
    expect(http.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(http.checkedAt)).toBeGreaterThan(Date.now() - 60_000);

    await db.close();
    expect(await check([dbId, webId])).toMatchObject({ passed: 1, failed: 1 });
    const degraded = (await infraOf(publicId))!;
    expect(degraded).toMatchObject({ score: '4/5', status: 'degraded' });
    expect(degraded.checks.find((c: Json) => c.resourceId === dbId && c.check === 'tcp')).toMatchObject({
      passing: false,
      reason: 'refused',
      resourceStatus: 'success', // one failure is not yet an outage
    });

    await check([dbId]);
    await check([dbId]);
    const down = (await infraOf(publicId))!;
    expect(down).toMatchObject({ score: '4/5', status: 'down' });
    expect(down.checks.find((c: Json) => c.resourceId === dbId && c.check === 'tcp').resourceStatus).toBe('danger');

    // The REST shim serves the same block.
    const detail = await server.rest('GET', `/api/v1/chamados/${publicId}`, { as: 'ops' });
    expect(detail.status).toBe(200);
    expect(detail.body.infra).toEqual(down);
  });

  it('links a host of the customer\'s domain without a check: its status counts, its score is empty', async () => {
    const domain = newDomain('infra');
    const other = newDomain('infra-none');
    await resource({ host: `db.${domain}`, port: 1433, category: 'database', status: 'danger' });
    await resource({ host: `x${domain}`, port: 1433, category: 'database' }); // not a host of the domain
    const { publicId } = await createChamado(server, { domain });
    const { publicId: unlinked } = await createChamado(server, { domain: other });
    expect(await infraOf(publicId)).toEqual({ score: '0/0', status: 'down', checks: [] });
    expect(await infraOf(unlinked)).toBeNull();
  });

  it('the chamado a resource\'s outage opened links that resource, not every loopback one', async () => {
    const port = await unusedClosedPort();
    const id = await resource({ host: 'localhost', port });
    for (let i = 0; i < 3; i++) await check([id]);
    const [opened] = await server.orm.em.getConnection().execute<{ publicId: string }[]>(
      `select c.public_id as "publicId" from events e join chamados c on c.id = e.chamado_id
       where e.source = 'discovery' and e.fingerprint = ? order by e.id limit 1`,
      [`discovery:${id}`],
    );
    expect(opened, 'the outage opened a chamado').toBeDefined();
    const infra = (await infraOf(opened!.publicId))!;
    expect(infra).toMatchObject({ score: '1/2', status: 'down' });
    expect(new Set(infra.checks.map((c: Json) => c.resourceId))).toEqual(new Set([id]));
  });

  it('costs the same statements for 10 chamados as for 2', async () => {
    const project = unique('infra-p');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const agent = unique(`vm-list${i}`);
      ids.push(await resource({ host: 'localhost', port: await unusedClosedPort(), agent }));
      await chamadoOfAgent(agent, project);
    }
    await check(ids);
    const query = `query InfraList($first: Int!, $project: String!) {
      chamados(first: $first, filter: { projectId: $project }) { edges { node { publicId infra { score status checks } } } }
    }`;
    const two = await statementsOf(server, query, { first: 2, project });
    const ten = await statementsOf(server, query, { first: 10, project });
    expect(ten.data.chamados.edges).toHaveLength(10);
    for (const { node } of ten.data.chamados.edges) expect(node.infra).toMatchObject({ score: '1/2', status: 'degraded' });
    expect(ten.statements).toBe(two.statements);
  });
});

describe('/metrics', () => {
  it('serves probe_success, probe_duration_seconds, the certificate expiry and the HTTP status per resource, in one statement', async () => {
    const agent = unique('vm-metrics');
    const plain = await tcpListener();
    const notAfter = new Date(Math.floor(Date.now() / 1000 + 60 * 86_400) * 1000);
    const secure = await httpsListener(selfSignedCert({ notBefore: new Date(Date.now() - 86_400_000), notAfter }));
    listeners.push(plain, secure);
    const plainId = await resource({ host: 'localhost', port: plain.port, category: 'lsv', agent });
    const secureId = await resource({ host: '127.0.0.1', port: secure.port, category: 'gateway' });
    const neverChecked = await resource({ host: 'localhost', port: await unusedClosedPort() });
    await server.orm.em.getConnection().execute(`update discovered_resources set probe = 'https' where uuid = ?`, [secureId]);
    await check([plainId, secureId]);

    const first = await scrape();
    expect(first.statements).toBe('1');
    expect(samples(first.families, 'probe_success', plainId)).toEqual([
      {
        value: 1,
        labels: { resource_id: plainId, totvs_id: totvsId, environment: 'PRODUCAO', host: 'localhost', port: String(plain.port), category: 'lsv', probe: 'tcp' },
      },
    ]);
    expect(samples(first.families, 'probe_success', secureId).map((s) => [s.value, s.labels.probe])).toEqual([[1, 'https']]);
    for (const id of [plainId, secureId]) {
      const [duration] = samples(first.families, 'probe_duration_seconds', id);
      expect(duration!.value).toBeGreaterThanOrEqual(0);
      expect(duration!.value).toBeLessThan(5);
    }
    expect(samples(first.families, 'probe_ssl_earliest_cert_expiry', secureId).map((s) => s.value)).toEqual([notAfter.getTime() / 1000]);
    expect(samples(first.families, 'probe_ssl_earliest_cert_expiry', plainId)).toEqual([]);
    expect(samples(first.families, 'probe_http_status_code', secureId).map((s) => s.value)).toEqual([200]);
    expect(samples(first.families, 'probe_http_status_code', plainId)).toEqual([]);
    expect(samples(first.families, 'probe_success', neverChecked)).toEqual([]);

    await plain.close();
    await check([plainId]);
    const after = await scrape();
    expect(samples(after.families, 'probe_success', plainId).map((s) => s.value)).toEqual([0]);
    expect(samples(after.families, 'probe_success', secureId).map((s) => s.value)).toEqual([1]);
  });

  it('answers without the probe series when their statement fails, and with them again once it runs', async () => {
    // A real database without the inventory's tables: the statement fails there as it would on an outage.
    const elsewhere = new URL(inject('databaseUrl'));
    elsewhere.pathname = '/postgres';
    const bare = await MikroORM.init({ clientUrl: elsewhere.toString(), entities: [], discovery: { warnWhenNoEntities: false } });
    try {
      exportProbeResults(bare, createLogger('silent'));
      const broken = await scrape();
      expect(broken.families.find((f) => f.name === 'opsgraph_sql_statements_total')).toBeDefined();
      expect(broken.families.find((f) => f.name === 'probe_success')?.metrics ?? []).toEqual([]);
    } finally {
      exportProbeResults(server.orm, createLogger('silent'));
      await bare.close(true);
    }
    const { families } = await scrape();
    expect(families.find((f) => f.name === 'probe_success')?.metrics.length).toBeGreaterThan(0);
  });
});
