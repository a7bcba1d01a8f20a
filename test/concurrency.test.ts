import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './__generated__/index.ts';
import { createChamado, insertEvents } from './helpers/fixtures.ts';
import { newDomain } from './helpers/factories.ts';
import { startTestServer, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * Races through the real server and database: concurrent claims, creations, attaches and
 * versioned edits, plus the N+1 guard on the list query, measured with the SQL statement counter
 * the server reports per request in the X-Sql-Statements response header.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());


const ConcClaim = graphql(`
  mutation ConcClaim($publicId: String!) {
    claimChamado(publicId: $publicId) {
      __typename
      ... on Chamado { version assignee { username } }
      ... on ClaimConflictError { currentAssignee }
      ... on Error { code message }
    }
  }
`);

const ConcOverride = graphql(`
  mutation ConcOverride($publicId: String!) {
    claimChamado(publicId: $publicId, override: true) {
      __typename
      ... on Chamado { version assignee { username } }
      ... on Error { code message }
    }
  }
`);

const ConcDetail = graphql(`
  query ConcDetail($publicId: String!) {
    chamado(publicId: $publicId) {
      status
      version
      eventCount
      assignee { username }
      timeline { kind eventId summary data actor { username } }
    }
  }
`);

const ConcCreate = graphql(`
  mutation ConcCreate($input: CreateChamadoInput!) {
    createChamado(input: $input) {
      __typename
      ... on Chamado { publicId version }
      ... on Error { code message }
    }
  }
`);

const ConcCount = graphql(`
  query ConcCount($domain: String!) {
    chamados(filter: { domain: $domain }, first: 100) { totalCount edges { node { publicId } } }
  }
`);

const ConcAttach = graphql(`
  mutation ConcAttach($publicId: String!, $eventIds: [Int!]!) {
    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) {
      __typename
      ... on AttachEventsPayload { attached timelineCount chamado { eventCount } }
      ... on Error { code message }
    }
  }
`);

const ConcNote = graphql(`
  mutation ConcNote($publicId: String!, $texto: String!, $expectedVersion: Int) {
    addChamadoNote(publicId: $publicId, texto: $texto, expectedVersion: $expectedVersion) {
      __typename
      ... on AddChamadoNotePayload { chamado { version } }
      ... on VersionConflictError { expectedVersion currentVersion }
      ... on Error { code message }
    }
  }
`);

const ConcList = graphql(`
  query ConcList($domain: String!, $first: Int!) {
    chamados(filter: { domain: $domain }, first: $first) {
      edges {
        node {
          publicId
          assignee { username }
          timeline { kind summary actor { username } }
          observables { tipo valor }
        }
      }
      totalCount
    }
  }
`);

async function detail(publicId: string) {
  const res = await server.gql(ConcDetail, { publicId }, { as: 'ops' });
  expect(res.errors).toBeUndefined();
  return res.data!.chamado!;
}

describe('concurrent claims', () => {
  it('two operators claiming at once: exactly one wins, the other is told who', async () => {
    const domain = newDomain('conc');
    for (let round = 0; round < 6; round++) {
      const c = await createChamado(server, { domain, title: `Corrida ${round}` });
      // Alternate who is sent first so neither side always gets the head start.
      const users: TestUser[] = round % 2 ? ['ops', 'lead'] : ['lead', 'ops'];
      const results = await Promise.all(users.map((as) => server.gql(ConcClaim, { publicId: c.publicId }, { as })));
      const answers = results.map((r, i) => {
        expect(r.errors, JSON.stringify(r)).toBeUndefined();
        return { user: users[i]!, result: r.data!.claimChamado };
      });
      const winners = answers.filter((a) => a.result.__typename === 'Chamado');
      const losers = answers.filter((a) => a.result.__typename !== 'Chamado');
      expect(winners, `round ${round}: ${JSON.stringify(answers)}`).toHaveLength(1);
      expect(losers).toHaveLength(1);
      const winner = winners[0]!.user;
      expect(winners[0]!.result).toMatchObject({ version: 2, assignee: { username: winner } });
      expect(losers[0]!.result).toEqual({
        __typename: 'ClaimConflictError',
        code: 'CLAIMED_BY_ANOTHER',
        currentAssignee: winner,
        message: expect.any(String),
      });

      const read = await detail(c.publicId);
      expect(read).toMatchObject({ status: 'assumido', version: 2, assignee: { username: winner } });
      const claims = read.timeline.filter((e) => e.kind === 'claim');
      expect(claims).toHaveLength(1);
      expect(claims[0]!.actor).toEqual({ username: winner });
    }
  });

  it('a claim racing an ops_lead override: the lead ends up holding it and the audit trail is true', async () => {
    for (let round = 0; round < 4; round++) {
      const c = await createChamado(server, { domain: newDomain('conc') });
      const [opsRes, leadRes] = await Promise.all([
        server.gql(ConcClaim, { publicId: c.publicId }, { as: 'ops' }),
        server.gql(ConcOverride, { publicId: c.publicId }, { as: 'lead' }),
      ]);
      const opsAnswer = opsRes.data!.claimChamado;
      expect(leadRes.data!.claimChamado).toMatchObject({ __typename: 'Chamado', assignee: { username: 'lead' } });
      const read = await detail(c.publicId);
      expect(read.assignee).toEqual({ username: 'lead' });
      const claims = read.timeline.filter((e) => e.kind === 'claim');
      if (opsAnswer.__typename === 'Chamado') {
        // ops got there first; the lead's override must say whom it took the chamado from.
        expect(read.version).toBe(3);
        expect(claims.map((e) => e.summary)).toEqual(['Assumido por ops', 'Assumido por lead (antes: ops)']);
        expect(claims[1]!.data).toMatchObject({ previousAssignee: 'ops', override: true });
      } else {
        expect(opsAnswer).toMatchObject({ __typename: 'ClaimConflictError', currentAssignee: 'lead' });
        expect(read.version).toBe(2);
        expect(claims.map((e) => e.summary)).toEqual(['Assumido por lead']);
      }
    }
  });

  it('many operators claiming at once: still exactly one winner', async () => {
    const c = await createChamado(server, { domain: newDomain('conc') });
    const users: TestUser[] = ['ops', 'lead', 'lead2', 'admin'];
    const results = await Promise.all(users.map((as) => server.gql(ConcClaim, { publicId: c.publicId }, { as })));
    const typenames = results.map((r) => r.data!.claimChamado.__typename);
    expect(typenames.filter((t) => t === 'Chamado')).toHaveLength(1);
    expect(typenames.filter((t) => t === 'ClaimConflictError')).toHaveLength(3);
    const winner = users[typenames.indexOf('Chamado')]!;
    for (const r of results) {
      const answer = r.data!.claimChamado;
      if (answer.__typename === 'ClaimConflictError') expect(answer.currentAssignee).toBe(winner);
    }
    const read = await detail(c.publicId);
    expect(read).toMatchObject({ version: 2, assignee: { username: winner } });
    expect(read.timeline.filter((e) => e.kind === 'claim')).toHaveLength(1);
  });
});

describe('concurrent creation', () => {
  it('50 createChamado calls at once get 50 distinct, well-formed public ids', async () => {
    const domain = newDomain('conc');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        server.gql(ConcCreate, { input: { title: `Simultâneo ${i}`, domain } }, { as: i % 2 ? 'ops' : 'lead' }),
      ),
    );
    const ids = results.map((r) => {
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      const c = r.data!.createChamado;
      if (c.__typename !== 'Chamado') throw new Error(`createChamado failed: ${JSON.stringify(c)}`);
      expect(c.version).toBe(1);
      return c.publicId;
    });
    for (const id of ids) expect(id).toMatch(/^CH-\d{4}-\d{5}$/);
    expect(new Set(ids).size).toBe(50);

    const listed = await server.gql(ConcCount, { domain }, { as: 'ops' });
    expect(listed.data!.chamados.totalCount).toBe(50);
    expect(new Set(listed.data!.chamados.edges.map((e) => e.node.publicId))).toEqual(new Set(ids));
  });
});

describe('concurrent attach', () => {
  it('the same events attached at once land once: attached counts add up and eventCount is right', async () => {
    const domain = newDomain('conc');
    const c = await createChamado(server, { domain });
    const eventIds = await insertEvents(
      server,
      Array.from({ length: 6 }, (_, i) => ({ domain, severity: i, agent: `agent-${i}`, summary: `evento ${i}` })),
    );
    // Overlapping batches from several consoles at once.
    const batches = [eventIds, eventIds, eventIds.slice(0, 3), eventIds.slice(3), [...eventIds].reverse()];
    const results = await Promise.all(
      batches.map((ids, i) => server.gql(ConcAttach, { publicId: c.publicId, eventIds: ids }, { as: i % 2 ? 'ops' : 'lead' })),
    );
    let attached = 0;
    for (const r of results) {
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      const p = r.data!.attachEventsToChamado;
      if (p.__typename !== 'AttachEventsPayload') throw new Error(`attach failed: ${JSON.stringify(p)}`);
      attached += p.attached;
    }
    expect(attached).toBe(eventIds.length);

    const read = await detail(c.publicId);
    expect(read.eventCount).toBe(eventIds.length);
    const onTimeline = read.timeline.filter((e) => e.kind === 'event').map((e) => e.eventId);
    expect(onTimeline.sort((a, b) => a! - b!)).toEqual([...eventIds].sort((a, b) => a - b));
    // One version step per attach that attached something.
    const effective = results.filter((r) => (r.data!.attachEventsToChamado as { attached: number }).attached > 0).length;
    expect(read.version).toBe(1 + effective);
  });
});

describe('concurrent versioned edits', () => {
  it('two notes sent against the same expectedVersion: one lands, the other is STALE_VERSION', async () => {
    const c = await createChamado(server, { domain: newDomain('conc') });
    const results = await Promise.all(
      (['ops', 'lead'] as TestUser[]).map((as) => server.gql(ConcNote, { publicId: c.publicId, texto: `nota de ${as}`, expectedVersion: 1 }, { as })),
    );
    const answers = results.map((r) => r.data!.addChamadoNote);
    expect(answers.filter((a) => a.__typename === 'AddChamadoNotePayload')).toEqual([
      { __typename: 'AddChamadoNotePayload', chamado: { version: 2 } },
    ]);
    expect(answers.filter((a) => a.__typename === 'VersionConflictError')).toEqual([
      { __typename: 'VersionConflictError', code: 'STALE_VERSION', expectedVersion: 1, currentVersion: 2, message: expect.any(String) },
    ]);
    const read = await detail(c.publicId);
    expect(read.version).toBe(2);
    expect(read.timeline.filter((e) => e.kind === 'note')).toHaveLength(1);
  });

  it('notes without expectedVersion all land, one version step each', async () => {
    const c = await createChamado(server, { domain: newDomain('conc') });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => server.gql(ConcNote, { publicId: c.publicId, texto: `nota ${i}` }, { as: 'ops' })),
    );
    const versions = results.map((r) => (r.data!.addChamadoNote as { chamado: { version: number } }).chamado.version);
    expect(versions.sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const read = await detail(c.publicId);
    expect(read.version).toBe(9);
    expect(read.timeline.filter((e) => e.kind === 'note')).toHaveLength(8);
  });
});

type ConcListResult = typeof ConcList extends DocumentTypeDecoration<infer R, any> ? R : never;

describe('N+1 guard', () => {
  /**
   * Statements the server sent for one list request, as it reports them in `X-Sql-Statements`
   * (counted per request, so background work such as the job queue's sweeps is not included).
   */
  async function measure(domain: string, first: number) {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token('viewer')}` },
      body: JSON.stringify({ query: String(ConcList), variables: { domain, first } }),
    });
    const body = (await res.json()) as { data?: ConcListResult; errors?: unknown };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const header = res.headers.get('x-sql-statements');
    expect(header, 'X-Sql-Statements header').toMatch(/^\d+$/);
    return { statements: Number(header), data: body.data!.chamados };
  }

  it('the list query costs the same number of statements for 5 and 50 chamados', async () => {
    const domain = newDomain('conc');
    const users: TestUser[] = ['ops', 'lead'];
    // Created one after another so ids follow i: every page then holds both users as creators
    // and as assignees (created concurrently, the newest five could all share one parity, and
    // their timeline actors would need a second user batch that the page of fifty does not).
    const chamados: { publicId: string }[] = [];
    for (let i = 0; i < 50; i += 1) chamados.push(await createChamado(server, { domain, title: `Lista ${i}` }, users[i % 2]!));
    /** One chamado: two events attached, a note and a claim, by alternating users. */
    async function seed(i: number): Promise<string> {
      const creator = users[i % 2]!;
      const other = users[(i + 1) % 2]!;
      const c = chamados[i]!;
      const events = await insertEvents(server, [
        { domain, agent: `agent-${i}`, ruleId: `r-${i}`, severity: 5 },
        { source: 'onboard', eventType: 'onboarding.failed', domain, severity: 2 },
      ]);
      const attached = await server.gql(ConcAttach, { publicId: c.publicId, eventIds: events }, { as: other });
      expect(attached.data!.attachEventsToChamado).toMatchObject({ attached: 2 });
      const noted = await server.gql(ConcNote, { publicId: c.publicId, texto: `nota ${i}` }, { as: creator });
      expect(noted.data!.addChamadoNote.__typename).toBe('AddChamadoNotePayload');
      const claimed = await server.gql(ConcClaim, { publicId: c.publicId }, { as: other });
      expect(claimed.data!.claimChamado.__typename).toBe('Chamado');
      return c.publicId;
    }
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => seed(i)));

    // Warm-up: the first request as viewer logs in (through the server) to get its token; that
    // must not land inside a measurement.
    await measure(domain, 1);

    const five = await measure(domain, 5);
    const fifty = await measure(domain, 50);

    // The answers are complete: the 5 and 50 newest, each with its whole timeline and facts.
    expect(five.data.totalCount).toBe(50);
    expect(fifty.data.totalCount).toBe(50);
    const fiftyIds = fifty.data.edges.map((e) => e.node.publicId);
    expect(new Set(fiftyIds)).toEqual(new Set(created));
    expect(fiftyIds).toHaveLength(50);
    expect(five.data.edges.map((e) => e.node.publicId)).toEqual(fiftyIds.slice(0, 5));
    for (const { node } of fifty.data.edges) {
      expect(node.timeline.map((e) => e.kind)).toEqual(['created', 'event', 'event', 'note', 'claim']);
      expect(node.timeline.every((e) => e.actor !== null || e.kind === 'event')).toBe(true);
      expect(node.assignee?.username).toMatch(/^(ops|lead)$/);
      expect(node.observables.map((o) => o.tipo)).toEqual(expect.arrayContaining(['domain', 'agent', 'rule_id']));
    }
    const timelineActors = new Set(fifty.data.edges.flatMap((e) => e.node.timeline.map((t) => t.actor?.username)));
    expect(timelineActors).toEqual(new Set(['ops', 'lead']));

    console.info(`SQL statements per list request: first 5 → ${five.statements}, first 50 → ${fifty.statements}`);
    expect(five.statements).toBeGreaterThan(0);
    expect(fifty.statements).toBe(five.statements);
    expect(fifty.statements).toBeLessThanOrEqual(8);
  }, 120_000);
});
