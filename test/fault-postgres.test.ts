import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { ormOptions } from '../src/db/orm.ts';
import { unique } from './helpers/server.ts';
import { killServerProcesses, startServerProcess, type ServerProcess } from './helpers/server-process.ts';

/*
 * Every PostgreSQL connection of a running server killed (pg_terminate_backend from a separate
 * connection) while requests are being served. The server's connections are told apart from the
 * other test files' by their application_name (PGAPPNAME, which the pg driver reads).
 */

const appName = unique('opsgraph-fault');
let admin: MikroORM;
afterAll(async () => {
  killServerProcesses();
  await admin?.close(true);
});

interface Outcome {
  kind: 'query' | 'webhook';
  status: number;
  /** The GraphQL error codes of the answer; 'none' for an error without one. */
  codes: string[];
  ok: boolean;
}

async function chamadosAs(server: ServerProcess, token: string): Promise<Outcome> {
  try {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ chamados(first: 5) { edges { node { publicId } } } }' }),
    });
    const body = (await res.json().catch(() => ({}))) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    const codes = (body.errors ?? []).map((e) => e.extensions?.code ?? 'none');
    return { kind: 'query', status: res.status, codes, ok: res.status === 200 && codes.length === 0 && body.data != null };
  } catch {
    return { kind: 'query', status: 0, codes: [], ok: false };
  }
}

async function webhook(server: ServerProcess): Promise<Outcome> {
  try {
    const res = await fetch(`${server.url}/api/v1/webhooks/onboard`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': 'opsgraph-dev-webhook-secret' },
      body: JSON.stringify({ event: 'account.created', session_id: unique('sess'), domain: `${unique('pg')}.com.br`, data: {} }),
    });
    await res.text();
    return { kind: 'webhook', status: res.status, codes: [], ok: res.status === 202 };
  } catch {
    return { kind: 'webhook', status: 0, codes: [], ok: false };
  }
}

async function serverConnections(): Promise<number> {
  const rows = await admin.em.getConnection().execute<{ n: string }[]>('select count(*) as n from pg_stat_activity where application_name = ?', [appName]);
  return Number(rows[0]!.n);
}

describe('all PostgreSQL connections killed under load', () => {
  it('stays up, fails only the requests in flight, and recovers within seconds', async () => {
    admin = await MikroORM.init({ clientUrl: inject('databaseUrl'), entities: [], discovery: { warnWhenNoEntities: false } });
    const server = await startServerProcess({ PGAPPNAME: appName, RUNBOOK_WORKER: 'false' });
    const login = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { ... on LoginPayload { token } } }',
        variables: { u: 'viewer', p: 'opsgraph-viewer' },
      }),
    });
    const token = ((await login.json()) as { data: { login: { token: string } } }).data.login.token;

    // Load: queries and webhook deliveries, several at once, until told to stop.
    const outcomes: (Outcome & { at: number })[] = [];
    let running = true;
    const worker = async (i: number) => {
      while (running) {
        const outcome = i % 2 === 0 ? await chamadosAs(server, token) : await webhook(server);
        outcomes.push({ ...outcome, at: Date.now() });
      }
    };
    const workers = Array.from({ length: 8 }, (_, i) => worker(i));
    await delay(1000);
    expect(await serverConnections()).toBeGreaterThan(0);

    // Several rounds: a connection lost inside a transaction must not keep its pool slot (ten
    // such and the pool would serve nobody), so the last round recovers like the first.
    const kills: number[] = [];
    for (let round = 0; round < 4; round++) {
      kills.push(Date.now());
      await admin.em.getConnection().execute('select pg_terminate_backend(pid) from pg_stat_activity where application_name = ?', [appName]);
      await delay(round < 3 ? 1500 : 5000);
    }
    running = false;
    await Promise.all(workers);

    expect(server.alive(), server.output()).toBe(true);
    const before = outcomes.filter((o) => o.at < kills[0]!);
    const failed = outcomes.filter((o) => !o.ok);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((o) => o.ok), JSON.stringify(before.filter((o) => !o.ok))).toBe(true);
    // Only the requests in flight failed: a second after each kill everything answers again.
    const lastKill = kills.at(-1)!;
    const late = failed.filter((o) => !kills.some((k) => o.at >= k && o.at < k + 1000));
    if (late.length) console.log(server.log().filter((l) => l.level >= 40).map((l) => `${Number(l.time) - kills[0]!} ${l.msg} ${JSON.stringify(l.err ?? '').slice(0, 300)}`).join('\n'));
    expect(late, JSON.stringify(failed.map((o) => ({ ...o, at: o.at - kills[0]! })))).toEqual([]);
    expect(outcomes.filter((o) => o.at > lastKill + 1000 && o.ok).length).toBeGreaterThan(20);
    // The pool came back by itself.
    expect(await serverConnections()).toBeGreaterThan(0);
    expect((await (await fetch(`${server.url}/health`)).json()) as object).toMatchObject({ db: 'ok' });
    // Every request got an answer (none was dropped with its connection), and a failure says
    // "retry in a moment": 503, or a GraphQL error coded DATABASE_UNAVAILABLE — never a bare 500.
    for (const o of failed) {
      expect(o.status, JSON.stringify(o)).toBeGreaterThan(0);
      expect(o.status === 503 || o.codes.includes('DATABASE_UNAVAILABLE'), JSON.stringify(o)).toBe(true);
    }
  }, 60_000);
});

describe('PostgreSQL timeouts', () => {
  const timeoutsFrom = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env }).databaseTimeouts;
  const open = (url: string, env: Record<string, string>) => MikroORM.init(ormOptions(url, {}, timeoutsFrom(env)));

  it('a statement running longer than DB_STATEMENT_TIMEOUT is cancelled by the server', async () => {
    const orm = await open(inject('databaseUrl'), { DB_STATEMENT_TIMEOUT: '1s' });
    try {
      const started = Date.now();
      await expect(orm.em.getConnection().execute('select pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
      expect(Date.now() - started).toBeLessThan(3000);
      // Short statements are untouched.
      expect(await orm.em.getConnection().execute('select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await orm.close(true);
    }
  });

  it('a transaction left idle longer than DB_IDLE_IN_TRANSACTION_TIMEOUT is ended by the server, and its connection freed', async () => {
    const orm = await open(inject('databaseUrl'), { DB_IDLE_IN_TRANSACTION_TIMEOUT: '1s' });
    const forgotten = orm.em.fork().transactional(async (em) => {
      await em.getConnection().execute('select 1', [], 'all', em.getTransactionContext());
      await delay(2000);
      await em.getConnection().execute('select 1', [], 'all', em.getTransactionContext());
    });
    await expect(forgotten).rejects.toThrow();
    // The pool serves the next request on a fresh connection.
    expect(await orm.em.getConnection().execute('select 1 as one')).toEqual([{ one: 1 }]);
    // And the lost connection went back to the pool: closing it (which waits for every checked-out
    // connection) finishes. It used to wait forever, one slot of ten gone for good per such loss.
    expect(await Promise.race([orm.close(true).then(() => 'closed'), delay(3000).then(() => 'a connection is still checked out')])).toBe('closed');
  });

  it('a server that accepts but never answers fails the connection after DB_CONNECT_TIMEOUT', async () => {
    const silent = createServer(() => undefined).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const { port } = silent.address() as AddressInfo;
      const started = Date.now();
      await expect(
        open(`postgres://postgres@127.0.0.1:${port}/nothing`, { DB_CONNECT_TIMEOUT: '1s' }).then((orm) => orm.em.getConnection().execute('select 1')),
      ).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      silent.close();
    }
  });

  it('defaults: 5 s to connect, 30 s per statement, 60 s idle in a transaction', async () => {
    expect(timeoutsFrom({})).toEqual({ connectMs: 5000, statementMs: 30_000, idleInTransactionMs: 60_000 });
    const orm = await open(inject('databaseUrl'), {});
    try {
      const [row] = await orm.em
        .getConnection()
        .execute<{ statement: string; idle: string }[]>(
          "select current_setting('statement_timeout') as statement, current_setting('idle_in_transaction_session_timeout') as idle",
        );
      expect(row).toEqual({ statement: '30s', idle: '1min' });
    } finally {
      await orm.close(true);
    }
  });
});
