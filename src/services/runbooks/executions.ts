import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApprovalRequest } from '../../../entities/approval.entity.ts';
import { Chamado } from '../../../entities/chamado.entity.ts';
import { RunbookExecution } from '../../../entities/runbook-execution.entity.ts';
import { APPROVALS_REQUIRED, effectiveNivel, initialExecutionStatus, type Nivel } from '../../../entities/runbook-levels.ts';
import { Runbook } from '../../../entities/runbook.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { ExecutionStateError, NotFoundError, ValidationError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { validateParams } from './params.ts';
import type { RunbookQueue } from './queue.ts';
import { runbookEntry } from './timeline.ts';

export interface RunbookDeps {
  queue: RunbookQueue;
  approvalTtlMs: number;
}

export interface ExecuteInput {
  publicId: string;
  code: string;
  params: unknown;
  forceNivel?: Nivel | null;
}

/**
 * Asks to run a runbook on a chamado. R0 is queued at once; R1/R2 wait for approvals; R3 is
 * recorded for hand-off and never runs. The job is enqueued in the same transaction, so an
 * execution is `em_fila` exactly when its job exists.
 */
export async function requestExecution(em: EntityManager, actor: Actor, input: ExecuteInput, deps: RunbookDeps): Promise<RunbookExecution> {
  return em.transactional(async (tx) => {
    const chamado = await tx.findOne(Chamado, { publicId: input.publicId });
    if (!chamado) throw new NotFoundError('chamado', input.publicId);
    const runbook = await tx.findOne(Runbook, { code: input.code });
    if (!runbook) throw new NotFoundError('runbook', input.code);
    if (!runbook.enabled) throw new ValidationError(`runbook ${runbook.code} is disabled`);
    const params = validateParams(runbook.paramsSchema, input.params ?? {});
    const nivel = effectiveNivel(runbook.nivel, input.forceNivel);
    const required = APPROVALS_REQUIRED[nivel];
    const execution = tx.create(RunbookExecution, {
      chamado,
      runbook,
      runbookCode: runbook.code,
      nivel,
      params,
      status: initialExecutionStatus(nivel),
      requestedBy: tx.getReference(User, actor.id),
    });
    await tx.flush();
    const raised = nivel !== runbook.nivel ? ` (nível elevado de ${runbook.nivel})` : '';
    runbookEntry(tx, execution, 'requested', `${actor.username} pediu ${runbook.code} ${nivel}${raised}`, actor.id, { params });
    if (required && required > 0) {
      tx.create(ApprovalRequest, {
        execution,
        requiredApprovals: required,
        requestedBy: tx.getReference(User, actor.id),
        expiresAt: new Date(Date.now() + deps.approvalTtlMs),
      });
    } else if (required === 0) {
      await queueExecution(tx, execution, runbook.timeoutMs, deps.queue, null);
    } else {
      runbookEntry(tx, execution, 'handoff_pending', `${runbook.code} é R3: só por hand-off, nunca automático`, null);
    }
    chamado.updatedAt = new Date();
    return execution;
  });
}

/** Moves an execution to `em_fila` and enqueues its job in the caller's transaction. */
export async function queueExecution(
  em: EntityManager,
  execution: RunbookExecution,
  timeoutMs: number,
  queue: RunbookQueue,
  actorId: number | null,
): Promise<void> {
  if (!execution.transitionTo('em_fila', new Date())) throw new ExecutionStateError(execution.status, 'queue');
  await em.flush();
  execution.jobId = await queue.enqueue(em, execution.id, timeoutMs);
  runbookEntry(em, execution, 'queued', `${execution.runbookCode} na fila`, actorId);
}

async function lockExecution(em: EntityManager, execId: number): Promise<RunbookExecution> {
  const execution = await em.findOne(RunbookExecution, execId, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!execution) throw new NotFoundError('execution', String(execId));
  return execution;
}

/** Cancels an execution that has not started; a pending approval request is cancelled with it. */
export async function cancelExecution(
  em: EntityManager,
  actor: Actor,
  input: { execId: number; nota?: string | null },
  deps: Pick<RunbookDeps, 'queue'>,
): Promise<RunbookExecution> {
  return em.transactional(async (tx) => {
    // Lock order is approval request, then execution — the same as decideApproval and
    // expireApprovals take — or a cancel racing an approval deadlocks (one of them a 500).
    const request = await tx.findOne(ApprovalRequest, { execution: input.execId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const execution = await lockExecution(tx, input.execId);
    if (!execution.transitionTo('cancelado', new Date())) throw new ExecutionStateError(execution.status, 'cancel');
    if (request?.status === 'pendente') {
      request.status = 'cancelado';
      request.decidedAt = new Date();
    }
    if (execution.jobId) await deps.queue.cancel(execution.jobId);
    runbookEntry(tx, execution, 'cancelled', `${actor.username} cancelou ${execution.runbookCode}${input.nota ? `: ${input.nota}` : ''}`, actor.id, {
      nota: input.nota ?? null,
    });
    return execution;
  });
}

/** R3: records that people took the remediation over (the only way an R3 request ends). */
export async function handOffExecution(em: EntityManager, actor: Actor, input: { execId: number; nota: string }): Promise<RunbookExecution> {
  const nota = input.nota.trim();
  if (!nota) throw new ValidationError('nota: say who took it over (ticket, team …)', [{ path: 'nota', message: 'must not be empty' }]);
  return em.transactional(async (tx) => {
    const execution = await lockExecution(tx, input.execId);
    if (!execution.transitionTo('handoff', new Date())) throw new ExecutionStateError(execution.status, 'hand off');
    execution.output = nota;
    runbookEntry(tx, execution, 'handoff', `${actor.username} entregou ${execution.runbookCode}: ${nota}`, actor.id, { nota });
    return execution;
  });
}
