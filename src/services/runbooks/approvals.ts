import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApprovalDecision, ApprovalRequest } from '../../../entities/approval.entity.ts';
import { RunbookExecution } from '../../../entities/runbook-execution.entity.ts';
import { Runbook } from '../../../entities/runbook.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { AlreadyDecidedError, ApprovalClosedError, ForbiddenActionError, NotFoundError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { queueExecution, type RunbookDeps } from './executions.ts';
import { runbookEntry } from './timeline.ts';

export interface DecisionInput {
  approvalId: number;
  decisao: 'aprovado' | 'rejeitado';
  nota?: string | null;
}

/**
 * One approver's decision (DOMAIN.md): only ops_lead/admin (checked by the schema's scopes), never
 * the requester, once per approver; R2 needs two distinct approvers. The request row is locked, so
 * two approvals racing on an R1 are serialised: the first queues the execution, the second finds
 * the request already decided (409). A rejection ends the request at once.
 */
export async function decideApproval(em: EntityManager, actor: Actor, input: DecisionInput, deps: RunbookDeps): Promise<ApprovalRequest> {
  const expired = await em.transactional(async (tx) => {
    const request = await tx.findOne(ApprovalRequest, input.approvalId, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!request) throw new NotFoundError('approval', String(input.approvalId));
    if (request.status !== 'pendente') throw new ApprovalClosedError(request.status);
    const execution = await tx.findOneOrFail(RunbookExecution, request.execution.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (request.expiresAt.getTime() <= Date.now()) {
      expire(tx, request, execution);
      return true;
    }
    if (request.requestedBy.id === actor.id) throw new ForbiddenActionError('the requester cannot approve or reject their own request');
    const earlier = await tx.count(ApprovalDecision, { request, approver: actor.id });
    if (earlier > 0) throw new AlreadyDecidedError();
    tx.create(ApprovalDecision, { request, approver: tx.getReference(User, actor.id), decisao: input.decisao, nota: input.nota ?? null });
    const nota = input.nota ? `: ${input.nota}` : '';
    if (input.decisao === 'rejeitado') {
      request.status = 'rejeitado';
      request.decidedAt = new Date();
      if (!execution.transitionTo('rejeitado', new Date())) throw new ApprovalClosedError(execution.status);
      runbookEntry(tx, execution, 'rejected', `${actor.username} rejeitou ${execution.runbookCode}${nota}`, actor.id, { nota: input.nota ?? null });
      return false;
    }
    await tx.flush();
    const approvals = await tx.count(ApprovalDecision, { request, decisao: 'aprovado' });
    runbookEntry(
      tx,
      execution,
      'approved',
      `${actor.username} aprovou ${execution.runbookCode} (${approvals}/${request.requiredApprovals})${nota}`,
      actor.id,
      { nota: input.nota ?? null, approvals, required: request.requiredApprovals },
    );
    if (approvals >= request.requiredApprovals) {
      request.status = 'aprovado';
      request.decidedAt = new Date();
      if (!execution.transitionTo('aprovado', new Date())) throw new ApprovalClosedError(execution.status);
      const runbook = await tx.findOneOrFail(Runbook, execution.runbook.id);
      await queueExecution(tx, execution, runbook.timeoutMs, deps.queue, actor.id);
    }
    return false;
  });
  if (expired) throw new ApprovalClosedError('expirado');
  return em.findOneOrFail(ApprovalRequest, input.approvalId, { refresh: true });
}

function expire(em: EntityManager, request: ApprovalRequest, execution: RunbookExecution): void {
  request.status = 'expirado';
  request.decidedAt = new Date();
  // A pending request always belongs to a pendente_aprovacao execution (they change together), so
  // this moves; were it ever refused, the execution keeps its own status and only the request expires.
  execution.transitionTo('expirado', new Date());
  runbookEntry(em, execution, 'expired', `aprovação de ${execution.runbookCode} expirou sem decisão`, null);
}

/** Expires every pending approval past its deadline (run periodically by the worker). */
export async function expireApprovals(em: EntityManager): Promise<number> {
  return em.transactional(async (tx) => {
    const due = await tx.find(
      ApprovalRequest,
      { status: 'pendente', expiresAt: { $lte: new Date() } },
      // SKIP LOCKED: a request being decided right now is left to that decision.
      { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, limit: 100 },
    );
    for (const request of due) {
      const execution = await tx.findOneOrFail(RunbookExecution, request.execution.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      expire(tx, request, execution);
    }
    return due.length;
  });
}
