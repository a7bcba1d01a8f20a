/**
 * Contract of the runbook executors: pure functions that run one attempt of one runbook execution
 * and describe what happened. They touch no database and no queue; the job queue calls
 * `runExecutor` (index.ts) and stores the `ExecutionOutcome`.
 *
 * Params reaching an executor were already validated against the runbook's JSON Schema.
 */

export type ExecutorKind = 'http' | 'command' | 'noop';

export interface HttpExecutorConfig {
  /** http: or https: URL that receives the signed POST. Redirects are never followed. */
  url: string;
  /** HMAC key; defaults to ExecutorEnv.httpSecret */
  secret?: string;
  /** Extra request headers. They cannot replace the signature headers or Content-Type. */
  headers?: Record<string, string>;
}

export interface CommandExecutorConfig {
  /** file name inside ExecutorEnv.commandDir (no path separators allowed) */
  executable: string;
  /** argument templates; "{{name}}" is replaced by the param's value */
  args: string[];
}

export type ExecutorConfig = HttpExecutorConfig | CommandExecutorConfig | Record<string, never>;

export interface ExecutionRequest {
  execId: number;
  attempt: number;
  runbookCode: string;
  params: Record<string, unknown>;
  /** Wall-clock budget for this attempt, response body / process exit included. */
  timeoutMs: number;
  /** Cancels the attempt (request aborted / process group killed); the outcome is then `falha`. */
  signal?: AbortSignal;
}

export interface ExecutionOutcome {
  status: 'sucesso' | 'falha' | 'timeout';
  /** Response body (http) or captured stdout/stderr (command), bounded by ExecutorEnv.maxOutputBytes. */
  output: string;
  durationMs: number;
  /** command: the exit code, or null when the process was killed by a signal. */
  exitCode?: number | null;
  /** http: the response status, when a response arrived. */
  httpStatus?: number | null;
  /** Why the attempt did not succeed (never contains the HMAC secret). */
  error?: string | null;
}

export interface ExecutorEnv {
  commandDir: string;
  httpSecret: string;
  maxOutputBytes: number;
  /** command: wait between SIGTERM and SIGKILL of the process group on timeout/cancel. Default 2000. */
  killGraceMs?: number;
}

export type Executor = (config: ExecutorConfig, request: ExecutionRequest, env: ExecutorEnv) => Promise<ExecutionOutcome>;
