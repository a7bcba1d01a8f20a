import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from './helpers/factories.ts';
import { killServerProcesses, startServerProcess, type ServerProcess } from './helpers/server-process.ts';

/**
 * The job queue's own connections (pg-boss keeps a pool beside the ORM's) killed while the
 * server runs: once PostgreSQL takes connections again, runbooks requested afterwards still run
 * to the end and outbound deliveries still reach their receiver, in the same process, without a
 * restart.
 */

const appName = `opsgraph-queue-fault-${randomBytes(3).toString('hex')}`;
let admin: MikroORM | undefined;
let receiver: Server | undefined;
/** Timeline notes the outbound receiver got, by their text. */
const delivered: string[] = [];

afterAll(async () => {
  killServerProcesses();
  await admin?.close(true);
  receiver?.close();
});

/** An outbound webhook receiver on loopback that records the notes it is sent. */
async function startReceiver(): Promise<string> {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      const text = /"texto":"([^"]*)"/.exec(body)?.[1];
      if (text) delivered.push(text);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
}

type Json = Record<string, any>;

async function graph(server: ServerProcess, token: string | null, query: string, variables: Json = {}): Promise<Json> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Json;
}

async function newChamado(server: ServerProcess, token: string, domain: string): Promise<string> {
  const created = await graph(server, token, 'mutation Q($input: CreateChamadoInput!) { createChamado(input: $input) { ... on Chamado { publicId } } }', {
    input: { title: 'job queue fault', domain },
  });
  return created.data.createChamado.publicId as string;
}

/** Asks for the demo catalog's R0 runbook (a noop, queued at once) on a new chamado; its execution id. */
async function runDnsRecheck(server: ServerProcess, token: string): Promise<number> {
  const domain = `queue-${randomBytes(4).toString('hex')}.example.com`;
  const publicId = await newChamado(server, token, domain);
  const res = await fetch(`${server.url}/api/v1/chamados/${publicId}/runbooks/dns_recheck/executar`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ params: { domain } }),
  });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(202);
  return body.exec_id as number;
}

async function statusOf(server: ServerProcess, token: string, execId: number): Promise<string> {
  const res = await graph(server, token, 'query E($id: Int!) { execution(execId: $id) { status } }', { id: execId });
  return res.data?.execution?.status ?? `no answer: ${JSON.stringify(res.errors ?? res)}`;
}

describe('the job queue loses its database connections', () => {
  it('runs the runbooks and sends the outbound deliveries asked for afterwards, in the same process', async () => {
    admin = await MikroORM.init({ clientUrl: inject('databaseUrl'), entities: [], discovery: { warnWhenNoEntities: false } });
    const server = await startServerProcess({ PGAPPNAME: appName, RUNBOOK_WORKER: 'true', OUTBOUND_WORKER: 'true' });
    const login = await graph(server, null, 'mutation L { login(username: "ops", password: "opsgraph-ops") { ... on LoginPayload { token } } }');
    const token = login.data.login.token as string;
    const adminLogin = await graph(server, null, 'mutation L { login(username: "admin", password: "opsgraph-admin") { ... on LoginPayload { token } } }');
    const adminToken = adminLogin.data.login.token as string;

    // Outbound: a webhook for one chamado only (the database is shared with other test files).
    const watched = await newChamado(server, token, `queue-out-${randomBytes(4).toString('hex')}.example.com`);
    const hook = await graph(server, adminToken, 'mutation R($input: RegisterOutboundWebhookInput!) { registerOutboundWebhook(input: $input) { __typename } }', {
      input: { name: `queue-fault-${randomBytes(3).toString('hex')}`, url: await startReceiver(), secret: randomBytes(24).toString('hex'), filter: { chamadoPublicId: watched } },
    });
    expect(hook.data?.registerOutboundWebhook?.__typename, JSON.stringify(hook)).toBe('OutboundWebhook');
    const note = (texto: string) =>
      graph(server, token, 'mutation N($p: String!, $t: String!) { addChamadoNote(publicId: $p, texto: $t) { __typename } }', { p: watched, t: texto });

    const before = await runDnsRecheck(server, token);
    await waitFor('the first runbook', () => statusOf(server, token, before), (s) => s === 'sucesso', 20_000);
    await note('before the kills');
    await waitFor('the first outbound delivery', () => [...delivered], (d) => d.includes('before the kills'), 20_000);

    const killed: number[] = [];
    for (let round = 0; round < 2; round++) {
      const rows = await admin.em
        .getConnection()
        .execute<{ killed: boolean }[]>('select pg_terminate_backend(pid) as killed from pg_stat_activity where application_name = ?', [appName]);
      killed.push(rows.length);
      await delay(1500);
    }
    // The queue's connections were among them (pg-boss polls, so it holds at least one).
    expect(killed[0]).toBeGreaterThan(1);

    const after = await runDnsRecheck(server, token);
    await waitFor('a runbook asked for after the kills', () => statusOf(server, token, after), (s) => s === 'sucesso', 30_000, server.output);
    await note('after the kills');
    await waitFor('an outbound delivery after the kills', () => [...delivered], (d) => d.includes('after the kills'), 30_000, server.output);
    expect(server.alive()).toBe(true);
  }, 90_000);
});
