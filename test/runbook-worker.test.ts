import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { MikroORM } from '@mikro-orm/postgresql';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/orm.ts';
import { ensureUser } from '../src/services/auth/accounts.ts';
import { DEMO_USERS } from '../src/demo/demo-seed.ts';
import { createChamado } from './helpers/fixtures.ts';
import { waitFor as poll } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * The runbook worker end to end: executions requested over REST, run by the real pg-boss worker
 * with the real executors — http against a node:http server on an ephemeral port, command with
 * /bin/sh scripts in a temporary RUNBOOK_COMMAND_DIR — and a standalone worker process killed with
 * SIGKILL mid-execution, then replaced.
 *
 * This file runs on a database of its own (created here, dropped at the end). The run's shared
 * database has one pg-boss queue that every test file's in-process worker consumes, each with the
 * default RUNBOOK_COMMAND_DIR: a job of ours could be taken by a worker that cannot see our scripts,
 * and the queue's heartbeat/retry settings are fixed by whichever server created it first.
 */

type Json = Record<string, any>;

const HEARTBEAT_SECONDS = '10';
const RETRY_LIMIT = '1';
const TERMINAL = ['sucesso', 'falha', 'timeout', 'rejeitado', 'cancelado', 'expirado', 'handoff'];
const HMAC_SECRET = loadConfig({ NODE_ENV: 'test' }).runbooks.hmacSecret;
const OPEN_PARAMS = {
  type: 'object',
  properties: { domain: { type: 'string' }, note: { type: 'string' } },
  additionalProperties: false,
};

let dir: string; // RUNBOOK_COMMAND_DIR
let databaseUrl: string;
let admin: MikroORM; // on the run's shared database, to create and drop ours
let dbName: string;

const SCRIPTS: Record<string, string> = {
  'ok.sh': `#!/bin/sh
echo "argc=$# domain=$1 note=$2"
echo "exec=$OPSGRAPH_EXEC_ID runbook=$OPSGRAPH_RUNBOOK attempt=$OPSGRAPH_ATTEMPT"
echo "a warning" >&2
exit 0
`,
  'fail.sh': `#!/bin/sh
echo "checking $1"
echo "cannot reach $1" >&2
exit 3
`,
  'slow.sh': `#!/bin/sh
echo $$ > "slow-$OPSGRAPH_EXEC_ID.pid"
echo "sleeping"
sleep 30
echo "woke up"
`,
  // First run: leaves a marker (its own pid, which is its process group), then sleeps a minute.
  // A later run of the same execution finds the marker and finishes at once.
  'crashy.sh': `#!/bin/sh
marker="crashy-$OPSGRAPH_EXEC_ID.marker"
if [ -e "$marker" ]; then
  echo "second run (attempt $OPSGRAPH_ATTEMPT)"
  exit 0
fi
echo $$ > "$marker"
echo "first run (attempt $OPSGRAPH_ATTEMPT)"
sleep 60
echo "first run finished"
`,
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'opsgraph-rbw-'));
  for (const [name, text] of Object.entries(SCRIPTS)) {
    await writeFile(path.join(dir, name), text);
    await chmod(path.join(dir, name), 0o755);
  }

  const shared = new URL(inject('databaseUrl'));
  dbName = `${shared.pathname.slice(1)}_rbw_${randomBytes(3).toString('hex')}`.slice(0, 63);
  admin = await MikroORM.init({ clientUrl: shared.toString(), entities: [], discovery: { warnWhenNoEntities: false } });
  await admin.em.getConnection().execute(`create database "${dbName}"`);
  const own = new URL(shared);
  own.pathname = `/${dbName}`;
  databaseUrl = own.toString();
  const orm = await openDatabase(databaseUrl);
  for (const u of DEMO_USERS) {
    await ensureUser(orm.em.fork(), { ...u, password: `opsgraph-${u.username}`, email: `${u.username}@opsgraph.test` });
  }
  await orm.close(true);
});

afterAll(async () => {
  if (admin) {
    await admin.em.getConnection().execute(`drop database if exists "${dbName}" with (force)`);
    await admin.close(true);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The env of a server (or worker) on this file's database and command dir. */
function runbookEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    RUNBOOK_COMMAND_DIR: dir,
    RUNBOOK_HEARTBEAT_SECONDS: HEARTBEAT_SECONDS,
    RUNBOOK_RETRY_LIMIT: RETRY_LIMIT,
    ...extra,
  };
}

/** Helpers bound to whichever server a describe block runs. */
function client(getServer: () => TestServer) {
  async function execution(execId: number): Promise<Json> {
    const res = await getServer().gql(
      `query RbwExec($id: Int!) {
        execution(execId: $id) { execId status output attempt error exitCode httpStatus startedAt finishedAt durationMs }
      }`,
      { id: execId },
      { as: 'viewer' },
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data.execution, `execution ${execId}`).not.toBeNull();
    return res.data.execution;
  }

  /** Polls the execution until `done` holds; fails with the last state seen. */
  const waitFor = (execId: number, done: (x: Json) => boolean, timeoutMs = 20_000, context: () => string = () => ''): Promise<Json> =>
    poll(`execution ${execId}`, () => execution(execId), done, timeoutMs, context);

  async function createRunbook(input: Record<string, unknown>): Promise<string> {
    const code = `t_${randomBytes(5).toString('hex')}`;
    const res = await getServer().gql(
      `mutation RbwCreate($input: RunbookInput!) {
        createRunbook(input: $input) { __typename ... on Runbook { code } ... on ValidationError { issues { path message } } ... on Error { code message } }
      }`,
      { input: { code, name: `worker test ${code}`, nivel: 'R0', paramsSchema: OPEN_PARAMS, timeoutMs: 10_000, ...input } },
      { as: 'admin' },
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data.createRunbook, JSON.stringify(res.data.createRunbook)).toMatchObject({ __typename: 'Runbook', code });
    return code;
  }

  /** Opens a chamado and asks for the runbook on it over REST (an R0: queued at once). */
  async function run(code: string, params: Record<string, unknown> = {}): Promise<{ execId: number; publicId: string; domain: string }> {
    const domain = `${unique('rbw')}.example.com`;
    const { publicId } = await createChamado(getServer(), { domain, title: 'Runbook worker test' });
    const res = await getServer().rest('POST', `/api/v1/chamados/${encodeURIComponent(publicId)}/runbooks/${code}/executar`, {
      as: 'ops',
      body: { params: { domain, ...params } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ runbook_code: code, nivel: 'R0', status: 'em_fila' });
    return { execId: res.body.exec_id, publicId, domain };
  }

  async function runbookTimeline(publicId: string, execId: number): Promise<Json[]> {
    const res = await getServer().rest('GET', `/api/v1/chamados/${encodeURIComponent(publicId)}`, { as: 'ops' });
    expect(res.status).toBe(200);
    return (res.body.timeline as Json[]).filter((e) => e.kind === 'runbook' && e.data?.execId === execId);
  }

  return { execution, waitFor, createRunbook, run, runbookTimeline };
}

const terminal = (x: Json) => TERMINAL.includes(x.status);

// ───────────────────────────── executors through the in-process worker ─────────────────────────────

describe('executors, run by the worker', () => {
  let server: TestServer;
  const { execution, waitFor, createRunbook, run } = client(() => server);

  interface Received {
    path: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  let target: Server;
  let targetUrl: string;
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];

  beforeAll(async () => {
    target = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (req.url === '/ok') res.writeHead(200, { 'content-type': 'text/plain' }).end('synced 3 records');
        else if (req.url === '/fail') res.writeHead(500, { 'content-type': 'text/plain' }).end('boom: upstream unreachable');
        else if (req.url === '/hang') hanging.push(res); // never answers
        else res.writeHead(404).end('no such path');
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    server = await startTestServer(runbookEnv());
  });

  afterAll(async () => {
    await server?.close();
    for (const res of hanging) res.destroy();
    target?.closeAllConnections();
    await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
  });

  /** The one request the target got for this execution. */
  function requestFor(execId: number): Received {
    const mine = received.filter((r) => r.headers['webhook-id'] === `exec_${execId}_1`);
    expect(mine, `requests for execution ${execId}`).toHaveLength(1);
    return mine[0]!;
  }

  describe('http', () => {
    it('2xx → sucesso; the response body is the output; the request is a Standard Webhooks signed POST', async () => {
      const code = await createRunbook({ executorKind: 'http', executorConfig: { url: `${targetUrl}/ok` } });
      const { execId, domain } = await run(code);
      const done = await waitFor(execId, terminal);
      expect(done).toMatchObject({ status: 'sucesso', output: 'synced 3 records', httpStatus: 200, error: null, exitCode: null, attempt: 1 });
      expect(done.durationMs).toBeGreaterThanOrEqual(0);

      const req = requestFor(execId);
      expect(req.path).toBe('/ok');
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['webhook-signature']).toMatch(/^v1,/);
      const headers = {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      };
      const payload = new Webhook(HMAC_SECRET, { format: 'raw' }).verify(req.body, headers);
      expect(payload).toEqual({ exec_id: execId, attempt: 1, runbook_code: code, params: { domain } });
      expect(JSON.parse(req.body)).toEqual(payload);
      // The check can fail: a changed body or another key does not verify.
      expect(() => new Webhook(HMAC_SECRET, { format: 'raw' }).verify(req.body.replace(domain, 'evil.example.com'), headers)).toThrow();
      expect(() => new Webhook('some-other-secret-of-16+', { format: 'raw' }).verify(req.body, headers)).toThrow();
    });

    it('500 → falha with httpStatus 500 and the body as output', async () => {
      const code = await createRunbook({ executorKind: 'http', executorConfig: { url: `${targetUrl}/fail` } });
      const { execId } = await run(code);
      const done = await waitFor(execId, terminal);
      expect(done).toMatchObject({ status: 'falha', httpStatus: 500, output: 'boom: upstream unreachable', attempt: 1 });
      expect(done.error).toMatch(/^HTTP 500/);
      expect(requestFor(execId).path).toBe('/fail');
    });

    it('a target that never answers → timeout after the runbook timeoutMs', async () => {
      const code = await createRunbook({ executorKind: 'http', executorConfig: { url: `${targetUrl}/hang` }, timeoutMs: 1000 });
      const { execId } = await run(code);
      const done = await waitFor(execId, terminal);
      expect(done).toMatchObject({ status: 'timeout', httpStatus: null, attempt: 1 });
      expect(done.error).toContain('1000 ms');
      expect(done.durationMs).toBeGreaterThanOrEqual(900);
      expect(done.durationMs).toBeLessThan(10_000);
      expect(requestFor(execId).path).toBe('/hang');
    });
  });

  describe('command', () => {
    it('exit 0 → sucesso with stdout and stderr as output; each param is one argv entry, no shell', async () => {
      const code = await createRunbook({ executorKind: 'command', executorConfig: { executable: 'ok.sh', args: ['{{domain}}', '{{note}}'] } });
      const note = 'a b; echo pwned $(id) `id`';
      const { execId, domain } = await run(code, { note });
      const done = await waitFor(execId, terminal);
      expect(done).toMatchObject({ status: 'sucesso', exitCode: 0, error: null, httpStatus: null, attempt: 1 });
      expect(done.output).toBe(
        `argc=2 domain=${domain} note=${note}\nexec=${execId} runbook=${code} attempt=1\n--- stderr ---\na warning\n`,
      );
    });

    it('a non-zero exit → falha with the exit code and the output', async () => {
      const code = await createRunbook({ executorKind: 'command', executorConfig: { executable: 'fail.sh', args: ['{{domain}}'] } });
      const { execId, domain } = await run(code);
      const done = await waitFor(execId, terminal);
      expect(done).toMatchObject({ status: 'falha', exitCode: 3, error: 'exited with code 3', attempt: 1 });
      expect(done.output).toBe(`checking ${domain}\n--- stderr ---\ncannot reach ${domain}\n`);
    });

    it('sleep 30 with timeoutMs 1000 → timeout, and its process group is gone', async () => {
      const code = await createRunbook({ executorKind: 'command', executorConfig: { executable: 'slow.sh', args: [] }, timeoutMs: 1000 });
      const { execId } = await run(code);
      const done = await waitFor(execId, terminal);
      expect(done).toMatchObject({ status: 'timeout', attempt: 1 });
      expect(done.error).toContain('timed out after 1000 ms');
      expect(done.output).toBe('sleeping\n');
      expect(done.durationMs).toBeLessThan(10_000);

      const pid = Number((await readFile(path.join(dir, `slow-${execId}.pid`), 'utf8')).trim());
      expect(pid).toBeGreaterThan(1);
      const deadline = Date.now() + 5000;
      while (groupAlive(pid)) {
        if (Date.now() > deadline) throw new Error(`process group ${pid} (slow.sh and its sleep) still alive after the timeout`);
        await delay(50);
      }
    });

    it('the executable is re-checked at run time: removed after saving → falha, nothing spawned', async () => {
      const name = `gone-${randomBytes(3).toString('hex')}.sh`;
      await writeFile(path.join(dir, name), '#!/bin/sh\necho should not run\n');
      await chmod(path.join(dir, name), 0o755);
      const code = await createRunbook({ executorKind: 'command', executorConfig: { executable: name, args: [] } });
      await rm(path.join(dir, name));
      const { execId } = await run(code);
      const done = await waitFor(execId, terminal);
      expect(done).toMatchObject({ status: 'falha', exitCode: null, output: '' });
      expect(done.error).toContain('not found');
    });
  });

  it('executions carry their timing', async () => {
    const code = await createRunbook({ executorKind: 'command', executorConfig: { executable: 'ok.sh', args: ['{{domain}}', 'x'] } });
    const { execId } = await run(code);
    const done = await waitFor(execId, terminal);
    expect(Date.parse(done.finishedAt) - Date.parse(done.startedAt)).toBe(done.durationMs);
    expect((await execution(execId)).status).toBe('sucesso');
  });
});

/** Whether any process of this process group is still around. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ───────────────────────────── queue settings ─────────────────────────────

async function runbookQueueRow(server: TestServer): Promise<Json[]> {
  return server.orm.em
    .getConnection()
    .execute(`select retry_limit, heartbeat_seconds, dead_letter from pgboss.queue where name = 'runbook-execution'`);
}

describe('the runbook queue follows the configuration', () => {
  it('a restart with another RUNBOOK_HEARTBEAT_SECONDS / RUNBOOK_RETRY_LIMIT applies them to the existing queue', async () => {
    // The queue exists already (the servers above created it with 10 s / 1 retry).
    const other = await startTestServer(runbookEnv({ RUNBOOK_WORKER: 'false', RUNBOOK_HEARTBEAT_SECONDS: '25', RUNBOOK_RETRY_LIMIT: '3' }));
    try {
      expect(await runbookQueueRow(other)).toEqual([{ retry_limit: 3, heartbeat_seconds: 25, dead_letter: 'runbook-execution-dead' }]);
    } finally {
      await other.close();
    }
  });
});

// ───────────────────────────── a standalone worker killed mid-execution ─────────────────────────────

describe('a standalone worker killed mid-execution', () => {
  let server: TestServer;
  const { execution, waitFor, createRunbook, run, runbookTimeline } = client(() => server);
  const children: { proc: ChildProcess; output: string[] }[] = [];
  const scriptGroups: number[] = [];

  beforeAll(async () => {
    // The API does not consume jobs here: only the worker processes spawned below do.
    server = await startTestServer(runbookEnv({ RUNBOOK_WORKER: 'false' }));
  });

  afterAll(async () => {
    for (const { proc } of children) await stopChild(proc);
    for (const pgid of scriptGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await server?.close();
  });

  /** `node src/worker.ts` on this file's database, with the Node running the tests (Node 24). */
  function spawnWorker(): { proc: ChildProcess; output: string[] } {
    const proc = spawn(process.execPath, ['src/worker.ts'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        ...runbookEnv(),
      },
    });
    const child = { proc, output: [] as string[] };
    proc.stdout!.on('data', (c: Buffer) => child.output.push(c.toString()));
    proc.stderr!.on('data', (c: Buffer) => child.output.push(c.toString()));
    children.push(child);
    return child;
  }

  const workerLogs = () => children.map((c, i) => `\n--- worker ${i + 1} (exit ${c.proc.exitCode ?? c.proc.signalCode ?? 'running'}) ---\n${c.output.join('')}`).join('');

  it(
    'the job is not lost: a second worker runs it again (attempt 2) and the retry is on the timeline',
    async () => {
      // This file's settings: a lost attempt is noticed after 10 s and retried once.
      expect(await runbookQueueRow(server)).toEqual([
        { retry_limit: Number(RETRY_LIMIT), heartbeat_seconds: Number(HEARTBEAT_SECONDS), dead_letter: 'runbook-execution-dead' },
      ]);
      const code = await createRunbook({ executorKind: 'command', executorConfig: { executable: 'crashy.sh', args: [] }, timeoutMs: 120_000 });
      const first = spawnWorker();
      const { execId, publicId } = await run(code);
      const marker = path.join(dir, `crashy-${execId}.marker`);

      const running = await waitFor(execId, (x) => x.status === 'executando' || terminal(x), 30_000, workerLogs);
      expect(running).toMatchObject({ status: 'executando', attempt: 1 });
      const deadline = Date.now() + 10_000;
      while (!existsSync(marker) || (await readFile(marker, 'utf8')).trim() === '') {
        if (Date.now() > deadline) throw new Error(`crashy.sh never wrote ${marker}${workerLogs()}`);
        await delay(50);
      }
      const scriptGroup = Number((await readFile(marker, 'utf8')).trim());
      scriptGroups.push(scriptGroup);

      // kill -9 the worker; the script runs in a process group of its own, so take that down too,
      // as a lost machine would.
      const exited = new Promise((resolve) => first.proc.once('exit', resolve));
      first.proc.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      expect(first.proc.signalCode).toBe('SIGKILL');
      process.kill(-scriptGroup, 'SIGKILL');

      // Nothing records the loss by itself: the execution still says it is running.
      expect((await execution(execId)).status).toBe('executando');

      spawnWorker();
      const done = await waitFor(execId, terminal, 90_000, workerLogs);
      expect(done, workerLogs()).toMatchObject({ status: 'sucesso', attempt: 2, exitCode: 0, error: null });
      expect(done.output).toBe('second run (attempt 2)\n');
      // The lost attempt is noticed once its heartbeat lapses (10 s), plus a supervision pass and a
      // poll: well under a minute, not pg-boss's default 60 s supervise interval on top.
      const recoveredInMs = Date.parse(done.startedAt) - killedAt;
      expect(recoveredInMs, `second attempt started ${recoveredInMs} ms after the kill`).toBeLessThan(35_000);

      const entries = await runbookTimeline(publicId, execId);
      expect(entries.map((e) => e.event_type)).toEqual([
        'runbook.requested',
        'runbook.queued',
        'runbook.started',
        'runbook.retry',
        'runbook.started',
        'runbook.sucesso',
      ]);
      expect(entries[3]!.data).toMatchObject({ lostAttempt: 1 });

      // One job, retried once; no dead letter.
      const jobs = await server.orm.em
        .getConnection()
        .execute<{ name: string; state: string; retry_count: number }[]>(
          `select name, state::text as state, retry_count from pgboss.job where data->>'execId' = ?`,
          [String(execId)],
        );
      expect(jobs).toEqual([{ name: 'runbook-execution', state: 'completed', retry_count: 1 }]);
    },
    120_000,
  );
});

/** SIGTERM (the worker's graceful stop), then SIGKILL if it is still there after 5 s. */
async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
