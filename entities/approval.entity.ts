import { defineEntity, p } from '@mikro-orm/core';
import { APPROVAL_STATUSES } from './runbook-levels.ts';
import { RunbookExecution } from './runbook-execution.entity.ts';
import { User } from './user.entity.ts';

/** The approval an R1/R2 execution waits for (contract: Aprovações). One per execution. */
const ApprovalRequestSchema = defineEntity({
  name: 'ApprovalRequest',
  tableName: 'approval_requests',
  properties: {
    id: p.integer().primary().autoincrement(),
    execution: () => p.oneToOne(RunbookExecution).owner().unique(),
    requiredApprovals: p.integer(),
    status: p.enum(APPROVAL_STATUSES).default('pendente').index(),
    requestedBy: () => p.manyToOne(User),
    expiresAt: p.datetime(),
    decidedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class ApprovalRequest extends ApprovalRequestSchema.class {}
ApprovalRequestSchema.setClass(ApprovalRequest);

export const DECISOES = ['aprovado', 'rejeitado'] as const;

/** One approver's decision; an approver decides a request at most once. */
const ApprovalDecisionSchema = defineEntity({
  name: 'ApprovalDecision',
  tableName: 'approval_decisions',
  properties: {
    id: p.integer().primary().autoincrement(),
    request: () => p.manyToOne(ApprovalRequest),
    approver: () => p.manyToOne(User),
    decisao: p.enum(DECISOES),
    nota: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ name: 'approval_decisions_request_approver_unique', properties: ['request', 'approver'] }],
});

export class ApprovalDecision extends ApprovalDecisionSchema.class {}
ApprovalDecisionSchema.setClass(ApprovalDecision);
export { ApprovalRequestSchema, ApprovalDecisionSchema };
