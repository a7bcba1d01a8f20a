import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EmbeddedPostgresError, OR_USE_DATABASE_URL } from './embedded-error.ts';

/** The OS user the PostgreSQL tools run as when OpsGraph runs as root (they refuse root). */
export interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Runs one PostgreSQL tool to completion and collects its output. A tool that cannot even be
 * spawned (EACCES, ENOENT) becomes an EmbeddedPostgresError instead of an unhandled 'error' event.
 */
export function runTool(
  file: string,
  args: string[],
  opts: { runAs?: RunAs; input?: string } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...(opts.runAs ? { uid: opts.runAs.uid, gid: opts.runAs.gid } : {}),
      // The checkout may be a folder the tool's user cannot enter; '/' always can be.
      cwd: '/',
      // Not OpsGraph's environment: it holds the app's secrets (a superuser session could read them
      // from /proc), and libpq's PG* variables (PGHOSTADDR, PGSSLMODE …) would misdirect pg_ctl's
      // readiness check. Messages in English, so that failures read the same everywhere.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', (err: NodeJS.ErrnoException) => {
      const as = opts.runAs ? ` as the ${opts.runAs.name} OS user` : '';
      reject(
        new EmbeddedPostgresError(
          `could not run ${file}${as} (${err.code ?? err.message})`,
          `Check that the file exists and that every folder above it is open to that user, ${OR_USE_DATABASE_URL}`,
          { cause: err },
        ),
      );
    });
    child.once('close', (code) => resolve({ code, output: output.trim() }));
    if (opts.input !== undefined) {
      // A tool that exits before reading its input must not turn into an EPIPE 'error' event.
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.input);
    }
  });
}

/** The process name of `pid` ("postgres", "node"), or undefined when no such process exists. */
export function processName(pid: number): string | undefined {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user; its name can still be read.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    // No /proc (macOS): ask ps.
  }
  try {
    return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The postmaster's pid recorded in the data folder, if the file is there. */
export async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n', 1)[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether `pid` is the postmaster serving `dataDir`: a process named postgres whose working folder
 * is that data folder (the postmaster moves there). After a reboot the recorded pid may belong to
 * anything, including another PostgreSQL, which must never be stopped by mistake.
 */
export function isPostmasterOf(pid: number, dataDir: string): boolean {
  if (processName(pid) !== 'postgres') return false;
  try {
    return realpathSync(`/proc/${pid}/cwd`) === realpathSync(dataDir);
  } catch {
    // No /proc (macOS): the name is all there is to go on.
    return !existsSync('/proc/self');
  }
}
