import { performance } from 'node:perf_hooks';
import { commandExecutor } from './command.ts';
import { httpExecutor } from './http.ts';
import { noopExecutor } from './noop.ts';
import type { ExecutionOutcome, ExecutionRequest, Executor, ExecutorConfig, ExecutorEnv, ExecutorKind } from './types.ts';

export type * from './types.ts';
export { validateExecutorConfig } from './validate-config.ts';

export const EXECUTORS: Record<ExecutorKind, Executor> = Object.freeze({
  http: httpExecutor,
  command: commandExecutor,
  noop: noopExecutor,
});

/**
 * Runs one attempt with the executor of `kind`. Never throws and never rejects: an unknown kind or
 * any unexpected exception becomes `{status: 'falha', error}`.
 */
export async function runExecutor(kind: ExecutorKind, config: ExecutorConfig, request: ExecutionRequest, env: ExecutorEnv): Promise<ExecutionOutcome> {
  const started = performance.now();
  try {
    const executor = Object.hasOwn(EXECUTORS, kind) ? EXECUTORS[kind] : undefined;
    if (!executor) return { status: 'falha', output: '', durationMs: 0, error: `unknown executor kind "${String(kind)}"` };
    return await executor(config ?? {}, request, env);
  } catch (err) {
    return {
      status: 'falha',
      output: '',
      durationMs: Math.round(performance.now() - started),
      error: `executor error: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
