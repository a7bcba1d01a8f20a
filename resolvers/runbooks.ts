import { APPROVAL_STATUSES, EXECUTION_STATUSES, NIVEIS } from '../entities/runbook-levels.ts';
import { EXECUTOR_KINDS } from '../entities/runbook.entity.ts';
import { builder } from '../src/builder.ts';
import { requireViewer } from '../src/context.ts';
import type { Context } from '../src/context.ts';
import {
  AlreadyDecidedError,
  ApprovalClosedError,
  ExecutionStateError,
  ForbiddenActionError,
  NotFoundError,
  ValidationError,
} from '../src/errors.ts';
import { redact } from '../src/services/ingest/sanitize.ts';
import { decideApproval } from '../src/services/runbooks/approvals.ts';
import { createRunbook, updateRunbook } from '../src/services/runbooks/catalog.ts';
import { cancelExecution, handOffExecution, requestExecution } from '../src/services/runbooks/executions.ts';
import { listApprovals, listRunbooks, runbookByCode, type ApprovalRow, type DecisionRow, type ExecutionRow, type RunbookRow } from '../src/services/runbooks/reads.ts';
import { ChamadoRef } from './chamados.ts';
import { ErrorInterface } from './errors.ts';
import { UserRef } from './users.ts';

const NivelEnum = builder.enumType('Nivel', { description: 'R0 runs at once; R1 one approval; R2 two (four eyes); R3 hand-off only.', values: NIVEIS });
const ExecutionStatusEnum = builder.enumType('ExecutionStatus', { values: EXECUTION_STATUSES });
const ApprovalStatusEnum = builder.enumType('ApprovalStatus', { values: APPROVAL_STATUSES });
const ExecutorKindEnum = builder.enumType('ExecutorKind', { values: EXECUTOR_KINDS });

void ErrorInterface;
for (const [cls, name, description] of [
  [ApprovalClosedError, 'ApprovalClosedError', 'The approval request was already decided, expired or cancelled (code APPROVAL_CLOSED).'],
  [AlreadyDecidedError, 'AlreadyDecidedError', 'You already decided this request (code ALREADY_DECIDED).'],
  [ExecutionStateError, 'ExecutionStateError', 'The execution is not in a state that allows this (code EXECUTION_STATE).'],
] as const) {
  builder.objectType(cls as new (...args: never[]) => Error & { code: string }, {
    name,
    description,
    interfaces: [ErrorInterface] as never,
    fields: () => ({}),
  });
}

const ctxEnv = (ctx: Context) => ({
  commandDir: ctx.config.runbooks.commandDir,
  httpSecret: ctx.config.runbooks.hmacSecret,
  maxOutputBytes: ctx.config.runbooks.maxOutputBytes,
});

export const RunbookRef = builder.objectRef<RunbookRow>('Runbook').implement({
  description: 'A remediation procedure in the catalog.',
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    nivel: t.expose('nivel', { type: NivelEnum }),
    paramsSchema: t.expose('paramsSchema', { type: 'JSON', description: 'JSON Schema (2020-12) the params must satisfy.' }),
    executorKind: t.expose('executorKind', { type: ExecutorKindEnum }),
    executorConfig: t.field({
      type: 'JSON',
      authScopes: { role: 'admin' },
      description: 'Executor settings (admins only; secrets redacted).',
      resolve: (r) => redact(r.executorConfig),
    }),
    timeoutMs: t.exposeInt('timeoutMs'),
    enabled: t.exposeBoolean('enabled'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const DecisionRef = builder.objectRef<DecisionRow>('ApprovalDecision').implement({
  fields: (t) => ({
    approver: t.field({ type: UserRef, resolve: async (d, _, ctx) => (await ctx.loaders.user.load(d.approverId))! }),
    decisao: t.exposeString('decisao'),
    nota: t.exposeString('nota', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const ExecutionRef = builder.objectRef<ExecutionRow>('RunbookExecution');
export const ApprovalRef = builder.objectRef<ApprovalRow>('ApprovalRequest');

ExecutionRef.implement({
  description: 'One request to run a runbook on a chamado, from approval to outcome.',
  fields: (t) => ({
    execId: t.exposeInt('id'),
    runbookCode: t.exposeString('runbookCode'),
    runbook: t.field({ type: RunbookRef, resolve: async (x, _, ctx) => (await ctx.loaders.runbook.load(x.runbookId))! }),
    nivel: t.expose('nivel', { type: NivelEnum, description: 'The level it runs at (force_nivel may have raised it).' }),
    status: t.expose('status', { type: ExecutionStatusEnum }),
    params: t.expose('params', { type: 'JSON' }),
    chamado: t.field({ type: ChamadoRef, resolve: async (x, _, ctx) => (await ctx.loaders.chamado.load(x.chamadoId))! }),
    requestedBy: t.field({ type: UserRef, resolve: async (x, _, ctx) => (await ctx.loaders.user.load(x.requestedById))! }),
    approval: t.field({
      type: ApprovalRef,
      nullable: true,
      resolve: (x, _, ctx) => (x.approvalId ? ctx.loaders.approval.load(x.approvalId) : null),
    }),
    attempt: t.exposeInt('attempt', { description: 'Worker attempts so far.' }),
    output: t.exposeString('output', { nullable: true, description: 'Executor output (truncated).' }),
    error: t.exposeString('error', { nullable: true }),
    exitCode: t.exposeInt('exitCode', { nullable: true }),
    httpStatus: t.exposeInt('httpStatus', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    queuedAt: t.expose('queuedAt', { type: 'DateTime', nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    durationMs: t.int({
      nullable: true,
      resolve: (x) => (x.startedAt && x.finishedAt ? new Date(x.finishedAt).getTime() - new Date(x.startedAt).getTime() : null),
    }),
  }),
});

ApprovalRef.implement({
  description: 'The approval an R1/R2 execution waits for.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    status: t.expose('status', { type: ApprovalStatusEnum }),
    requiredApprovals: t.exposeInt('requiredApprovals'),
    execution: t.field({ type: ExecutionRef, resolve: async (a, _, ctx) => (await ctx.loaders.execution.load(a.executionId))! }),
    requestedBy: t.field({ type: UserRef, resolve: async (a, _, ctx) => (await ctx.loaders.user.load(a.requestedById))! }),
    decisions: t.field({ type: [DecisionRef], resolve: (a, _, ctx) => ctx.loaders.decisions.load(a.id) }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.objectFields(ChamadoRef, (t) => ({
  pendingActions: t.field({
    type: [ExecutionRef],
    description: 'Open runbook executions (contract: acoes_pendentes): awaiting approval, queued, running or awaiting hand-off.',
    resolve: (c, _, ctx) => ctx.loaders.pendingActions.load(c.id),
  }),
  executions: t.field({
    type: [ExecutionRef],
    description: 'Every runbook execution on this chamado, oldest first.',
    resolve: (c, _, ctx) => ctx.loaders.executions.load(c.id),
  }),
}));

const ApprovalConnection = builder.objectRef<{ rows: ApprovalRow[]; total: number }>('ApprovalList').implement({
  fields: (t) => ({
    items: t.field({ type: [ApprovalRef], resolve: (l) => l.rows }),
    total: t.exposeInt('total'),
  }),
});

builder.queryFields((t) => ({
  runbooks: t.field({ type: [RunbookRef], authScopes: { authenticated: true }, resolve: (_, __, ctx) => listRunbooks(ctx.em) }),
  runbook: t.field({
    type: RunbookRef,
    nullable: true,
    authScopes: { authenticated: true },
    args: { code: t.arg.string() },
    resolve: (_, { code }, ctx) => runbookByCode(ctx.em, code),
  }),
  execution: t.field({
    type: ExecutionRef,
    nullable: true,
    authScopes: { authenticated: true },
    args: { execId: t.arg.int() },
    resolve: (_, { execId }, ctx) => ctx.loaders.execution.load(execId),
  }),
  approvals: t.field({
    type: ApprovalConnection,
    authScopes: { authenticated: true },
    description: 'Approval requests, newest first (a pending one past its deadline shows as expirado).',
    args: {
      status: t.arg({ type: ApprovalStatusEnum, required: false }),
      limit: t.arg.int({ required: false, defaultValue: 50 }),
      offset: t.arg.int({ required: false, defaultValue: 0 }),
    },
    resolve: (_, args, ctx) =>
      listApprovals(ctx.em, {
        status: args.status ?? null,
        limit: Math.min(Math.max(args.limit ?? 50, 1), 200),
        offset: Math.max(args.offset ?? 0, 0),
      }),
  }),
}));

const deps = (ctx: Context) => ({ queue: ctx.queue, approvalTtlMs: ctx.config.runbooks.approvalTtlMs });
const freshExecution = async (ctx: Context, id: number) => (await ctx.loaders.execution.clear(id).load(id))!;
const freshApproval = async (ctx: Context, id: number) => (await ctx.loaders.approval.clear(id).load(id))!;

const RunbookInput = builder.inputType('RunbookInput', {
  fields: (t) => ({
    code: t.string(),
    name: t.string(),
    description: t.string({ required: false }),
    nivel: t.field({ type: NivelEnum }),
    paramsSchema: t.field({ type: 'JSON' }),
    executorKind: t.field({ type: ExecutorKindEnum }),
    executorConfig: t.field({ type: 'JSON', required: false }),
    timeoutMs: t.int({ required: false }),
    enabled: t.boolean({ required: false }),
  }),
});

const RunbookPatch = builder.inputType('RunbookPatch', {
  fields: (t) => ({
    name: t.string({ required: false }),
    description: t.string({ required: false }),
    nivel: t.field({ type: NivelEnum, required: false }),
    paramsSchema: t.field({ type: 'JSON', required: false }),
    executorKind: t.field({ type: ExecutorKindEnum, required: false }),
    executorConfig: t.field({ type: 'JSON', required: false }),
    timeoutMs: t.int({ required: false }),
    enabled: t.boolean({ required: false }),
  }),
});

const defined = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v != null)) as never;

builder.mutationFields((t) => ({
  createRunbook: t.field({
    type: RunbookRef,
    authScopes: { role: 'admin' },
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: RunbookInput }) },
    resolve: async (_, { input }, ctx) => {
      const runbook = await createRunbook(ctx.em, defined(input), ctxEnv(ctx));
      return (await ctx.loaders.runbook.load(runbook.id))!;
    },
  }),
  updateRunbook: t.field({
    type: RunbookRef,
    authScopes: { role: 'admin' },
    errors: { types: [NotFoundError, ValidationError] },
    args: { code: t.arg.string(), patch: t.arg({ type: RunbookPatch }) },
    resolve: async (_, { code, patch }, ctx) => {
      const runbook = await updateRunbook(ctx.em, code, defined(patch), ctxEnv(ctx));
      return (await ctx.loaders.runbook.clear(runbook.id).load(runbook.id))!;
    },
  }),
  executeRunbook: t.field({
    type: ExecutionRef,
    description: 'Asks to run a runbook on a chamado: R0 queues at once, R1/R2 wait for approval, R3 is recorded for hand-off.',
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      publicId: t.arg.string(),
      code: t.arg.string(),
      params: t.arg({ type: 'JSON', required: false }),
      forceNivel: t.arg({ type: NivelEnum, required: false, description: 'Raises the level (never lowers it).' }),
    },
    resolve: async (_, args, ctx) => {
      const execution = await requestExecution(
        ctx.em,
        requireViewer(ctx),
        { publicId: args.publicId, code: args.code, params: args.params ?? {}, forceNivel: args.forceNivel ?? null },
        deps(ctx),
      );
      return freshExecution(ctx, execution.id);
    },
  }),
  approve: t.field({
    type: ApprovalRef,
    authScopes: { role: 'ops_lead' },
    errors: { types: [NotFoundError, ApprovalClosedError, AlreadyDecidedError, ForbiddenActionError] },
    args: { approvalId: t.arg.int(), nota: t.arg.string({ required: false }) },
    resolve: async (_, args, ctx) => {
      const request = await decideApproval(ctx.em, requireViewer(ctx), { approvalId: args.approvalId, decisao: 'aprovado', nota: args.nota }, deps(ctx));
      return freshApproval(ctx, request.id);
    },
  }),
  reject: t.field({
    type: ApprovalRef,
    authScopes: { role: 'ops_lead' },
    errors: { types: [NotFoundError, ApprovalClosedError, AlreadyDecidedError, ForbiddenActionError] },
    args: { approvalId: t.arg.int(), nota: t.arg.string({ required: false }) },
    resolve: async (_, args, ctx) => {
      const request = await decideApproval(ctx.em, requireViewer(ctx), { approvalId: args.approvalId, decisao: 'rejeitado', nota: args.nota }, deps(ctx));
      return freshApproval(ctx, request.id);
    },
  }),
  cancelExecution: t.field({
    type: ExecutionRef,
    description: 'Cancels an execution that has not started (pending approval, approved, queued or awaiting hand-off).',
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError, ExecutionStateError] },
    args: { execId: t.arg.int(), nota: t.arg.string({ required: false }) },
    resolve: async (_, args, ctx) => freshExecution(ctx, (await cancelExecution(ctx.em, requireViewer(ctx), args, deps(ctx))).id),
  }),
  handOffExecution: t.field({
    type: ExecutionRef,
    description: 'Records that people took an R3 remediation over (the only way an R3 request proceeds).',
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError, ExecutionStateError, ValidationError] },
    args: { execId: t.arg.int(), nota: t.arg.string() },
    resolve: async (_, args, ctx) => freshExecution(ctx, (await handOffExecution(ctx.em, requireViewer(ctx), args)).id),
  }),
}));
