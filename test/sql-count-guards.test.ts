import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachEvents, insertEvents } from './helpers/fixtures.ts';
import { newChamado, newDomain } from './helpers/factories.ts';
import { startTestServer, type TestServer, type TestUser } from './helpers/server.ts';
import { statementsOf } from './helpers/sql-statements.ts';

/**
 * N+1 guards beyond the chamado list (test/concurrency.test.ts): the Discover list, the chamado
 * detail and its timeline cost the same number of SQL statements whatever their size. The server
 * counts statements per request and reports them in `X-Sql-Statements` (outside production).
 */

type Json = Record<string, any>;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  // Tokens are fetched through the server; do it before any measurement.
  await server.token('viewer');
  await server.token('ops');
});
afterAll(() => server?.close());

async function measureRest(path: string, as: TestUser = 'viewer'): Promise<{ statements: number; body: Json }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${await server.token(as)}` } });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  const header = res.headers.get('x-sql-statements');
  expect(header, 'X-Sql-Statements header').toMatch(/^\d+$/);
  return { statements: Number(header), body };
}

const attach = (publicId: string, eventIds: number[]) => attachEvents(server, publicId, eventIds);

async function note(publicId: string, texto: string): Promise<void> {
  const res = await server.gql(
    `mutation GuardNote($publicId: String!, $texto: String!) {
      addChamadoNote(publicId: $publicId, texto: $texto) { __typename ... on Error { code message } }
    }`,
    { publicId, texto },
    { as: 'ops' },
  );
  expect(res.data?.addChamadoNote?.__typename, JSON.stringify(res)).toBe('AddChamadoNotePayload');
}

describe('Discover list', () => {
  const DISCOVER = `query GuardDiscover($domain: String!, $first: Int!) {
    events(filter: { domain: $domain }, first: $first) {
      totalCount
      edges { node {
        eventId source eventType summary isDuplicate
        observables { tipo valor }
        duplicateOf { eventId }
        chamado { publicId status assignee { username } }
      } }
    }
  }`;
  const domain = newDomain('guard-ev');

  beforeAll(async () => {
    // 60 events over 12 chamados: every page mixes attached events, chamados and assignees.
    const ids = await insertEvents(
      server,
      Array.from({ length: 60 }, (_, i) => ({ domain, agent: `agent-${i % 7}`, ruleId: `r-${i % 5}`, severity: i % 15 })),
    );
    for (let c = 0; c < 12; c += 1) {
      const { publicId } = await newChamado(server, { domain, title: `Guard ${c}` });
      await attach(publicId, ids.filter((_, i) => i % 12 === c));
    }
  }, 120_000);

  it('GraphQL events(first: 5) and events(first: 50) cost the same statements', async () => {
    await statementsOf(server, DISCOVER, { domain, first: 1 });
    const five = await statementsOf(server, DISCOVER, { domain, first: 5 });
    const fifty = await statementsOf(server, DISCOVER, { domain, first: 50 });
    expect(five.data.events.edges).toHaveLength(5);
    expect(fifty.data.events.edges).toHaveLength(50);
    expect(fifty.data.events.edges.every((e: Json) => e.node.chamado?.publicId)).toBe(true);
    console.info(`SQL statements per Discover request: first 5 → ${five.statements}, first 50 → ${fifty.statements}`);
    expect(five.statements).toBeGreaterThan(0);
    expect(fifty.statements).toBe(five.statements);
  });

  it('REST /api/v1/discover with limit 5 and limit 50 costs the same statements', async () => {
    const path = (limit: number) => `/api/v1/discover?domain=${encodeURIComponent(domain)}&limit=${limit}`;
    const five = await measureRest(path(5));
    const fifty = await measureRest(path(50));
    expect(five.body.events).toHaveLength(5);
    expect(fifty.body.events).toHaveLength(50);
    expect(fifty.statements).toBe(five.statements);
  });
});

describe('chamado detail and timeline', () => {
  const DETAIL = `query GuardDetail($publicId: String!) {
    chamado(publicId: $publicId) {
      publicId status version allowedTransitions sources eventCount
      assignee { username } createdBy { username }
      observables { tipo valor fonte }
      executions { execId status }
      pendingActions { execId }
      timeline { id kind eventType summary actor { username } event { eventId source chamado { publicId } } }
    }
  }`;
  let small: string;
  let large: string;

  beforeAll(async () => {
    const domain = newDomain('guard-ch');
    small = (await newChamado(server, { domain, title: 'Small timeline' })).publicId;
    large = (await newChamado(server, { domain, title: 'Large timeline' })).publicId;
    // Both have every kind of entry (so every loader runs); the large one 30 events and 10 notes.
    const ids = await insertEvents(
      server,
      Array.from({ length: 31 }, (_, i) => ({ domain, agent: `agent-${i}`, ruleId: `r-${i}`, severity: 3 })),
    );
    await attach(small, ids.slice(0, 1));
    await note(small, 'nota');
    await attach(large, ids.slice(1));
    for (let i = 0; i < 10; i += 1) await note(large, `nota ${i}`);
  }, 120_000);

  it('GraphQL chamado(publicId) with its timeline costs the same for 3 and 41 entries', async () => {
    await statementsOf(server, DETAIL, { publicId: small });
    const one = await statementsOf(server, DETAIL, { publicId: small });
    const many = await statementsOf(server, DETAIL, { publicId: large });
    expect(one.data.chamado.timeline).toHaveLength(3);
    expect(many.data.chamado.timeline).toHaveLength(41);
    expect(many.data.chamado.timeline.filter((e: Json) => e.event?.chamado?.publicId === large)).toHaveLength(30);
    console.info(`SQL statements per detail request: 3 entries → ${one.statements}, 41 entries → ${many.statements}`);
    expect(one.statements).toBeGreaterThan(0);
    expect(many.statements).toBe(one.statements);
  });

  it('REST GET /api/v1/chamados/{public_id} costs the same for 3 and 41 entries', async () => {
    const path = (id: string) => `/api/v1/chamados/${encodeURIComponent(id)}`;
    const one = await measureRest(path(small));
    const many = await measureRest(path(large));
    expect(many.body.timeline.length).toBeGreaterThan(one.body.timeline.length);
    expect(many.statements).toBe(one.statements);
  });
});
