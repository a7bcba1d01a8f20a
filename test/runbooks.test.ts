import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newChamado as openChamado, newDomain, waitFor as poll } from './helpers/factories.ts';
import { startTestServer, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * Runbook execution and approvals (spec 000: POST …/runbooks/{code}/executar, Aprovações,
 * acoes_pendentes) against the real server, PostgreSQL and the in-process pg-boss worker. Uses the
 * demo catalog seeded by global-setup (dns_recheck R0 noop, traefik_cert_sync R1 command,
 * restart_mail_service R2 command, rotate_dkim R3 noop) and runbooks of its own with unique codes;
 * every test works on chamados in its own domain. Executions finish asynchronously: tests poll the
 * execution, never sleep a fixed time.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  // Log everyone in once up front: concurrent first requests would each log in (password hashing).
  for (const user of ['admin', 'lead', 'lead2', 'ops', 'viewer'] as const) await server.token(user);
});
afterAll(() => server.close());

type Res = Awaited<ReturnType<TestServer['rest']>>;
type Json = Record<string, any>;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const TERMINAL = ['sucesso', 'falha', 'timeout', 'rejeitado', 'cancelado', 'expirado', 'handoff'];
const EXEC_KEYS = ['exec_id', 'nivel', 'runbook_code', 'status'];
const APPROVAL_KEYS = [
  'id', 'status', 'exec_id', 'exec_status', 'chamado_public_id', 'runbook_code', 'nivel', 'params', 'requested_by',
  'approvals_required', 'approvals_count', 'decisoes', 'created_at', 'expires_at', 'decided_at',
].sort();

const code = () => `t_${Math.random().toString(36).slice(2, 10)}`;
const chamadoPath = (publicId: string, suffix = '') => `/api/v1/chamados/${encodeURIComponent(publicId)}${suffix}`;

/** A chamado in a fresh domain. */
const newChamado = () => openChamado(server, { domain: newDomain('rb'), title: 'Runbook test' });

/** POST …/runbooks/{code}/executar. */
function executar(publicId: string, runbookCode: string, body: unknown, as: TestUser | null = 'ops'): Promise<Res> {
  return server.rest('POST', chamadoPath(publicId, `/runbooks/${encodeURIComponent(runbookCode)}/executar`), {
    ...(as ? { as } : {}),
    body,
  });
}

/** A request that must be accepted (202); returns the documented body. */
async function requested(publicId: string, runbookCode: string, body: unknown, as: TestUser = 'ops'): Promise<Json> {
  const res = await executar(publicId, runbookCode, body, as);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(Object.keys(res.body).sort()).toEqual(EXEC_KEYS);
  expect(res.body.exec_id).toEqual(expect.any(Number));
  return res.body;
}

const decide = (approvalId: number, path: 'aprovar' | 'rejeitar', as: TestUser, body: unknown = {}) =>
  server.rest('POST', `/api/v1/aprovacoes/${approvalId}/${path}`, { as, body });
const aprovar = (approvalId: number, as: TestUser, nota: string | null = null) =>
  decide(approvalId, 'aprovar', as, { decisao: 'aprovado', ...(nota ? { nota } : {}) });
const rejeitar = (approvalId: number, as: TestUser, nota: string | null = null) =>
  decide(approvalId, 'rejeitar', as, { decisao: 'rejeitado', ...(nota ? { nota } : {}) });

function expectError(res: Res, status: number, error: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ error, message: expect.any(String) });
}

function expectOk(res: Res, status = 200): Json {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const EXEC_FIELDS = `execId runbookCode nivel status params output attempt error exitCode httpStatus queuedAt startedAt
  finishedAt durationMs requestedBy { username } approval { id status requiredApprovals decisions { approver { username } decisao nota } }`;

/** The execution as GraphQL serves it (read by the viewer, who may read everything). */
async function execution(execId: number): Promise<Json> {
  const res = await server.gql(`query RbExec($id: Int!) { execution(execId: $id) { ${EXEC_FIELDS} } }`, { id: execId }, { as: 'viewer' });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(res.data.execution, `execution ${execId}`).not.toBeNull();
  return res.data.execution;
}

/** Polls the execution until `done` holds; fails with the last state seen after `timeoutMs`. */
const waitFor = (execId: number, done: (x: Json) => boolean, timeoutMs = 20_000): Promise<Json> =>
  poll(`execution ${execId}`, () => execution(execId), done, timeoutMs);
const waitForStatus = (execId: number, status: string, timeoutMs?: number) => waitFor(execId, (x) => x.status === status, timeoutMs);
const waitTerminal = (execId: number, timeoutMs?: number) => waitFor(execId, (x) => TERMINAL.includes(x.status), timeoutMs);

/** The approval request id of an execution (R1/R2 have exactly one). */
async function approvalIdOf(execId: number): Promise<number> {
  const x = await execution(execId);
  expect(x.approval, `approval of execution ${execId}`).not.toBeNull();
  return x.approval.id;
}

async function sql<T = Json>(text: string, params: unknown[] = []): Promise<T[]> {
  return server.orm.em.getConnection().execute<T[]>(text, params);
}

/** pg-boss jobs (any queue, dead letters included) carrying this execution. */
async function jobCount(execId: number): Promise<number> {
  const [row] = await sql<{ n: string }>(`select count(*)::int as n from pgboss.job where data->>'execId' = ?`, [String(execId)]);
  return Number(row!.n);
}

/** Polls until every pg-boss job of the execution is in a final state (completed, cancelled, failed). */
async function waitForJobsSettled(execId: number, timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await sql<{ state: string }>(`select state::text as state from pgboss.job where data->>'execId' = ?`, [String(execId)]);
    const states = rows.map((r) => r.state);
    if (states.every((s) => ['completed', 'cancelled', 'failed'].includes(s))) return states;
    if (Date.now() > deadline) throw new Error(`jobs of execution ${execId} still ${states.join(', ')} after ${timeoutMs} ms`);
    await delay(100);
  }
}

async function executionCount(publicId: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    `select count(*)::int as n from runbook_executions x join chamados c on c.id = x.chamado_id where c.public_id = ?`,
    [publicId],
  );
  return row!.n;
}

async function detail(publicId: string): Promise<Json> {
  return expectOk(await server.rest('GET', chamadoPath(publicId), { as: 'ops' }));
}

/** The runbook timeline entries of one execution, in timeline order. */
async function runbookTimeline(publicId: string, execId: number): Promise<Json[]> {
  const body = await detail(publicId);
  return (body.timeline as Json[]).filter((e) => e.kind === 'runbook' && e.data?.execId === execId);
}

/** GET /api/v1/aprovacoes with this status; returns the body. */
async function listApprovals(status: string | null, as: TestUser = 'lead'): Promise<Json> {
  const qs = new URLSearchParams({ limit: '200', ...(status ? { status } : {}) });
  return expectOk(await server.rest('GET', `/api/v1/aprovacoes?${qs}`, { as }));
}

const gqlApprove = `mutation RbApprove($id: Int!, $nota: String) {
  approve(approvalId: $id, nota: $nota) {
    __typename
    ... on ApprovalRequest { id status requiredApprovals decisions { approver { username } decisao nota } execution { execId status } }
    ... on NotFoundError { resource key }
    ... on Error { code message }
  }
}`;
const gqlReject = gqlApprove.replace('RbApprove', 'RbReject').replace('approve(', 'reject(');
const gqlCancel = `mutation RbCancel($id: Int!, $nota: String) {
  cancelExecution(execId: $id, nota: $nota) {
    __typename
    ... on RunbookExecution { execId status finishedAt approval { id status } }
    ... on Error { code message }
  }
}`;
const gqlHandOff = `mutation RbHandOff($id: Int!, $nota: String!) {
  handOffExecution(execId: $id, nota: $nota) {
    __typename
    ... on RunbookExecution { execId status output attempt finishedAt }
    ... on ValidationError { issues { path message } }
    ... on Error { code message }
  }
}`;

// ───────────────────────────── executar ─────────────────────────────

describe('POST /api/v1/chamados/{public_id}/runbooks/{code}/executar', () => {
  it('R0 is queued at once (202 em_fila) and the worker runs it to sucesso with the noop output', async () => {
    const { publicId, domain } = await newChamado();
    const body = await requested(publicId, 'dns_recheck', { params: { domain }, force_nivel: null });
    expect(body).toEqual({ exec_id: body.exec_id, runbook_code: 'dns_recheck', nivel: 'R0', status: 'em_fila' });

    const done = await waitTerminal(body.exec_id);
    expect(done).toMatchObject({
      execId: body.exec_id,
      runbookCode: 'dns_recheck',
      nivel: 'R0',
      status: 'sucesso',
      params: { domain },
      output: `noop: dns_recheck would run with ${JSON.stringify({ domain })}`,
      attempt: 1,
      error: null,
      exitCode: null,
      httpStatus: null,
      approval: null,
      requestedBy: { username: 'ops' },
    });
    expect(done.queuedAt).toMatch(ISO);
    expect(done.startedAt).toMatch(ISO);
    expect(done.finishedAt).toMatch(ISO);
    expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(Date.parse(done.queuedAt));
    expect(done.durationMs).toBe(Date.parse(done.finishedAt) - Date.parse(done.startedAt));
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect(await jobCount(body.exec_id)).toBe(1);
  });

  it('R1 waits for approval: 202 pendente_aprovacao, one approval request, no job, nothing runs', async () => {
    const { publicId, domain } = await newChamado();
    const body = await requested(publicId, 'traefik_cert_sync', { params: { domain } });
    expect(body).toEqual({ exec_id: body.exec_id, runbook_code: 'traefik_cert_sync', nivel: 'R1', status: 'pendente_aprovacao' });

    const x = await execution(body.exec_id);
    expect(x).toMatchObject({ status: 'pendente_aprovacao', attempt: 0, queuedAt: null, startedAt: null, finishedAt: null, output: null });
    expect(x.approval).toMatchObject({ id: expect.any(Number), status: 'pendente', requiredApprovals: 1, decisions: [] });
    expect(await jobCount(body.exec_id)).toBe(0);
  });

  it('R2 needs two approvals', async () => {
    const { publicId, domain } = await newChamado();
    const body = await requested(publicId, 'restart_mail_service', { params: { domain } });
    expect(body).toEqual({ exec_id: body.exec_id, runbook_code: 'restart_mail_service', nivel: 'R2', status: 'pendente_aprovacao' });
    const x = await execution(body.exec_id);
    expect(x.approval).toMatchObject({ status: 'pendente', requiredApprovals: 2, decisions: [] });
    expect(await jobCount(body.exec_id)).toBe(0);
  });

  it('R3 is recorded as handoff_pendente, never runs, and handOffExecution ends it as handoff', async () => {
    const { publicId, domain } = await newChamado();
    const body = await requested(publicId, 'rotate_dkim', { params: { domain } });
    expect(body).toEqual({ exec_id: body.exec_id, runbook_code: 'rotate_dkim', nivel: 'R3', status: 'handoff_pendente' });

    const x = await execution(body.exec_id);
    expect(x).toMatchObject({ status: 'handoff_pendente', attempt: 0, approval: null, queuedAt: null, startedAt: null });
    expect(await jobCount(body.exec_id)).toBe(0);
    expect((await detail(publicId)).acoes_pendentes).toEqual([
      { runbook_code: 'rotate_dkim', nivel: 'R3', status: 'handoff_pendente', exec_id: body.exec_id },
    ]);

    // A hand-off must say who took it over.
    const blank = await server.gql(gqlHandOff, { id: body.exec_id, nota: '   ' }, { as: 'ops' });
    expect(blank.data.handOffExecution).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect((await execution(body.exec_id)).status).toBe('handoff_pendente');

    const res = await server.gql(gqlHandOff, { id: body.exec_id, nota: 'equipa de e-mail, ticket INC-42' }, { as: 'ops' });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data.handOffExecution).toMatchObject({
      __typename: 'RunbookExecution',
      execId: body.exec_id,
      status: 'handoff',
      output: 'equipa de e-mail, ticket INC-42',
      attempt: 0,
      finishedAt: expect.stringMatching(ISO),
    });

    const again = await server.gql(gqlHandOff, { id: body.exec_id, nota: 'outra vez' }, { as: 'ops' });
    expect(again.data.handOffExecution).toMatchObject({ __typename: 'ExecutionStateError', code: 'EXECUTION_STATE' });

    const entries = await runbookTimeline(publicId, body.exec_id);
    expect(entries.map((e) => e.event_type)).toEqual(['runbook.requested', 'runbook.handoff_pending', 'runbook.handoff']);
    expect(entries.map((e) => e.actor)).toEqual(['ops', null, 'ops']);
    expect(await jobCount(body.exec_id)).toBe(0);
    expect((await detail(publicId)).acoes_pendentes).toEqual([]);
  });

  it('handOffExecution refuses anything but an R3 awaiting hand-off', async () => {
    const { publicId, domain } = await newChamado();
    const r1 = await requested(publicId, 'traefik_cert_sync', { params: { domain } });
    const res = await server.gql(gqlHandOff, { id: r1.exec_id, nota: 'não' }, { as: 'ops' });
    expect(res.data.handOffExecution).toMatchObject({ __typename: 'ExecutionStateError', code: 'EXECUTION_STATE' });
    expect((await execution(r1.exec_id)).status).toBe('pendente_aprovacao');
  });

  it('force_nivel raises R0 to R2 (two approvals needed, nothing queued), or to R3 (hand-off only)', async () => {
    const { publicId, domain } = await newChamado();
    const body = await requested(publicId, 'dns_recheck', { params: { domain }, force_nivel: 'R2' });
    expect(body).toEqual({ exec_id: body.exec_id, runbook_code: 'dns_recheck', nivel: 'R2', status: 'pendente_aprovacao' });
    const x = await execution(body.exec_id);
    expect(x.approval).toMatchObject({ status: 'pendente', requiredApprovals: 2 });
    expect(await jobCount(body.exec_id)).toBe(0);
    const [requestedEntry] = await runbookTimeline(publicId, body.exec_id);
    expect(requestedEntry).toMatchObject({ event_type: 'runbook.requested', actor: 'ops' });
    expect(requestedEntry!.summary).toContain('R0');

    // Raised all the way to R3 it is hand-off only.
    const r3 = await requested(publicId, 'dns_recheck', { params: { domain }, force_nivel: 'R3' });
    expect(r3).toMatchObject({ nivel: 'R3', status: 'handoff_pendente' });
    expect(await jobCount(r3.exec_id)).toBe(0);
  });

  it('force_nivel never lowers: R2 with force R0 stays R2, R3 with force R0 stays R3', async () => {
    const { publicId, domain } = await newChamado();
    const r2 = await requested(publicId, 'restart_mail_service', { params: { domain }, force_nivel: 'R0' });
    expect(r2).toMatchObject({ nivel: 'R2', status: 'pendente_aprovacao' });
    expect((await execution(r2.exec_id)).approval).toMatchObject({ requiredApprovals: 2 });
    expect(await jobCount(r2.exec_id)).toBe(0);

    const r3 = await requested(publicId, 'rotate_dkim', { params: { domain }, force_nivel: 'R1' });
    expect(r3).toMatchObject({ nivel: 'R3', status: 'handoff_pendente' });
  });

  it('force_nivel must be a level (400)', async () => {
    const { publicId, domain } = await newChamado();
    expectError(await executar(publicId, 'dns_recheck', { params: { domain }, force_nivel: 'R9' }), 400, 'BAD_REQUEST');
    expect(await executionCount(publicId)).toBe(0);
  });

  describe('params that do not match the runbook schema → 422 with reasons, nothing created', () => {
    let publicId: string;
    let domain: string;
    beforeAll(async () => {
      ({ publicId, domain } = await newChamado());
    });

    async function expectInvalid(params: unknown, path: string, message: RegExp): Promise<void> {
      const res = await executar(publicId, 'dns_recheck', { params });
      expectError(res, 422, 'INVALID_PARAMS');
      expect(res.body.issues).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
      expect(res.body.message).toContain(path);
      expect(await executionCount(publicId)).toBe(0);
    }

    it('missing domain', () => expectInvalid({}, 'params.domain', /required/));
    it('an extra property', () => expectInvalid({ domain, extra: 1 }, 'params', /additional properties/));
    it('a domain that does not match the pattern', () => expectInvalid({ domain: 'Not A Domain!' }, 'params.domain', /pattern/));
    it('a domain of the wrong type', () => expectInvalid({ domain: 42 }, 'params.domain', /string/));

    it('left no execution, approval or timeline entry behind', async () => {
      // The same requests at R1 must not leave approval requests either.
      expectError(await executar(publicId, 'traefik_cert_sync', { params: {} }), 422, 'INVALID_PARAMS');
      expect(await executionCount(publicId)).toBe(0);
      const body = await detail(publicId);
      expect(body.timeline.filter((e: Json) => e.kind === 'runbook')).toEqual([]);
      expect(body.acoes_pendentes).toEqual([]);
    });
  });

  it('unknown runbook → 404', async () => {
    const { publicId, domain } = await newChamado();
    expectError(await executar(publicId, 'no_such_runbook', { params: { domain } }), 404, 'NOT_FOUND');
    expect(await executionCount(publicId)).toBe(0);
  });

  it('unknown chamado → 404', async () => {
    expectError(await executar('CH-2099-99999', 'dns_recheck', { params: { domain: newDomain('rb') } }), 404, 'NOT_FOUND');
  });

  it('viewer → 403, no token → 401, bad token → 401; nothing created', async () => {
    const { publicId, domain } = await newChamado();
    expectError(await executar(publicId, 'dns_recheck', { params: { domain } }, 'viewer'), 403, 'FORBIDDEN');
    expectError(await executar(publicId, 'dns_recheck', { params: { domain } }, null), 401, 'UNAUTHENTICATED');
    const bad = await server.rest('POST', chamadoPath(publicId, '/runbooks/dns_recheck/executar'), {
      token: 'not.a.token',
      body: { params: { domain } },
    });
    expectError(bad, 401, 'UNAUTHENTICATED');
    expect(await executionCount(publicId)).toBe(0);
  });

  it('a disabled runbook cannot be requested', async () => {
    const rb = code();
    await createRunbookOk({ code: rb, nivel: 'R0', executorKind: 'noop', enabled: false });
    const { publicId } = await newChamado();
    const res = await executar(publicId, rb, { params: {} });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.message).toContain('disabled');
    expect(await executionCount(publicId)).toBe(0);
  });
});

// ───────────────────────────── approvals ─────────────────────────────

describe('Aprovações', () => {
  /** An R1 traefik_cert_sync request on a fresh chamado: its exec id and approval id. */
  async function pendingR1(as: TestUser = 'ops', runbookCode = 'traefik_cert_sync') {
    const { publicId, domain } = await newChamado();
    const body = await requested(publicId, runbookCode, { params: { domain } }, as);
    expect(body.status).toBe('pendente_aprovacao');
    return { publicId, domain, execId: body.exec_id as number, approvalId: await approvalIdOf(body.exec_id) };
  }

  it('GET /api/v1/aprovacoes?status=pendente lists the request with the documented fields', async () => {
    const { publicId, domain, execId, approvalId } = await pendingR1();
    const body = await listApprovals('pendente');
    expect(Object.keys(body).sort()).toEqual(['aprovacoes', 'total']);
    expect(body.total).toBeGreaterThanOrEqual(1);
    for (const a of body.aprovacoes) expect(a.status).toBe('pendente');
    const mine = body.aprovacoes.filter((a: Json) => a.exec_id === execId);
    expect(mine).toHaveLength(1);
    expect(Object.keys(mine[0]).sort()).toEqual(APPROVAL_KEYS);
    expect(mine[0]).toEqual({
      id: approvalId,
      status: 'pendente',
      exec_id: execId,
      exec_status: 'pendente_aprovacao',
      chamado_public_id: publicId,
      runbook_code: 'traefik_cert_sync',
      nivel: 'R1',
      params: { domain },
      requested_by: 'ops',
      approvals_required: 1,
      approvals_count: 0,
      decisoes: [],
      created_at: expect.stringMatching(ISO),
      expires_at: expect.stringMatching(ISO),
      decided_at: null,
    });
    // APPROVAL_TTL defaults to 24 h.
    const ttl = Date.parse(mine[0].expires_at) - Date.parse(mine[0].created_at);
    expect(Math.abs(ttl - 24 * 3_600_000)).toBeLessThan(60_000);

    // Other statuses do not list it; an unknown status is a 400; a viewer may read the list.
    expect((await listApprovals('aprovado')).aprovacoes.some((a: Json) => a.exec_id === execId)).toBe(false);
    expectError(await server.rest('GET', '/api/v1/aprovacoes?status=bogus', { as: 'lead' }), 400, 'BAD_REQUEST');
    expect((await listApprovals('pendente', 'viewer')).aprovacoes.some((a: Json) => a.exec_id === execId)).toBe(true);
    expectError(await server.rest('GET', '/api/v1/aprovacoes'), 401, 'UNAUTHENTICATED');
  });

  it('a lead approves an R1: 200 aprovado, the execution is queued and ends in sucesso', async () => {
    const { domain, execId, approvalId } = await pendingR1();
    const body = expectOk(await aprovar(approvalId, 'lead', 'OK executar'));
    expect(body).toMatchObject({
      id: approvalId,
      status: 'aprovado',
      exec_id: execId,
      approvals_required: 1,
      approvals_count: 1,
      decisoes: [{ aprovador: 'lead', decisao: 'aprovado', nota: 'OK executar', created_at: expect.stringMatching(ISO) }],
      decided_at: expect.stringMatching(ISO),
    });
    expect(['em_fila', 'executando', 'sucesso']).toContain(body.exec_status);

    const done = await waitTerminal(execId);
    expect(done).toMatchObject({ status: 'sucesso', attempt: 1, exitCode: 0, error: null });
    expect(done.output).toBe(`would re-issue the TLS certificate for ${domain} and reload traefik (exec ${execId})\n`);
    expect(done.approval).toMatchObject({ status: 'aprovado', decisions: [{ approver: { username: 'lead' }, decisao: 'aprovado', nota: 'OK executar' }] });
    expect(await jobCount(execId)).toBe(1);
  });

  it('the requester cannot decide their own request (403), even as a lead', async () => {
    const { execId, approvalId } = await pendingR1('lead');
    expectError(await aprovar(approvalId, 'lead'), 403, 'FORBIDDEN_ACTION');
    expectError(await rejeitar(approvalId, 'lead'), 403, 'FORBIDDEN_ACTION');
    const x = await execution(execId);
    expect(x).toMatchObject({ status: 'pendente_aprovacao', approval: { status: 'pendente', decisions: [] } });
    // Someone else still can.
    expectOk(await aprovar(approvalId, 'lead2'));
    expect((await waitTerminal(execId)).status).toBe('sucesso');
  });

  it('an ops (or viewer) cannot approve: 403, nothing decided', async () => {
    const { execId, approvalId } = await pendingR1();
    expectError(await aprovar(approvalId, 'ops'), 403, 'FORBIDDEN');
    expectError(await rejeitar(approvalId, 'ops'), 403, 'FORBIDDEN');
    expectError(await aprovar(approvalId, 'viewer'), 403, 'FORBIDDEN');
    expectError(await server.rest('POST', `/api/v1/aprovacoes/${approvalId}/aprovar`, { body: { decisao: 'aprovado' } }), 401, 'UNAUTHENTICATED');
    expect(await execution(execId)).toMatchObject({ status: 'pendente_aprovacao', approval: { status: 'pendente', decisions: [] } });
  });

  it('unknown approval → 404; a body contradicting the path → 400', async () => {
    expectError(await aprovar(2_000_000_000, 'lead'), 404, 'NOT_FOUND');
    expectError(await aprovar(0, 'lead'), 404, 'NOT_FOUND');
    const { execId, approvalId } = await pendingR1();
    expectError(await decide(approvalId, 'aprovar', 'lead', { decisao: 'rejeitado' }), 400, 'BAD_REQUEST');
    expectError(await decide(approvalId, 'rejeitar', 'lead', { decisao: 'aprovado' }), 400, 'BAD_REQUEST');
    expect((await execution(execId)).approval).toMatchObject({ status: 'pendente', decisions: [] });
  });

  it('R1: deciding twice (same approver) → 409, and another lead after it was approved → 409; it runs once', async () => {
    const { execId, approvalId } = await pendingR1();
    expectOk(await aprovar(approvalId, 'lead'));
    expectError(await aprovar(approvalId, 'lead'), 409, 'APPROVAL_CLOSED');
    expectError(await aprovar(approvalId, 'lead2'), 409, 'APPROVAL_CLOSED');
    expectError(await rejeitar(approvalId, 'lead2'), 409, 'APPROVAL_CLOSED');
    const done = await waitTerminal(execId);
    expect(done).toMatchObject({ status: 'sucesso', attempt: 1 });
    expect(done.approval.decisions).toHaveLength(1);
    expect(await jobCount(execId)).toBe(1);
  });

  it('R2: the first approval keeps it pending (1/2), the same approver again → 409, a second lead queues it', async () => {
    const { execId, approvalId } = await pendingR1('ops', 'restart_mail_service');
    const first = expectOk(await aprovar(approvalId, 'lead', 'primeiro'));
    expect(first).toMatchObject({ status: 'pendente', exec_status: 'pendente_aprovacao', approvals_required: 2, approvals_count: 1, decided_at: null });
    expect(await jobCount(execId)).toBe(0);

    expectError(await aprovar(approvalId, 'lead'), 409, 'ALREADY_DECIDED');
    expectError(await rejeitar(approvalId, 'lead'), 409, 'ALREADY_DECIDED');
    expect((await listApprovals('pendente')).aprovacoes.find((a: Json) => a.exec_id === execId)).toMatchObject({ approvals_count: 1 });

    const second = expectOk(await aprovar(approvalId, 'lead2', 'segundo'));
    expect(second).toMatchObject({ status: 'aprovado', approvals_count: 2, decided_at: expect.stringMatching(ISO) });
    expect(second.decisoes.map((d: Json) => d.aprovador)).toEqual(['lead', 'lead2']);
    expect(['em_fila', 'executando', 'sucesso']).toContain(second.exec_status);

    const done = await waitTerminal(execId);
    expect(done).toMatchObject({ status: 'sucesso', attempt: 1, exitCode: 0 });
    expect(done.output).toContain('would restart postfix and dovecot');
    expect(await jobCount(execId)).toBe(1);
  });

  it('R2: an admin counts as the second approver; the requester never does', async () => {
    const { execId, approvalId } = await pendingR1('lead', 'restart_mail_service');
    expectError(await aprovar(approvalId, 'lead'), 403, 'FORBIDDEN_ACTION');
    expect(expectOk(await aprovar(approvalId, 'lead2'))).toMatchObject({ status: 'pendente', approvals_count: 1 });
    expect(expectOk(await aprovar(approvalId, 'admin'))).toMatchObject({ status: 'aprovado', approvals_count: 2 });
    expect((await waitTerminal(execId)).status).toBe('sucesso');
  });

  it('rejeitar ends it as rejeitado; approving later → 409', async () => {
    const { publicId, execId, approvalId } = await pendingR1();
    const body = expectOk(await rejeitar(approvalId, 'lead', 'Risco alto'));
    expect(body).toMatchObject({
      status: 'rejeitado',
      exec_status: 'rejeitado',
      approvals_count: 0,
      decisoes: [{ aprovador: 'lead', decisao: 'rejeitado', nota: 'Risco alto' }],
      decided_at: expect.stringMatching(ISO),
    });
    expectError(await aprovar(approvalId, 'lead2'), 409, 'APPROVAL_CLOSED');
    expectError(await rejeitar(approvalId, 'lead2'), 409, 'APPROVAL_CLOSED');
    const x = await execution(execId);
    expect(x).toMatchObject({ status: 'rejeitado', attempt: 0, startedAt: null, finishedAt: expect.stringMatching(ISO) });
    expect(await jobCount(execId)).toBe(0);
    expect((await listApprovals('rejeitado')).aprovacoes.some((a: Json) => a.exec_id === execId)).toBe(true);
    const entries = await runbookTimeline(publicId, execId);
    expect(entries.map((e) => [e.event_type, e.actor])).toEqual([
      ['runbook.requested', 'ops'],
      ['runbook.rejected', 'lead'],
    ]);
    expect((await detail(publicId)).acoes_pendentes).toEqual([]);
  });

  it('R2: one approval then a rejection ends it as rejeitado', async () => {
    const { execId, approvalId } = await pendingR1('ops', 'restart_mail_service');
    expectOk(await aprovar(approvalId, 'lead'));
    expect(expectOk(await rejeitar(approvalId, 'lead2'))).toMatchObject({ status: 'rejeitado', exec_status: 'rejeitado' });
    expectError(await aprovar(approvalId, 'admin'), 409, 'APPROVAL_CLOSED');
    expect(await jobCount(execId)).toBe(0);
  });

  it('an expired request cannot be decided (409) and its execution ends as expirado', async () => {
    const { publicId, execId, approvalId } = await pendingR1();
    await sql(`update approval_requests set expires_at = now() - interval '1 minute' where id = ?`, [approvalId]);

    // Past its deadline it is offered as expirado, never as pendente, even before anyone swept it.
    expect((await listApprovals('pendente')).aprovacoes.some((a: Json) => a.exec_id === execId)).toBe(false);
    expect((await listApprovals('expirado')).aprovacoes.find((a: Json) => a.exec_id === execId)).toMatchObject({ id: approvalId, status: 'expirado' });

    const res = await aprovar(approvalId, 'lead');
    expectError(res, 409, 'APPROVAL_CLOSED');
    expect(res.body.message).toContain('expirado');
    expectError(await rejeitar(approvalId, 'lead2'), 409, 'APPROVAL_CLOSED');

    const x = await execution(execId);
    expect(x).toMatchObject({ status: 'expirado', attempt: 0, finishedAt: expect.stringMatching(ISO), approval: { status: 'expirado', decisions: [] } });
    expect(await jobCount(execId)).toBe(0);
    expect((await listApprovals('expirado')).aprovacoes.find((a: Json) => a.exec_id === execId)).toMatchObject({
      status: 'expirado',
      exec_status: 'expirado',
      decided_at: expect.stringMatching(ISO),
    });
    const entries = await runbookTimeline(publicId, execId);
    expect(entries.map((e) => [e.event_type, e.actor])).toEqual([
      ['runbook.requested', 'ops'],
      ['runbook.expired', null],
    ]);
    expect((await detail(publicId)).acoes_pendentes).toEqual([]);
  });

  it('cancelExecution of a pending request → cancelado, its approval cancelado, deciding it → 409', async () => {
    const { publicId, execId, approvalId } = await pendingR1();
    const res = await server.gql(gqlCancel, { id: execId, nota: 'já não é preciso' }, { as: 'ops' });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data.cancelExecution).toMatchObject({
      __typename: 'RunbookExecution',
      execId,
      status: 'cancelado',
      finishedAt: expect.stringMatching(ISO),
      approval: { id: approvalId, status: 'cancelado' },
    });
    expectError(await aprovar(approvalId, 'lead'), 409, 'APPROVAL_CLOSED');
    expect((await listApprovals('cancelado')).aprovacoes.find((a: Json) => a.exec_id === execId)).toMatchObject({ status: 'cancelado', exec_status: 'cancelado' });
    expect(await jobCount(execId)).toBe(0);
    const entries = await runbookTimeline(publicId, execId);
    expect(entries.map((e) => [e.event_type, e.actor])).toEqual([
      ['runbook.requested', 'ops'],
      ['runbook.cancelled', 'ops'],
    ]);
    expect((await detail(publicId)).acoes_pendentes).toEqual([]);

    // Cancelling again is a state error.
    const again = await server.gql(gqlCancel, { id: execId }, { as: 'ops' });
    expect(again.data.cancelExecution).toMatchObject({ __typename: 'ExecutionStateError', code: 'EXECUTION_STATE' });
  });

  it('cancelling a finished execution → ExecutionStateError (EXECUTION_STATE); a viewer may not cancel', async () => {
    const { publicId, domain } = await newChamado();
    const body = await requested(publicId, 'dns_recheck', { params: { domain } });
    expect((await waitTerminal(body.exec_id)).status).toBe('sucesso');
    const res = await server.gql(gqlCancel, { id: body.exec_id }, { as: 'ops' });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data.cancelExecution).toMatchObject({ __typename: 'ExecutionStateError', code: 'EXECUTION_STATE' });
    expect(res.data.cancelExecution.message).toContain('sucesso');
    expect((await execution(body.exec_id)).status).toBe('sucesso');

    const viewer = await server.gql(gqlCancel, { id: body.exec_id }, { as: 'viewer' });
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const missing = await server.gql(gqlCancel, { id: 2_000_000_000 }, { as: 'ops' });
    expect(missing.data.cancelExecution).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  it('cancel racing an approval: a successful cancel always means it never ran', async () => {
    const rounds = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const { execId, approvalId } = await pendingR1();
        const [approve, cancel] = await Promise.all([
          aprovar(approvalId, 'lead'),
          server.gql(gqlCancel, { id: execId }, { as: 'ops' }),
        ]);
        return { execId, approve, cancel: cancel.data.cancelExecution };
      }),
    );
    for (const { execId, approve, cancel } of rounds) {
      expect([200, 409]).toContain(approve.status);
      expect(['RunbookExecution', 'ExecutionStateError']).toContain(cancel.__typename);
      if (cancel.__typename === 'RunbookExecution') {
        // Wait until no job of it can still run (none left created/retry/active), then check it never ran.
        await waitForJobsSettled(execId);
        expect(await execution(execId)).toMatchObject({ status: 'cancelado', attempt: 0, startedAt: null });
      } else {
        expect(approve.status).toBe(200);
        expect((await waitTerminal(execId)).status).toBe('sucesso');
      }
    }
  });

  it('cancel racing a first R2 approval: both answer (no deadlock, no 500) and it ends cancelado', async () => {
    // Cancelling and approving lock the same two rows (approval request, execution); taken in
    // opposite orders they deadlocked and one side answered 500.
    const rounds = await Promise.all(
      Array.from({ length: 25 }, async () => {
        const { execId, approvalId } = await pendingR1('ops', 'restart_mail_service');
        const [approve, cancel] = await Promise.all([
          aprovar(approvalId, 'lead'),
          server.gql(gqlCancel, { id: execId }, { as: 'ops' }),
        ]);
        return { execId, approve, cancel };
      }),
    );
    for (const { execId, approve, cancel } of rounds) {
      expect(cancel.errors, JSON.stringify(cancel.errors)).toBeUndefined();
      // One approval of two leaves it cancellable, whichever came first.
      expect(cancel.data.cancelExecution).toMatchObject({ __typename: 'RunbookExecution', status: 'cancelado', approval: { status: 'cancelado' } });
      // The answer is read after the decision committed, so the cancel may already show in it.
      if (approve.status === 200) expect(approve.body).toMatchObject({ status: expect.stringMatching(/^(pendente|cancelado)$/), approvals_count: 1 });
      else expectError(approve, 409, 'APPROVAL_CLOSED');
      const x = await execution(execId);
      expect(x).toMatchObject({ status: 'cancelado', attempt: 0, approval: { status: 'cancelado' } });
      expect(x.approval.decisions).toHaveLength(approve.status === 200 ? 1 : 0);
      expect(await jobCount(execId)).toBe(0);
    }
  });

  describe('through GraphQL', () => {
    it('approvals(status) lists it; approve/reject answer the request; typed errors carry __typename and code', async () => {
      const { execId, approvalId } = await pendingR1();
      const list = await server.gql(
        `query RbApprovals($status: ApprovalStatus) { approvals(status: $status, limit: 200) { total items { id status requiredApprovals execution { execId status } requestedBy { username } } } }`,
        { status: 'pendente' },
        { as: 'viewer' },
      );
      expect(list.errors, JSON.stringify(list.errors)).toBeUndefined();
      expect(list.data.approvals.total).toBeGreaterThanOrEqual(1);
      expect(list.data.approvals.items.filter((a: Json) => a.execution.execId === execId)).toEqual([
        { id: approvalId, status: 'pendente', requiredApprovals: 1, execution: { execId, status: 'pendente_aprovacao' }, requestedBy: { username: 'ops' } },
      ]);

      // ops cannot approve (scope): a FORBIDDEN error, not data.
      const forbidden = await server.gql(gqlApprove, { id: approvalId }, { as: 'ops' });
      expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const anonymous = await server.gql(gqlApprove, { id: approvalId });
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

      const ok = await server.gql(gqlApprove, { id: approvalId, nota: 'via graphql' }, { as: 'lead2' });
      expect(ok.errors, JSON.stringify(ok.errors)).toBeUndefined();
      expect(ok.data.approve).toMatchObject({
        __typename: 'ApprovalRequest',
        id: approvalId,
        status: 'aprovado',
        decisions: [{ approver: { username: 'lead2' }, decisao: 'aprovado', nota: 'via graphql' }],
      });
      const closed = await server.gql(gqlApprove, { id: approvalId }, { as: 'lead' });
      expect(closed.data.approve).toMatchObject({ __typename: 'ApprovalClosedError', code: 'APPROVAL_CLOSED' });
      const closedReject = await server.gql(gqlReject, { id: approvalId }, { as: 'lead' });
      expect(closedReject.data.reject).toMatchObject({ __typename: 'ApprovalClosedError', code: 'APPROVAL_CLOSED' });
      const missing = await server.gql(gqlApprove, { id: 2_000_000_000 }, { as: 'lead' });
      expect(missing.data.approve).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', resource: 'approval' });
      expect((await waitTerminal(execId)).status).toBe('sucesso');
    });

    it('requester → ForbiddenActionError; same approver twice on R2 → AlreadyDecidedError; reject → rejeitado', async () => {
      const own = await pendingR1('lead', 'restart_mail_service');
      const self = await server.gql(gqlApprove, { id: own.approvalId }, { as: 'lead' });
      expect(self.data.approve).toMatchObject({ __typename: 'ForbiddenActionError', code: 'FORBIDDEN_ACTION' });

      const first = await server.gql(gqlApprove, { id: own.approvalId }, { as: 'lead2' });
      expect(first.data.approve).toMatchObject({ __typename: 'ApprovalRequest', status: 'pendente', requiredApprovals: 2 });
      const twice = await server.gql(gqlApprove, { id: own.approvalId }, { as: 'lead2' });
      expect(twice.data.approve).toMatchObject({ __typename: 'AlreadyDecidedError', code: 'ALREADY_DECIDED' });

      const rejected = await server.gql(gqlReject, { id: own.approvalId, nota: 'não agora' }, { as: 'admin' });
      expect(rejected.data.reject).toMatchObject({
        __typename: 'ApprovalRequest',
        status: 'rejeitado',
        execution: { execId: own.execId, status: 'rejeitado' },
      });
      expect(rejected.data.reject.decisions.map((d: Json) => [d.approver.username, d.decisao])).toEqual([
        ['lead2', 'aprovado'],
        ['admin', 'rejeitado'],
      ]);
      expect(await jobCount(own.execId)).toBe(0);
    });

    it('executeRunbook answers the execution, and typed errors for bad params and unknown names', async () => {
      const { publicId, domain } = await newChamado();
      const doc = `mutation RbExecute($publicId: String!, $code: String!, $params: JSON, $forceNivel: Nivel) {
        executeRunbook(publicId: $publicId, code: $code, params: $params, forceNivel: $forceNivel) {
          __typename
          ... on RunbookExecution { execId nivel status runbookCode approval { requiredApprovals } }
          ... on ValidationError { issues { path message } }
          ... on NotFoundError { resource key }
          ... on Error { code message }
        }
      }`;
      const ok = await server.gql(doc, { publicId, code: 'traefik_cert_sync', params: { domain }, forceNivel: 'R2' }, { as: 'ops' });
      expect(ok.data.executeRunbook).toMatchObject({
        __typename: 'RunbookExecution',
        nivel: 'R2',
        status: 'pendente_aprovacao',
        runbookCode: 'traefik_cert_sync',
        approval: { requiredApprovals: 2 },
      });
      const bad = await server.gql(doc, { publicId, code: 'traefik_cert_sync', params: { domain: 'UPPER.example.com' } }, { as: 'ops' });
      expect(bad.data.executeRunbook).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_PARAMS' });
      expect(bad.data.executeRunbook.issues).toEqual([{ path: 'params.domain', message: expect.stringMatching(/pattern/) }]);
      const unknown = await server.gql(doc, { publicId, code: 'nope_nope', params: {} }, { as: 'ops' });
      expect(unknown.data.executeRunbook).toMatchObject({ __typename: 'NotFoundError', resource: 'runbook', key: 'nope_nope' });
      const viewer = await server.gql(doc, { publicId, code: 'dns_recheck', params: { domain } }, { as: 'viewer' });
      expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await executionCount(publicId)).toBe(1);
    });
  });
});

// ───────────────────────────── the race ─────────────────────────────

describe('two approvals racing on one R1', () => {
  it('exactly one wins (200) and one loses (409), and the execution runs exactly once', async () => {
    const rounds = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const { publicId, domain } = await newChamado();
        const body = await requested(publicId, 'traefik_cert_sync', { params: { domain } });
        const approvalId = await approvalIdOf(body.exec_id);
        const results = await Promise.all([aprovar(approvalId, 'lead', 'eu'), aprovar(approvalId, 'lead2', 'eu também')]);
        return { publicId, execId: body.exec_id as number, approvalId, results };
      }),
    );
    for (const { publicId, execId, results } of rounds) {
      expect(results.map((r) => r.status).sort(), JSON.stringify(results.map((r) => r.body))).toEqual([200, 409]);
      const loser = results.find((r) => r.status === 409)!;
      expect(loser.body.error).toBe('APPROVAL_CLOSED');
      const winner = results.find((r) => r.status === 200)!;
      expect(winner.body).toMatchObject({ status: 'aprovado', approvals_count: 1 });

      const done = await waitTerminal(execId);
      expect(done).toMatchObject({ status: 'sucesso', attempt: 1 });
      expect(done.approval.decisions).toHaveLength(1);
      expect(done.approval.decisions[0].approver.username).toBe(winner.body.decisoes[0].aprovador);

      const entries = await runbookTimeline(publicId, execId);
      const count = (t: string) => entries.filter((e) => e.event_type === t).length;
      expect(count('runbook.approved')).toBe(1);
      expect(count('runbook.queued')).toBe(1);
      expect(count('runbook.started')).toBe(1);
      expect(count('runbook.sucesso')).toBe(1);
      expect(await jobCount(execId)).toBe(1);
      const [decisions] = await sql<{ n: number }>(
        `select count(*)::int as n from approval_decisions d join approval_requests a on a.id = d.request_id where a.execution_id = ?`,
        [execId],
      );
      expect(decisions!.n).toBe(1);
    }
  });
});

// ───────────────────────────── timeline and acoes_pendentes ─────────────────────────────

describe('timeline and acoes_pendentes', () => {
  it('a pending R1 is the one acao pendente (contract shape), gone once it finished; every step is on the timeline', async () => {
    const { publicId, domain } = await newChamado();
    const body = await requested(publicId, 'traefik_cert_sync', { params: { domain } });
    const execId = body.exec_id as number;

    const pending = await detail(publicId);
    expect(pending.acoes_pendentes).toEqual([{ runbook_code: 'traefik_cert_sync', nivel: 'R1', status: 'pendente_aprovacao', exec_id: execId }]);
    for (const a of pending.acoes_pendentes) expect(Object.keys(a).sort()).toEqual(['exec_id', 'nivel', 'runbook_code', 'status']);

    expectOk(await aprovar(await approvalIdOf(execId), 'lead', 'pode'));
    await waitForStatus(execId, 'sucesso');

    const finished = await detail(publicId);
    expect(finished.acoes_pendentes).toEqual([]);
    const entries = (finished.timeline as Json[]).filter((e) => e.kind === 'runbook');
    expect(entries.map((e) => e.event_type)).toEqual([
      'runbook.requested',
      'runbook.approved',
      'runbook.queued',
      'runbook.started',
      'runbook.sucesso',
    ]);
    expect(entries.map((e) => e.actor)).toEqual(['ops', 'lead', 'lead', null, null]);
    for (const e of entries) {
      expect(e).toMatchObject({ source: 'ops', created_at: expect.stringMatching(ISO) });
      expect(e.data).toMatchObject({ execId, runbookCode: 'traefik_cert_sync', nivel: 'R1' });
      expect(e.summary).toEqual(expect.any(String));
    }
    const times = entries.map((e) => Date.parse(e.created_at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(entries[0]!.data.params).toEqual({ domain });
    expect(entries[1]!.data).toMatchObject({ nota: 'pode', approvals: 1, required: 1 });
    expect(entries[4]!.data).toMatchObject({ exitCode: 0, error: null, durationMs: expect.any(Number) });

    // GraphQL agrees: no pending actions, one execution.
    const res = await server.gql(
      `query RbChamado($publicId: String!) { chamado(publicId: $publicId) { pendingActions { execId } executions { execId status } } }`,
      { publicId },
      { as: 'viewer' },
    );
    expect(res.data.chamado).toEqual({ pendingActions: [], executions: [{ execId, status: 'sucesso' }] });
  });

  it('acoes_pendentes lists every open execution oldest first, and only those', async () => {
    const { publicId, domain } = await newChamado();
    const r1 = await requested(publicId, 'traefik_cert_sync', { params: { domain } });
    const r3 = await requested(publicId, 'rotate_dkim', { params: { domain } });
    const r0 = await requested(publicId, 'dns_recheck', { params: { domain } });
    await waitForStatus(r0.exec_id, 'sucesso');
    const r2 = await requested(publicId, 'restart_mail_service', { params: { domain } });
    const cancelled = await requested(publicId, 'traefik_cert_sync', { params: { domain } });
    const res = await server.gql(gqlCancel, { id: cancelled.exec_id }, { as: 'ops' });
    expect(res.data.cancelExecution.status).toBe('cancelado');

    expect((await detail(publicId)).acoes_pendentes).toEqual([
      { runbook_code: 'traefik_cert_sync', nivel: 'R1', status: 'pendente_aprovacao', exec_id: r1.exec_id },
      { runbook_code: 'rotate_dkim', nivel: 'R3', status: 'handoff_pendente', exec_id: r3.exec_id },
      { runbook_code: 'restart_mail_service', nivel: 'R2', status: 'pendente_aprovacao', exec_id: r2.exec_id },
    ]);
  });

  it('an R0 request records requested (by the requester), queued, started and sucesso', async () => {
    const { publicId, domain } = await newChamado();
    const body = await requested(publicId, 'dns_recheck', { params: { domain } }, 'lead');
    await waitForStatus(body.exec_id, 'sucesso');
    const entries = await runbookTimeline(publicId, body.exec_id);
    expect(entries.map((e) => [e.event_type, e.actor])).toEqual([
      ['runbook.requested', 'lead'],
      ['runbook.queued', null],
      ['runbook.started', null],
      ['runbook.sucesso', null],
    ]);
  });
});

// ───────────────────────────── catalog admin ─────────────────────────────

const RUNBOOK_FIELDS = 'code name description nivel paramsSchema executorKind executorConfig timeoutMs enabled updatedAt';
const gqlCreateRunbook = `mutation RbCreate($input: RunbookInput!) {
  createRunbook(input: $input) {
    __typename
    ... on Runbook { ${RUNBOOK_FIELDS} }
    ... on ValidationError { issues { path message } }
    ... on Error { code message }
  }
}`;
const gqlUpdateRunbook = `mutation RbUpdate($code: String!, $patch: RunbookPatch!) {
  updateRunbook(code: $code, patch: $patch) {
    __typename
    ... on Runbook { ${RUNBOOK_FIELDS} }
    ... on ValidationError { issues { path message } }
    ... on NotFoundError { resource key }
    ... on Error { code message }
  }
}`;

const OPEN_PARAMS = { type: 'object', properties: { domain: { type: 'string' } }, additionalProperties: false };

function runbookInput(extra: Record<string, unknown>): Record<string, unknown> {
  return { name: 'Runbook de teste', nivel: 'R0', paramsSchema: OPEN_PARAMS, executorKind: 'noop', executorConfig: {}, timeoutMs: 5000, ...extra };
}

async function createRunbook(extra: Record<string, unknown>, as: TestUser = 'admin') {
  return server.gql(gqlCreateRunbook, { input: runbookInput(extra) }, { as });
}

async function createRunbookOk(extra: Record<string, unknown>): Promise<Json> {
  const res = await createRunbook(extra);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(res.data.createRunbook.__typename, JSON.stringify(res.data.createRunbook)).toBe('Runbook');
  return res.data.createRunbook;
}

describe('runbook catalog (admin)', () => {
  it('createRunbook as admin: the runbook is in the catalog and can be run', async () => {
    const rb = code();
    const created = await createRunbookOk({ code: rb, description: 'faz nada', nivel: 'R0', executorKind: 'noop' });
    expect(created).toMatchObject({
      code: rb,
      name: 'Runbook de teste',
      description: 'faz nada',
      nivel: 'R0',
      paramsSchema: OPEN_PARAMS,
      executorKind: 'noop',
      executorConfig: {},
      timeoutMs: 5000,
      enabled: true,
      updatedAt: expect.stringMatching(ISO),
    });
    const listed = await server.gql(`{ runbooks { code nivel } }`, {}, { as: 'viewer' });
    expect(listed.data.runbooks).toEqual(expect.arrayContaining([{ code: rb, nivel: 'R0' }]));

    const { publicId, domain } = await newChamado();
    const body = await requested(publicId, rb, { params: { domain } });
    expect(body).toMatchObject({ runbook_code: rb, nivel: 'R0', status: 'em_fila' });
    const done = await waitTerminal(body.exec_id);
    expect(done).toMatchObject({ status: 'sucesso', output: `noop: ${rb} would run with ${JSON.stringify({ domain })}` });
  });

  it('a command runbook must name a plain executable inside the command dir', async () => {
    const ok = await createRunbookOk({
      code: code(),
      executorKind: 'command',
      executorConfig: { executable: 'traefik-cert-sync.sh', args: ['--domain', '{{domain}}'] },
    });
    expect(ok.executorConfig).toEqual({ executable: 'traefik-cert-sync.sh', args: ['--domain', '{{domain}}'] });

    for (const executable of ['../x', '../bin/traefik-cert-sync.sh', '/bin/sh', 'missing.sh']) {
      const rb = code();
      const res = await createRunbook({ code: rb, executorKind: 'command', executorConfig: { executable, args: [] } });
      expect(res.data.createRunbook, executable).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
      expect(res.data.createRunbook.issues.length).toBeGreaterThan(0);
      for (const issue of res.data.createRunbook.issues) expect(issue.path).toBe('executorConfig');
      const found = await server.gql(`query RbOne($code: String!) { runbook(code: $code) { code } }`, { code: rb }, { as: 'admin' });
      expect(found.data.runbook).toBeNull();
    }
  });

  it('an invalid JSON Schema → ValidationError on paramsSchema', async () => {
    const rb = code();
    const res = await createRunbook({ code: rb, paramsSchema: { type: 'frobnicate' } });
    expect(res.data.createRunbook).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect(res.data.createRunbook.issues).toEqual([{ path: 'paramsSchema', message: expect.any(String) }]);
    const bad = await createRunbook({ code: code(), paramsSchema: { type: 'object', properties: { a: { pattern: '([' } } } });
    expect(bad.data.createRunbook).toMatchObject({ __typename: 'ValidationError' });
  });

  it('a duplicate code → ValidationError; a malformed code → ValidationError', async () => {
    const dup = await createRunbook({ code: 'dns_recheck' });
    expect(dup.data.createRunbook).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect(dup.data.createRunbook.issues).toEqual([{ path: 'code', message: 'already taken' }]);

    const rb = code();
    await createRunbookOk({ code: rb });
    const again = await createRunbook({ code: rb });
    expect(again.data.createRunbook).toMatchObject({ __typename: 'ValidationError' });

    const malformed = await createRunbook({ code: 'Bad-Code' });
    expect(malformed.data.createRunbook).toMatchObject({ __typename: 'ValidationError' });
    expect(malformed.data.createRunbook.issues.map((i: Json) => i.path)).toContain('code');
  });

  it('only admins manage the catalog: ops and leads → FORBIDDEN, nothing created', async () => {
    for (const as of ['ops', 'lead', 'viewer'] as const) {
      const rb = code();
      const res = await createRunbook({ code: rb }, as);
      expect(res.errors?.[0]?.extensions?.code, as).toBe('FORBIDDEN');
      expect(res.data?.createRunbook ?? null).toBeNull();
      const upd = await server.gql(gqlUpdateRunbook, { code: 'dns_recheck', patch: { nivel: 'R3' } }, { as });
      expect(upd.errors?.[0]?.extensions?.code, as).toBe('FORBIDDEN');
      const [row] = await sql<{ n: number }>(`select count(*)::int as n from runbooks where code = ?`, [rb]);
      expect(row!.n).toBe(0);
    }
    const [demo] = await sql<{ nivel: string }>(`select nivel from runbooks where code = 'dns_recheck'`);
    expect(demo!.nivel).toBe('R0');
  });

  it('updateRunbook changes the catalog; executions already requested keep their level', async () => {
    const rb = code();
    await createRunbookOk({ code: rb, nivel: 'R1' });
    const { publicId, domain } = await newChamado();
    const before = await requested(publicId, rb, { params: { domain } });
    expect(before).toMatchObject({ nivel: 'R1', status: 'pendente_aprovacao' });

    const res = await server.gql(gqlUpdateRunbook, { code: rb, patch: { nivel: 'R2', name: 'Novo nome', timeoutMs: 7000 } }, { as: 'admin' });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data.updateRunbook).toMatchObject({ __typename: 'Runbook', code: rb, nivel: 'R2', name: 'Novo nome', timeoutMs: 7000, executorKind: 'noop' });

    const after = await requested(publicId, rb, { params: { domain } });
    expect(after).toMatchObject({ nivel: 'R2', status: 'pendente_aprovacao' });
    expect((await execution(after.exec_id)).approval.requiredApprovals).toBe(2);

    // The earlier request still needs exactly one approval.
    expect(expectOk(await aprovar(await approvalIdOf(before.exec_id), 'lead'))).toMatchObject({ status: 'aprovado', approvals_required: 1 });
    expect(await waitTerminal(before.exec_id)).toMatchObject({ status: 'sucesso', nivel: 'R1' });

    const missing = await server.gql(gqlUpdateRunbook, { code: 'no_such_runbook', patch: { name: 'x' } }, { as: 'admin' });
    expect(missing.data.updateRunbook).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const badExec = await server.gql(
      gqlUpdateRunbook,
      { code: rb, patch: { executorKind: 'command', executorConfig: { executable: '../x', args: [] } } },
      { as: 'admin' },
    );
    expect(badExec.data.updateRunbook).toMatchObject({ __typename: 'ValidationError' });
    const badSchema = await server.gql(gqlUpdateRunbook, { code: rb, patch: { paramsSchema: { type: 12 } } }, { as: 'admin' });
    expect(badSchema.data.updateRunbook).toMatchObject({ __typename: 'ValidationError' });
    const [row] = await sql<{ executor_kind: string; nivel: string }>(`select executor_kind, nivel from runbooks where code = ?`, [rb]);
    expect(row).toEqual({ executor_kind: 'noop', nivel: 'R2' });
  });

  it('executorConfig is admins-only (FORBIDDEN for others); secrets are redacted even for admins', async () => {
    const query = `query RbConfig($code: String!) { runbook(code: $code) { code nivel executorConfig } }`;
    for (const as of ['viewer', 'ops', 'lead'] as const) {
      const res = await server.gql(query, { code: 'traefik_cert_sync' }, { as });
      expect(res.errors?.[0]?.extensions?.code, as).toBe('FORBIDDEN');
      expect(JSON.stringify(res.data ?? null)).not.toContain('traefik-cert-sync.sh');
      const plain = await server.gql(`query RbPlain($code: String!) { runbook(code: $code) { code nivel } }`, { code: 'traefik_cert_sync' }, { as });
      expect(plain.data.runbook).toEqual({ code: 'traefik_cert_sync', nivel: 'R1' });
    }
    const admin = await server.gql(query, { code: 'traefik_cert_sync' }, { as: 'admin' });
    expect(admin.errors).toBeUndefined();
    expect(admin.data.runbook.executorConfig).toEqual({ executable: 'traefik-cert-sync.sh', args: ['--domain', '{{domain}}'] });

    const rb = code();
    const secret = 'super-secret-hmac-key-1234567890';
    const created = await createRunbookOk({ code: rb, executorKind: 'http', executorConfig: { url: 'http://127.0.0.1:9/hook', secret } });
    expect(JSON.stringify(created.executorConfig)).not.toContain(secret);
    expect(created.executorConfig.url).toBe('http://127.0.0.1:9/hook');
  });
});
