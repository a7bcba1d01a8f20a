import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { ARG_TEMPLATE, resolveExecutable } from './validate-config.ts';
import type { CommandExecutorConfig, ExecutionOutcome, Executor, ExecutorConfig } from './types.ts';

/**
 * Command executor: runs an executable from ExecutorEnv.commandDir, never through a shell.
 *
 * - Arguments are the config's templates with `{{name}}` replaced by the param's value (one pass,
 *   so a value containing `{{x}}` is not expanded again). Each template is exactly one argv entry,
 *   whatever the value contains. A template naming a missing param, or a param that is not a
 *   string/number/boolean (or contains NUL), fails the attempt before anything is spawned.
 * - The executable is re-resolved (realpath inside commandDir, regular, executable) right before
 *   spawning, and the resolved real path is what gets spawned.
 * - Environment: PATH, LANG, OPSGRAPH_EXEC_ID, OPSGRAPH_RUNBOOK, OPSGRAPH_ATTEMPT only.
 * - The process gets its own process group (detached). On timeout or cancel the whole group gets
 *   SIGTERM, then SIGKILL after ExecutorEnv.killGraceMs (default 2 s). When the executable exits,
 *   whatever it left running in its group is SIGKILLed: a run never leaves processes behind.
 * - Output: stdout, then (when stderr is not empty) a line `--- stderr ---` and stderr. Each stream
 *   buffers at most maxOutputBytes (the rest is drained and counted); the composed output keeps at
 *   most maxOutputBytes of stream bytes, stderr being guaranteed at least half when both overflow.
 *   A truncated section ends with `\n…[truncated N bytes]`.
 * - Exit 0 → sucesso; other exit code or death by signal → falha (exitCode, null for a signal);
 *   timeout → timeout; request.signal aborted → falha with error "cancelled".
 */

export const DEFAULT_KILL_GRACE_MS = 2000;
/** After the executable exited, how long to wait for its pipes to close before giving up on them. */
const PIPE_DRAIN_MS = 1000;
export const STDERR_SEPARATOR = '--- stderr ---';

/** Keeps the first `limit` bytes written to it and counts the rest. */
export class BoundedOutput {
  readonly limit: number;
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(limit: number) {
    this.limit = Number.isFinite(limit) && limit > 0 ? Math.floor(limit) : 0;
  }

  push(chunk: Buffer | Uint8Array | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.total += buf.length;
    const room = this.limit - this.kept;
    if (room <= 0) return;
    const part = buf.length <= room ? Buffer.from(buf) : Buffer.from(buf.subarray(0, room));
    this.chunks.push(part);
    this.kept += part.length;
  }

  /** The first `max` bytes (default: all kept) as text, cut on a UTF-8 boundary, plus the truncation mark. */
  text(max: number = this.kept): string {
    const all = Buffer.concat(this.chunks);
    let n = Math.max(0, Math.min(max, all.length));
    if (n < all.length) {
      // Do not cut a multi-byte character: back up to the start of the one that straddles n.
      while (n > 0 && ((all[n] as number) & 0xc0) === 0x80) n--;
    }
    const out = all.subarray(0, n).toString('utf8');
    return n < this.total ? `${out}\n…[truncated ${this.total - n} bytes]` : out;
  }
}

function isCommandConfig(config: ExecutorConfig): config is CommandExecutorConfig {
  return typeof (config as Partial<CommandExecutorConfig>).executable === 'string' && Array.isArray((config as Partial<CommandExecutorConfig>).args);
}

/** Expands the argument templates, or explains why it cannot. */
export function expandArgs(templates: readonly unknown[], params: Record<string, unknown>): { ok: true; args: string[] } | { ok: false; error: string } {
  const args: string[] = [];
  for (const [i, template] of templates.entries()) {
    if (typeof template !== 'string') return { ok: false, error: `args[${i}] is not a string` };
    let error: string | null = null;
    const arg = template.replace(ARG_TEMPLATE, (_match, name: string) => {
      if (error) return '';
      if (!Object.hasOwn(params, name) || params[name] === undefined) {
        error = `args[${i}] uses param "${name}", which was not given`;
        return '';
      }
      const value = params[name];
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      error = `args[${i}] uses param "${name}", which is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}; only strings, numbers and booleans can be command arguments`;
      return '';
    });
    if (error) return { ok: false, error };
    if (arg.includes('\0')) return { ok: false, error: `args[${i}] contains NUL after substitution` };
    args.push(arg);
  }
  return { ok: true, args };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export const commandExecutor: Executor = async (config, request, env) => {
  const started = performance.now();
  const finish = (o: Omit<ExecutionOutcome, 'durationMs'>): ExecutionOutcome => ({ ...o, durationMs: Math.round(performance.now() - started) });
  const fail = (error: string): ExecutionOutcome => finish({ status: 'falha', output: '', exitCode: null, error });

  if (!isCommandConfig(config)) return fail('invalid command config: executable (string) and args (array) are required');
  if (!Number.isFinite(request.timeoutMs) || request.timeoutMs <= 0) return fail(`invalid timeoutMs ${String(request.timeoutMs)}`);
  if (request.signal?.aborted) return fail('cancelled');

  const expanded = expandArgs(config.args, request.params);
  if (!expanded.ok) return fail(expanded.error);
  const resolved = resolveExecutable(env.commandDir, config.executable);
  if (!resolved.ok) return fail(resolved.problem);

  const stdout = new BoundedOutput(env.maxOutputBytes);
  const stderr = new BoundedOutput(env.maxOutputBytes);
  const grace = env.killGraceMs !== undefined && env.killGraceMs >= 0 ? env.killGraceMs : DEFAULT_KILL_GRACE_MS;

  return new Promise<ExecutionOutcome>((resolve) => {
    let child;
    try {
      child = spawn(resolved.path, expanded.args, {
        shell: false,
        cwd: env.commandDir,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
          LANG: process.env.LANG ?? 'C.UTF-8',
          OPSGRAPH_EXEC_ID: String(request.execId),
          OPSGRAPH_RUNBOOK: request.runbookCode,
          OPSGRAPH_ATTEMPT: String(request.attempt),
        },
      });
    } catch (err) {
      resolve(fail(`spawn failed: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    const pid = child.pid;

    let ended: 'timeout' | 'cancelled' | null = null;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let spawnError: Error | null = null;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const stop = (why: 'timeout' | 'cancelled') => {
      if (ended || exit || settled) return;
      ended = why;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), grace);
    };
    const timer = setTimeout(() => stop('timeout'), request.timeoutMs);
    const onAbort = () => stop('cancelled');
    request.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      request.signal?.removeEventListener('abort', onAbort);

      const output = composeOutput(stdout, stderr, env.maxOutputBytes);
      if (spawnError && !exit) {
        resolve(finish({ status: 'falha', output, exitCode: null, error: `spawn failed: ${spawnError.message}` }));
      } else if (ended === 'timeout') {
        resolve(finish({ status: 'timeout', output, exitCode: exit?.code ?? null, error: `timed out after ${request.timeoutMs} ms; process group killed` }));
      } else if (ended === 'cancelled') {
        resolve(finish({ status: 'falha', output, exitCode: exit?.code ?? null, error: 'cancelled' }));
      } else if (exit?.code === 0) {
        resolve(finish({ status: 'sucesso', output, exitCode: 0, error: null }));
      } else if (exit && exit.code !== null) {
        resolve(finish({ status: 'falha', output, exitCode: exit.code, error: `exited with code ${exit.code}` }));
      } else {
        resolve(finish({ status: 'falha', output, exitCode: null, error: `killed by signal ${exit?.signal ?? 'unknown'}` }));
      }
    };

    child.on('error', (err) => {
      spawnError = err;
      // No process was started (or it cannot be talked to): nothing more will come.
      if (!exit) settle();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      clearTimeout(killTimer);
      // Kill what the executable left in its group (background jobs, children that ignored
      // SIGTERM), so pipes they hold get closed. Done here, right after the leader was reaped,
      // and never later: once the group is empty its id may be reused by an unrelated process.
      killGroup(pid, 'SIGKILL');
      // A process that escaped the group (setsid) may still hold the pipes: do not wait forever.
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        settle();
      }, PIPE_DRAIN_MS);
    });
    child.on('close', () => settle());
  });
};

/**
 * stdout, then `--- stderr ---` and stderr when stderr is not empty. At most `max` bytes of stream
 * content in total: stderr keeps at least half the budget when both streams overflow it.
 */
function composeOutput(stdout: BoundedOutput, stderr: BoundedOutput, max: number): string {
  const budget = Number.isFinite(max) && max > 0 ? Math.floor(max) : 0;
  const errShare = Math.min(stderr.total, Math.max(budget - stdout.total, Math.floor(budget / 2)));
  const outShare = Math.min(stdout.total, budget - errShare);
  const outText = stdout.text(outShare);
  if (stderr.total === 0) return outText;
  const out = stdout.total === 0 ? '' : outText.endsWith('\n') ? outText : `${outText}\n`;
  return `${out}${STDERR_SEPARATOR}\n${stderr.text(errShare)}`;
}
