import type { EntityManager } from '@mikro-orm/postgresql';
import { pagedRows, type PagedRows } from '../../db/paged-rows.ts';
import { anyOf, sqlPart, whereAll } from '../../db/sql.ts';
import { OPEN_EXECUTION_STATUSES, type ApprovalStatus, type ExecutionStatus, type Nivel } from '../../../entities/runbook-levels.ts';

/* Runbook read side: plain rows, batched by key for the request's DataLoaders. */

export interface RunbookRow {
  id: number;
  code: string;
  name: string;
  description: string;
  nivel: Nivel;
  paramsSchema: Record<string, unknown>;
  executorKind: 'http' | 'command' | 'noop';
  executorConfig: Record<string, unknown>;
  timeoutMs: number;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ExecutionRow {
  id: number;
  /** Public id: the REST `run_id`. */
  uuid: string;
  chamadoId: number;
  runbookId: number;
  runbookCode: string;
  nivel: Nivel;
  params: Record<string, unknown>;
  status: ExecutionStatus;
  requestedById: number;
  attempt: number;
  output: string | null;
  error: string | null;
  exitCode: number | null;
  httpStatus: number | null;
  queuedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  approvalId: number | null;
}

export interface ApprovalRow {
  id: number;
  executionId: number;
  requiredApprovals: number;
  status: ApprovalStatus;
  requestedById: number;
  expiresAt: Date;
  decidedAt: Date | null;
  createdAt: Date;
}

export interface DecisionRow {
  id: number;
  requestId: number;
  approverId: number;
  decisao: 'aprovado' | 'rejeitado';
  nota: string | null;
  createdAt: Date;
}

const RUNBOOK_COLUMNS = `id, code, name, description, nivel, params_schema as "paramsSchema", executor_kind as "executorKind",
  executor_config as "executorConfig", timeout_ms as "timeoutMs", enabled, created_at as "createdAt", updated_at as "updatedAt"`;

const EXECUTION_COLUMNS = `x.id, x.uuid, x.chamado_id as "chamadoId", x.runbook_id as "runbookId", x.runbook_code as "runbookCode", x.nivel,
  x.params, x.status, x.requested_by_id as "requestedById", x.attempt, x.output, x.error, x.exit_code as "exitCode",
  x.http_status as "httpStatus", x.queued_at as "queuedAt", x.started_at as "startedAt", x.finished_at as "finishedAt",
  x.created_at as "createdAt", a.id as "approvalId"`;

const EXECUTION_FROM = 'from runbook_executions x left join approval_requests a on a.execution_id = x.id';

const APPROVAL_COLUMNS = `a.id, a.execution_id as "executionId", a.required_approvals as "requiredApprovals", a.status,
  a.requested_by_id as "requestedById", a.expires_at as "expiresAt", a.decided_at as "decidedAt", a.created_at as "createdAt"`;

export async function listRunbooks(em: EntityManager): Promise<RunbookRow[]> {
  return em.execute<RunbookRow[]>(`select ${RUNBOOK_COLUMNS} from runbooks order by code`);
}

export async function runbooksByIds(em: EntityManager, list: readonly number[]): Promise<RunbookRow[]> {
  if (list.length === 0) return [];
  return em.execute<RunbookRow[]>(`select ${RUNBOOK_COLUMNS} from runbooks where ?`, [anyOf('id', list, 'int')]);
}

export async function runbookByCode(em: EntityManager, code: string): Promise<RunbookRow | null> {
  const [row] = await em.execute<RunbookRow[]>(`select ${RUNBOOK_COLUMNS} from runbooks where code = ?`, [code]);
  return row ?? null;
}

export async function executionsByIds(em: EntityManager, list: readonly number[]): Promise<ExecutionRow[]> {
  if (list.length === 0) return [];
  return em.execute<ExecutionRow[]>(`select ${EXECUTION_COLUMNS} ${EXECUTION_FROM} where ?`, [anyOf('x.id', list, 'int')]);
}

/** Executions per chamado, oldest first; `openOnly` gives the contract's `acoes_pendentes`. */
export async function executionsByChamadoIds(em: EntityManager, list: readonly number[], openOnly: boolean): Promise<ExecutionRow[]> {
  if (list.length === 0) return [];
  return em.execute<ExecutionRow[]>(`select ${EXECUTION_COLUMNS} ${EXECUTION_FROM} ? order by x.id`, [
    whereAll([anyOf('x.chamado_id', list, 'int'), openOnly && anyOf('x.status', OPEN_EXECUTION_STATUSES, 'text')]),
  ]);
}

export async function approvalsByIds(em: EntityManager, list: readonly number[]): Promise<ApprovalRow[]> {
  if (list.length === 0) return [];
  return em.execute<ApprovalRow[]>(`select ${APPROVAL_COLUMNS} from approval_requests a where ?`, [anyOf('a.id', list, 'int')]);
}

export async function decisionsByRequestIds(em: EntityManager, list: readonly number[]): Promise<DecisionRow[]> {
  if (list.length === 0) return [];
  return em.execute<DecisionRow[]>(
    `select id, request_id as "requestId", approver_id as "approverId", decisao, nota, created_at as "createdAt"
     from approval_decisions where ? order by id`,
    [anyOf('request_id', list, 'int')],
  );
}

/**
 * Approval requests, newest first. A pending request past its deadline is reported as `expirado`
 * even before the sweeper gets to it, so a list never offers something that cannot be decided.
 */
export async function listApprovals(
  em: EntityManager,
  filter: { status: ApprovalStatus | null; limit: number; offset: number },
): Promise<PagedRows<ApprovalRow>> {
  const effective = `case when a.status = 'pendente' and a.expires_at <= now() then 'expirado' else a.status end`;
  return pagedRows<ApprovalRow>(
    em,
    {
      columns: APPROVAL_COLUMNS.replace('a.status,', `${effective} as status,`),
      from: 'from approval_requests a',
      id: 'a.id',
      where: [filter.status && sqlPart(`${effective} = ?`, filter.status)],
    },
    filter,
  );
}
