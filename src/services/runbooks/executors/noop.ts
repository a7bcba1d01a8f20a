import { BoundedOutput } from './command.ts';
import type { Executor } from './types.ts';

/**
 * Does nothing and succeeds: `noop: <runbook_code> would run with <params as JSON>` (bounded by
 * maxOutputBytes). For runbooks that only document a manual procedure, and for dry runs.
 * A request whose signal is already aborted is a falha ("cancelled"), as with the other executors.
 */
export const noopExecutor: Executor = async (_config, request, env) => {
  if (request.signal?.aborted) return { status: 'falha', output: '', durationMs: 0, error: 'cancelled' };
  let params: string;
  try {
    params = JSON.stringify(request.params) ?? 'undefined';
  } catch {
    params = '<params not serialisable as JSON>';
  }
  const output = new BoundedOutput(env.maxOutputBytes);
  output.push(`noop: ${request.runbookCode} would run with ${params}`);
  return { status: 'sucesso', output: output.text(), durationMs: 0, error: null };
};
