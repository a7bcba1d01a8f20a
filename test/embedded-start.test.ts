import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readlinkSync } from 'node:fs';
import { cp, mkdtemp, realpath, rm, stat, symlink } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relocatedDataDir } from '../src/db/embedded-layout.ts';
import { postmasterPid } from '../src/db/embedded-process.ts';

/**
 * `npm start` from a fresh checkout in a folder nobody else may enter (mktemp -d, mode 0700), with
 * no DATABASE_URL: the embedded PostgreSQL must start (as root it runs as the postgres OS user),
 * survive a SIGKILL of OpsGraph (the orphaned server is found and stopped at the next start), stop
 * with OpsGraph, and fail with one readable line.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let checkout: string;
let dataDirs: string[];
const children = new Set<ChildProcess>();

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** `node src/server.ts` in the checkout, as `npm start` runs it, with a clean environment. */
function startOpsGraph(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: checkout,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/', NODE_ENV: 'development', LOG_LEVEL: 'info', SEED_DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => output, exited };
}

async function waitForHealth(port: number, started: Started, timeoutMs = 80_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void started.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const status = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0);
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`OpsGraph did not become healthy (exited: ${exited}):\n${started.output()}`);
}

function logLines(output: string): { level: number; msg: string; [k: string]: unknown }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process (postmaster and its children) working in `dataDir`, read from /proc. */
function processesIn(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dataDir) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

/** One fatal line that says how to fix it, and nothing like a stack or an unhandled 'error' event. */
function expectOneClearFailure(output: string, hint: RegExp): void {
  const failures = logLines(output).filter((l) => l.level >= 50);
  expect(failures, output).toHaveLength(1);
  expect(failures[0]!.msg).toMatch(/^OpsGraph could not start: embedded PostgreSQL: /);
  expect(failures[0]!.msg).toMatch(hint);
  expect(output).not.toMatch(/ERR_UNHANDLED_ERROR|Unhandled 'error' event|^\s+at /m);
  expect(output.split('\n').filter((line) => line && !line.startsWith('{'))).toEqual([]);
}

beforeAll(async () => {
  checkout = await realpath(await mkdtemp(path.join(tmpdir(), 'opsgraph-checkout-')));
  // The working tree as it is (tracked and new files), so the test runs the code being changed.
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    await cp(path.join(repo, file), path.join(checkout, file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // deleted in the working tree
    });
  }
  await symlink(path.join(repo, 'node_modules'), path.join(checkout, 'node_modules'));
  // Where the data can end up: in the checkout, or (as root) in its per-checkout folder.
  const requested = path.join(checkout, '.data', 'pg');
  dataDirs = [requested, relocatedDataDir(requested)];
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dataDirs ?? []) {
    for (let i = 0; i < 50 && processesIn(dir).length > 0; i++) {
      for (const pid of processesIn(dir)) process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
    }
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}.init`, { recursive: true, force: true });
  }
  if (checkout) await rm(checkout, { recursive: true, force: true });
}, 30_000);

describe('npm start from a checkout anywhere', () => {
  it('starts, recovers from a SIGKILL, and stops its PostgreSQL with it', async () => {
    expect((await stat(checkout)).mode & 0o777).toBe(0o700);
    const env = { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()) };

    const first = startOpsGraph(env);
    await waitForHealth(Number(env.PORT), first);
    const running = logLines(first.output()).find((l) => l.msg === 'embedded PostgreSQL running');
    const dataDir = running?.dir as string;
    expect(dataDirs).toContain(dataDir);
    const orphan = (await postmasterPid(dataDir))!;
    expect(alive(orphan)).toBe(true);

    first.child.kill('SIGKILL');
    await first.exited;
    // The orphan is real: OpsGraph is gone, its PostgreSQL is not.
    expect(alive(orphan)).toBe(true);

    const second = startOpsGraph(env);
    await waitForHealth(Number(env.PORT), second);
    expect(second.output()).toContain('stopping the embedded PostgreSQL left running by an OpsGraph process that was killed');
    expect(alive(orphan)).toBe(false);
    const postmaster = (await postmasterPid(dataDir))!;
    expect(processesIn(dataDir)).toContain(postmaster);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(alive(postmaster)).toBe(false);
    expect(processesIn(dataDir)).toEqual([]);
    expect(await postmasterPid(dataDir)).toBeUndefined();
  }, 120_000);

  it('a SIGTERM during start-up closes what was opened; a PGHOSTADDR in the environment changes nothing', async () => {
    // If it reached pg_ctl, its readiness check would knock at that (unroutable) address for 60 s.
    const env = { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), PGHOSTADDR: '192.0.2.1' };
    const started = startOpsGraph(env);
    const deadline = Date.now() + 60_000;
    while (!started.output().includes('embedded PostgreSQL running') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const dataDir = logLines(started.output()).find((l) => l.msg === 'embedded PostgreSQL running')?.dir as string;
    expect(dataDirs, started.output()).toContain(dataDir);
    const postmaster = (await postmasterPid(dataDir))!;
    // Migrations and the job queue are still being set up: the signal must not orphan the server.
    started.child.kill('SIGTERM');
    expect(await started.exited, started.output()).toBe(0);
    expect(alive(postmaster)).toBe(false);
    expect(processesIn(dataDir)).toEqual([]);
  }, 90_000);

  it('says in one line that EMBEDDED_PG_PORT is taken, and exits 1', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const env = { PORT: String(await freePort()), EMBEDDED_PG_PORT: String((taken.address() as AddressInfo).port) };
      const started = startOpsGraph(env);
      expect(await started.exited).toBe(1);
      expectOneClearFailure(started.output(), new RegExp(`Port ${env.EMBEDDED_PG_PORT} is taken: set EMBEDDED_PG_PORT to a free port`));
      for (const dir of dataDirs) expect(processesIn(dir)).toEqual([]);
    } finally {
      taken.close();
    }
  }, 60_000);

  it('says in one line that EMBEDDED_PG_DIR is unusable, and exits 1', async () => {
    // A file where a folder must be.
    const env = { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), EMBEDDED_PG_DIR: 'package.json/pg' };
    const started = startOpsGraph(env);
    expect(await started.exited).toBe(1);
    expectOneClearFailure(started.output(), /EMBEDDED_PG_DIR=package.json\/pg is unusable: set it to a folder OpsGraph can create/);
  }, 60_000);
});
