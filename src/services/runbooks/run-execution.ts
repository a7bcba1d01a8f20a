import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RunbookExecution } from '../../../entities/runbook-execution.entity.ts';
import { canTransitionExecution } from '../../../entities/runbook-levels.ts';
import { Runbook } from '../../../entities/runbook.entity.ts';
import { runExecutor } from './executors/index.ts';
import type { ExecutorConfig, ExecutorEnv } from './executors/types.ts';
import { runbookEntry } from './timeline.ts';

const OUTCOME_SUMMARY = { sucesso: 'terminou com sucesso', falha: 'falhou', timeout: 'excedeu o tempo limite' } as const;

/**
 * The worker's side of an execution, called once per job attempt. It claims the execution
 * (em_fila → executando) in a short transaction, runs the executor outside any transaction, and
 * records the outcome in another. An execution that is no longer queued (cancelled, already
 * finished) is skipped, so a job delivered twice never runs twice; one found `executando` means
 * the previous attempt's worker died mid-run, which is recorded before it runs again.
 */
export async function runExecution(em: EntityManager, execId: number, env: ExecutorEnv, signal?: AbortSignal): Promise<void> {
  const claimed = await em.fork().transactional(async (tx) => {
    const execution = await tx.findOne(RunbookExecution, execId, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!execution || !canTransitionExecution(execution.status, 'executando')) return null;
    if (execution.status === 'executando') {
      runbookEntry(tx, execution, 'retry', `tentativa ${execution.attempt} perdida (worker interrompido); nova tentativa`, null, {
        lostAttempt: execution.attempt,
      });
    }
    const runbook = await tx.findOneOrFail(Runbook, execution.runbook.id);
    execution.transitionTo('executando', new Date());
    runbookEntry(tx, execution, 'started', `${execution.runbookCode} a executar (tentativa ${execution.attempt})`, null);
    return {
      kind: runbook.executorKind,
      config: runbook.executorConfig as ExecutorConfig,
      timeoutMs: runbook.timeoutMs,
      attempt: execution.attempt,
      code: execution.runbookCode,
      params: execution.params,
    };
  });
  if (!claimed) return;

  const outcome = await runExecutor(
    claimed.kind,
    claimed.config,
    { execId, attempt: claimed.attempt, runbookCode: claimed.code, params: claimed.params, timeoutMs: claimed.timeoutMs, signal },
    env,
  );

  await em.fork().transactional(async (tx) => {
    const execution = await tx.findOneOrFail(RunbookExecution, execId, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (execution.status !== 'executando' || execution.attempt !== claimed.attempt) return;
    execution.transitionTo(outcome.status, new Date());
    execution.output = outcome.output;
    execution.error = outcome.error ?? null;
    execution.exitCode = outcome.exitCode ?? null;
    execution.httpStatus = outcome.httpStatus ?? null;
    runbookEntry(tx, execution, outcome.status, `${execution.runbookCode} ${OUTCOME_SUMMARY[outcome.status]} em ${outcome.durationMs} ms`, null, {
      durationMs: outcome.durationMs,
      exitCode: outcome.exitCode ?? null,
      httpStatus: outcome.httpStatus ?? null,
      error: outcome.error ?? null,
    });
  });
}

/** A job that used up its retries (its workers kept dying): the execution fails, visibly. */
export async function markExecutionLost(em: EntityManager, execId: number, reason: string): Promise<void> {
  await em.fork().transactional(async (tx) => {
    const execution = await tx.findOne(RunbookExecution, execId, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!execution?.transitionTo('falha', new Date())) return;
    execution.error = reason;
    runbookEntry(tx, execution, 'falha', `${execution.runbookCode} falhou: ${reason}`, null, { error: reason });
  });
}
