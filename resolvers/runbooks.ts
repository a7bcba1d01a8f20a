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
import { describedValues } from './described.ts';
import { ErrorInterface } from './errors.ts';
import { UserRef } from './users.ts';

const NivelEnum = builder.enumType('Nivel', {
  description: 'R0 runs at once; R1 one approval; R2 two (four eyes); R3 hand-off only.',
  values: describedValues(NIVEIS, {
    R0: 'Runs at once, no approval (read-only or trivially safe).',
    R1: 'Runs after one approval by an ops_lead/admin other than the requester.',
    R2: 'Runs after two approvals by two distinct ops_lead/admin users, neither the requester (four eyes).',
    R3: 'Never runs automatically: the request is recorded and handed off to people.',
  }),
});
const ExecutionStatusEnum = builder.enumType('ExecutionStatus', {
  description: 'pendente_aprovacao → aprovado → em_fila → executando → sucesso | falha | timeout; or rejeitado, cancelado, expirado; R3: handoff_pendente → handoff.',
  values: describedValues(EXECUTION_STATUSES, {
    pendente_aprovacao: 'Waiting for approval (R1/R2).',
    aprovado: 'Approved; about to be queued.',
    em_fila: 'Queued for a runbook worker.',
    executando: 'Running now.',
    sucesso: 'Finished successfully.',
    falha: 'Finished with an error (or its retries ran out).',
    timeout: 'Stopped after the runbook’s timeoutMs.',
    rejeitado: 'An approver rejected it.',
    cancelado: 'Cancelled before it started.',
    expirado: 'Approval not given in time (APPROVAL_TTL, default 24 h).',
    handoff_pendente: 'R3: recorded, waiting for people to take it over.',
    handoff: 'R3: people took it over (handOffExecution).',
  }),
});
const ApprovalStatusEnum = builder.enumType('ApprovalStatus', {
  description: 'Where an approval request stands.',
  values: describedValues(APPROVAL_STATUSES, {
    pendente: 'Waiting for decisions.',
    aprovado: 'Got the approvals it needed; the execution proceeds.',
    rejeitado: 'An approver rejected it; the execution will not run.',
    expirado: 'Not decided in time (APPROVAL_TTL, default 24 h).',
    cancelado: 'Its execution was cancelled.',
  }),
});
const ExecutorKindEnum = builder.enumType('ExecutorKind', {
  description: 'How a runbook runs.',
  values: describedValues(EXECUTOR_KINDS, {
    http: 'Calls an HTTP endpoint, signed with RUNBOOK_HMAC_SECRET.',
    command: 'Runs an executable from RUNBOOK_COMMAND_DIR, with arguments from the params.',
    noop: 'Does nothing and succeeds (for trying out approvals and the flow).',
  }),
});

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
    code: t.exposeString('code', { description: 'Stable key used to request it (executeRunbook code).' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    description: t.exposeString('description', { description: 'What it does and when to use it; may be empty.' }),
    nivel: t.expose('nivel', { type: NivelEnum, description: 'Its level: how it may run.' }),
    paramsSchema: t.expose('paramsSchema', { type: 'JSON', description: 'JSON Schema (2020-12) the params must satisfy.' }),
    executorKind: t.expose('executorKind', { type: ExecutorKindEnum, description: 'How it runs.' }),
    executorConfig: t.field({
      type: 'JSON',
      authScopes: { role: 'admin' },
      description: 'Executor settings (admins only; secrets redacted).',
      resolve: (r) => redact(r.executorConfig),
    }),
    timeoutMs: t.exposeInt('timeoutMs', { description: 'Milliseconds a run may take before it ends as timeout.' }),
    enabled: t.exposeBoolean('enabled', { description: 'A disabled runbook cannot be requested.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change to its catalog entry.' }),
  }),
});

const DecisionRef = builder.objectRef<DecisionRow>('ApprovalDecision').implement({
  description: 'One approver’s decision on an approval request.',
  fields: (t) => ({
    approver: t.field({ type: UserRef, description: 'Who decided.', resolve: async (d, _, ctx) => (await ctx.loaders.user.load(d.approverId))! }),
    decisao: t.exposeString('decisao', { description: 'The decision (decisão): `aprovado` (approved) or `rejeitado` (rejected).' }),
    nota: t.exposeString('nota', { nullable: true, description: 'The approver’s note, if any.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was decided.' }),
  }),
});

export const ExecutionRef = builder.objectRef<ExecutionRow>('RunbookExecution');
export const ApprovalRef = builder.objectRef<ApprovalRow>('ApprovalRequest');

ExecutionRef.implement({
  description: 'One request to run a runbook on a chamado, from approval to outcome.',
  fields: (t) => ({
    execId: t.exposeInt('id', { description: 'Numeric id, for execution, cancelExecution and handOffExecution.' }),
    runbookCode: t.exposeString('runbookCode', { description: 'Code of the runbook asked for.' }),
    runbook: t.field({ type: RunbookRef, description: 'The runbook asked for.', resolve: async (x, _, ctx) => (await ctx.loaders.runbook.load(x.runbookId))! }),
    nivel: t.expose('nivel', { type: NivelEnum, description: 'The level it runs at (force_nivel may have raised it).' }),
    status: t.expose('status', { type: ExecutionStatusEnum, description: 'Where it stands.' }),
    params: t.expose('params', { type: 'JSON', description: 'The parameters it was asked with (valid against the runbook’s paramsSchema).' }),
    chamado: t.field({
      type: ChamadoRef,
      description: 'The chamado it acts on.',
      resolve: async (x, _, ctx) => (await ctx.loaders.chamado.load(x.chamadoId))!,
    }),
    requestedBy: t.field({
      type: UserRef,
      description: 'Who asked for it.',
      resolve: async (x, _, ctx) => (await ctx.loaders.user.load(x.requestedById))!,
    }),
    approval: t.field({
      type: ApprovalRef,
      nullable: true,
      description: 'Its approval request (R1/R2); null for R0 and R3.',
      resolve: (x, _, ctx) => (x.approvalId ? ctx.loaders.approval.load(x.approvalId) : null),
    }),
    attempt: t.exposeInt('attempt', { description: 'Worker attempts so far.' }),
    output: t.exposeString('output', { nullable: true, description: 'Executor output (truncated).' }),
    error: t.exposeString('error', { nullable: true, description: 'Why it failed, for people; null unless it failed.' }),
    exitCode: t.exposeInt('exitCode', { nullable: true, description: 'Exit code, for `command` executors.' }),
    httpStatus: t.exposeInt('httpStatus', { nullable: true, description: 'HTTP status answered, for `http` executors.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was requested.' }),
    queuedAt: t.expose('queuedAt', { type: 'DateTime', nullable: true, description: 'When it was queued for a worker.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When a worker started it.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended (sucesso, falha or timeout).' }),
    durationMs: t.int({
      nullable: true,
      description: 'Milliseconds from start to finish; null until it finished.',
      resolve: (x) => (x.startedAt && x.finishedAt ? new Date(x.finishedAt).getTime() - new Date(x.startedAt).getTime() : null),
    }),
  }),
});

ApprovalRef.implement({
  description: 'The approval an R1/R2 execution waits for.',
  fields: (t) => ({
    id: t.exposeInt('id', { description: 'Numeric id, for approve and reject.' }),
    status: t.expose('status', { type: ApprovalStatusEnum, description: 'Where it stands.' }),
    requiredApprovals: t.exposeInt('requiredApprovals', { description: 'Approvals needed: 1 for R1, 2 for R2.' }),
    execution: t.field({
      type: ExecutionRef,
      description: 'The execution waiting for it.',
      resolve: async (a, _, ctx) => (await ctx.loaders.execution.load(a.executionId))!,
    }),
    requestedBy: t.field({
      type: UserRef,
      description: 'Who asked for the execution (may not decide it).',
      resolve: async (a, _, ctx) => (await ctx.loaders.user.load(a.requestedById))!,
    }),
    decisions: t.field({ type: [DecisionRef], description: 'Decisions so far, oldest first.', resolve: (a, _, ctx) => ctx.loaders.decisions.load(a.id) }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'Deadline: undecided by then, it becomes expirado.' }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true, description: 'When it was approved, rejected, expired or cancelled.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was requested.' }),
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
  description: 'A page of approval requests (offset paging).',
  fields: (t) => ({
    items: t.field({ type: [ApprovalRef], description: 'This page, newest first.', resolve: (l) => l.rows }),
    total: t.exposeInt('total', { description: 'Requests matching the status filter, across all pages.' }),
  }),
});

builder.queryFields((t) => ({
  runbooks: t.field({
    type: [RunbookRef],
    authScopes: { authenticated: true },
    description: 'The runbook catalog. Signed-in users.',
    resolve: (_, __, ctx) => listRunbooks(ctx.em),
  }),
  runbook: t.field({
    type: RunbookRef,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'One runbook by code; null when there is none. Signed-in users.',
    args: { code: t.arg.string({ description: 'The runbook’s code.' }) },
    resolve: (_, { code }, ctx) => runbookByCode(ctx.em, code),
  }),
  execution: t.field({
    type: ExecutionRef,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'One runbook execution by id; null when there is none. Signed-in users.',
    args: { execId: t.arg.int({ description: 'The execution’s numeric id (execId).' }) },
    resolve: (_, { execId }, ctx) => ctx.loaders.execution.load(execId),
  }),
  approvals: t.field({
    type: ApprovalConnection,
    authScopes: { authenticated: true },
    description: 'Approval requests, newest first (a pending one past its deadline shows as expirado). Signed-in users.',
    args: {
      status: t.arg({ type: ApprovalStatusEnum, required: false, description: 'Only these; all when omitted.' }),
      limit: t.arg.int({ required: false, defaultValue: 50, description: 'Page size, 1 to 200.' }),
      offset: t.arg.int({ required: false, defaultValue: 0, description: 'Skip this many (0 or more).' }),
    },
    resolve: (_, args, ctx) =>
      listApprovals(ctx.em, {
        status: args.status ?? null,
        limit: args.limit ?? 50,
        offset: args.offset ?? 0,
      }),
  }),
}));

const deps = (ctx: Context) => ({ queue: ctx.queue, approvalTtlMs: ctx.config.runbooks.approvalTtlMs });
const freshExecution = async (ctx: Context, id: number) => (await ctx.loaders.execution.clear(id).load(id))!;
const freshApproval = async (ctx: Context, id: number) => (await ctx.loaders.approval.clear(id).load(id))!;

const RunbookInput = builder.inputType('RunbookInput', {
  description: 'A new runbook for the catalog.',
  fields: (t) => ({
    code: t.string({ description: 'Unique stable key (used by executeRunbook).' }),
    name: t.string({ description: 'Display name.' }),
    description: t.string({ required: false, description: 'What it does and when to use it.' }),
    nivel: t.field({ type: NivelEnum, description: 'Its level: how it may run.' }),
    paramsSchema: t.field({ type: 'JSON', description: 'JSON Schema (2020-12) that params must satisfy.' }),
    executorKind: t.field({ type: ExecutorKindEnum, description: 'How it runs.' }),
    executorConfig: t.field({
      type: 'JSON',
      required: false,
      description: 'Executor settings: URL for http, executable and argument templates for command.',
    }),
    timeoutMs: t.int({ required: false, description: 'Milliseconds a run may take (default 60000).' }),
    enabled: t.boolean({ required: false, description: 'Whether it can be requested (default true).' }),
  }),
});

const RunbookPatch = builder.inputType('RunbookPatch', {
  description: 'Changes to a runbook; omitted or null values stay as they are.',
  fields: (t) => ({
    name: t.string({ required: false, description: 'New display name.' }),
    description: t.string({ required: false, description: 'New description.' }),
    nivel: t.field({ type: NivelEnum, required: false, description: 'New level.' }),
    paramsSchema: t.field({ type: 'JSON', required: false, description: 'New params JSON Schema (2020-12).' }),
    executorKind: t.field({ type: ExecutorKindEnum, required: false, description: 'New executor kind.' }),
    executorConfig: t.field({ type: 'JSON', required: false, description: 'New executor settings (replace the old ones).' }),
    timeoutMs: t.int({ required: false, description: 'New timeout in milliseconds.' }),
    enabled: t.boolean({ required: false, description: 'Enable or disable it.' }),
  }),
});

const defined = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v != null)) as never;

builder.mutationFields((t) => {
  /** approve and reject: the same decision with its verdict fixed. */
  const decision = (decisao: 'aprovado' | 'rejeitado', description: string) =>
    t.field({
      type: ApprovalRef,
      description,
      authScopes: { role: 'ops_lead' },
      errors: { types: [NotFoundError, ApprovalClosedError, AlreadyDecidedError, ForbiddenActionError] },
      args: {
        approvalId: t.arg.int({ description: 'The approval request’s id.' }),
        nota: t.arg.string({ required: false, description: 'Optional note kept with the decision.' }),
      },
      resolve: async (_, args, ctx) => {
        const request = await decideApproval(ctx.em, requireViewer(ctx), { approvalId: args.approvalId, decisao, nota: args.nota }, deps(ctx));
        return freshApproval(ctx, request.id);
      },
    });
  return {
    createRunbook: t.field({
      type: RunbookRef,
      description: 'Adds a runbook to the catalog. Admins only.',
      authScopes: { role: 'admin' },
      errors: { types: [ValidationError] },
      args: { input: t.arg({ type: RunbookInput, description: 'The runbook.' }) },
      resolve: async (_, { input }, ctx) => {
        const runbook = await createRunbook(ctx.em, defined(input), ctxEnv(ctx));
        return (await ctx.loaders.runbook.load(runbook.id))!;
      },
    }),
    updateRunbook: t.field({
      type: RunbookRef,
      description: 'Changes a runbook in the catalog. Admins only.',
      authScopes: { role: 'admin' },
      errors: { types: [NotFoundError, ValidationError] },
      args: {
        code: t.arg.string({ description: 'The runbook’s code (not changeable).' }),
        patch: t.arg({ type: RunbookPatch, description: 'What to change.' }),
      },
      resolve: async (_, { code, patch }, ctx) => {
        const runbook = await updateRunbook(ctx.em, code, defined(patch), ctxEnv(ctx));
        return (await ctx.loaders.runbook.clear(runbook.id).load(runbook.id))!;
      },
    }),
    executeRunbook: t.field({
      type: ExecutionRef,
      description:
        'Asks to run a runbook on a chamado: R0 queues at once, R1/R2 wait for approval, R3 is recorded for hand-off. Role ops or above.',
      authScopes: { role: 'ops' },
      errors: { types: [NotFoundError, ValidationError] },
      args: {
        publicId: t.arg.string({ description: 'The chamado (CH-<year>-<5 digits>).' }),
        code: t.arg.string({ description: 'The runbook’s code.' }),
        params: t.arg({ type: 'JSON', required: false, description: 'Parameters; must satisfy the runbook’s paramsSchema ({} when omitted).' }),
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
    approve: decision(
      'aprovado',
      'Approves a pending request (aprovar). Role ops_lead or admin, never the requester.',
    ),
    reject: decision(
      'rejeitado',
      'Rejects a pending request (rejeitar): its execution will not run. Role ops_lead or admin, never the requester.',
    ),
    cancelExecution: t.field({
      type: ExecutionRef,
      description: 'Cancels an execution that has not started (pending approval, approved, queued or awaiting hand-off). Role ops or above.',
      authScopes: { role: 'ops' },
      errors: { types: [NotFoundError, ExecutionStateError] },
      args: {
        execId: t.arg.int({ description: 'The execution’s id.' }),
        nota: t.arg.string({ required: false, description: 'Optional note: why.' }),
      },
      resolve: async (_, args, ctx) => freshExecution(ctx, (await cancelExecution(ctx.em, requireViewer(ctx), args, deps(ctx))).id),
    }),
    handOffExecution: t.field({
      type: ExecutionRef,
      description: 'Records that people took an R3 remediation over (the only way an R3 request proceeds). Role ops or above.',
      authScopes: { role: 'ops' },
      errors: { types: [NotFoundError, ExecutionStateError, ValidationError] },
      args: {
        execId: t.arg.int({ description: 'The execution’s id.' }),
        nota: t.arg.string({ description: 'Who took it over (ticket, team …); must not be empty.' }),
      },
      resolve: async (_, args, ctx) => freshExecution(ctx, (await handOffExecution(ctx.em, requireViewer(ctx), args)).id),
    }),
  };
});
