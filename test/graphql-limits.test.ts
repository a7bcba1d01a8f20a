import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveFeeds, type Json } from './helpers/live-feed.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * What an operation may ask for (src/edge/http/graphql-limits.ts, argument-bounds.ts): depth,
 * aliases (introspection fields included), directives, tokens and cost, page sizes and filter
 * lengths; refused before any resolver runs, on /graphql, SSE, graphql-ws and the REST shims.
 * "Before any resolver runs" is read from the X-Sql-Statements header: a refused operation sent
 * with a token costs 0 statements, while the smallest accepted one costs the viewer's lookup.
 */

const { wsClient, subscribeWs, subscribeSse } = liveFeeds();

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ RUNBOOK_WORKER: 'false' });
  token = await server.token('viewer');
});
afterAll(() => server?.close());

/** POSTs to /graphql as the viewer; the body and the SQL statements the request cost. */
async function send(query: string, variables: Json = {}): Promise<{ status: number; body: Json; statements: number }> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const statements = res.headers.get('x-sql-statements');
  expect(statements, 'X-Sql-Statements header').toMatch(/^\d+$/);
  return { status: res.status, body: (await res.json()) as Json, statements: Number(statements) };
}

/** The operation was refused with `message` and cost no SQL: no context, no resolver. */
async function expectRefused(query: string, message: RegExp, variables: Json = {}): Promise<void> {
  const res = await send(query, variables);
  expect(res.body.data ?? null).toBeNull();
  expect(res.body.errors?.[0]?.message).toMatch(message);
  expect(res.body.errors?.[0]?.extensions?.code).toMatch(/^GRAPHQL_(VALIDATION|PARSE)_FAILED$/);
  expect(res.statements).toBe(0);
}

/** What building the context costs (the viewer's lookup): `{ __typename }` runs none of our resolvers. */
const contextOnly = async () => (await send('{ __typename }')).statements;

const aliases = (n: number, field = '__typename') => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

describe('limits on /graphql', () => {
  it('an accepted operation costs SQL statements (so 0 below means nothing ran)', async () => {
    const res = await send('{ chamados(first: 1) { totalCount } }');
    expect(res.body.errors).toBeUndefined();
    expect(res.statements).toBeGreaterThan(0);
  });

  it('counts aliases of introspection fields: 15 pass, 100 aliases of __typename are refused', async () => {
    expect((await send(`{ ${aliases(15)} }`)).body.data.a14).toBe('Query');
    await expectRefused(`{ ${aliases(100)} }`, /Aliases limit of 15 exceeded, found 100/);
    await expectRefused(`{ ${aliases(16, 'chamados(first: 1) { totalCount }')} }`, /Aliases limit of 15 exceeded, found 16/);
  });

  it('refuses a document over 1,000 tokens', async () => {
    const long = `{ ${'__typename '.repeat(1990)} }`;
    await expectRefused(long, /Token limit of 1000 exceeded/);
  });

  it('refuses more than 50 directives', async () => {
    expect((await send(`{ ${'__typename @include(if: true) '.repeat(50)} }`)).body.data).toEqual({ __typename: 'Query' });
    await expectRefused(`{ ${'__typename @include(if: true) '.repeat(51)} }`, /Directives limit of 50 exceeded, found 51/);
  });

  it('refuses depth beyond MAX_QUERY_DEPTH, not counting introspection', async () => {
    const wraps = (n: number) => `${'... on User { '.repeat(n)}username${' }'.repeat(n)}`;
    await expectRefused(`{ chamados(first: 1) { edges { node { timeline { actor { ${wraps(9)} } } } } } }`, /depth limit of 12 exceeded, found 15/);
    // The introspection query nests ofType far deeper than 12, and is answered.
    const intro = await send(getIntrospectionQuery());
    expect(intro.body.errors).toBeUndefined();
    expect(intro.body.data.__schema.queryType.name).toBe('Query');
  });

  it('answers the console list at its largest page and refuses a cost over 25,000', async () => {
    // armor multiplies a selection by a literal `first`: the console's list of 100 chamados costs ~10,600.
    const list = (alias: string) =>
      `${alias}: chamados(first: 100) { totalCount edges { node { publicId status title domain maxSeverity eventCount createdAt updatedAt assignee { username fullName } observables { tipo valor } timeline { kind eventType summary createdAt } } } }`;
    expect((await send(`{ ${list('a')} }`)).body.errors).toBeUndefined();
    await expectRefused(`{ ${['a', 'b', 'c'].map(list).join(' ')} }`, /Query Cost limit of 25000 exceeded/);
  });

  it('hides field suggestions outside development', async () => {
    const res = await send('{ chamados(first: 1) { totalCoun } }');
    expect(res.body.errors[0].message).toMatch(/Cannot query field "totalCoun"/);
    expect(JSON.stringify(res.body)).not.toMatch(/Did you mean|totalCount/);
  });
});

describe('arguments', () => {
  it('connections take first/last within 1–100, refused before any resolver runs', async () => {
    for (const first of [0, 101]) {
      const res = await send('query P($n: Int) { chamados(first: $n) { totalCount } }', { n: first });
      expect(res.body.errors?.[0]).toMatchObject({ message: 'chamados: first must be between 1 and 100', extensions: { code: 'BAD_USER_INPUT' } });
      expect(res.body.data ?? null).toBeNull();
      expect(res.statements).toBe(await contextOnly()); // no resolver ran
    }
    const nested = await send('query N($n: Int) { recurrenceGroups(first: 1) { edges { node { occurrences(first: $n) { totalCount } } } } }', { n: 500 });
    expect(nested.body.errors?.[0]?.message).toBe('occurrences: first must be between 1 and 100');
    expect((await send('{ chamados(first: 100) { totalCount } }')).body.errors).toBeUndefined();
  });

  it('filter strings are bounded: 256 characters, a search expression 1,000', async () => {
    const domain = `${unique('d')}.example`.padEnd(257, 'x');
    const res = await send('query F($d: String) { chamados(first: 1, filter: { domain: $d }) { totalCount } }', { d: domain });
    expect(res.body.errors?.[0]).toMatchObject({ message: 'chamados: filter.domain is longer than 256 characters', extensions: { code: 'BAD_USER_INPUT' } });
    expect(res.statements).toBe(await contextOnly()); // no resolver ran
    const q = await send('query Q($q: String) { events(first: 1, filter: { q: $q }) { totalCount } }', { q: 'x'.repeat(1001) });
    expect(q.body.errors?.[0]?.message).toBe('events: filter.q is longer than 1000 characters');
    const fits = await send('query F($d: String) { chamados(first: 1, filter: { domain: $d }) { totalCount } }', { d: domain.slice(0, 256) });
    expect(fits.body.data.chamados.totalCount).toBe(0);
  });
});

describe('the same limits on the other transports', () => {
  it('a REST shim: a 10,000-character domain filter is a 400, and limit keeps its documented 1–200', async () => {
    const long = await server.rest('GET', `/api/v1/chamados?domain=${'d'.repeat(10_000)}`, { token });
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringContaining('longer than 256 characters') });
    const wide = await server.rest('GET', '/api/v1/chamados?limit=200', { token });
    expect(wide.status).toBe(200);
  });

  it('a REST shim runs its operation under the same armor limits (MAX_QUERY_TOKENS=100 here)', async () => {
    const small = await startTestServer({ RUNBOOK_WORKER: 'false', MAX_QUERY_TOKENS: '100' });
    try {
      const viewer = await small.token('viewer');
      // The detail path's operation is 103 tokens long; the list path's 58.
      const detail = await small.rest('GET', '/api/v1/chamados/CH-2000-00000', { token: viewer });
      expect(detail.status).toBe(400);
      expect(detail.body).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringMatching(/Token limit of 100 exceeded/) });
      expect((await small.rest('GET', '/api/v1/chamados?limit=1', { token: viewer })).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('graphql-ws refuses an over-limit subscription before subscribing', async () => {
    const client = wsClient(server, token);
    const feed = subscribeWs(client, 'chamadosChanged', `subscription { chamadosChanged { ${aliases(100)} } }`);
    await feed.ended();
    expect(JSON.stringify(feed.failure ?? feed.errors)).toMatch(/Aliases limit of 15 exceeded, found 100/);
    expect(feed.items).toEqual([]);
    const tokens = subscribeWs(client, 'chamadosChanged', `subscription { chamadosChanged { ${'__typename '.repeat(1200)} } }`);
    await tokens.ended();
    expect(JSON.stringify(tokens.failure ?? tokens.errors)).toMatch(/Token limit of 1000 exceeded/);
  });

  it('SSE refuses an over-limit subscription before subscribing, with 0 SQL statements', async () => {
    const feed = subscribeSse(server, 'chamadosChanged', `subscription { chamadosChanged { ${'__typename @include(if: true) '.repeat(51)} } }`, {}, token);
    await feed.ended();
    expect(JSON.stringify(feed.errors)).toMatch(/Directives limit of 50 exceeded/);
    expect(feed.items).toEqual([]);
    // The same by hand, for the response's statement count.
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `subscription { chamadosChanged { ${aliases(16)} } }` }),
    });
    expect(res.headers.get('x-sql-statements')).toBe('0');
    expect(await res.text()).toMatch(/Aliases limit of 15 exceeded, found 16/);
  });
});

describe('production: introspection, GraphiQL, masking', () => {
  const PRODUCTION = {
    NODE_ENV: 'production',
    JWT_SECRET: 'limits-test-secret-0123456789',
    WEBHOOK_SECRET: 'limits-test-webhook-secret',
    OPERATOR_KEY: 'limits-test-operator-key',
    OPS_SECRET: 'limits-test-ops-secret',
    // The existing admin: bootstrap leaves it as it is, so this run adds no user.
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'unused-admin-password',
    RUNBOOK_HMAC_SECRET: 'limits-test-runbook-secret',
    OUTBOUND_WORKER: 'false',
    RUNBOOK_WORKER: 'false',
  };
  const INTROSPECT = '{ __schema { queryType { name } } }';
  const page = (target: TestServer, headers: Record<string, string> = {}) =>
    fetch(`${target.url}/graphql`, { headers: { accept: 'text/html', ...headers } }).then(async (r) => ({ type: r.headers.get('content-type') ?? '', html: await r.text() }));

  it('by default answers introspection and serves GraphiQL to signed-in users only', async () => {
    const prod = await startTestServer(PRODUCTION);
    try {
      const anonymous = await prod.gql(INTROSPECT);
      expect(anonymous.errors?.[0]?.message).toMatch(/introspection/i);
      expect(anonymous.data ?? null).toBeNull();
      expect((await prod.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
      expect((await prod.gql(INTROSPECT, {}, { as: 'viewer' })).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      expect((await page(prod)).type).not.toContain('text/html');
      const signedIn = await page(prod, { authorization: `Bearer ${await prod.token('viewer')}` });
      expect(signedIn.html).toContain('<title>OpsGraph</title>');
    } finally {
      await prod.close();
    }
  });

  it('GRAPHQL_INTROSPECTION=off refuses it to everyone; public opens it to all', async () => {
    const off = await startTestServer({ ...PRODUCTION, GRAPHQL_INTROSPECTION: 'off' });
    const open = await startTestServer({ ...PRODUCTION, GRAPHQL_INTROSPECTION: 'public' });
    try {
      expect((await off.gql(INTROSPECT, {}, { as: 'viewer' })).errors?.[0]?.message).toMatch(/introspection/i);
      expect((await page(off, { authorization: `Bearer ${await off.token('viewer')}` })).type).not.toContain('text/html');
      expect((await open.gql(INTROSPECT)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await Promise.all([off.close(), open.close()]);
    }
  });
});

describe('masked errors outside development', () => {
  it('an unexpected failure answers "Unexpected error." with no stack and no SQL', async () => {
    // JavaScript's earliest date is a valid DateTime, and before PostgreSQL's: the database fails.
    const res = await send('query M($f: DateTime) { events(first: 1, filter: { from: $f }) { totalCount } }', { f: '-271821-04-20T00:00:00.000Z' });
    expect(res.body.errors?.[0]?.message).toBe('Unexpected error.');
    expect(JSON.stringify(res.body)).not.toMatch(/stack|select|from "|integer|at .*\.ts/i);
  });
});
