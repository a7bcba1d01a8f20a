import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/boot.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { scratchDatabase } from './helpers/scratch-database.ts';

/*
 * Secrets never reach a log line or a response, even when things go wrong: a server whose
 * DATABASE_URL carries a password has its connections killed under load (a database fault) and
 * is sent a login with a wrong password; every line it logs, at debug level, and every answer it
 * gives are searched for each secret it holds and for the wrong password.
 *
 * The server trusts local connections, so the role's password is never checked; what matters is
 * that the string is in the URL the server was given.
 */

const hex = () => randomBytes(8).toString('hex');
const SECRETS = {
  databasePassword: `dbpw${hex()}`,
  jwtSecret: `jwt-secret-${hex()}`,
  webhookSecret: `webhook-secret-${hex()}`,
  operatorKey: `operator-key-${hex()}`,
  opsSecret: `ops-secret-${hex()}`,
  adminPassword: `admin-pw-${hex()}`,
  runbookHmacSecret: `runbook-hmac-${hex()}`,
  wrongPassword: `wrong-pw-${hex()}`,
};
// A role name of its own: the fault kills this role's connections only, never another file's.
const ROLE = `opsgraph_secret_${hex()}`;

const lines: string[] = [];
const answers: string[] = [];
let db: { url: string; orm: MikroORM; drop: () => Promise<void> };
let running: RunningServer;

/** Sends a request and keeps its status line, headers and body for the final search. */
async function call(path: string, init: RequestInit): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(`${running.url}${path}`, init);
    const text = await res.text();
    answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    return { status: res.status, text };
  } catch (err) {
    answers.push(String(err));
    return { status: 0, text: String(err) };
  }
}

const graphql = (query: string, variables: Record<string, unknown>, token?: string) =>
  call('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });

const LOGIN = 'mutation SecretLogin($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on LoginPayload { token } ... on Error { code message } } }';

beforeAll(async () => {
  db = await scratchDatabase();
  const conn = db.orm.em.getConnection();
  // Superuser so pg-boss can create its schema; trust auth ignores the password anyway.
  await conn.execute(`create role "${ROLE}" login superuser password '${SECRETS.databasePassword}'`);
  const url = new URL(db.url);
  url.username = ROLE;
  url.password = SECRETS.databasePassword;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url.toString(),
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: SECRETS.jwtSecret,
    WEBHOOK_SECRET: SECRETS.webhookSecret,
    OPERATOR_KEY: SECRETS.operatorKey,
    OPS_SECRET: SECRETS.opsSecret,
    ADMIN_PASSWORD: SECRETS.adminPassword,
    RUNBOOK_HMAC_SECRET: SECRETS.runbookHmacSecret,
  });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  running = await startServer(config, createLogger('debug', sink));
}, 60_000);

afterAll(async () => {
  await stopServer();
  // What the role created (pg-boss's schema) goes with it; it owns nothing outside this database.
  await db?.orm.em.getConnection().execute(`drop owned by "${ROLE}"; drop role if exists "${ROLE}"`);
  await db?.drop();
});

let stopped: Promise<void> | undefined;
const stopServer = () => (stopped ??= running?.close());

async function killServerConnections(): Promise<number> {
  const killed = await db.orm.em
    .getConnection()
    .execute<{ pid: number }[]>(`select pg_terminate_backend(pid) as pid from pg_stat_activity where usename = '${ROLE}'`);
  return killed.length;
}

describe('secrets in logs and responses', () => {
  it('a failed login, and a database fault under load, leak no secret and not the wrong password', async () => {
    const failed = await graphql(LOGIN, { u: 'admin', p: SECRETS.wrongPassword });
    expect(failed.text).toContain('INVALID_CREDENTIALS');
    await call('/discovery/v1/authentication', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: SECRETS.wrongPassword }),
    });
    const ok = await graphql(LOGIN, { u: 'admin', p: SECRETS.adminPassword });
    const token = JSON.parse(ok.text).data.login.token as string;
    expect(token).toBeTruthy();

    // Requests that need the database, in flight while its connections are killed, round after round.
    let killed = 0;
    let unavailable = 0;
    for (let round = 0; round < 5; round++) {
      const load = Array.from({ length: 6 }, (_, i) =>
        i % 3 === 0
          ? graphql(LOGIN, { u: 'admin', p: SECRETS.wrongPassword })
          : i % 3 === 1
            ? call('/api/v1/chamados', { headers: { authorization: `Bearer ${token}` } })
            : call('/api/v1/webhooks/events', {
                method: 'POST',
                headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRETS.webhookSecret },
                body: JSON.stringify({ source: 'support', event_type: 'fault-probe', id: hex() }),
              }),
      );
      killed += await killServerConnections();
      const results = await Promise.all(load);
      unavailable += results.filter((r) => r.status === 503).length;
      // A lost connection is a 503 to retry, never a 500 (whose masked body would hide nothing anyway).
      expect(results.filter((r) => r.status >= 500 && r.status !== 503).map((r) => r.text)).toEqual([]);
    }
    expect(killed, 'the fault reached the server').toBeGreaterThan(0);
    // The server must also have written something about it (else the search below proves nothing).
    await stopServer();
    const errorLines = lines.filter((l) => /"level":(50|40)/.test(l));
    expect(errorLines.length + unavailable, 'the fault was seen and logged').toBeGreaterThan(0);

    const everything = [...lines, ...answers];
    for (const [name, secret] of Object.entries(SECRETS)) {
      const leaks = everything.filter((text) => text.includes(secret));
      expect(leaks, `${name} appears in: ${leaks[0]?.slice(0, 400)}`).toEqual([]);
    }
    // The password is not leaked URL-encoded or as its URL either.
    expect(everything.filter((t) => t.includes(`${ROLE}:`))).toEqual([]);
  }, 90_000);
});
