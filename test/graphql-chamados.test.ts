import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './__generated__/index.ts';
import { insertEvents } from './helpers/fixtures.ts';
import { newDomain } from './helpers/factories.ts';
import { startTestServer, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * The chamado operations of the REST shims, through GraphQL: the connection with its filters and
 * cursors, single lookups and global ids, every mutation with its typed errors, the lifecycle and
 * versioning, and the GraphQL-over-HTTP transport rules (GET, media types, depth limit).
 * Every test works on chamados of its own unique domain, so parallel test files do not interfere.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const PUBLIC_ID = /^CH-\d{4}-\d{5}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const GqlCreate = graphql(`
  mutation GqlChamadosCreate($input: CreateChamadoInput!) {
    createChamado(input: $input) {
      __typename
      ... on Chamado {
        id
        publicId
        status
        origin
        title
        description
        domain
        sessionId
        maxSeverity
        sources
        eventCount
        version
        allowedTransitions
        legacyTicketId
        createdAt
        updatedAt
        resolvedAt
        closedAt
        assignee { username }
        createdBy { username }
        observables { tipo valor fonte }
        timeline { kind eventType source summary severity actor { username } }
      }
      ... on ValidationError { code message issues { path message } }
      ... on Error { code message }
    }
  }
`);

const GqlDetail = graphql(`
  query GqlChamadosDetail($publicId: String!) {
    chamado(publicId: $publicId) {
      id
      publicId
      status
      version
      allowedTransitions
      eventCount
      sources
      maxSeverity
      resolvedAt
      closedAt
      updatedAt
      assignee { id username role }
      observables { tipo valor fonte }
      timeline { id kind eventType source summary eventId data actor { username } }
    }
  }
`);

const GqlList = graphql(`
  query GqlChamadosList($filter: ChamadoFilter, $first: Int, $after: String) {
    chamados(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { publicId status domain sources assignee { username } } }
    }
  }
`);

const GqlClaim = graphql(`
  mutation GqlChamadosClaim($publicId: String!, $override: Boolean, $nota: String, $expectedVersion: Int) {
    claimChamado(publicId: $publicId, override: $override, nota: $nota, expectedVersion: $expectedVersion) {
      __typename
      ... on Chamado {
        publicId
        status
        version
        assignee { username }
        timeline { kind eventType summary data actor { username } }
      }
      ... on ClaimConflictError { currentAssignee }
      ... on VersionConflictError { expectedVersion currentVersion }
      ... on NotFoundError { resource key }
      ... on Error { code message }
    }
  }
`);

const GqlStatus = graphql(`
  mutation GqlChamadosStatus($publicId: String!, $status: ChamadoStatus!, $nota: String, $expectedVersion: Int) {
    changeChamadoStatus(publicId: $publicId, status: $status, nota: $nota, expectedVersion: $expectedVersion) {
      __typename
      ... on Chamado {
        status
        version
        allowedTransitions
        resolvedAt
        closedAt
        assignee { username }
        timeline { kind eventType summary data actor { username } }
      }
      ... on InvalidTransitionError { from to allowed }
      ... on VersionConflictError { expectedVersion currentVersion }
      ... on ValidationError { issues { path message } }
      ... on NotFoundError { resource key }
      ... on Error { code message }
    }
  }
`);

const GqlNote = graphql(`
  mutation GqlChamadosNote($publicId: String!, $texto: String!, $expectedVersion: Int) {
    addChamadoNote(publicId: $publicId, texto: $texto, expectedVersion: $expectedVersion) {
      __typename
      ... on AddChamadoNotePayload {
        chamado { version timeline { kind summary } }
        entry { id kind eventType source summary data actor { username } createdAt }
      }
      ... on ValidationError { issues { path message } }
      ... on VersionConflictError { expectedVersion currentVersion }
      ... on NotFoundError { resource key }
      ... on Error { code message }
    }
  }
`);

const GqlAttach = graphql(`
  mutation GqlChamadosAttach($publicId: String!, $eventIds: [Int!]!, $expectedVersion: Int) {
    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds, expectedVersion: $expectedVersion) {
      __typename
      ... on AttachEventsPayload {
        attached
        timelineCount
        chamado {
          version
          eventCount
          sources
          maxSeverity
          observables { tipo valor fonte }
          timeline { kind eventType source eventId severity summary actor { username } }
        }
      }
      ... on UnknownReferenceError { resource keys }
      ... on VersionConflictError { expectedVersion currentVersion }
      ... on NotFoundError { resource key }
      ... on Error { code message }
    }
  }
`);

const GqlNode = graphql(`
  query GqlChamadosNode($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Chamado { publicId domain }
      ... on User { username role }
    }
  }
`);

const GqlNodes = graphql(`
  query GqlChamadosNodes($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Chamado { publicId }
      ... on User { username }
    }
  }
`);

/** Creates a chamado that must succeed; returns the Chamado result. */
async function create(input: { title?: string; domain?: string | null; severity?: number; origin?: 'manual' | 'support'; sessionId?: string; description?: string } = {}, as: TestUser = 'ops') {
  const res = await server.gql(GqlCreate, { input: { title: 'Chamado de teste', domain: newDomain('gql'), ...input } }, { as });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  const c = res.data!.createChamado;
  if (c.__typename !== 'Chamado') throw new Error(`createChamado failed: ${JSON.stringify(c)}`);
  return c;
}

async function detail(publicId: string, as: TestUser = 'ops') {
  const res = await server.gql(GqlDetail, { publicId }, { as });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  const c = res.data!.chamado;
  if (!c) throw new Error(`chamado ${publicId} not found`);
  return c;
}

async function claim(publicId: string, as: TestUser = 'ops', extra: { override?: boolean; nota?: string; expectedVersion?: number } = {}) {
  const res = await server.gql(GqlClaim, { publicId, ...extra }, { as });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.claimChamado;
}

async function setStatus(publicId: string, status: string, extra: { nota?: string; expectedVersion?: number } = {}, as: TestUser = 'ops') {
  const res = await server.gql(GqlStatus, { publicId, status: status as never, ...extra }, { as });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.changeChamadoStatus;
}

async function note(publicId: string, texto: string, extra: { expectedVersion?: number } = {}, as: TestUser = 'ops') {
  const res = await server.gql(GqlNote, { publicId, texto, ...extra }, { as });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.addChamadoNote;
}

async function attach(publicId: string, eventIds: number[], extra: { expectedVersion?: number } = {}, as: TestUser = 'ops') {
  const res = await server.gql(GqlAttach, { publicId, eventIds, ...extra }, { as });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.attachEventsToChamado;
}

async function list(vars: { filter?: Record<string, unknown>; first?: number; after?: string | null }, as: TestUser = 'ops') {
  return server.gql(GqlList, vars as never, { as });
}

async function listOk(vars: { filter?: Record<string, unknown>; first?: number; after?: string | null }, as: TestUser = 'ops') {
  const res = await list(vars, as);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.chamados;
}

/** A publicId that is well-formed but cannot exist (the sequence never reaches 99999 in tests). */
const UNKNOWN_PUBLIC_ID = 'CH-1999-99999';

describe('createChamado', () => {
  it('opens a chamado in novo with a public id, a created entry and a domain observable', async () => {
    const domain = newDomain('gql');
    const c = await create({ title: '  Falha no login  ', domain: domain.toUpperCase(), severity: 7, description: 'detalhes', sessionId: 'sess-1', origin: 'support' }, 'lead');
    expect(c.publicId).toMatch(PUBLIC_ID);
    expect(c).toMatchObject({
      status: 'novo',
      origin: 'support',
      title: 'Falha no login',
      description: 'detalhes',
      domain, // normalized to lower case
      sessionId: 'sess-1',
      maxSeverity: 7,
      sources: ['support'],
      eventCount: 0,
      version: 1,
      allowedTransitions: ['assumido'],
      legacyTicketId: null,
      assignee: null,
      createdBy: { username: 'lead' },
      resolvedAt: null,
      closedAt: null,
    });
    expect(c.createdAt).toMatch(ISO);
    expect(c.updatedAt).toMatch(ISO);
    expect(c.timeline).toEqual([
      { kind: 'created', eventType: 'chamado.criado', source: 'support', summary: 'Falha no login', severity: 7, actor: { username: 'lead' } },
    ]);
    expect(c.observables).toEqual(
      expect.arrayContaining([
        { tipo: 'domain', valor: domain, fonte: 'support' },
        { tipo: 'session_id', valor: 'sess-1', fonte: 'support' },
      ]),
    );
    expect(c.observables).toHaveLength(2);
    // It is readable afterwards, by anyone signed in.
    const read = await detail(c.publicId, 'viewer');
    expect(read).toMatchObject({ publicId: c.publicId, status: 'novo', version: 1 });
  });

  it('answers invalid input with a ValidationError naming the fields, and creates nothing', async () => {
    const domain = newDomain('gql');
    const bad = await server.gql(GqlCreate, { input: { title: 'ok title', domain: 'not a domain!' } }, { as: 'ops' });
    expect(bad.errors).toBeUndefined();
    const err = bad.data!.createChamado;
    expect(err).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', message: expect.stringContaining('domain') });
    if (err.__typename !== 'ValidationError') throw new Error('unreachable');
    expect(err.issues.map((i) => i.path)).toEqual(['domain']);

    const several = await server.gql(GqlCreate, { input: { title: 'x', domain, severity: 16 } }, { as: 'ops' });
    const err2 = several.data!.createChamado;
    expect(err2).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    if (err2.__typename !== 'ValidationError') throw new Error('unreachable');
    expect(err2.issues.map((i) => i.path).sort()).toEqual(['severity', 'title']);

    // Only manual and support may be opened by hand.
    const origin = await server.gql(GqlCreate, { input: { title: 'from wazuh?', domain, origin: 'wazuh' } }, { as: 'ops' });
    expect(origin.data!.createChamado).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });

    expect((await listOk({ filter: { domain } })).totalCount).toBe(0);
  });
});

describe('chamados connection', () => {
  it('filters by domain, status, assignee and source with a totalCount of the filter', async () => {
    const domain = newDomain('gql');
    const a = await create({ domain, origin: 'manual' });
    const b = await create({ domain, origin: 'support' });
    const c = await create({ domain, origin: 'manual' });
    const other = await create({ domain: newDomain('gql') });
    expect(await claim(a.publicId, 'ops')).toMatchObject({ __typename: 'Chamado' });
    expect(await claim(b.publicId, 'lead')).toMatchObject({ __typename: 'Chamado' });

    const all = await listOk({ filter: { domain } });
    expect(all.totalCount).toBe(3);
    // Newest first.
    expect(all.edges.map((e) => e.node.publicId)).toEqual([c.publicId, b.publicId, a.publicId]);
    expect(all.edges.every((e) => e.node.domain === domain)).toBe(true);
    expect(all.edges.map((e) => e.node.publicId)).not.toContain(other.publicId);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    // Filtering by domain ignores case, like creation normalizes it.
    expect((await listOk({ filter: { domain: domain.toUpperCase() } })).totalCount).toBe(3);

    const novo = await listOk({ filter: { domain, status: ['novo'] } });
    expect(novo.edges.map((e) => e.node.publicId)).toEqual([c.publicId]);
    expect(novo.totalCount).toBe(1);

    const several = await listOk({ filter: { domain, status: ['novo', 'assumido'] } });
    expect(several.totalCount).toBe(3);

    const mine = await listOk({ filter: { domain, assignee: 'ops' } });
    expect(mine.edges.map((e) => e.node.publicId)).toEqual([a.publicId]);
    expect(mine.edges[0]!.node.assignee).toEqual({ username: 'ops' });
    expect(mine.totalCount).toBe(1);

    const nobody = await listOk({ filter: { domain, assignee: 'no-such-user' } });
    expect(nobody).toMatchObject({ totalCount: 0, edges: [] });

    const support = await listOk({ filter: { domain, source: 'support' } });
    expect(support.edges.map((e) => e.node.publicId)).toEqual([b.publicId]);
    expect(support.edges[0]!.node.sources).toEqual(['support']);
    expect(support.totalCount).toBe(1);

    const combined = await listOk({ filter: { domain, source: 'manual', status: ['assumido'] } });
    expect(combined.edges.map((e) => e.node.publicId)).toEqual([a.publicId]);
    expect(combined.totalCount).toBe(1);

    // Viewers read the list too.
    expect((await listOk({ filter: { domain } }, 'viewer')).totalCount).toBe(3);
  });

  it('pages with first/after: no overlap, no gaps, hasNextPage and a stable totalCount', async () => {
    const domain = newDomain('gql');
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await create({ domain, title: `Paginado ${i}` })).publicId);
    const newestFirst = [...created].reverse();

    const p1 = await listOk({ filter: { domain }, first: 2 });
    expect(p1.totalCount).toBe(5);
    expect(p1.edges.map((e) => e.node.publicId)).toEqual(newestFirst.slice(0, 2));
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(p1.pageInfo.startCursor).toBe(p1.edges[0]!.cursor);
    expect(p1.pageInfo.endCursor).toBe(p1.edges[1]!.cursor);

    const p2 = await listOk({ filter: { domain }, first: 2, after: p1.pageInfo.endCursor });
    expect(p2.totalCount).toBe(5);
    expect(p2.edges.map((e) => e.node.publicId)).toEqual(newestFirst.slice(2, 4));
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const p3 = await listOk({ filter: { domain }, first: 2, after: p2.pageInfo.endCursor });
    expect(p3.totalCount).toBe(5);
    expect(p3.edges.map((e) => e.node.publicId)).toEqual(newestFirst.slice(4));
    expect(p3.pageInfo.hasNextPage).toBe(false);

    const seen = [...p1.edges, ...p2.edges, ...p3.edges].map((e) => e.node.publicId);
    expect(new Set(seen).size).toBe(5);
    expect(seen).toEqual(newestFirst);

    // Past the last row: an empty page that still knows the total.
    const p4 = await listOk({ filter: { domain }, first: 2, after: p3.pageInfo.endCursor });
    expect(p4).toMatchObject({ totalCount: 5, edges: [], pageInfo: { hasNextPage: false, startCursor: null, endCursor: null } });

    // Exactly a full page is not "has next".
    const exact = await listOk({ filter: { domain }, first: 5 });
    expect(exact.edges).toHaveLength(5);
    expect(exact.pageInfo.hasNextPage).toBe(false);
  });

  it.each([101, 1000, 0, -1])('refuses first: %i with BAD_USER_INPUT', async (first) => {
    const res = await list({ filter: { domain: newDomain('gql') }, first });
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(/first/);
  });

  it('accepts the bounds first: 1 and first: 100', async () => {
    const domain = newDomain('gql');
    await create({ domain });
    await create({ domain });
    const one = await listOk({ filter: { domain }, first: 1 });
    expect(one.edges).toHaveLength(1);
    expect(one.pageInfo.hasNextPage).toBe(true);
    const max = await listOk({ filter: { domain }, first: 100 });
    expect(max.edges).toHaveLength(2);
  });

  it('refuses a malformed cursor with BAD_USER_INPUT', async () => {
    const res = await list({ filter: { domain: newDomain('gql') }, first: 2, after: 'bm90LWEtY3Vyc29y' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses backward paging and a negative offset with BAD_USER_INPUT', async () => {
    const domain = newDomain('gql');
    for (const args of ['last: 2', 'first: 2, before: "Y2hhbWFkbzox"', 'offset: -1']) {
      const res = await server.gql(`{ chamados(filter: { domain: "${domain}" }, ${args}) { totalCount } }`, {}, { as: 'ops' });
      expect(res.errors?.[0]?.extensions?.code, args).toBe('BAD_USER_INPUT');
      expect(res.data ?? null).toBeNull();
    }
  });
});

describe('chamado(publicId) and node(id)', () => {
  it('finds a chamado by public id and answers null (no error) for an unknown one', async () => {
    const c = await create();
    expect((await detail(c.publicId)).id).toBe(c.id);
    const res = await server.gql(GqlDetail, { publicId: UNKNOWN_PUBLIC_ID }, { as: 'ops' });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ chamado: null });
  });

  it('round-trips global ids of chamados and users through node and nodes', async () => {
    const domain = newDomain('gql');
    const c = await create({ domain });
    await claim(c.publicId, 'lead');
    const d = await detail(c.publicId);
    const userId = d.assignee!.id;
    expect(c.id).not.toBe(userId);

    const chamadoNode = await server.gql(GqlNode, { id: c.id }, { as: 'viewer' });
    expect(chamadoNode.errors).toBeUndefined();
    expect(chamadoNode.data!.node).toEqual({ __typename: 'Chamado', id: c.id, publicId: c.publicId, domain });

    const userNode = await server.gql(GqlNode, { id: userId }, { as: 'viewer' });
    expect(userNode.errors).toBeUndefined();
    expect(userNode.data!.node).toEqual({ __typename: 'User', id: userId, username: 'lead', role: 'ops_lead' });

    const both = await server.gql(GqlNodes, { ids: [userId, c.id] }, { as: 'ops' });
    expect(both.errors).toBeUndefined();
    expect(both.data!.nodes).toEqual([
      { __typename: 'User', id: userId, username: 'lead' },
      { __typename: 'Chamado', id: c.id, publicId: c.publicId },
    ]);

    // A well-formed id of a chamado that does not exist is null.
    const missing = Buffer.from('Chamado:2147483000').toString('base64');
    const none = await server.gql(GqlNode, { id: missing }, { as: 'ops' });
    expect(none.errors).toBeUndefined();
    expect(none.data!.node).toBeNull();
  });

  it('requires a signed-in user for node lookups', async () => {
    const c = await create();
    const res = await server.gql(GqlNode, { id: c.id });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data?.node ?? null).toBeNull();
  });
});

describe('claimChamado', () => {
  it('claims a novo chamado: assignee, assumido, version + 1 and a claim entry', async () => {
    const c = await create();
    const claimed = await claim(c.publicId, 'ops', { nota: 'vou olhar' });
    expect(claimed).toMatchObject({ __typename: 'Chamado', status: 'assumido', version: 2, assignee: { username: 'ops' } });
    if (claimed.__typename !== 'Chamado') throw new Error('unreachable');
    expect(claimed.timeline.map((e) => e.kind)).toEqual(['created', 'claim']);
    expect(claimed.timeline[1]).toMatchObject({
      kind: 'claim',
      eventType: 'chamado.assumido',
      summary: 'Assumido por ops',
      actor: { username: 'ops' },
      data: { nota: 'vou olhar', previousAssignee: null, override: false },
    });
    const read = await detail(c.publicId);
    expect(read).toMatchObject({ status: 'assumido', version: 2, assignee: { username: 'ops' } });
    expect(read.allowedTransitions).toEqual(['em_correcao', 'aguardando']);
  });

  it('claiming what you already hold changes nothing', async () => {
    const c = await create();
    await claim(c.publicId, 'ops');
    const again = await claim(c.publicId, 'ops');
    expect(again).toMatchObject({ __typename: 'Chamado', version: 2, assignee: { username: 'ops' } });
    if (again.__typename !== 'Chamado') throw new Error('unreachable');
    expect(again.timeline.filter((e) => e.kind === 'claim')).toHaveLength(1);
  });

  it('answers ClaimConflictError naming the holder when someone else holds it', async () => {
    const c = await create();
    await claim(c.publicId, 'ops');
    const res = await claim(c.publicId, 'lead');
    expect(res).toEqual({
      __typename: 'ClaimConflictError',
      code: 'CLAIMED_BY_ANOTHER',
      currentAssignee: 'ops',
      message: expect.stringContaining('ops'),
    });
    const read = await detail(c.publicId);
    expect(read).toMatchObject({ version: 2, assignee: { username: 'ops' } });
  });

  it('answers VersionConflictError for a stale expectedVersion and changes nothing', async () => {
    const c = await create();
    await note(c.publicId, 'primeira nota'); // version 1 → 2
    const res = await claim(c.publicId, 'ops', { expectedVersion: 1 });
    expect(res).toEqual({
      __typename: 'VersionConflictError',
      code: 'STALE_VERSION',
      expectedVersion: 1,
      currentVersion: 2,
      message: expect.any(String),
    });
    expect(await detail(c.publicId)).toMatchObject({ status: 'novo', version: 2, assignee: null });
    // The current version goes through.
    expect(await claim(c.publicId, 'ops', { expectedVersion: 2 })).toMatchObject({ __typename: 'Chamado', version: 3 });
  });

  it('answers NotFoundError for an unknown chamado', async () => {
    expect(await claim(UNKNOWN_PUBLIC_ID)).toEqual({
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
      resource: 'chamado',
      key: UNKNOWN_PUBLIC_ID,
      message: expect.any(String),
    });
  });

  it('answers ValidationError for an empty nota', async () => {
    const c = await create();
    expect(await claim(c.publicId, 'ops', { nota: '   ' })).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect(await detail(c.publicId)).toMatchObject({ status: 'novo', version: 1, assignee: null });
  });
});

describe('changeChamadoStatus', () => {
  it('walks the lifecycle, bumping the version on every change, and reopens resolvido → assumido', async () => {
    const c = await create();
    let version = c.version;
    const claimed = await claim(c.publicId, 'ops');
    expect(claimed).toMatchObject({ version: ++version });

    const steps: { to: string; allowed: string[] }[] = [
      { to: 'em_correcao', allowed: ['resolvido', 'aguardando'] },
      { to: 'aguardando', allowed: ['assumido', 'em_correcao'] },
      { to: 'em_correcao', allowed: ['resolvido', 'aguardando'] },
      { to: 'resolvido', allowed: ['fechado', 'assumido'] },
    ];
    for (const step of steps) {
      const res = await setStatus(c.publicId, step.to, { expectedVersion: version });
      expect(res, step.to).toMatchObject({ __typename: 'Chamado', status: step.to, version: version + 1, allowedTransitions: step.allowed });
      version += 1;
    }
    const resolved = await detail(c.publicId);
    expect(resolved.resolvedAt).toMatch(ISO);
    expect(resolved.closedAt).toBeNull();

    // Reopen.
    const reopened = await setStatus(c.publicId, 'assumido', { nota: 'voltou a falhar', expectedVersion: version });
    expect(reopened).toMatchObject({
      __typename: 'Chamado',
      status: 'assumido',
      version: ++version,
      resolvedAt: null,
      closedAt: null,
      assignee: { username: 'ops' },
      allowedTransitions: ['em_correcao', 'aguardando'],
    });

    await setStatus(c.publicId, 'em_correcao');
    await setStatus(c.publicId, 'resolvido');
    const closed = await setStatus(c.publicId, 'fechado');
    version += 3;
    expect(closed).toMatchObject({ status: 'fechado', version, allowedTransitions: ['assumido'] });
    if (closed.__typename !== 'Chamado') throw new Error('unreachable');
    expect(closed.closedAt).toMatch(ISO);
    expect(closed.resolvedAt).toMatch(ISO);

    // Closed ones reopen too.
    expect(await setStatus(c.publicId, 'assumido')).toMatchObject({ status: 'assumido', version: ++version, closedAt: null, resolvedAt: null });

    const read = await detail(c.publicId);
    expect(read.version).toBe(version);
    const statusEntries = read.timeline.filter((e) => e.kind === 'status');
    expect(statusEntries.map((e) => e.eventType)).toEqual([
      'status.em_correcao',
      'status.aguardando',
      'status.em_correcao',
      'status.resolvido',
      'status.assumido',
      'status.em_correcao',
      'status.resolvido',
      'status.fechado',
      'status.assumido',
    ]);
    expect(statusEntries.every((e) => e.actor?.username === 'ops')).toBe(true);
    expect(statusEntries[4]).toMatchObject({
      summary: 'resolvido → assumido: voltou a falhar',
      data: { from: 'resolvido', to: 'assumido', nota: 'voltou a falhar' },
    });
    expect(read.timeline.map((e) => e.kind)).toEqual(['created', 'claim', ...statusEntries.map(() => 'status')]);
  });

  it('moving novo → assumido makes the mover the assignee', async () => {
    const c = await create();
    const res = await setStatus(c.publicId, 'assumido', {}, 'lead');
    expect(res).toMatchObject({ __typename: 'Chamado', status: 'assumido', version: 2, assignee: { username: 'lead' } });
  });

  it('answers InvalidTransitionError listing what is allowed, and changes nothing', async () => {
    const c = await create();
    const res = await setStatus(c.publicId, 'resolvido');
    expect(res).toEqual({
      __typename: 'InvalidTransitionError',
      code: 'INVALID_TRANSITION',
      from: 'novo',
      to: 'resolvido',
      allowed: ['assumido'],
      message: expect.any(String),
    });
    await claim(c.publicId);
    expect(await setStatus(c.publicId, 'fechado')).toMatchObject({
      __typename: 'InvalidTransitionError',
      from: 'assumido',
      to: 'fechado',
      allowed: ['em_correcao', 'aguardando'],
    });
    const read = await detail(c.publicId);
    expect(read).toMatchObject({ status: 'assumido', version: 2 });
    expect(read.timeline.map((e) => e.kind)).toEqual(['created', 'claim']);
  });

  it('the same status with a nota only adds a note (version + 1); without one it changes nothing', async () => {
    const c = await create();
    await claim(c.publicId);
    const same = await setStatus(c.publicId, 'assumido');
    expect(same).toMatchObject({ __typename: 'Chamado', status: 'assumido', version: 2 });
    const withNote = await setStatus(c.publicId, 'assumido', { nota: 'ainda investigando' });
    expect(withNote).toMatchObject({ __typename: 'Chamado', status: 'assumido', version: 3 });
    if (withNote.__typename !== 'Chamado') throw new Error('unreachable');
    expect(withNote.timeline.at(-1)).toMatchObject({ kind: 'note', summary: 'ainda investigando', actor: { username: 'ops' } });
  });

  it('answers VersionConflictError, NotFoundError and ValidationError as data', async () => {
    const c = await create();
    await claim(c.publicId);
    expect(await setStatus(c.publicId, 'em_correcao', { expectedVersion: 1 })).toEqual({
      __typename: 'VersionConflictError',
      code: 'STALE_VERSION',
      expectedVersion: 1,
      currentVersion: 2,
      message: expect.any(String),
    });
    expect(await setStatus(UNKNOWN_PUBLIC_ID, 'assumido')).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', key: UNKNOWN_PUBLIC_ID });
    expect(await setStatus(c.publicId, 'em_correcao', { nota: '' })).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect(await detail(c.publicId)).toMatchObject({ status: 'assumido', version: 2 });
  });
});

describe('addChamadoNote', () => {
  it('adds a note entry with the actor and bumps the version', async () => {
    const c = await create();
    const res = await note(c.publicId, '  verificado o DNS  ', {}, 'lead');
    expect(res.__typename).toBe('AddChamadoNotePayload');
    if (res.__typename !== 'AddChamadoNotePayload') throw new Error('unreachable');
    expect(res.entry).toMatchObject({
      kind: 'note',
      eventType: 'nota',
      source: 'ops',
      summary: 'verificado o DNS',
      data: { texto: 'verificado o DNS' },
      actor: { username: 'lead' },
    });
    expect(res.entry.createdAt).toMatch(ISO);
    expect(res.chamado.version).toBe(2);
    expect(res.chamado.timeline.map((e) => e.kind)).toEqual(['created', 'note']);
    // A note neither claims nor moves the chamado.
    expect(await detail(c.publicId)).toMatchObject({ status: 'novo', assignee: null, version: 2 });

    const second = await note(c.publicId, 'segunda', { expectedVersion: 2 });
    expect(second).toMatchObject({ chamado: { version: 3 } });
  });

  it('answers ValidationError for empty or blank texto', async () => {
    const c = await create();
    for (const texto of ['', '   ']) {
      const res = await note(c.publicId, texto);
      expect(res, JSON.stringify(texto)).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
      if (res.__typename !== 'ValidationError') throw new Error('unreachable');
      expect(res.issues[0]!.path).toBe('texto');
    }
    expect((await detail(c.publicId)).version).toBe(1);
  });

  it('answers VersionConflictError and NotFoundError as data', async () => {
    const c = await create();
    await note(c.publicId, 'um');
    expect(await note(c.publicId, 'dois', { expectedVersion: 1 })).toMatchObject({
      __typename: 'VersionConflictError',
      code: 'STALE_VERSION',
      expectedVersion: 1,
      currentVersion: 2,
    });
    expect(await note(UNKNOWN_PUBLIC_ID, 'x')).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', resource: 'chamado' });
    const read = await detail(c.publicId);
    expect(read.version).toBe(2);
    expect(read.timeline.filter((e) => e.kind === 'note')).toHaveLength(1);
  });
});

describe('attachEventsToChamado', () => {
  it('puts events on the timeline once, keeps counters true and extracts observables', async () => {
    const domain = newDomain('gql');
    const c = await create({ domain });
    const [e1, e2, e3] = await insertEvents(server, [
      { source: 'wazuh', eventType: 'wazuh.alert', domain, severity: 8, agent: 'web-01', ruleId: '5710', summary: 'ssh brute force' },
      { source: 'onboard', eventType: 'onboarding.failed', domain, severity: 3, summary: 'wizard failed' },
      { source: 'wazuh', eventType: 'wazuh.alert', domain, severity: 12, agent: 'web-02', summary: 'rootkit' },
    ]);

    const first = await attach(c.publicId, [e1!, e2!, e1!]);
    expect(first).toMatchObject({ __typename: 'AttachEventsPayload', attached: 2, timelineCount: 3 });
    if (first.__typename !== 'AttachEventsPayload') throw new Error('unreachable');
    expect(first.chamado).toMatchObject({ version: 2, eventCount: 2, sources: ['manual', 'onboard', 'wazuh'], maxSeverity: 8 });
    const events = first.chamado.timeline.filter((e) => e.kind === 'event');
    expect(events.map((e) => e.eventId).sort((a, b) => a! - b!)).toEqual([e1, e2].sort((a, b) => a! - b!));
    expect(events.find((e) => e.eventId === e1)).toMatchObject({
      eventType: 'wazuh.alert',
      source: 'wazuh',
      severity: 8,
      summary: 'ssh brute force',
      actor: { username: 'ops' },
    });
    expect(first.chamado.observables).toEqual(
      expect.arrayContaining([
        { tipo: 'agent', valor: 'web-01', fonte: 'wazuh' },
        { tipo: 'rule_id', valor: '5710', fonte: 'wazuh' },
        { tipo: 'domain', valor: domain, fonte: 'onboard' },
      ]),
    );

    // Idempotent: already attached ones are skipped, only the new one counts.
    const second = await attach(c.publicId, [e1!, e2!, e3!], { expectedVersion: 2 });
    expect(second).toMatchObject({ attached: 1, timelineCount: 4, chamado: { version: 3, eventCount: 3, maxSeverity: 12 } });

    // Nothing new: no change at all, not even the version.
    const third = await attach(c.publicId, [e3!]);
    expect(third).toMatchObject({ attached: 0, timelineCount: 4, chamado: { version: 3, eventCount: 3 } });

    const read = await detail(c.publicId);
    expect(read.timeline.filter((e) => e.kind === 'event')).toHaveLength(3);
    expect(read.eventCount).toBe(3);
  });

  it('answers UnknownReferenceError for unknown event ids and attaches none of the list', async () => {
    const domain = newDomain('gql');
    const c = await create({ domain });
    const [known] = await insertEvents(server, [{ domain, severity: 5 }]);
    const unknownId = 2_000_000_000;
    const res = await attach(c.publicId, [known!, unknownId]);
    expect(res).toEqual({
      __typename: 'UnknownReferenceError',
      code: 'UNKNOWN_REFERENCE',
      resource: 'events',
      keys: [String(unknownId)],
      message: expect.any(String),
    });
    expect(await detail(c.publicId)).toMatchObject({ version: 1, eventCount: 0 });
  });

  it('answers VersionConflictError and NotFoundError as data', async () => {
    const domain = newDomain('gql');
    const c = await create({ domain });
    const [ev] = await insertEvents(server, [{ domain }]);
    await note(c.publicId, 'antes');
    expect(await attach(c.publicId, [ev!], { expectedVersion: 1 })).toMatchObject({
      __typename: 'VersionConflictError',
      expectedVersion: 1,
      currentVersion: 2,
    });
    expect(await attach(UNKNOWN_PUBLIC_ID, [ev!])).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await detail(c.publicId)).toMatchObject({ version: 2, eventCount: 0 });
  });
});

describe('GraphQL over HTTP', () => {
  const listQuery = (domain: string) => `query { chamados(filter: { domain: "${domain}" }) { totalCount edges { node { publicId } } } }`;

  async function get(query: string, headers: Record<string, string> = {}) {
    const url = `${server.url}/graphql?query=${encodeURIComponent(query)}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${await server.token('ops')}`, accept: 'application/graphql-response+json', ...headers } });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as any };
  }

  it('runs queries sent with GET ?query=', async () => {
    const domain = newDomain('gql');
    const c = await create({ domain });
    const res = await get(listQuery(domain));
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.chamados).toEqual({ totalCount: 1, edges: [{ node: { publicId: c.publicId } }] });
  });

  it('refuses a mutation sent with GET and does not run it', async () => {
    const domain = newDomain('gql');
    const res = await get(`mutation { createChamado(input: { title: "via GET", domain: "${domain}" }) { __typename } }`);
    expect(res.status).toBe(405);
    expect(res.body.errors?.length).toBeGreaterThan(0);
    expect(res.body.data ?? null).toBeNull();
    expect((await listOk({ filter: { domain } })).totalCount).toBe(0);
  });

  it('answers in the media type the client accepts', async () => {
    const token = await server.token('ops');
    const post = (accept: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { username } }' }),
      });
    const modern = await post('application/graphql-response+json');
    expect(modern.status).toBe(200);
    expect(modern.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(await modern.json()).toEqual({ data: { me: { username: 'ops' } } });

    const legacy = await post('application/json');
    expect(legacy.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await legacy.json()).toEqual({ data: { me: { username: 'ops' } } });

    // With the modern type, a document that does not validate is a 4xx, not a 200.
    const invalid = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { noSuchField } }' }),
    });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as any).errors[0].message).toMatch(/noSuchField/);
  });

  /**
   * node → Chamado → timeline → TimelineEntry → actor → User, then `wraps` nested inline fragments
   * on User (each one a level for the depth limit) around `username`: depth = 6 + wraps.
   */
  function deepQuery(wraps: number): string {
    const inner = `${'... on User { '.repeat(wraps)}username${' }'.repeat(wraps)}`;
    return `query Deep($id: ID!) { node(id: $id) { ... on Chamado { timeline { ... on TimelineEntry { actor { ${inner} } } } } } }`;
  }

  it('accepts a query at the depth limit (12)', async () => {
    const c = await create();
    const res = await server.gql(deepQuery(6), { id: c.id }, { as: 'ops' });
    expect(res.errors).toBeUndefined();
    expect(res.data.node.timeline[0].actor).toEqual({ username: 'ops' });
  });

  it('rejects a query deeper than 12 before running it', async () => {
    const c = await create();
    const res = await server.gql(deepQuery(7), { id: c.id }, { as: 'ops' });
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0]?.message).toMatch(/depth limit of 12 exceeded, found 13/);

    // The same through a named fragment.
    const viaFragment = `query DeepFragment($id: ID!) { node(id: $id) { ...C } }
      fragment C on Chamado { timeline { actor { ... on User { ... on User { ... on User { ... on User { ... on User { ... on User { ... on User { ... on User { username } } } } } } } } } } }`;
    const res2 = await server.gql(viaFragment, { id: c.id }, { as: 'ops' });
    expect(res2.data ?? null).toBeNull();
    expect(res2.errors?.[0]?.message).toMatch(/depth limit of 12 exceeded/);
  });
});
