import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { inject } from 'vitest';
import { freePort } from '../../scripts/free-port.ts';

/*
 * `node src/server.ts` as its own process against this run's database, for what only a process
 * shows: its exit code, its signals, its log, and surviving (or not) what happens around it.
 */

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output: () => string;
  /** The JSON log lines so far. */
  log: () => LogLine[];
  /** Resolves with the exit code (null when a signal ended it) and when it happened. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  alive: () => boolean;
}

const started = new Set<ChildProcess>();

export { freePort };

/** Starts the server with `env` on top of a test environment; resolves once /health answers 200. */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/server.ts'], {
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? '/',
      NODE_ENV: 'test',
      DATABASE_URL: inject('databaseUrl'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SEED_DEMO: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve({ code, signal, at: Date.now() });
    }),
  );
  const running: ServerProcess = {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    log: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!running.alive()) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    const status = await fetch(`${running.url}/health`).then((r) => r.status, () => 0);
    if (status === 200) return running;
    if (Date.now() > deadline) throw new Error(`server on ${port} not healthy in 30 s:\n${output}`);
    await delay(100);
  }
}

/** Kills whatever a test file left running (call from afterAll). */
export function killServerProcesses(): void {
  for (const child of started) child.kill('SIGKILL');
}
