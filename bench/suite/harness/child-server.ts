import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../types.ts';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
/** What is kept of a child's output, to explain a failed start. */
const KEEP_OUTPUT_CHARS = 8_000;
/** Scripts are named from the checkout's root, wherever the harness was started from. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ChildServerSpec {
  name: string;
  script: string;
  env: Record<string, string>;
  /** How the child says it listens: a 200 from `/health` on `port`, or the `{"ready":true,"port":N}` line. */
  ready: { health: number } | 'ready-line';
  sqlStatements(url: string): Promise<number>;
}

/** Starts `node <script>` (the harness's own Node 24) and resolves once it is ready. */
export async function startChildServer(spec: ChildServerSpec): Promise<RunningServer> {
  const child = spawn(process.execPath, [spec.script], {
    cwd: REPO_ROOT,
    // Only what the spec names: nothing of the caller's environment (SEED_DEMO, NODE_ENV …) leaks in.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: string) => (output = (output + chunk).slice(-KEEP_OUTPUT_CHARS));
  child.stderr!.setEncoding('utf8').on('data', keep);
  child.stdout!.setEncoding('utf8');
  const exited = once(child, 'exit');
  const failed = (why: string) => new Error(`${spec.name} ${why}; its output:\n${output}`);
  const startTimer = new AbortController();
  const port = await Promise.race([
    spec.ready === 'ready-line' ? readyLinePort(child, keep) : healthy(spec.ready.health, child, keep),
    exited.then(() => Promise.reject(failed(`exited with ${child.exitCode ?? child.signalCode}`))),
    delay(START_TIMEOUT_MS, undefined, { signal: startTimer.signal }).then(() => Promise.reject(failed(`not ready in ${START_TIMEOUT_MS / 1000} s`))),
  ])
    .catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    })
    .finally(() => startTimer.abort());
  const url = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    name: spec.name,
    url,
    pid: child.pid!,
    rssBytes: () => rssOf(child.pid!),
    sqlStatements: () => spec.sqlStatements(url),
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      })()),
  };
}

function readyLinePort(child: ChildProcess, keep: (chunk: string) => void): Promise<number> {
  return new Promise((resolve) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: string) => {
      keep(chunk);
      buffered += chunk;
      for (const line of buffered.split('\n')) {
        const port = portOfReadyLine(line.trim());
        if (port !== null) resolve(port);
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
  });
}

function portOfReadyLine(line: string): number | null {
  if (!line.startsWith('{')) return null;
  try {
    const parsed = JSON.parse(line) as { ready?: unknown; port?: unknown };
    return parsed.ready === true && typeof parsed.port === 'number' ? parsed.port : null;
  } catch {
    return null;
  }
}

async function healthy(port: number, child: ChildProcess, keep: (chunk: string) => void): Promise<number> {
  child.stdout!.on('data', keep);
  const deadline = Date.now() + START_TIMEOUT_MS;
  // Polling stops with the child or the deadline (the caller's race reports which).
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    const status = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0);
    if (status === 200) return port;
    await delay(100);
  }
  return new Promise(() => {});
}

function rssOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
