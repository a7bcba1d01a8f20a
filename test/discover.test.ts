import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { postWebhook, vendorFixture } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * Discover (spec 000 GET /api/v1/discover, GraphQL `events`): filters, the query language over
 * real rows, offset and cursor paging, and saved searches. Thirty events are seeded through the
 * webhook receivers on a domain and agents of this run only, and every query is scoped to them.
 */

let server: TestServer;
type Json = Record<string, any>;

const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.onboard!;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ITEM_KEYS = ['id', 'chamado_public_id', 'source', 'event_type', 'domain', 'session_id', 'severity', 'rule_id', 'agent', 'summary', 'created_at'];

async function deliver(source: string, payload: unknown): Promise<Json> {
  const { status, body } = await postWebhook(server, source, payload, SECRET);
  expect(status, JSON.stringify(body)).toBe(202);
  expect(body.status).toBe('accepted');
  return body;
}

/** What Discover must show for a seeded event (all but created_at, known only after receipt). */
interface Seeded {
  id: number;
  chamado_public_id: string | null;
  source: string;
  event_type: string;
  domain: string;
  session_id: string | null;
  severity: number | null;
  rule_id: string | null;
  agent: string | null;
  summary: string;
}

const tag = unique('disc');
const DOMAIN = `${tag}.example.com`;
const AGENT_MAIL = `vm-${tag}-mail`;
const AGENT_WEB = `vm-${tag}-web`;
const SESSION = `sess-${tag}`;

const WAZUH_RULES = [
  { id: '5712', level: 12, description: 'sshd: brute force trying to get access to the system. Non existent user.' },
  { id: '5710', level: 5, description: 'sshd: Attempt to login using a non-existent user' },
  { id: '31101', level: 7, description: 'Web server 400 error code.' },
];

const SUPPORT_SUMMARIES = [
  'Customer reports mail not arriving since the DNS change',
  'Not arriving: mail for the sales alias',
  'Mailbox quota exceeded for the finance user',
  'Quota warning acknowledged by customer',
  'Login reset link expired',
  'Customer asks about the invoice',
  'DNS propagation question',
  'Spam filter too aggressive',
  'Forwarding rule not working',
  'Mobile sync fails on the phone',
];

const FUNNEL = [
  ['account.created', `Account created for ${DOMAIN}`],
  ['domain.validated', `Domain ${DOMAIN} validated`],
  ['dns.applied', `DNS records applied for ${DOMAIN}`],
  ['onboarding.completed', `Onboarding completed for ${DOMAIN}`],
] as const;

/** The 30 deliveries, interleaved by source so that id order is not source order. */
function plan(): { source: string; body: Json; expect: Omit<Seeded, 'id' | 'chamado_public_id'> }[] {
  const wazuh = Array.from({ length: 12 }, (_, i) => {
    const rule = WAZUH_RULES[i % 3]!;
    const agent = Math.floor(i / 3) % 2 === 0 ? AGENT_MAIL : AGENT_WEB;
    const body = vendorFixture('wazuh-brute-force');
    body.id = `${tag}-w${i}`;
    body.rule = { ...body.rule, id: rule.id, level: rule.level, description: rule.description };
    body.agent.name = agent;
    body.data.domain = DOMAIN;
    return {
      source: 'wazuh',
      body,
      expect: { source: 'wazuh', event_type: 'wazuh.alert', domain: DOMAIN, session_id: null, severity: rule.level, rule_id: rule.id, agent, summary: rule.description },
    };
  });
  const support = SUPPORT_SUMMARIES.map((summary, i) => {
    const eventType = i % 2 === 0 ? 'ticket.opened' : 'ticket.updated';
    const severity = 2 + (i % 5);
    const body = { source: 'support', event_type: eventType, id: `${tag}-s${i}`, domain: DOMAIN, severity, summary, data: { channel: 'email' } };
    return {
      source: 'events',
      body,
      expect: { source: 'support', event_type: eventType, domain: DOMAIN, session_id: null, severity, rule_id: null, agent: null, summary },
    };
  });
  const audit = Array.from({ length: 4 }, (_, i) => {
    const summary = `Role of operator ${i} changed to admin`;
    const body = { source: 'audit', event_type: 'user.role_changed', id: `${tag}-a${i}`, domain: DOMAIN, summary };
    return {
      source: 'events',
      body,
      expect: { source: 'audit', event_type: 'user.role_changed', domain: DOMAIN, session_id: null, severity: null, rule_id: null, agent: null, summary },
    };
  });
  const onboard = FUNNEL.map(([event, summary]) => {
    const body = { event, event_id: `${tag}-${event}`, session_id: SESSION, domain: DOMAIN, data: { email: `admin@${DOMAIN}` } };
    return {
      source: 'onboard',
      body,
      expect: { source: 'onboard', event_type: event, domain: DOMAIN, session_id: SESSION, severity: null, rule_id: null, agent: null, summary },
    };
  });
  const lists = [wazuh, support, audit, onboard];
  const out: ReturnType<typeof plan> = [];
  for (let i = 0; out.length < 30; i++) for (const list of lists) if (list[i]) out.push(list[i]!);
  return out;
}

/** Seeded events in delivery (= id) order, with created_at filled in from Discover. */
let seeded: (Seeded & { created_at: string })[] = [];
const startedAt = new Date();

beforeAll(async () => {
  server = await startTestServer();
  const pending: Seeded[] = [];
  for (const step of plan()) {
    const receipt = await deliver(step.source, step.body);
    pending.push({ id: receipt.event_id, chamado_public_id: receipt.chamado_public_id, ...step.expect });
  }
  const all = await discover({ domain: DOMAIN, limit: 50 });
  const createdAt = new Map<number, string>(all.events.map((e: Json) => [e.id, e.created_at]));
  seeded = pending.map((e) => ({ ...e, created_at: createdAt.get(e.id)! }));
});
afterAll(() => server.close());

async function discoverRaw(params: Record<string, string | number>, as: TestUser | null = 'viewer') {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return server.rest('GET', `/api/v1/discover?${qs}`, as ? { as } : {});
}

async function discover(params: Record<string, string | number>, as: TestUser = 'viewer'): Promise<{ events: Json[]; total: number }> {
  const res = await discoverRaw(params, as);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Ids Discover returns for a query on the seeded domain, in the order served. */
async function idsFor(params: Record<string, string | number>): Promise<number[]> {
  const res = await discover({ domain: DOMAIN, limit: 50, ...params });
  expect(res.total).toBe(res.events.length);
  return res.events.map((e) => e.id as number);
}

/** The seeded ids that satisfy `pred`, newest first (the order Discover serves). */
const expected = (pred: (e: Seeded & { created_at: string }) => boolean): number[] =>
  seeded.filter(pred).map((e) => e.id).sort((a, b) => b - a);

describe('GET /api/v1/discover', () => {
  it('lists the seeded events newest first, field for field', async () => {
    expect(seeded).toHaveLength(30);
    const res = await discover({ domain: DOMAIN, limit: 50 });
    expect(res.total).toBe(30);
    expect(res.events.map((e) => e.id)).toEqual(expected(() => true));
    const byId = new Map(seeded.map((e) => [e.id, e]));
    for (const item of res.events) {
      expect(Object.keys(item).sort()).toEqual([...ITEM_KEYS].sort());
      expect(item.created_at).toMatch(ISO);
      expect(new Date(item.created_at).getTime()).toBeGreaterThanOrEqual(startedAt.getTime() - 1000);
      expect(item).toEqual(byId.get(item.id));
    }
    // the first Wazuh level-12 alert opened a chamado and the domain's other events joined it
    const chamados = new Set(res.events.map((e) => e.chamado_public_id));
    expect(chamados.size).toBe(1);
    expect([...chamados][0]).toMatch(/^CH-\d{4}-\d{5}$/);
  });

  it('filters by source, domain (any case), severity_min and from/to', async () => {
    expect(await idsFor({ source: 'wazuh' })).toEqual(expected((e) => e.source === 'wazuh'));
    expect(await idsFor({ source: 'audit' })).toHaveLength(4);
    const upper = await discover({ domain: DOMAIN.toUpperCase(), limit: 50 });
    expect(upper.total).toBe(30);
    expect(await idsFor({ severity_min: 10 })).toEqual(expected((e) => (e.severity ?? -1) >= 10));
    expect(await idsFor({ severity_min: 6 })).toEqual(expected((e) => (e.severity ?? -1) >= 6));
    expect(await idsFor({ severity_min: 6 })).toHaveLength(4 + 4 + 2);
    expect(await idsFor({ source: 'wazuh', severity_min: 7 })).toHaveLength(8);

    const from = seeded[10]!.created_at;
    const to = seeded[20]!.created_at;
    const window = expected((e) => e.created_at >= from && e.created_at < to);
    expect(window.length).toBeGreaterThan(0);
    expect(await idsFor({ from, to })).toEqual(window);
    expect(await idsFor({ from: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect(await idsFor({ to: startedAt.toISOString() })).toEqual([]);
  });

  it('pages with limit/offset without gaps or overlap', async () => {
    const all = expected(() => true);
    const pages = [];
    for (const offset of [0, 10, 20]) {
      const page = await discover({ domain: DOMAIN, limit: 10, offset });
      expect(page.total).toBe(30);
      expect(page.events).toHaveLength(10);
      pages.push(...page.events.map((e) => e.id));
    }
    expect(pages).toEqual(all);
    const tail = await discover({ domain: DOMAIN, limit: 10, offset: 25 });
    expect(tail.events.map((e) => e.id)).toEqual(all.slice(25));
    expect(tail.total).toBe(30);
    const past = await discover({ domain: DOMAIN, limit: 10, offset: 40 });
    expect(past).toEqual({ events: [], total: 30 });
  });

  it('rejects bad parameters with 400', async () => {
    const bad: Record<string, string | number>[] = [{ limit: 0 }, { limit: 201 }, { offset: -1 }, { severity_min: 16 }, { from: 'yesterday' }];
    for (const params of bad) {
      const res = await discoverRaw({ domain: DOMAIN, ...params });
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(res.body.error).toBe('BAD_REQUEST');
    }
  });

  it('answers 401 without a token', async () => {
    const res = await discoverRaw({ domain: DOMAIN }, null);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('UNAUTHENTICATED');
  });
});

describe('the q query language over real rows', () => {
  const summaryHas = (e: Seeded, ...words: string[]) => words.every((w) => e.summary.toLowerCase().split(/[^a-z0-9]+/).includes(w));

  it('matches free words against the full text', async () => {
    expect(await idsFor({ q: 'quota' })).toEqual(expected((e) => summaryHas(e, 'quota')));
    expect(await idsFor({ q: 'quota' })).toHaveLength(2);
    expect(await idsFor({ q: 'QUOTA exceeded' })).toEqual(expected((e) => e.summary.startsWith('Mailbox quota exceeded')));
    // words need not be adjacent or in order
    expect(await idsFor({ q: 'mail not arriving' })).toEqual(expected((e) => summaryHas(e, 'mail', 'not', 'arriving')));
    expect(await idsFor({ q: 'mail not arriving' })).toHaveLength(2);
    // the agent is searchable too
    expect(await idsFor({ q: AGENT_WEB })).toEqual(expected((e) => e.agent === AGENT_WEB));
  });

  it('matches a quoted phrase only in that order', async () => {
    expect(await idsFor({ q: '"mail not arriving"' })).toEqual(expected((e) => e.summary.includes('mail not arriving')));
    expect(await idsFor({ q: '"mail not arriving"' })).toHaveLength(1);
    expect(await idsFor({ q: '"arriving not mail"' })).toEqual([]);
  });

  it('matches field:value, comparisons and prefixes', async () => {
    expect(await idsFor({ q: 'source:audit' })).toEqual(expected((e) => e.source === 'audit'));
    expect(await idsFor({ q: 'rule_id:5712' })).toEqual(expected((e) => e.rule_id === '5712'));
    expect(await idsFor({ q: 'rule:5712' })).toEqual(expected((e) => e.rule_id === '5712'));
    expect(await idsFor({ q: 'event_type:dns.applied' })).toEqual(expected((e) => e.event_type === 'dns.applied'));
    expect(await idsFor({ q: `session:${SESSION}` })).toEqual(expected((e) => e.session_id === SESSION));
    expect(await idsFor({ q: `agent:"${AGENT_MAIL}"` })).toEqual(expected((e) => e.agent === AGENT_MAIL));
    expect(await idsFor({ q: 'severity>=10' })).toEqual(expected((e) => (e.severity ?? -1) >= 10));
    expect(await idsFor({ q: 'severity<5' })).toEqual(expected((e) => e.severity !== null && e.severity < 5));
    expect(await idsFor({ q: `agent:vm-${tag}*` })).toEqual(expected((e) => e.agent !== null));
    expect(await idsFor({ q: `agent:vm-${tag}-m*` })).toEqual(expected((e) => e.agent === AGENT_MAIL));
    expect(await idsFor({ q: `agent:vm-${tag}-m*` })).toHaveLength(6);
    // the domain filter can be written in q as well, in any case
    const all = await discover({ q: `domain:${DOMAIN.toUpperCase()}`, limit: 50 });
    expect(all.total).toBe(30);
  });

  it('matches chamado:, id comparisons and duplicate: on real rows', async () => {
    const chamadoId = seeded[0]!.chamado_public_id!;
    expect(await idsFor({ q: `chamado:${chamadoId}` })).toEqual(expected((e) => e.chamado_public_id === chamadoId));
    expect(await idsFor({ q: `chamado:${chamadoId.toLowerCase()}` })).toHaveLength(30);
    const pivot = seeded[20]!.id;
    expect(await idsFor({ q: `id>${pivot}` })).toEqual(expected((e) => e.id > pivot));
    expect(await idsFor({ q: `id<=${pivot} source:wazuh` })).toEqual(expected((e) => e.id <= pivot && e.source === 'wazuh'));
    expect(await idsFor({ q: 'duplicate:false' })).toHaveLength(30);
    expect(await idsFor({ q: 'duplicate:true' })).toEqual([]);

    // duplicates are listed too, flagged, and found by duplicate:true
    const domain = `${unique('dup')}.example.com`;
    const body = { source: 'audit', event_type: 'user.login', id: `${domain}-1`, domain, summary: 'Login twice' };
    const original = await deliver('events', body);
    const copy = (await postWebhook(server, 'events', body, SECRET)).body as Json;
    expect(copy).toMatchObject({ status: 'duplicate', duplicate_of: original.event_id });
    const dups = await discover({ domain, q: 'duplicate:true' });
    expect(dups.events.map((e) => e.id)).toEqual([copy.event_id]);
    expect((await discover({ domain })).total).toBe(2);
  });

  it('combines terms with AND, OR, NOT and parentheses', async () => {
    expect(await idsFor({ q: `(rule_id:5712 OR rule_id:31101) AND NOT agent:${AGENT_WEB}` })).toEqual(
      expected((e) => (e.rule_id === '5712' || e.rule_id === '31101') && e.agent !== AGENT_WEB),
    );
    expect(await idsFor({ q: 'source:support AND (quota OR arriving) AND NOT warning' })).toEqual(
      expected((e) => e.source === 'support' && (summaryHas(e, 'quota') || summaryHas(e, 'arriving')) && !summaryHas(e, 'warning')),
    );
    expect(await idsFor({ q: 'source:support AND (quota OR arriving) AND NOT warning' })).toHaveLength(3);
    // NOT keeps events whose field is empty (agent is null for non-Wazuh events)
    expect(await idsFor({ q: `NOT agent:${AGENT_MAIL}` })).toEqual(expected((e) => e.agent !== AGENT_MAIL));
    expect(await idsFor({ q: '-source:wazuh -source:support' })).toEqual(expected((e) => e.source === 'audit' || e.source === 'onboard'));
    expect(await idsFor({ q: 'source:wazuh severity>=7 brute' })).toEqual(expected((e) => e.rule_id === '5712'));
  });

  it('answers a malformed q with 400 and the position of the problem', async () => {
    const cases: [string, number][] = [
      ['(source:wazuh', 0],
      ['source:wazuh AND', 16],
      ['severity>=high', 10],
      ['bogus:1', 0],
      ['quota )', 6],
      ['agent*', 0],
    ];
    for (const [q, position] of cases) {
      const res = await discoverRaw({ domain: DOMAIN, q });
      expect(res.status, q).toBe(400);
      expect(res.body, q).toEqual({ error: 'BAD_REQUEST', message: expect.any(String), position });
    }
  });
});

describe('GraphQL events', () => {
  const EVENTS = `query Events($filter: EventFilter, $first: Int, $after: String) {
    events(filter: $filter, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { eventId source summary } } } }`;

  async function page(filter: Json, first: number, after?: string | null): Promise<Json> {
    const res = await server.gql(EVENTS, { filter, first, after: after ?? null }, { as: 'viewer' });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!.events as Json;
  }

  it('pages by cursor without overlap, stable when newer events arrive between pages', async () => {
    const domain = `${unique('page')}.example.com`;
    const post = (i: number) =>
      deliver('events', { source: 'audit', event_type: 'user.login', id: `${domain}-${i}`, domain, summary: `Login number ${i}` });
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push((await post(i)).event_id);
    const newestFirst = [...ids].reverse();
    const filter = { domain };

    const p1 = await page(filter, 5);
    expect(p1.totalCount).toBe(12);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const ids1 = p1.edges.map((e: Json) => e.node.eventId);
    expect(ids1).toEqual(newestFirst.slice(0, 5));
    expect(p1.pageInfo.endCursor).toBe(p1.edges[4].cursor);

    const newer = (await post(99)).event_id; // arrives while the client is between pages

    const p2 = await page(filter, 5, p1.pageInfo.endCursor);
    const ids2 = p2.edges.map((e: Json) => e.node.eventId);
    expect(ids2).toEqual(newestFirst.slice(5, 10));
    expect(p2.totalCount).toBe(13);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const p3 = await page(filter, 5, p2.pageInfo.endCursor);
    const ids3 = p3.edges.map((e: Json) => e.node.eventId);
    expect(ids3).toEqual(newestFirst.slice(10));
    expect(p3.pageInfo.hasNextPage).toBe(false);

    const seen = [...ids1, ...ids2, ...ids3];
    expect(new Set(seen).size).toBe(12);
    expect(seen).not.toContain(newer);
    expect((await page(filter, 1)).edges[0].node.eventId).toBe(newer);
  });

  it('filters like the REST path and counts across pages', async () => {
    const conn = await page({ domain: DOMAIN, q: 'source:wazuh' }, 3);
    expect(conn.totalCount).toBe(12);
    expect(conn.edges.map((e: Json) => e.node.eventId)).toEqual(expected((e) => e.source === 'wazuh').slice(0, 3));
    const sev = await page({ domain: DOMAIN, severityMin: 10, source: 'wazuh' }, 50);
    expect(sev.totalCount).toBe(4);
  });

  it('refuses first over 100, a bad cursor and a malformed q as BAD_USER_INPUT', async () => {
    for (const [vars, position] of [
      [{ filter: { domain: DOMAIN }, first: 101 }, undefined],
      [{ filter: { domain: DOMAIN }, first: 0 }, undefined],
      [{ filter: { domain: DOMAIN }, first: 5, after: 'not-a-cursor' }, undefined],
      [{ filter: { domain: DOMAIN, q: 'severity>=high' }, first: 5 }, 10],
    ] as const) {
      const res = await server.gql(EVENTS, vars, { as: 'viewer' });
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
      if (position !== undefined) expect(res.errors?.[0]?.extensions?.position).toBe(position);
    }
    const ok = await server.gql(EVENTS, { filter: { domain: DOMAIN }, first: 100 }, { as: 'viewer' });
    expect(ok.errors).toBeUndefined();
  });

  it('refuses backward paging (last/before) instead of silently paging forward', async () => {
    const first = await page({ domain: DOMAIN }, 2);
    for (const vars of [
      { filter: { domain: DOMAIN }, last: 5 },
      { filter: { domain: DOMAIN }, first: 5, before: first.pageInfo.endCursor },
    ]) {
      const res = await server.gql(
        'query Back($filter: EventFilter, $first: Int, $last: Int, $before: String) { events(filter: $filter, first: $first, last: $last, before: $before) { totalCount edges { node { eventId } } } }',
        vars,
        { as: 'viewer' },
      );
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(res.data)).toBe('BAD_USER_INPUT');
    }
  });

  it('requires a signed-in user', async () => {
    const res = await server.gql(EVENTS, { filter: { domain: DOMAIN }, first: 5 });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('saved searches', () => {
  const SAVE = `mutation Save($name: String!, $query: String, $filter: EventFilter) { saveSearch(name: $name, query: $query, filter: $filter) {
    __typename ... on SavedSearch { id name query filter createdAt updatedAt } ... on ValidationError { code message issues { path message } } } }`;
  const LIST = 'query Saved { savedSearches { id name query filter } }';
  const DELETE = `mutation Del($id: Int!) { deleteSavedSearch(id: $id) { __typename ... on DeletedSavedSearch { id } ... on NotFoundError { code } } }`;

  async function save(vars: Json, as: TestUser): Promise<Json> {
    const res = await server.gql(SAVE, vars, { as });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!.saveSearch as Json;
  }

  async function names(as: TestUser): Promise<Json[]> {
    const res = await server.gql(LIST, {}, { as });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return (res.data!.savedSearches as Json[]).filter((s) => s.name.includes(tag));
  }

  it('saves, lists only the viewer\'s own, replaces by name, and deletes', async () => {
    const mine = await save({ name: `critical ${tag}`, query: 'source:wazuh severity>=10', filter: { domain: DOMAIN } }, 'ops');
    expect(mine).toMatchObject({ __typename: 'SavedSearch', name: `critical ${tag}`, query: 'source:wazuh severity>=10', id: expect.any(Number) });
    expect(mine.filter).toMatchObject({ domain: DOMAIN });
    const theirs = await save({ name: `quota ${tag}`, query: 'quota' }, 'viewer');
    expect(theirs.__typename).toBe('SavedSearch');

    expect((await names('ops')).map((s) => s.id)).toEqual([mine.id]);
    expect((await names('viewer')).map((s) => s.id)).toEqual([theirs.id]);

    // the saved query runs as saved
    expect(await idsFor({ q: mine.query })).toEqual(expected((e) => (e.severity ?? -1) >= 10 && e.source === 'wazuh'));

    const replaced = await save({ name: `critical ${tag}`, query: 'source:audit' }, 'ops');
    expect(replaced).toMatchObject({ id: mine.id, query: 'source:audit', filter: null });
    expect((await names('ops')).map((s) => s.query)).toEqual(['source:audit']);

    const notYours = await server.gql(DELETE, { id: mine.id }, { as: 'viewer' });
    expect(notYours.data?.deleteSavedSearch).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const deleted = await server.gql(DELETE, { id: mine.id }, { as: 'ops' });
    expect(deleted.data?.deleteSavedSearch).toEqual({ __typename: 'DeletedSavedSearch', id: mine.id });
    expect(await names('ops')).toEqual([]);
    const again = await server.gql(DELETE, { id: mine.id }, { as: 'ops' });
    expect(again.data?.deleteSavedSearch).toMatchObject({ __typename: 'NotFoundError' });
    expect((await names('viewer')).map((s) => s.id)).toEqual([theirs.id]);
  });

  it('keeps names per owner: the same name saved by two users is two searches', async () => {
    const name = `shared name ${tag}`;
    const a = await save({ name, query: 'source:wazuh' }, 'lead');
    const b = await save({ name, query: 'source:audit' }, 'lead2');
    expect(a.id).not.toBe(b.id);
    expect((await names('lead')).map((s) => [s.name, s.query])).toEqual([[name, 'source:wazuh']]);
    expect((await names('lead2')).map((s) => [s.name, s.query])).toEqual([[name, 'source:audit']]);
  });

  it('refuses a query that does not parse, and an empty name, as ValidationError', async () => {
    const bad = await save({ name: `broken ${tag}`, query: '(source:wazuh' }, 'ops');
    expect(bad).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', issues: [{ path: 'query' }] });
    const unnamed = await save({ name: '   ', query: 'quota' }, 'ops');
    expect(unnamed).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect((await names('ops')).filter((s) => s.name === `broken ${tag}`)).toEqual([]);
  });

  it('requires a signed-in user', async () => {
    const res = await server.gql(LIST, {});
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
