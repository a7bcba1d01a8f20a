import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createChamado } from './helpers/fixtures.ts';
import { postWebhook, withIds as uniqueFixture, type FixtureIds, type VendorFixture } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * Correlation of ingested events into chamados (DOMAIN.md "Events, dedup and correlation"):
 * explicit link, same session, same fingerprint, same domain inside/outside the window, reopening
 * inside/after the reopen window, operator corrections (detach, move, merge), and the number of
 * SQL statements one delivery costs. Every payload carries unique ids (the database is shared).
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Json = Record<string, any>;

const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.onboard!;
const PUBLIC_ID = /^CH-\d{4}-\d{5}$/;

/** Vendor fixtures with unique ids; alert deliveries carry one alert (the critical one). */
const withIds = (name: VendorFixture, given: Partial<FixtureIds> = {}) => uniqueFixture(name, given, { prefix: 'co', singleAlert: true });

/** An onboarding funnel event of a session (fresh event_id each time). */
function funnel(event: string, session: string, domain: string, data: Json = {}): Json {
  const { body } = withIds('onboard-account-created', { session, domain });
  body.event = event;
  body.event_id = `evt-${unique(event)}`;
  body.data = { email: `admin@${domain}`, ...data };
  return body;
}

/** A Wazuh alert of the given level whose decoded data names a domain. */
function wazuhOn(domain: string | null, level = 12): { body: Json; ids: FixtureIds } {
  const made = withIds('wazuh-brute-force');
  made.body.rule.level = level;
  if (domain) made.body.data.domain = domain;
  return made;
}

const deliver = (source: string, payload: unknown) => postWebhook(server, source, payload, SECRET);

/** Delivers and checks the receipt's decision (and rule); returns the receipt. */
async function ingest(source: string, payload: unknown, decision: string, rule?: string): Promise<Json> {
  const res = await deliver(source, payload);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.correlation, JSON.stringify(res.body)).toMatchObject({ decision, ...(rule ? { rule } : {}) });
  if (decision === 'stored') expect(res.body.chamado_public_id).toBeNull();
  else expect(res.body.chamado_public_id).toMatch(PUBLIC_ID);
  return res.body;
}

const CHAMADO_FIELDS = `publicId title origin status domain sessionId wizardStep wizardStepLabel wizardStepAt eventCount sources
  maxSeverity resolvedAt closedAt mergedInto { publicId }
  timeline { kind eventType eventId summary data actor { username } }`;

async function chamado(publicId: string): Promise<Json> {
  const res = await server.gql(`query Ch($id: String!) { chamado(publicId: $id) { ${CHAMADO_FIELDS} } }`, { id: publicId }, { as: 'ops' });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(res.data?.chamado, publicId).toBeTruthy();
  return res.data!.chamado as Json;
}

async function eventById(eventId: number): Promise<Json> {
  const res = await server.gql(
    `query Ev($id: Int!) { event(eventId: $id) { eventId isDuplicate correlation chamado { publicId } } }`,
    { id: eventId },
    { as: 'ops' },
  );
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.event as Json;
}

/** Event ids on the chamado's timeline as `event` entries. */
const eventEntries = (c: Json): number[] => c.timeline.filter((t: Json) => t.kind === 'event').map((t: Json) => t.eventId);

/** Non-duplicate events Discover lists for the chamado: what eventCount must equal. */
async function countedEvents(publicId: string): Promise<number> {
  const res = await server.gql(
    'query Count($f: EventFilter) { events(filter: $f, first: 1) { totalCount } }',
    { f: { chamado: publicId, duplicate: false } },
    { as: 'ops' },
  );
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return (res.data!.events as Json).totalCount;
}

async function patchStatus(publicId: string, ...statuses: string[]): Promise<void> {
  for (const status of statuses) {
    const res = await server.rest('PATCH', `/api/v1/chamados/${publicId}`, { as: 'ops', body: { status } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe(status);
  }
}

const sql = (text: string, params: unknown[]) => server.orm.em.getConnection().execute(text, params);

describe('correlation into chamados', () => {
  it('same session: a later funnel event attaches to the session\'s chamado and moves its wizard step', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const opened = await ingest('onboard', body, 'opened', 'onboard.event');
    const before = await chamado(opened.chamado_public_id);
    expect(before).toMatchObject({ wizardStep: 'account', wizardStepLabel: 'Conta', eventCount: 1 });

    const dns = funnel('dns.applied', ids.session, ids.domain, { wizard_step: 'dns', wizard_step_label: 'DNS' });
    dns.occurred_at = '2026-06-16T10:03:00Z';
    const attached = await ingest('onboard', dns, 'attached', 'session');
    expect(attached).toMatchObject({
      status: 'accepted',
      chamado_public_id: opened.chamado_public_id,
      correlation: { key: ids.session, reopened: false, opening_rule: null, chamado_public_id: opened.chamado_public_id },
    });

    const after = await chamado(opened.chamado_public_id);
    expect(after).toMatchObject({
      wizardStep: 'dns',
      wizardStepLabel: 'DNS',
      wizardStepAt: '2026-06-16T10:03:00.000Z',
      eventCount: 2,
      sources: ['onboard'],
      status: 'novo',
    });
    expect(eventEntries(after)).toEqual([opened.event_id, attached.event_id]);
    const entry = after.timeline.find((t: Json) => t.eventId === attached.event_id);
    expect(entry).toMatchObject({ eventType: 'dns.applied', data: { correlation: { decision: 'attached', rule: 'session' } } });
  });

  it('same fingerprint: a new firing and the resolution join the chamado the first firing opened', async () => {
    const { body, ids } = withIds('alertmanager-firing');
    const opened = await ingest('alertmanager', body, 'opened', 'alertmanager.severity');

    const refiring = structuredClone(body);
    refiring.alerts[0].startsAt = '2026-06-16T12:00:00Z';
    const second = await ingest('alertmanager', refiring, 'attached', 'fingerprint');
    expect(second).toMatchObject({
      status: 'accepted',
      chamado_public_id: opened.chamado_public_id,
      correlation: { key: `alertmanager:fp:${ids.fingerprint}`, reopened: false, opening_rule: 'alertmanager.severity' },
    });

    // a re-notification of that same firing is an exact duplicate, not a third occurrence
    const renotified = await deliver('alertmanager', refiring);
    expect(renotified.body).toMatchObject({ status: 'duplicate', duplicate_of: second.event_id, chamado_public_id: opened.chamado_public_id });

    const resolved = structuredClone(refiring);
    resolved.status = 'resolved';
    resolved.alerts[0].status = 'resolved';
    resolved.alerts[0].endsAt = '2026-06-16T12:30:00Z';
    const third = await ingest('alertmanager', resolved, 'attached', 'fingerprint');
    expect(third.correlation.opening_rule).toBeNull();
    expect(third.chamado_public_id).toBe(opened.chamado_public_id);

    const c = await chamado(opened.chamado_public_id);
    expect(c).toMatchObject({ eventCount: 3, sources: ['alertmanager'], maxSeverity: 12 });
    expect(eventEntries(c)).toEqual([opened.event_id, second.event_id, third.event_id]);
    expect(await countedEvents(opened.chamado_public_id)).toBe(3);
  });

  it('same domain inside the window: a level-12 Wazuh alert naming the domain joins its open chamado', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const opened = await ingest('onboard', body, 'opened');
    const { body: alert, ids: alertIds } = wazuhOn(ids.domain.toUpperCase()); // domains compare lowercased
    const attached = await ingest('wazuh', alert, 'attached', 'domain_window');
    expect(attached.correlation).toMatchObject({
      key: ids.domain,
      chamado_public_id: opened.chamado_public_id,
      reopened: false,
      opening_rule: 'wazuh.level',
    });
    const c = await chamado(opened.chamado_public_id);
    expect(c).toMatchObject({ eventCount: 2, sources: ['onboard', 'wazuh'], maxSeverity: 12, title: `[account.created] ${ids.domain} — admin@${ids.domain}` });

    // the alert's agent is now an observable of the chamado: the same agent joins by agent_window
    const sameAgent = wazuhOn(null, 12);
    sameAgent.body.agent.name = alertIds.agent;
    sameAgent.body.rule.id = '5710';
    const byAgent = await ingest('wazuh', sameAgent.body, 'attached', 'agent_window');
    expect(byAgent.chamado_public_id).toBe(opened.chamado_public_id);
  });

  it('same domain outside the window: a new chamado opens', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const old = await ingest('onboard', body, 'opened');
    await sql(`update chamados set updated_at = now() - interval '3 hours' where public_id = ?`, [old.chamado_public_id]);

    // below the opening threshold, nothing correlates: stored only
    await ingest('wazuh', wazuhOn(ids.domain, 5).body, 'stored');
    const fresh = await ingest('wazuh', wazuhOn(ids.domain, 12).body, 'opened', 'wazuh.level');
    expect(fresh.chamado_public_id).not.toBe(old.chamado_public_id);
    const c = await chamado(fresh.chamado_public_id);
    expect(c).toMatchObject({ domain: ids.domain, origin: 'wazuh', eventCount: 1 });
    expect((await chamado(old.chamado_public_id)).eventCount).toBe(1);
  });

  it('reopen: a ticket-worthy event for a resolved chamado\'s session reopens it to assumido', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const opened = await ingest('onboard', body, 'opened');
    const id = opened.chamado_public_id as string;
    await patchStatus(id, 'assumido', 'em_correcao', 'resolvido');
    expect((await chamado(id)).resolvedAt).toEqual(expect.any(String));

    // not ticket-worthy: attaches (strong session link) without reopening
    const quiet = await ingest('onboard', funnel('dns.applied', ids.session, ids.domain), 'attached', 'session');
    expect(quiet.correlation).toMatchObject({ chamado_public_id: id, reopened: false });
    expect((await chamado(id)).status).toBe('resolvido');

    const { body: failed } = withIds('onboard-failed', { session: ids.session, domain: ids.domain });
    const reopened = await ingest('onboard', failed, 'attached', 'session');
    expect(reopened.correlation).toMatchObject({ chamado_public_id: id, reopened: true, opening_rule: 'onboard.event' });

    const c = await chamado(id);
    expect(c).toMatchObject({ status: 'assumido', resolvedAt: null, closedAt: null, eventCount: 3, maxSeverity: 8 });
    const reopenEntry = c.timeline.find((t: Json) => t.kind === 'status' && t.data?.reopenedByEvent === reopened.event_id);
    expect(reopenEntry).toMatchObject({ eventType: 'status.assumido', actor: null, data: { from: 'resolvido', to: 'assumido' } });
    // the entry comes right before the event that caused it
    const kinds = c.timeline.map((t: Json) => `${t.kind}:${t.eventId ?? t.eventType}`);
    expect(kinds.slice(-2)).toEqual(['status:status.assumido', `event:${reopened.event_id}`]);
  });

  it('after the reopen window: a ticket-worthy event for a closed chamado opens a new one', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const opened = await ingest('onboard', body, 'opened');
    const old = opened.chamado_public_id as string;
    await patchStatus(old, 'assumido', 'em_correcao', 'resolvido', 'fechado');
    await sql(
      `update chamados set resolved_at = now() - interval '26 hours', closed_at = now() - interval '25 hours',
         updated_at = now() - interval '25 hours' where public_id = ?`,
      [old],
    );

    const { body: failed } = withIds('onboard-failed', { session: ids.session, domain: ids.domain });
    const fresh = await ingest('onboard', failed, 'opened', 'onboard.event');
    expect(fresh.chamado_public_id).not.toBe(old);
    expect(await chamado(old)).toMatchObject({ status: 'fechado', eventCount: 1 });
    expect(await chamado(fresh.chamado_public_id)).toMatchObject({ status: 'novo', sessionId: ids.session, eventCount: 1 });

    // from now on the session's events go to the newer chamado
    const next = await ingest('onboard', funnel('dns.applied', ids.session, ids.domain), 'attached', 'session');
    expect(next.chamado_public_id).toBe(fresh.chamado_public_id);
    const tickets = await server.rest('GET', `/api/v1/desk/tickets?session_id=${ids.session}`, { as: 'ops' });
    expect(tickets.body.total).toBe(2);
  });

  it('explicit link: a generic event naming a chamado attaches to it, whatever else it carries', async () => {
    const manual = await createChamado(server, { title: 'Mail down for customer', domain: `${unique('manual')}.example.com` });
    const { body } = withIds('generic-support');
    body.severity = 4;
    body.chamado_public_id = manual.publicId;
    const attached = await ingest('events', body, 'attached', 'explicit');
    expect(attached.correlation).toMatchObject({ key: manual.publicId, chamado_public_id: manual.publicId });
    const c = await chamado(manual.publicId);
    expect(c.eventCount).toBe(1);
    expect(c.sources).toContain('support');
    expect(c.maxSeverity).toBe(4);
    expect(eventEntries(c)).toEqual([attached.event_id]);

    // a link to a chamado that does not exist is no link: below the threshold, stored only
    const { body: dangling } = withIds('generic-support');
    dangling.severity = 4;
    dangling.chamado_public_id = 'CH-1999-99999';
    await ingest('events', dangling, 'stored');
  });
});

describe('concurrent deliveries correlate into one chamado', () => {
  it('10 different ticket-worthy events of one new session at once → one chamado counting 10', async () => {
    const { ids } = withIds('generic-support');
    const bodies = Array.from({ length: 10 }, (_, i) => {
      const { body } = withIds('generic-support', { session: ids.session, domain: `${unique('many')}.example.com` });
      body.severity = 10 + (i % 4);
      body.title = `[support] burst ${i}`;
      return body;
    });
    const results = await Promise.all(bodies.map((b) => deliver('events', b)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(results.map((r) => r.body.status)).toEqual(Array(10).fill('accepted'));
    const chamados = new Set(results.map((r) => r.body.chamado_public_id));
    expect(chamados.size).toBe(1);
    expect(results.filter((r) => r.body.correlation.decision === 'opened')).toHaveLength(1);
    const [publicId] = [...chamados] as string[];
    const c = await chamado(publicId!);
    expect(c).toMatchObject({ eventCount: 10, maxSeverity: 13, sources: ['support'] });
    expect(eventEntries(c)).toHaveLength(10);
    const tickets = await server.rest('GET', `/api/v1/desk/tickets?session_id=${ids.session}`, { as: 'ops' });
    expect(tickets.body.total).toBe(1);
  });

  it('new firings of one fingerprint at once → one chamado', async () => {
    const { body } = withIds('alertmanager-firing');
    const bodies = Array.from({ length: 8 }, (_, i) => {
      const b = structuredClone(body);
      b.alerts[0].startsAt = new Date(Date.UTC(2026, 5, 16, 9, i)).toISOString();
      return b;
    });
    const results = await Promise.all(bodies.map((b) => deliver('alertmanager', b)));
    expect(results.map((r) => r.body.status)).toEqual(Array(8).fill('accepted'));
    const chamados = new Set(results.map((r) => r.body.chamado_public_id));
    expect(chamados.size).toBe(1);
    const c = await chamado([...chamados][0] as string);
    expect(c.eventCount).toBe(8);
    expect(c.title).toBe(`[KubePodCrashLooping] mail/${body.alerts[0].labels.pod}`);
  });

  it('level-12 alerts from different agents naming one domain at once → one chamado', async () => {
    const domain = `${unique('dom')}.example.com`;
    const results = await Promise.all(Array.from({ length: 6 }, () => deliver('wazuh', wazuhOn(domain, 12).body)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(202));
    const chamados = new Set(results.map((r) => r.body.chamado_public_id));
    expect(chamados.size).toBe(1);
    expect(results.filter((r) => r.body.correlation.decision === 'attached').map((r) => r.body.correlation.rule)).toEqual(
      Array(5).fill('domain_window'),
    );
    expect((await chamado([...chamados][0] as string)).eventCount).toBe(6);
  });
});

describe('reopening and merges by the other links', () => {
  it('a new firing of a resolved chamado\'s fingerprint reopens it; its resolution does not', async () => {
    const { body } = withIds('alertmanager-firing');
    const opened = await ingest('alertmanager', body, 'opened');
    const id = opened.chamado_public_id as string;
    await patchStatus(id, 'assumido', 'em_correcao', 'resolvido');

    const resolved = structuredClone(body);
    resolved.status = 'resolved';
    resolved.alerts[0].status = 'resolved';
    resolved.alerts[0].endsAt = '2026-06-16T10:31:30.123Z';
    const quiet = await deliver('alertmanager', resolved);
    expect(quiet.status).toBe(202);
    expect(quiet.body.chamado_public_id === null || quiet.body.chamado_public_id === id).toBe(true);
    expect((await chamado(id)).status).toBe('resolvido');

    const refiring = structuredClone(body);
    refiring.alerts[0].startsAt = '2026-06-16T11:00:00Z';
    const again = await ingest('alertmanager', refiring, 'attached', 'fingerprint');
    expect(again.correlation).toMatchObject({ chamado_public_id: id, reopened: true });
    expect((await chamado(id)).status).toBe('assumido');
  });

  it('an explicit link to a merged chamado lands on the survivor', async () => {
    const a = await ingest('onboard', withIds('onboard-account-created').body, 'opened');
    const b = await ingest('onboard', withIds('onboard-account-created').body, 'opened');
    const merged = await server.gql(
      `mutation G($from: String!, $into: String!) { mergeChamados(sourcePublicId: $from, targetPublicId: $into) { __typename } }`,
      { from: a.chamado_public_id, into: b.chamado_public_id },
      { as: 'ops' },
    );
    expect(merged.data?.mergeChamados).toEqual({ __typename: 'Chamado' });
    const { body } = withIds('generic-support');
    body.severity = 3;
    body.chamado_public_id = a.chamado_public_id;
    const linked = await ingest('events', body, 'attached', 'explicit');
    expect(linked.chamado_public_id).toBe(b.chamado_public_id);
    expect(await chamado(b.chamado_public_id)).toMatchObject({ eventCount: 3 });
  });
});

describe('operator corrections: detach, move, merge', () => {
  const DETACH = `mutation D($id: Int!, $nota: String) { detachEvent(eventId: $id, nota: $nota) {
    __typename ... on Chamado { publicId eventCount sources maxSeverity } ... on Error { code message } } }`;
  const MOVE = `mutation M($id: Int!, $to: String!) { moveEvent(eventId: $id, toPublicId: $to) {
    __typename ... on Chamado { publicId eventCount sources maxSeverity } ... on Error { code message } } }`;
  const MERGE = `mutation G($from: String!, $into: String!) { mergeChamados(sourcePublicId: $from, targetPublicId: $into, nota: "same customer") {
    __typename ... on Chamado { publicId eventCount sources maxSeverity } ... on Error { code message } } }`;

  async function run(doc: string, vars: Json, as: TestUser = 'ops'): Promise<Json> {
    const res = await server.gql(doc, vars, { as });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return Object.values(res.data!)[0] as Json;
  }

  it('keeps counters true and the timeline honest through detach, move and merge', async () => {
    // A: a session's chamado plus a support event linked to it explicitly; B: another session's chamado
    const a = withIds('onboard-account-created');
    const aOpened = await ingest('onboard', a.body, 'opened');
    const A = aOpened.chamado_public_id as string;
    const support = withIds('generic-support');
    support.body.severity = 9;
    support.body.chamado_public_id = A;
    const linked = await ingest('events', support.body, 'attached', 'explicit');
    expect(await chamado(A)).toMatchObject({ eventCount: 2, sources: ['onboard', 'support'], maxSeverity: 9 });
    const b = withIds('onboard-account-created');
    const bOpened = await ingest('onboard', b.body, 'opened');
    const B = bOpened.chamado_public_id as string;

    // detach
    const viewerTry = await server.gql(DETACH, { id: linked.event_id }, { as: 'viewer' });
    expect(viewerTry.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const detached = await run(DETACH, { id: linked.event_id, nota: 'unrelated ticket' });
    expect(detached).toEqual({ __typename: 'Chamado', publicId: A, eventCount: 1, sources: ['onboard'], maxSeverity: null });
    let cA = await chamado(A);
    expect(eventEntries(cA)).toEqual([aOpened.event_id]);
    expect(cA.timeline.find((t: Json) => t.kind === 'detach')).toMatchObject({
      actor: { username: 'ops' },
      data: { eventId: linked.event_id, nota: 'unrelated ticket' },
    });
    const off = await eventById(linked.event_id);
    expect(off.chamado).toBeNull();
    expect(off.correlation.corrections).toEqual([expect.objectContaining({ action: 'detached', from: A, by: 'ops' })]);
    expect(await run(DETACH, { id: linked.event_id })).toMatchObject({ __typename: 'ValidationError' });

    // move (from nowhere to B, then from B to A)
    const moved = await run(MOVE, { id: linked.event_id, to: B });
    expect(moved).toEqual({ __typename: 'Chamado', publicId: B, eventCount: 2, sources: ['onboard', 'support'], maxSeverity: 9 });
    const back = await run(MOVE, { id: linked.event_id, to: A });
    expect(back).toEqual({ __typename: 'Chamado', publicId: A, eventCount: 2, sources: ['onboard', 'support'], maxSeverity: 9 });
    const cB = await chamado(B);
    expect(cB).toMatchObject({ eventCount: 1, sources: ['onboard'], maxSeverity: null });
    expect(eventEntries(cB)).toEqual([bOpened.event_id]);
    expect(cB.timeline.filter((t: Json) => t.kind === 'move').map((t: Json) => t.data)).toEqual([
      expect.objectContaining({ eventId: linked.event_id, from: null }),
      expect.objectContaining({ eventId: linked.event_id, to: A }),
    ]);
    cA = await chamado(A);
    expect(cA.timeline.filter((t: Json) => t.kind === 'move').map((t: Json) => t.data)).toEqual([
      expect.objectContaining({ eventId: linked.event_id, from: B }),
    ]);
    expect(eventEntries(cA).sort()).toEqual([aOpened.event_id, linked.event_id].sort());
    expect((await eventById(linked.event_id)).chamado).toEqual({ publicId: A });

    // merge A into B
    const merged = await run(MERGE, { from: A, into: B });
    expect(merged).toEqual({ __typename: 'Chamado', publicId: B, eventCount: 3, sources: ['onboard', 'support'], maxSeverity: 9 });
    expect(await countedEvents(B)).toBe(3);
    expect(await countedEvents(A)).toBe(0);
    const gone = await chamado(A);
    expect(gone).toMatchObject({ status: 'fechado', mergedInto: { publicId: B }, eventCount: 0, closedAt: expect.any(String) });
    expect(gone.timeline.map((t: Json) => t.kind)).toEqual(['merge']);
    expect(gone.timeline[0].data).toMatchObject({ into: B, nota: 'same customer' });
    const survivor = await chamado(B);
    expect(survivor.timeline.find((t: Json) => t.kind === 'merge')).toMatchObject({ actor: { username: 'ops' }, data: { merged: A } });
    expect(eventEntries(survivor).sort()).toEqual([aOpened.event_id, linked.event_id, bOpened.event_id].sort());

    // later events for A's session land on the survivor
    const later = await ingest('onboard', funnel('dns.applied', a.ids.session, a.ids.domain), 'attached', 'session');
    expect(later.chamado_public_id).toBe(B);
    expect(await chamado(B)).toMatchObject({ eventCount: 4 });
    expect(await countedEvents(B)).toBe(4);

    // a merged chamado takes no moved events, and a chamado cannot be merged twice
    expect(await run(MOVE, { id: later.event_id, to: A })).toMatchObject({ __typename: 'ValidationError' });
    expect(await run(MERGE, { from: A, into: B })).toMatchObject({ __typename: 'ValidationError' });
  });

  it('refuses to regroup a duplicate (it follows its original)', async () => {
    const { body } = withIds('onboard-account-created');
    const first = await ingest('onboard', body, 'opened');
    const copy = await deliver('onboard', { ...body, event_id: `evt-${unique('copy')}` });
    expect(copy.body.status).toBe('duplicate');
    expect(await run(DETACH, { id: copy.body.event_id })).toMatchObject({ __typename: 'ForbiddenActionError', code: 'FORBIDDEN_ACTION' });
    expect((await chamado(first.chamado_public_id)).eventCount).toBe(1);
  });
});

describe('cost of one delivery', () => {
  /** Statements one delivery cost, as the server reports them per request (X-Sql-Statements). */
  async function measure(source: string, payload: unknown, decision: string): Promise<number> {
    const { status, body, headers } = await deliver(source, payload);
    expect(status, JSON.stringify(body)).toBe(202);
    expect(body.correlation).toMatchObject({ decision });
    const header = headers.get('x-sql-statements');
    expect(header, 'X-Sql-Statements header').toMatch(/^\d+$/);
    return Number(header);
  }

  it('opens, attaches and deduplicates in a bounded number of SQL statements', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const opening = await measure('onboard', body, 'opened');
    const attaching = await measure('onboard', funnel('dns.applied', ids.session, ids.domain, { wizard_step: 'dns' }), 'attached');
    const duplicate = await measure('onboard', { ...body, event_id: `evt-${unique('dup')}` }, 'duplicate');
    const storing = await measure('onboard', funnel('wizard.step_viewed', `sess-${unique('lone')}`, `${unique('lone')}.example.com`), 'stored');
    console.log(`SQL statements per delivery: opening ${opening}, attaching ${attaching}, duplicate ${duplicate}, stored ${storing}`);
    // BEGIN, ids/holders/locks, the rules' reads, the survivors of the chamados they found, locked
    // (sent with them, whether they found any or not), opening: the chamado's number and id, the
    // write statement (chamado included), COMMIT.
    expect({ opening, attaching, duplicate, storing }).toEqual({ opening: 7, attaching: 6, duplicate: 6, storing: 6 });
  });
});
