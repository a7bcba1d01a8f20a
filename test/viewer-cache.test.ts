import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { ensureUser } from '../src/services/auth/accounts.ts';
import { LISTENER_APPLICATION_NAME, startViewerCache } from '../src/services/auth/viewer-cache.ts';
import type { Role } from '../entities/roles.ts';
import { eventually } from './helpers/eventually.ts';
import { scratchDatabase } from './helpers/scratch-database.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/*
 * Issue 12: a signed-in request costs no SQL for its viewer, and the cached viewer is dropped as
 * soon as PostgreSQL says the user changed, on every instance. Two API instances share a database
 * of their own here, so the LISTEN sessions found in pg_stat_activity are exactly theirs.
 */

const TYPENAME = 'query ViewerCacheTypename { __typename }';
/** Needs role ops: FORBIDDEN for a viewer, UNAUTHENTICATED for a token no longer honoured. */
const OPS_ONLY = 'query ViewerCacheOpsOnly { deadLetters(limit: 1) { __typename } }';
const LOGIN = 'mutation ViewerCacheLogin($u: String!, $p: String!) { login(username: $u, password: $p) { ... on LoginPayload { token } ... on Error { code } } }';

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  db = await scratchDatabase();
  const users: [string, Role][] = [
    ['vc-typename', 'ops'],
    ['vc-disable', 'ops'],
    ['vc-promote', 'viewer'],
    ['vc-kill', 'ops'],
    ['vc-after-kill', 'ops'],
  ];
  for (const [username, role] of users) {
    await ensureUser(db.orm.em.fork(), { username, password: `opsgraph-${username}`, fullName: username, role });
  }
  // One after the other: both would create the bootstrap admin in this empty database.
  a = await startTestServer({ DATABASE_URL: db.url });
  b = await startTestServer({ DATABASE_URL: db.url });
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await db?.drop();
});

async function tokenOf(username: string): Promise<string> {
  const res = await a.gql<{ login: { token?: string; code?: string } }>(LOGIN, { u: username, p: `opsgraph-${username}` });
  const token = res.data?.login.token;
  if (!token) throw new Error(`login as ${username} failed: ${JSON.stringify(res)}`);
  return token;
}

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
  code: string | undefined;
  statements: number;
}

async function ask(server: TestServer, token: string, query: string): Promise<Answer> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as Omit<Answer, 'code' | 'statements'>;
  return { ...body, code: body.errors?.[0]?.extensions?.code, statements: Number(res.headers.get('x-sql-statements')) };
}

const sql = (text: string, params: unknown[] = []) => db.orm.em.getConnection().execute(text, params);

async function listenerPids(): Promise<number[]> {
  const rows = await sql('select pid from pg_stat_activity where datname = current_database() and application_name = ?', [LISTENER_APPLICATION_NAME]);
  return (rows as { pid: number }[]).map((r) => r.pid);
}

describe('the viewer of a bearer token', () => {
  it('costs no SQL once cached: `{ __typename }` sends no statement from the second request on', async () => {
    const token = await tokenOf('vc-typename');
    const first = await ask(a, token, TYPENAME);
    const second = await ask(a, token, TYPENAME);
    expect(first.data).toEqual({ __typename: 'Query' });
    expect(first.statements).toBe(1);
    expect(second.data).toEqual({ __typename: 'Query' });
    expect(second.statements).toBe(0);
  });

  it('is refused by the other instance within 1 s once the user is disabled with SQL', async () => {
    const token = await tokenOf('vc-disable');
    await ask(b, token, TYPENAME);
    expect((await ask(b, token, TYPENAME)).statements).toBe(0); // b answers from its cache now
    expect((await ask(b, token, OPS_ONLY)).errors).toBeUndefined();

    await sql("update users set disabled = true where username = 'vc-disable'");
    const started = Date.now();
    await eventually('instance b refusing the disabled user', async () => (await ask(b, token, OPS_ONLY)).code === 'UNAUTHENTICATED', 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await ask(a, token, OPS_ONLY)).code).toBe('UNAUTHENTICATED');
  });

  it('changes role at once on both instances: a role-gated field flips', async () => {
    const token = await tokenOf('vc-promote');
    for (const server of [a, b]) {
      await ask(server, token, TYPENAME);
      expect((await ask(server, token, TYPENAME)).statements).toBe(0);
      expect((await ask(server, token, OPS_ONLY)).code).toBe('FORBIDDEN');
    }

    // The notification travels through PostgreSQL to each instance in milliseconds; nothing
    // waits for the entry to expire.
    await sql("update users set role = 'ops' where username = 'vc-promote'");
    for (const server of [b, a]) {
      const promoted = await eventually('the promotion seen', async () => {
        const answer = await ask(server, token, OPS_ONLY);
        return answer.errors ? null : answer;
      }, 1_000);
      expect(promoted.data).toEqual({ deadLetters: expect.any(Array) });
    }

    await sql("update users set role = 'viewer' where username = 'vc-promote'");
    for (const server of [b, a]) {
      await eventually('the demotion seen', async () => (await ask(server, token, OPS_ONLY)).code === 'FORBIDDEN', 1_000);
    }
  });

  it('never answers from a stale cache while the LISTEN session is down, and listens again', async () => {
    const token = await tokenOf('vc-kill');
    const fresh = await tokenOf('vc-after-kill');
    for (const server of [a, b]) {
      await ask(server, token, TYPENAME);
      expect((await ask(server, token, TYPENAME)).statements).toBe(0);
    }
    const killed = await listenerPids();
    expect(killed).toHaveLength(2);

    // New sessions are refused for a while, so the outage lasts: the pools keep the connections
    // they have, the listeners cannot come back, and the change below is announced to nobody.
    const database = new URL(db.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: Object.assign(new URL(db.url), { pathname: '/postgres' }).toString() });
    await admin.connect();
    try {
      await admin.query(`alter database "${database}" allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where pid = any($1::int[])', [killed]);
      await eventually('the listeners gone', async () => (await listenerPids()).length === 0, 5_000);
      await sql("update users set disabled = true where username = 'vc-kill'");
      for (const server of [a, b]) {
        expect((await ask(server, token, OPS_ONLY)).code).toBe('UNAUTHENTICATED');
        // Untrusted, the cache is bypassed: the viewer is read for every request.
        expect((await ask(server, fresh, TYPENAME)).statements).toBe(1);
        expect((await ask(server, fresh, TYPENAME)).statements).toBe(1);
      }
    } finally {
      await admin.query(`alter database "${database}" allow_connections true`);
      await admin.end();
    }

    await eventually('both instances listening again', async () => (await listenerPids()).length === 2, 15_000);
    for (const server of [a, b]) {
      expect((await ask(server, token, OPS_ONLY)).code).toBe('UNAUTHENTICATED');
      await ask(server, fresh, TYPENAME);
      expect((await ask(server, fresh, TYPENAME)).statements).toBe(0);
    }
  });
});

describe('the LISTEN session', () => {
  it('is logged once when lost and once when back, and bypasses the cache in between', async () => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const servers = await listenerPids();
    // Reconnects 2 s after the loss: long enough for the two reads below to see the bypass on a busy machine.
    const cache = await startViewerCache(db.url, createLogger('info', sink), { retryMinMs: 2_000, retryMaxMs: 2_000 });
    try {
      expect(cache.trusted).toBe(true);
      const id = ((await sql("select id from users where username = 'vc-typename'")) as { id: number }[])[0]!.id;
      let reads = 0;
      const em = () => {
        reads += 1;
        return db.orm.em.fork();
      };
      await cache.actor(id, em);
      await cache.actor(id, em);
      expect(reads).toBe(1);

      const own = (await listenerPids()).filter((pid) => !servers.includes(pid));
      expect(own).toHaveLength(1);
      await sql('select pg_terminate_backend(?)', [own[0]]);
      await eventually('the cache to stop trusting itself', async () => !cache.trusted, 5_000);
      await cache.actor(id, em);
      await cache.actor(id, em);
      expect(reads).toBe(3);

      await eventually('the cache to listen again', async () => cache.trusted, 15_000);
      await cache.actor(id, em);
      await cache.actor(id, em);
      expect(reads).toBe(4);
      expect(lines.filter((l) => l.msg.startsWith('viewer cache:')).map((l) => l.level)).toEqual([40, 30]);
    } finally {
      await cache.stop();
    }
  });
});
