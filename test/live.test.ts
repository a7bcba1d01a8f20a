import { setTimeout as delay } from 'node:timers/promises';
import { decodeGlobalID } from '@pothos/plugin-relay';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createChamado } from './helpers/fixtures.ts';
import { liveFeeds, until, type Feed, type Json } from './helpers/live-feed.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * The live layer against the real server: the four subscriptions over graphql-ws and over SSE,
 * resuming with `after`, filters, authentication at connect and at subscribe, the socket limits
 * (connection_init timeout, subscriptions per socket) and the legacy WebSocket shim
 * (/api/v1/chamados/{id}/live). Every chamado, session, agent and domain is unique to the test
 * (the database is shared with other test files).
 *
 * Subscriptions without a replay cursor (chamadosChanged, approvalsChanged, the legacy socket,
 * discoverFeed without `after`) only hear what happens after the server started them, and the
 * protocols send no acknowledgement of a subscribe: those tests first "prime" the feed (repeat a
 * harmless change until one arrives), wait for quiet, and only then assert an exact sequence.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const CONFIG = loadConfig({ NODE_ENV: 'test' });
const WEBHOOK_SECRET = CONFIG.ingest.webhookSecrets.onboard!;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

// ---------------------------------------------------------------------------------------------
// Feeds (test/helpers/live-feed.ts); everything a test opens is closed after it
// ---------------------------------------------------------------------------------------------

const { cleanups, wsClient, subscribeWs, subscribeSse } = liveFeeds();

/**
 * For feeds without a replay cursor: repeats `poke` until the feed shows an item that `matches`
 * (proving the server is listening), then waits for quiet and returns how many items there are.
 */
async function prime(feed: Feed, poke: () => Promise<unknown>, matches: (item: Json) => boolean): Promise<number> {
  for (let attempt = 0; attempt < 25; attempt++) {
    await poke();
    const deadline = Date.now() + 400;
    while (Date.now() < deadline) {
      if (feed.items.some(matches)) {
        await feed.quiet();
        return feed.items.length;
      }
      if (feed.done) throw new Error(`${feed.field} ended while priming: ${JSON.stringify({ failure: feed.failure, results: feed.results })}`);
      await delay(10);
    }
  }
  throw new Error(`${feed.field} never delivered while priming`);
}

// ---------------------------------------------------------------------------------------------
// Writes: REST as an operator, and webhooks
// ---------------------------------------------------------------------------------------------

const chamadoPath = (publicId: string, suffix = '') => `/api/v1/chamados/${encodeURIComponent(publicId)}${suffix}`;

async function ok(res: Promise<{ status: number; body: any }>, status: number): Promise<Json> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body as Json;
}

const note = (publicId: string, texto: string, as: TestUser = 'ops') =>
  ok(server.rest('POST', chamadoPath(publicId, '/notas'), { as, body: { texto } }), 201);
const claim = (publicId: string, as: TestUser = 'ops') => ok(server.rest('POST', chamadoPath(publicId, '/assumir'), { as, body: {} }), 200);
const setStatus = (publicId: string, status: string, as: TestUser = 'ops') =>
  ok(server.rest('PATCH', chamadoPath(publicId), { as, body: { status } }), 200);

async function webhook(target: TestServer, source: string, body: unknown): Promise<Json> {
  const res = await fetch(`${target.url}/api/v1/webhooks/${source}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': WEBHOOK_SECRET },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Json;
  expect(res.status, JSON.stringify(json)).toBe(202);
  expect(json.event_id, JSON.stringify(json)).toEqual(expect.any(Number));
  return json;
}

/** An onboarding funnel event of the session that moves its wizard to `step`. */
function onboardStep(session: string, domain: string, step: string, label: string, occurredAt: Date): Json {
  return {
    event: 'domain.validated',
    event_id: `evt-${unique('live')}`,
    session_id: session,
    domain,
    occurred_at: occurredAt.toISOString(),
    data: { email: `admin@${domain}`, wizard_step: step, wizard_step_label: label },
  };
}

/** A Wazuh alert below the ticket level (stored, no chamado) from the given agent. */
function wazuhAlert(agent: string): Json {
  return {
    timestamp: new Date().toISOString().replace('Z', '+0000'),
    rule: { level: 3, description: 'live test alert', id: '5501', groups: ['test'] },
    agent: { id: '901', name: agent, ip: '10.99.0.1' },
    manager: { name: 'wazuh-manager' },
    id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}`,
    full_log: 'live test',
    decoder: { name: 'test' },
    data: {},
    location: '/var/log/test.log',
  };
}

/** An Alertmanager delivery whose instance label is the given agent (other source, same agent). */
function alertmanagerOn(agent: string): Json {
  return {
    receiver: 'opsgraph',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'LiveTestAlert', instance: agent, severity: 'warning', namespace: 'live' },
        annotations: { summary: 'live test' },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: `fp-${unique('live')}`,
      },
    ],
  };
}

/** A chamado in its own domain and onboarding session, with the id of its `chamado.criado` entry. */
async function newChamado(): Promise<{ publicId: string; domain: string; session: string; createdEntryId: string }> {
  const domain = `${unique('live')}.example.com`;
  const session = `sess-${unique('live')}`;
  const { publicId } = await createChamado(server, { domain, sessionId: session, title: 'Live test' });
  const res = await server.gql(`query T($id: String!) { chamado(publicId: $id) { timeline { id eventType } } }`, { id: publicId }, { as: 'ops' });
  const timeline = res.data!.chamado.timeline as Json[];
  expect(timeline.map((t) => t.eventType)).toEqual(['chamado.criado']);
  return { publicId, domain, session, createdEntryId: timeline[0]!.id };
}

const numericId = (globalId: string): number => Number(decodeGlobalID(globalId).id);

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

const CHAMADO_LIVE = `subscription Live($publicId: String!, $after: ID) {
  chamadoLive(publicId: $publicId, after: $after) {
    __typename
    ... on TimelineEntry { id kind eventType source summary eventId actor { username } }
    ... on WizardStepChanged { chamadoPublicId step label at timeOnStepSec }
  }
}`;

const DISCOVER_FEED = `subscription Feed($filter: EventFilter, $after: ID) {
  discoverFeed(filter: $filter, after: $after) { id eventId source agent eventType }
}`;

const CHAMADOS_CHANGED = `subscription Changed($filter: LiveChamadoFilter) {
  chamadosChanged(filter: $filter) { publicId status domain assignee { username } }
}`;

const APPROVALS_CHANGED = `subscription Approvals {
  approvalsChanged {
    id status requiredApprovals requestedBy { username } decisions { approver { username } decisao }
    execution { execId runbookCode nivel status params chamado { publicId } }
  }
}`;

// ---------------------------------------------------------------------------------------------
// chamadoLive
// ---------------------------------------------------------------------------------------------

/**
 * The full story on one chamado (with noise on another): note, claim, status change, then an
 * onboarding event of its session that moves the wizard. Returns what the feed must show.
 */
async function chamadoStory(feed: Feed, mine: Awaited<ReturnType<typeof newChamado>>, other: Awaited<ReturnType<typeof newChamado>>) {
  const texto = `nota ${unique('live')}`;
  const occurredAt = new Date(Date.now() - 120_000);
  occurredAt.setMilliseconds(0);
  await note(mine.publicId, texto);
  await note(other.publicId, 'noise on another chamado');
  await claim(mine.publicId);
  await setStatus(mine.publicId, 'em_correcao');
  await claim(other.publicId);
  const receipt = await webhook(server, 'onboard', onboardStep(mine.session, mine.domain, 'dns_cloudflare', 'DNS Cloudflare', occurredAt));
  expect(receipt.correlation).toMatchObject({ decision: 'attached', rule: 'session', chamado_public_id: mine.publicId });
  const otherReceipt = await webhook(server, 'onboard', onboardStep(other.session, other.domain, 'mail_aliases', 'Aliases', new Date()));
  expect(otherReceipt.chamado_public_id).toBe(other.publicId);

  const items = await feed.take(5);
  const entry = (fields: Json) => ({ __typename: 'TimelineEntry', id: expect.any(String), eventId: null, actor: { username: 'ops' }, source: 'ops', ...fields });
  expect(items).toEqual([
    entry({ kind: 'note', eventType: 'nota', summary: texto }),
    entry({ kind: 'claim', eventType: 'chamado.assumido', summary: 'Assumido por ops' }),
    entry({ kind: 'status', eventType: 'status.em_correcao', summary: 'assumido → em_correcao' }),
    entry({ kind: 'event', eventType: 'domain.validated', source: 'onboard', summary: expect.any(String), eventId: receipt.event_id, actor: null }),
    {
      __typename: 'WizardStepChanged',
      chamadoPublicId: mine.publicId,
      step: 'dns_cloudflare',
      label: 'DNS Cloudflare',
      at: expect.stringMatching(ISO),
      timeOnStepSec: expect.any(Number),
    },
  ]);
  expect(Date.parse(items[4]!.at)).toBe(occurredAt.getTime());
  expect(items[4]!.timeOnStepSec).toBeGreaterThanOrEqual(120);
  expect(items[4]!.timeOnStepSec).toBeLessThan(140);
  // In id order, every one newer than the cursor, and they are this chamado's entries.
  const ids = items.slice(0, 4).map((i) => numericId(i.id));
  expect(ids[0]).toBeGreaterThan(numericId(mine.createdEntryId));
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  const timeline = await server.gql(`query T($id: String!) { chamado(publicId: $id) { timeline { id } } }`, { id: mine.publicId }, { as: 'ops' });
  expect((timeline.data!.chamado.timeline as Json[]).map((t) => t.id).slice(1).sort()).toEqual(items.slice(0, 4).map((i) => i.id).sort());
  // Nothing else (the other chamado's note, claim and event never show up).
  await feed.quiet(400);
  expect(feed.items).toHaveLength(5);
  expect(feed.failure).toBeUndefined();
}

describe('chamadoLive', () => {
  it('over graphql-ws: note, claim, status, ingested event in order, then the wizard step; nothing from other chamados', async () => {
    const mine = await newChamado();
    const other = await newChamado();
    const client = wsClient(server, await server.token('viewer'));
    const feed = subscribeWs(client, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId, after: mine.createdEntryId });
    await chamadoStory(feed, mine, other);
  });

  it('over SSE: the same story, parsed from the event stream', async () => {
    const mine = await newChamado();
    const other = await newChamado();
    const feed = subscribeSse(server, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId, after: mine.createdEntryId }, await server.token('viewer'));
    await chamadoStory(feed, mine, other);
    expect(feed.status).toBe(200);
  });

  it('resumes with `after`: what was missed while disconnected arrives once, in order, then live ones', async () => {
    const mine = await newChamado();
    const token = await server.token('viewer');
    const first = wsClient(server, token);
    const feed1 = subscribeWs(first, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId, after: mine.createdEntryId });
    await note(mine.publicId, 'A');
    const [a] = await feed1.take(1);
    expect(a).toMatchObject({ __typename: 'TimelineEntry', eventType: 'nota', summary: 'A' });
    await first.dispose();

    const b = await note(mine.publicId, 'B');
    const c = await note(mine.publicId, 'C');
    expect(feed1.items).toHaveLength(1);

    const second = wsClient(server, token);
    const feed2 = subscribeWs(second, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId, after: a!.id });
    const replayed = await feed2.take(2);
    expect(replayed.map((i) => [i.id, i.summary])).toEqual([
      [b.id, 'B'],
      [c.id, 'C'],
    ]);
    const d = await note(mine.publicId, 'D');
    await feed2.take(3);
    await feed2.quiet();
    expect(feed2.items.map((i) => [i.id, i.summary])).toEqual([
      [b.id, 'B'],
      [c.id, 'C'],
      [d.id, 'D'],
    ]);
  });

  it('a resume after the wizard step moved says so: the missed event, then the current step', async () => {
    const mine = await newChamado();
    const token = await server.token('viewer');
    const first = wsClient(server, token);
    const feed1 = subscribeWs(first, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId, after: mine.createdEntryId });
    await note(mine.publicId, 'A');
    const [a] = await feed1.take(1);
    await first.dispose();

    await webhook(server, 'onboard', onboardStep(mine.session, mine.domain, 'dns_cloudflare', 'DNS Cloudflare', new Date()));

    const second = wsClient(server, token);
    const feed2 = subscribeWs(second, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId, after: a!.id });
    const replayed = await feed2.take(2);
    expect(replayed[0]).toMatchObject({ __typename: 'TimelineEntry', eventType: 'domain.validated' });
    expect(replayed[1]).toMatchObject({ __typename: 'WizardStepChanged', step: 'dns_cloudflare', label: 'DNS Cloudflare' });
    await feed2.quiet();
    expect(feed2.items).toHaveLength(2);
    await second.dispose();
  });

  it('accepts the numeric id as cursor and refuses a cursor of another type', async () => {
    const mine = await newChamado();
    await note(mine.publicId, 'one');
    const client = wsClient(server, await server.token('viewer'));
    const numeric = subscribeWs(client, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId, after: String(numericId(mine.createdEntryId)) });
    const [one] = await numeric.take(1);
    expect(one).toMatchObject({ summary: 'one' });

    const wrong = subscribeWs(client, 'chamadoLive', CHAMADO_LIVE, {
      publicId: mine.publicId,
      after: Buffer.from('Event:1').toString('base64'),
    });
    await wrong.ended();
    expect(wrong.items).toEqual([]);
    expect(JSON.stringify(wrong.failure ?? wrong.results)).toContain('BAD_USER_INPUT');
    // The socket survives a failed subscription: the first one still delivers.
    await note(mine.publicId, 'two');
    expect((await numeric.take(2))[1]).toMatchObject({ summary: 'two' });
  });

  it('an unknown chamado is a NOT_FOUND error for that subscription only', async () => {
    const mine = await newChamado();
    const client = wsClient(server, await server.token('viewer'));
    const good = subscribeWs(client, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId, after: mine.createdEntryId });
    const missing = subscribeWs(client, 'chamadoLive', CHAMADO_LIVE, { publicId: 'CH-1999-99999' });
    await missing.ended();
    const errors = (Array.isArray(missing.failure) ? missing.failure : missing.errors) as Json[];
    expect(errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    await note(mine.publicId, 'still here');
    expect((await good.take(1))[0]).toMatchObject({ summary: 'still here' });
  });
});

// ---------------------------------------------------------------------------------------------
// discoverFeed
// ---------------------------------------------------------------------------------------------

describe('discoverFeed', () => {
  it('delivers only new events matching the filter (source + agent); with `after` it replays first', async () => {
    const agent = `vm-${unique('live')}`;
    const filter = { source: 'wazuh', q: `agent:"${agent}"` };
    const client = wsClient(server, await server.token('viewer'));
    const feed = subscribeWs(client, 'discoverFeed', DISCOVER_FEED, { filter });
    const primed = await prime(feed, () => webhook(server, 'wazuh', wazuhAlert(agent)), (e) => e.agent === agent);
    expect(feed.items.every((e) => e.agent === agent && e.source === 'wazuh')).toBe(true);

    await webhook(server, 'wazuh', wazuhAlert(`vm-${unique('other')}`)); // other agent
    await webhook(server, 'alertmanager', alertmanagerOn(agent)); // other source, same agent
    const c = await webhook(server, 'wazuh', wazuhAlert(agent));
    await webhook(server, 'wazuh', wazuhAlert(`${agent}-x`)); // a longer agent name is another agent
    const d = await webhook(server, 'wazuh', wazuhAlert(agent));
    await feed.take(primed + 2);
    await feed.quiet();
    const expected = (receipt: Json) => ({ id: expect.any(String), eventId: receipt.event_id, source: 'wazuh', agent, eventType: expect.any(String) });
    expect(feed.items.slice(primed)).toEqual([expected(c), expected(d)]);

    // Replay from c: d (and only d: the non-matching ones in between are skipped), then live.
    const replay = subscribeWs(client, 'discoverFeed', DISCOVER_FEED, { filter, after: feed.items[primed]!.id });
    expect(await replay.take(1)).toEqual([expected(d)]);
    const e = await webhook(server, 'wazuh', wazuhAlert(agent));
    await replay.take(2);
    await replay.quiet();
    expect(replay.items).toEqual([expected(d), expected(e)]);
    // The cursor-less feed got e too, once.
    await feed.quiet();
    expect(feed.items.slice(primed)).toEqual([expected(c), expected(d), expected(e)]);
  });

  it('a webhook\'s events reach the feeds as its batch read them behind its write, for each filter; the feed reads nothing itself', async () => {
    const agent = `vm-${unique('prefetch')}`;
    const client = wsClient(server, await server.token('viewer'));
    const mine = subscribeWs(client, 'discoverFeed', DISCOVER_FEED, { filter: { source: 'wazuh', q: `agent:"${agent}"` } });
    const others = subscribeWs(client, 'discoverFeed', DISCOVER_FEED, { filter: { source: 'sentry' } });
    const primed = await prime(mine, () => webhook(server, 'wazuh', wazuhAlert(agent)), (e) => e.agent === agent);
    const reads = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const count = (by: string) => Number(new RegExp(`^opsgraph_live_discover_reads_total\\{by="${by}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
      return { writer: count('writer'), feed: count('feed') };
    };
    const before = await reads();
    const stored = await webhook(server, 'wazuh', wazuhAlert(agent));
    await mine.take(primed + 1);
    await mine.quiet();
    await others.quiet();
    // Both filters' reads ran in the batch's transaction (the other filter's found nothing).
    expect(await reads()).toEqual({ writer: before.writer + 2, feed: before.feed });
    expect(mine.items.slice(primed)).toEqual([{ id: expect.any(String), eventId: stored.event_id, source: 'wazuh', agent, eventType: expect.any(String) }]);
    expect(others.items).toEqual([]);
    // What the feed got is what was committed.
    const committed = await server.gql(`query E($id: Int!) { event(eventId: $id) { id eventId source agent eventType } }`, { id: stored.event_id }, { as: 'viewer' });
    expect(committed.data?.event).toEqual(mine.items[primed]);

    // Once their subscribers leave, the feeds stop listening: a batch reads nothing for them.
    mine.stop();
    others.stop();
    let readForNobody = true;
    for (let attempt = 0; attempt < 30 && readForNobody; attempt++) {
      await delay(100);
      const was = await reads();
      await webhook(server, 'wazuh', wazuhAlert(agent));
      readForNobody = (await reads()).writer !== was.writer;
    }
    expect(readForNobody).toBe(false);
  });

  it('replays everything missed after the cursor, even more than one page (1000) of events, in order', async () => {
    const agent = `vm-${unique('many')}`;
    const conn = server.orm.em.getConnection();
    const [{ max } = { max: 0 }] = await conn.execute<{ max: number }[]>('select coalesce(max(id), 0)::int as max from events');
    // Stored straight in the table (no pokes): only the replay can deliver them.
    const inserted = await conn.execute<{ id: string }[]>(
      `insert into events (source, event_type, agent, severity, summary, payload, received_at)
       select 'wazuh', 'wazuh.alert', ?, 3, 'bulk ' || n, '{}', now() from generate_series(1, 1205) as n
       returning id`,
      [agent],
    );
    const ids = inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
    expect(ids).toHaveLength(1205);
    const client = wsClient(server, await server.token('viewer'));
    const feed = subscribeWs(client, 'discoverFeed', DISCOVER_FEED, { filter: { source: 'wazuh', q: `agent:"${agent}"` }, after: String(max) });
    await feed.take(1205, 15_000);
    await feed.quiet();
    expect(feed.items.map((i) => i.eventId)).toEqual(ids);
  });
});

// ---------------------------------------------------------------------------------------------
// chamadosChanged and approvalsChanged
// ---------------------------------------------------------------------------------------------

describe('chamadosChanged and approvalsChanged', () => {
  it('chamadosChanged(filter: {domain}) shows each change of that domain with its current fields', async () => {
    const mine = await newChamado();
    const other = await newChamado();
    const client = wsClient(server, await server.token('viewer'));
    const feed = subscribeWs(client, 'chamadosChanged', CHAMADOS_CHANGED, { filter: { domain: mine.domain } });
    const primed = await prime(feed, () => note(mine.publicId, 'prime'), (c) => c.publicId === mine.publicId);
    expect(feed.items.every((c) => c.publicId === mine.publicId)).toBe(true);

    await claim(other.publicId);
    await claim(mine.publicId);
    await setStatus(other.publicId, 'aguardando');
    await setStatus(mine.publicId, 'em_correcao');
    await feed.take(primed + 2);
    await feed.quiet();
    expect(feed.items.slice(primed)).toEqual([
      { publicId: mine.publicId, status: 'assumido', domain: mine.domain, assignee: { username: 'ops' } },
      { publicId: mine.publicId, status: 'em_correcao', domain: mine.domain, assignee: { username: 'ops' } },
    ]);
  });

  it('approvalsChanged: an R1 request on the chamado arrives as a pending approval, then its rejection', async () => {
    const mine = await newChamado();
    const client = wsClient(server, await server.token('viewer'));
    const feed = subscribeWs(client, 'approvalsChanged', APPROVALS_CHANGED);
    const request = () =>
      ok(server.rest('POST', chamadoPath(mine.publicId, '/runbooks/traefik_cert_sync/executar'), { as: 'ops', body: { params: { domain: mine.domain } } }), 202);
    const primed = await prime(feed, request, (a) => a.execution.chamado.publicId === mine.publicId);

    const exec = await request();
    expect(exec).toMatchObject({ runbook_code: 'traefik_cert_sync', nivel: 'R1', status: 'pendente_aprovacao' });
    const [pending] = (await feed.take(primed + 1)).slice(primed);
    expect(pending).toEqual({
      id: expect.any(Number),
      status: 'pendente',
      requiredApprovals: 1,
      requestedBy: { username: 'ops' },
      decisions: [],
      execution: {
        execId: exec.exec_id,
        runbookCode: 'traefik_cert_sync',
        nivel: 'R1',
        status: 'pendente_aprovacao',
        params: { domain: mine.domain },
        chamado: { publicId: mine.publicId },
      },
    });

    await ok(server.rest('POST', `/api/v1/aprovacoes/${pending!.id}/rejeitar`, { as: 'lead', body: { decisao: 'rejeitado' } }), 200);
    await feed.take(primed + 2);
    await feed.quiet();
    expect(feed.items.slice(primed)).toEqual([
      pending,
      {
        ...pending,
        status: 'rejeitado',
        decisions: [{ approver: { username: 'lead' }, decisao: 'rejeitado' }],
        execution: { ...pending!.execution, status: 'rejeitado' },
      },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

describe('authentication', () => {
  async function refusedAtConnect(token: string | null): Promise<number> {
    let closedWith: number | undefined;
    const client = wsClient(server, token, { onClosed: (e) => (closedWith = (e as { code: number }).code) });
    const feed = subscribeWs(client, 'approvalsChanged', APPROVALS_CHANGED);
    await feed.ended();
    expect(feed.items).toEqual([]);
    expect((feed.failure as { code?: number }).code).toBe(closedWith);
    return closedWith!;
  }

  it('a socket without a token, or with a bad one, is refused at connect (4403)', async () => {
    expect(await refusedAtConnect(null)).toBe(4403);
    expect(await refusedAtConnect('not-a-jwt')).toBe(4403);
    const forged = jwt.sign({ username: 'admin', role: 'admin' }, 'another-secret-of-enough-length', {
      algorithm: 'HS256',
      subject: '1',
      issuer: CONFIG.jwt.issuer,
      audience: CONFIG.jwt.audience,
      expiresIn: '1h',
    });
    expect(await refusedAtConnect(forged)).toBe(4403);
  });

  it("a disabled user's valid token connects but every subscribe is UNAUTHENTICATED", async () => {
    const rows = await server.orm.em.getConnection().execute<{ id: number; disabled: boolean }[]>(
      `select id, disabled from users where username = 'disabled'`,
    );
    expect(rows).toEqual([{ id: expect.any(Number), disabled: true }]);
    const token = jwt.sign({ username: 'disabled', role: 'ops' }, CONFIG.jwt.secret, {
      algorithm: 'HS256',
      subject: String(rows[0]!.id),
      issuer: CONFIG.jwt.issuer,
      audience: CONFIG.jwt.audience,
      expiresIn: '1h',
    });
    const mine = await newChamado();
    const client = wsClient(server, token);
    const feeds = [
      subscribeWs(client, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId }),
      subscribeWs(client, 'discoverFeed', DISCOVER_FEED, {}),
      subscribeWs(client, 'chamadosChanged', CHAMADOS_CHANGED, {}),
      subscribeWs(client, 'approvalsChanged', APPROVALS_CHANGED, {}),
    ];
    for (const feed of feeds) {
      await feed.ended();
      const errors = (Array.isArray(feed.failure) ? feed.failure : feed.errors) as Json[];
      expect(errors.map((e) => e.extensions?.code), `${feed.field}: ${JSON.stringify(feed.failure ?? feed.results)}`).toEqual(['UNAUTHENTICATED']);
      expect(feed.items.filter(Boolean)).toEqual([]);
    }
    // The same subscription with a working user's token is fine (the refusal is about the user).
    const viewer = wsClient(server, await server.token('viewer'));
    const live = subscribeWs(viewer, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId, after: mine.createdEntryId });
    await note(mine.publicId, 'visible');
    expect((await live.take(1))[0]).toMatchObject({ summary: 'visible' });
  });

  it('SSE without a token answers with an UNAUTHENTICATED error and no data', async () => {
    const mine = await newChamado();
    const feed = subscribeSse(server, 'chamadoLive', CHAMADO_LIVE, { publicId: mine.publicId }, null);
    await feed.ended();
    expect(feed.errors.map((e) => e.extensions?.code), JSON.stringify(feed.results)).toEqual(['UNAUTHENTICATED']);
    expect(feed.items.filter(Boolean)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Socket limits (a server of their own with short limits)
// ---------------------------------------------------------------------------------------------

describe('queries and mutations over graphql-ws', () => {
  it('a socket runs a query and a mutation as the signed-in user, like POST /graphql', async () => {
    const { publicId } = await newChamado();
    const client = wsClient(server, await server.token('ops'));
    const once = async (query: string, variables: Json): Promise<Json> => {
      for await (const result of client.iterate({ query, variables })) return result as Json;
      throw new Error('no result');
    };
    const noted = await once(
      `mutation WsNote($id: String!) { addChamadoNote(publicId: $id, texto: "over the socket") { __typename ... on Error { code message } } }`,
      { id: publicId },
    );
    expect(noted.errors, JSON.stringify(noted.errors)).toBeUndefined();
    expect(noted.data.addChamadoNote.__typename).toBe('AddChamadoNotePayload');
    const read = await once(`query WsRead($id: String!) { chamado(publicId: $id) { timeline { kind summary actor { username } } } }`, { id: publicId });
    expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
    expect(read.data.chamado.timeline.at(-1)).toEqual({ kind: 'note', summary: 'over the socket', actor: { username: 'ops' } });
  });
});

describe('socket limits', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ WS_INIT_TIMEOUT: '500ms', WS_MAX_SUBSCRIPTIONS: '2', RUNBOOK_WORKER: 'false' });
  });
  afterAll(() => limited?.close());

  it('a socket that never sends connection_init is closed with 4408 after WS_INIT_TIMEOUT', async () => {
    const started = Date.now();
    const ws = new WebSocket(`${limited.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    cleanups.push(() => ws.terminate());
    let openedAt = 0;
    ws.on('open', () => (openedAt = Date.now()));
    const code = await new Promise<number>((resolve, reject) => {
      ws.on('close', (c) => resolve(c));
      ws.on('error', reject);
    });
    const closedAt = Date.now();
    expect(code).toBe(4408);
    expect(openedAt).toBeGreaterThan(0);
    expect(closedAt - openedAt).toBeGreaterThanOrEqual(450);
    expect(closedAt - started).toBeLessThan(1500);
  });

  it('a socket that does send connection_init in time stays open past the timeout', async () => {
    const token = await limited.token('viewer');
    const client = wsClient(limited, token);
    let closed = false;
    client.on('closed', () => (closed = true));
    const feed = subscribeWs(client, 'approvalsChanged', APPROVALS_CHANGED);
    await delay(900);
    expect(closed).toBe(false);
    expect(feed.done).toBe(false);
  });

  it('caps subscriptions per socket (WS_MAX_SUBSCRIPTIONS=2): the third errors, a completed one frees its slot', async () => {
    const client = wsClient(limited, await limited.token('viewer'));
    const a = subscribeWs(client, 'approvalsChanged', APPROVALS_CHANGED);
    const b = subscribeWs(client, 'approvalsChanged', APPROVALS_CHANGED);
    await delay(300);
    const c = subscribeWs(client, 'approvalsChanged', APPROVALS_CHANGED);
    await c.ended();
    const errors = (Array.isArray(c.failure) ? c.failure : []) as Json[];
    expect(errors.map((e) => [e.extensions?.code, e.message])).toEqual([['TOO_MANY_SUBSCRIPTIONS', 'at most 2 subscriptions per socket']]);
    expect(a.done).toBe(false);
    expect(b.done).toBe(false);

    // Another socket has its own budget.
    const other = wsClient(limited, await limited.token('viewer'));
    const d = subscribeWs(other, 'approvalsChanged', APPROVALS_CHANGED);
    // Completing one frees its slot on the first socket.
    a.stop();
    await delay(300);
    const e = subscribeWs(client, 'approvalsChanged', APPROVALS_CHANGED);
    await delay(300);
    expect(e.done, JSON.stringify(e.failure)).toBe(false);
    expect(d.done, JSON.stringify(d.failure)).toBe(false);
    const f = subscribeWs(client, 'approvalsChanged', APPROVALS_CHANGED);
    await f.ended();
    expect(((f.failure ?? []) as Json[]).map((x) => x.extensions?.code)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
  });
});

// ---------------------------------------------------------------------------------------------
// Legacy socket: /api/v1/chamados/{id}/live
// ---------------------------------------------------------------------------------------------

describe('legacy live socket', () => {
  interface LegacySocket {
    ws: WebSocket;
    messages: Json[];
    closed: { code: number; reason: string } | null;
  }

  function legacy(publicId: string, how: { token?: string; protocols?: string[] }): Promise<LegacySocket> {
    const url = `${server.url.replace(/^http/, 'ws')}${chamadoPath(publicId, '/live')}${how.token ? `?token=${encodeURIComponent(how.token)}` : ''}`;
    const ws = new WebSocket(url, how.protocols);
    cleanups.push(() => ws.terminate());
    const socket: LegacySocket = { ws, messages: [], closed: null };
    ws.on('message', (data) => socket.messages.push(JSON.parse(String(data))));
    ws.on('close', (code, reason) => (socket.closed = { code, reason: String(reason) }));
    return new Promise((resolve, reject) => {
      ws.on('open', () => resolve(socket));
      ws.on('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.on('error', reject);
    });
  }

  /** Notes until the socket shows one (it has no replay cursor), then quiet; returns the message count. */
  async function primeLegacy(socket: LegacySocket, publicId: string): Promise<number> {
    for (let attempt = 0; attempt < 25; attempt++) {
      await note(publicId, 'prime');
      const deadline = Date.now() + 400;
      while (Date.now() < deadline && socket.messages.length === 0) await delay(10);
      if (socket.messages.length) break;
    }
    expect(socket.messages.length).toBeGreaterThan(0);
    let seen = -1;
    while (seen !== socket.messages.length) {
      seen = socket.messages.length;
      await delay(300);
    }
    return socket.messages.length;
  }

  it('?token=: sends exactly {type, event_type, created_at} and {type, step, time_on_step_sec}', async () => {
    const mine = await newChamado();
    const other = await newChamado();
    const socket = await legacy(mine.publicId, { token: await server.token('viewer') });
    const primed = await primeLegacy(socket, mine.publicId);
    for (const m of socket.messages) expect(m).toEqual({ type: 'event', event_type: 'nota', created_at: expect.stringMatching(ISO) });

    const n = await note(mine.publicId, 'legacy note');
    await note(other.publicId, 'noise');
    const occurredAt = new Date(Date.now() - 300_000);
    const receipt = await webhook(server, 'onboard', onboardStep(mine.session, mine.domain, 'dns_cloudflare', 'DNS Cloudflare', occurredAt));
    expect(receipt.chamado_public_id).toBe(mine.publicId);
    await until(() => socket.messages.length >= primed + 3, 'three legacy messages');
    await delay(300);
    const got = socket.messages.slice(primed);
    expect(got.map((m) => Object.keys(m).sort())).toEqual([
      ['created_at', 'event_type', 'type'],
      ['created_at', 'event_type', 'type'],
      ['step', 'time_on_step_sec', 'type'],
    ]);
    expect(got[0]).toEqual({ type: 'event', event_type: 'nota', created_at: n.created_at });
    expect(got[1]).toEqual({ type: 'event', event_type: 'domain.validated', created_at: expect.stringMatching(ISO) });
    expect(got[2]).toEqual({ type: 'wizard_step', step: 'dns_cloudflare', time_on_step_sec: expect.any(Number) });
    expect(got[2]!.time_on_step_sec).toBeGreaterThanOrEqual(300);
    expect(got[2]!.time_on_step_sec).toBeLessThan(320);
    expect(socket.closed).toBeNull();
  });

  it('token as subprotocol (["bearer", token]): the server answers with "bearer" and streams', async () => {
    const mine = await newChamado();
    const socket = await legacy(mine.publicId, { protocols: ['bearer', await server.token('viewer')] });
    expect(socket.ws.protocol).toBe('bearer');
    const primed = await primeLegacy(socket, mine.publicId);
    const n = await note(mine.publicId, 'via subprotocol');
    await until(() => socket.messages.length > primed, 'a legacy message');
    await delay(200);
    expect(socket.messages.slice(primed)).toEqual([{ type: 'event', event_type: 'nota', created_at: n.created_at }]);
  });

  it('a bad or missing token is refused at the handshake (HTTP 401)', async () => {
    const mine = await newChamado();
    await expect(legacy(mine.publicId, { token: 'not-a-jwt' })).rejects.toMatchObject({ status: 401 });
    await expect(legacy(mine.publicId, { protocols: ['bearer', 'not-a-jwt'] })).rejects.toMatchObject({ status: 401 });
    await expect(legacy(mine.publicId, {})).rejects.toMatchObject({ status: 401 });
  });

  it('an unknown chamado is closed with 4404', async () => {
    const socket = await legacy('CH-1999-99999', { token: await server.token('viewer') });
    await until(() => socket.closed, 'the socket to close');
    expect(socket.closed!.code).toBe(4404);
    expect(socket.messages.every((m) => m.type === 'error')).toBe(true);
  });
});
