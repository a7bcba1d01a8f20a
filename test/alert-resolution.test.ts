import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { postWebhook } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * Resolved alerts (DOMAIN.md "Recurrence key", issue 8): a chamado shows which of its alerts still
 * fire, and when the last one resolves an unclaimed chamado moves to resolvido with a timeline
 * entry saying why; a claimed one only gets the entry. RULE_AUTO_RESOLVE_SOURCES turns it off.
 * Every alert carries unique fingerprints, domains and instances (the database is shared).
 */

let server: TestServer;
let quiet: TestServer;
beforeAll(async () => {
  [server, quiet] = await Promise.all([startTestServer(), startTestServer({ RULE_AUTO_RESOLVE_SOURCES: '' })]);
});
afterAll(async () => {
  await Promise.all([server?.close(), quiet?.close()]);
});

type Json = Record<string, any>;

const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.alertmanager!;
const ISO = /^\d{4}-\d{2}-\d{2}T/;

const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`./fixtures/payloads/${name}.json`, import.meta.url), 'utf8'));

/** One alert identity: unique fingerprint, instance and pod; the domain groups alerts into one chamado. */
interface Alert {
  fingerprint: string;
  alertname: string;
  pod: string;
  instance: string;
  domain: string;
  severity: string;
  startsAt: string;
}

function alert(domain: string, severity = 'critical', startsAt = '2026-06-16T09:52:30.123Z'): Alert {
  const tag = unique('ar');
  return { fingerprint: `fp-${tag}`, alertname: `High${tag.slice(-6)}`, pod: `web-${tag}`, instance: `vm-${tag}`, domain, severity, startsAt };
}

/** An Alertmanager (or SigNoz) v4 body with these alerts, built on the vendor fixtures. */
function body(status: 'firing' | 'resolved', alerts: Alert[]): Json {
  const base = fixture(status === 'firing' ? 'alertmanager-firing' : 'alertmanager-resolved');
  const template = base.alerts[0];
  base.status = status;
  base.alerts = alerts.map((a) => ({
    ...structuredClone(template),
    status,
    fingerprint: a.fingerprint,
    startsAt: a.startsAt,
    endsAt: status === 'resolved' ? '2026-06-16T10:31:30.123Z' : '0001-01-01T00:00:00Z',
    labels: { ...template.labels, alertname: a.alertname, pod: a.pod, instance: a.instance, domain: a.domain, severity: a.severity },
  }));
  return base;
}

async function deliver(source: string, payload: unknown, on: TestServer = server): Promise<Json> {
  const { status, body } = await postWebhook(on, source, payload, SECRET);
  expect(status, JSON.stringify(body)).toBe(202);
  return body;
}

const DETAIL = `publicId status resolvedAt version firingAlertCount assignee { username }
  alerts { key source alertname namespace target status firstFiredAt lastChangeAt lastEventId eventCount }
  timeline { kind eventType source summary data actor { username } }`;

async function chamado(publicId: string, on: TestServer = server): Promise<Json> {
  const res = await on.gql(`query Ch($id: String!) { chamado(publicId: $id) { ${DETAIL} } }`, { id: publicId }, { as: 'viewer' });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(res.data?.chamado, publicId).toBeTruthy();
  return res.data!.chamado as Json;
}

/** The entries this feature writes (kind `status`, eventType auto_resolved / alerts_resolved). */
const resolutionEntries = (c: Json): Json[] =>
  c.timeline.filter((t: Json) => t.eventType === 'auto_resolved' || t.eventType === 'alerts_resolved');

/** The chamado's alert for this identity (alertnames are unique per test). */
const alertOf = (c: Json, a: Alert): Json | undefined => c.alerts.find((x: Json) => x.alertname === a.alertname);
const statusOf = (c: Json, a: Alert) => alertOf(c, a)?.status;

/** Two critical alerts of one domain in one delivery: the first opens, the second joins by domain. */
async function twoFiring(source = 'alertmanager', on: TestServer = server): Promise<{ id: string; a: Alert; b: Alert }> {
  const domain = `${unique('ar')}.example.com`;
  const a = alert(domain);
  const b = alert(domain);
  const receipt = await deliver(source, body('firing', [a, b]), on);
  expect(receipt.events.map((e: Json) => e.correlation.decision)).toEqual(['opened', 'attached']);
  const id = receipt.chamado_public_id as string;
  expect(receipt.events[1].chamado_public_id).toBe(id);
  return { id, a, b };
}

describe('alerts of a chamado and auto-resolution', () => {
  it('two firing alerts: one resolves → still novo; the other resolves → resolvido with the reason', async () => {
    const { id, a, b } = await twoFiring();
    const opened = await chamado(id);
    expect(opened).toMatchObject({ status: 'novo', firingAlertCount: 2 });
    expect(opened.alerts).toHaveLength(2);
    for (const x of opened.alerts) {
      expect(x).toMatchObject({ source: 'alertmanager', status: 'firing', namespace: 'mail', eventCount: 1 });
      expect(x.firstFiredAt).toBe('2026-06-16T09:52:30.123Z');
      expect(x.lastChangeAt).toBe(x.firstFiredAt);
    }
    expect(opened.alerts.map((x: Json) => x.target).sort()).toEqual([a.pod, b.pod].sort());

    const first = await deliver('alertmanager', body('resolved', [a]));
    expect(first.correlation).toMatchObject({ decision: 'attached', rule: 'fingerprint', chamado_public_id: id });
    const half = await chamado(id);
    expect(half).toMatchObject({ status: 'novo', firingAlertCount: 1, resolvedAt: null });
    expect(statusOf(half, a)).toBe('resolved');
    expect(statusOf(half, b)).toBe('firing');
    const resolvedA = alertOf(half, a);
    expect(resolvedA).toMatchObject({ lastEventId: first.event_id, eventCount: 2, lastChangeAt: '2026-06-16T10:31:30.123Z' });
    expect(resolutionEntries(half)).toEqual([]);

    const last = await deliver('alertmanager', body('resolved', [b]));
    expect(last.chamado_public_id).toBe(id);
    const done = await chamado(id);
    expect(done).toMatchObject({ status: 'resolvido', firingAlertCount: 0, assignee: null });
    expect(done.resolvedAt).toMatch(ISO);
    expect(done.version).toBeGreaterThan(half.version);
    expect(done.alerts.map((x: Json) => x.status)).toEqual(['resolved', 'resolved']);
    const entries = resolutionEntries(done);
    expect(entries).toHaveLength(1);
    const entry = entries[0]!;
    expect(entry).toMatchObject({
      kind: 'status',
      eventType: 'auto_resolved',
      source: 'alertmanager',
      actor: null,
      data: { rule: 'all_alerts_resolved', from: 'novo', to: 'resolvido', resolvedByEvent: last.event_id },
    });
    expect(entry.summary).toContain('all 2 alerts resolved (');
    expect(entry.summary).toContain(`${a.alertname} on ${a.pod}`);
    expect(entry.summary).toContain(`${b.alertname} on ${b.pod}`);
    expect(entry.summary).toMatch(/; nobody had claimed it$/);
    // the entry is the chamado's last word: it comes after the event that ended the last alert
    expect(done.timeline.at(-1)).toEqual(entry);

    // the REST detail carries the same list (added field `alertas`; existing fields unchanged)
    const rest = await server.rest('GET', `/api/v1/chamados/${id}`, { as: 'viewer' });
    expect(rest.status).toBe(200);
    expect(rest.body.status).toBe('resolvido');
    expect(rest.body.alertas).toHaveLength(2);
    expect(rest.body.alertas[0]).toEqual({
      key: expect.stringContaining('alertmanager:'),
      source: 'alertmanager',
      alertname: expect.any(String),
      namespace: 'mail',
      target: expect.any(String),
      status: 'resolved',
      first_fired_at: '2026-06-16T09:52:30.123Z',
      last_change_at: '2026-06-16T10:31:30.123Z',
      last_event_id: expect.any(Number),
      event_count: 2,
    });
    expect(rest.body.timeline.at(-1)).toMatchObject({ kind: 'status', event_type: 'auto_resolved', actor: null });
  });

  it('a later firing of the same fingerprint reopens the auto-resolved chamado (reopen rule)', async () => {
    const domain = `${unique('ar')}.example.com`;
    const a = alert(domain);
    const opened = await deliver('alertmanager', body('firing', [a]));
    const id = opened.chamado_public_id as string;
    await deliver('alertmanager', body('resolved', [a]));
    const resolved = await chamado(id);
    expect(resolved.status).toBe('resolvido');
    expect(resolutionEntries(resolved)[0]?.summary).toBe(`its alert resolved (${a.alertname} on ${a.pod}); nobody had claimed it`);

    // a repeated resolution is a duplicate and changes nothing
    const again = await deliver('alertmanager', body('resolved', [a]));
    expect(again.status).toBe('duplicate');

    const refiring = await deliver('alertmanager', body('firing', [{ ...a, startsAt: '2026-06-16T11:00:00Z' }]));
    expect(refiring.correlation).toMatchObject({ decision: 'attached', rule: 'fingerprint', chamado_public_id: id, reopened: true });
    const reopened = await chamado(id);
    expect(reopened).toMatchObject({ status: 'assumido', resolvedAt: null, firingAlertCount: 1 });
    expect(reopened.alerts).toEqual([
      expect.objectContaining({ status: 'firing', eventCount: 3, firstFiredAt: '2026-06-16T09:52:30.123Z', lastEventId: refiring.event_id }),
    ]);
    expect(resolutionEntries(reopened)).toHaveLength(1);
  });

  it('a claimed chamado only gets the entry, naming who claimed it', async () => {
    const { id, a, b } = await twoFiring();
    const claim = await server.gql(
      `mutation C($id: String!) { claimChamado(publicId: $id, nota: "looking") { ... on Chamado { status } ... on Error { code } } }`,
      { id },
      { as: 'ops' },
    );
    expect(claim.data?.claimChamado).toEqual({ status: 'assumido' });
    await deliver('alertmanager', body('resolved', [a, b]));
    const c = await chamado(id);
    expect(c).toMatchObject({ status: 'assumido', resolvedAt: null, firingAlertCount: 0, assignee: { username: 'ops' } });
    const entries = resolutionEntries(c);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      kind: 'status',
      eventType: 'alerts_resolved',
      actor: null,
      data: { from: 'assumido', to: 'assumido', leftAsIs: 'ops has claimed it' },
    });
    expect(entries[0]?.summary).toMatch(/^all 2 alerts resolved \(.+\); left as is because ops has claimed it$/);
  });

  it('RULE_AUTO_RESOLVE_SOURCES empty: the alerts show resolved, nothing moves and no entry is written', async () => {
    const { id, a, b } = await twoFiring('alertmanager', quiet);
    await deliver('alertmanager', body('resolved', [a, b]), quiet);
    const c = await chamado(id, quiet);
    expect(c).toMatchObject({ status: 'novo', resolvedAt: null, firingAlertCount: 0 });
    expect(c.alerts.map((x: Json) => x.status)).toEqual(['resolved', 'resolved']);
    expect(resolutionEntries(c)).toEqual([]);
  });

  it('SigNoz alerts resolve their chamado the same way', async () => {
    const { id, a, b } = await twoFiring('signoz');
    await deliver('signoz', body('resolved', [a]));
    const half = await chamado(id);
    expect(half).toMatchObject({ status: 'novo', firingAlertCount: 1 });
    expect(statusOf(half, a)).toBe('resolved');
    await deliver('signoz', body('resolved', [b]));
    const done = await chamado(id);
    expect(done).toMatchObject({ status: 'resolvido', firingAlertCount: 0 });
    expect(resolutionEntries(done)).toEqual([expect.objectContaining({ eventType: 'auto_resolved', source: 'signoz' })]);
  });

  it('a Sentry issue that resolves leaves its chamado as it is (Sentry is not in the default list)', async () => {
    const issue = fixture('sentry-issue-created');
    issue.data.issue.id = unique('issue');
    const opened = await deliver('sentry', issue);
    expect(opened.correlation).toMatchObject({ decision: 'opened' });
    const id = opened.chamado_public_id as string;
    const resolved = structuredClone(issue);
    resolved.action = 'resolved';
    resolved.data.issue.status = 'resolved';
    const attached = await deliver('sentry', resolved);
    expect(attached.correlation).toMatchObject({ decision: 'attached', chamado_public_id: id });
    const c = await chamado(id);
    expect(c).toMatchObject({ status: 'novo', firingAlertCount: 0 });
    expect(c.alerts).toEqual([expect.objectContaining({ source: 'sentry', status: 'resolved', eventCount: 2 })]);
    expect(resolutionEntries(c)).toEqual([]);
  });

  it('a chamado that also holds a Wazuh alert is left as is: nothing says the Wazuh alert is over', async () => {
    const domain = `${unique('ar')}.example.com`;
    const wazuh = fixture('wazuh-brute-force');
    wazuh.id = unique('wz');
    wazuh.agent.name = `vm-${unique('wz')}`;
    wazuh.data.domain = domain;
    const opened = await deliver('wazuh', wazuh);
    expect(opened.correlation).toMatchObject({ decision: 'opened' });
    const id = opened.chamado_public_id as string;
    const a = alert(domain, 'warning');
    const joined = await deliver('alertmanager', body('firing', [a]));
    expect(joined.correlation).toMatchObject({ decision: 'attached', rule: 'domain_window', chamado_public_id: id });
    await deliver('alertmanager', body('resolved', [a]));
    const c = await chamado(id);
    expect(c).toMatchObject({ status: 'novo', firingAlertCount: 0 });
    expect(c.alerts).toHaveLength(1);
    expect(resolutionEntries(c)).toEqual([
      expect.objectContaining({
        eventType: 'alerts_resolved',
        data: expect.objectContaining({ to: 'novo', leftAsIs: 'it also holds events that do not resolve by themselves (1 wazuh event)' }),
      }),
    ]);
  });

  it('alerts resolving at once resolve the chamado exactly once (the chamado row lock orders them)', async () => {
    const domain = `${unique('ar')}.example.com`;
    const alerts = Array.from({ length: 6 }, () => alert(domain));
    const opened = await deliver('alertmanager', body('firing', alerts));
    const id = opened.chamado_public_id as string;
    expect(opened.events.map((e: Json) => e.chamado_public_id)).toEqual(alerts.map(() => id));
    // Without their domain label the resolutions share no correlation lock and join by
    // fingerprint: only the chamado's row lock keeps each from missing the others' resolutions.
    const receipts = await Promise.all(alerts.map((x) => deliver('alertmanager', body('resolved', [{ ...x, domain: '' }]))));
    for (const r of receipts) expect(r.correlation).toMatchObject({ decision: 'attached', rule: 'fingerprint', chamado_public_id: id });
    const resolved = await chamado(id);
    expect(resolved).toMatchObject({ status: 'resolvido', firingAlertCount: 0 });
    expect(resolutionEntries(resolved).map((t) => t.eventType)).toEqual(['auto_resolved']);
  });
});

/**
 * Reads a GraphQL subscription over SSE until `done` says the payloads seen are enough (or 10 s
 * pass); returns every payload seen. Started before the change it waits for.
 */
function sse(query: string, variables: Json, token: string, done: (seen: Json[]) => boolean): { ready: Promise<void>; result: Promise<Json[]> } {
  const controller = new AbortController();
  const seen: Json[] = [];
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const result = (async () => {
    const timer = setTimeout(() => controller.abort(), 10_000);
    try {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        signal: controller.signal,
      });
      ready();
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      while (!done(seen)) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        buffer += value.replace(/\r\n/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = buffer.slice(0, end).split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          buffer = buffer.slice(end + 2);
          if (data) seen.push(JSON.parse(data));
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    return seen;
  })();
  return { ready: readyP, result };
}

describe('live views', () => {
  it('chamadoLive subscribers see the auto-resolution entry', async () => {
    const domain = `${unique('ar')}.example.com`;
    const a = alert(domain);
    const id = (await deliver('alertmanager', body('firing', [a]))).chamado_public_id as string;
    const isEntry = (p: Json) => p.data?.chamadoLive?.eventType === 'auto_resolved';
    const live = sse(
      `subscription L($id: String!) { chamadoLive(publicId: $id) { __typename ... on TimelineEntry { kind eventType summary } } }`,
      { id },
      await server.token('viewer'),
      (seen) => seen.some(isEntry),
    );
    await live.ready;
    await new Promise((r) => setTimeout(r, 300)); // the subscription listens once its response has started
    await deliver('alertmanager', body('resolved', [a]));
    const entry = (await live.result).find(isEntry);
    expect(entry?.data.chamadoLive).toMatchObject({ __typename: 'TimelineEntry', kind: 'status', summary: expect.stringContaining('nobody had claimed it') });
  });
});

describe('cost of the alerts field', () => {
  async function measure(first: number, as: TestUser = 'viewer'): Promise<{ statements: number; nodes: Json[] }> {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token(as)}` },
      body: JSON.stringify({
        query: `query L($first: Int) { chamados(first: $first) { edges { node { publicId firingAlertCount
          alerts { key status firstFiredAt } } } } }`,
        variables: { first },
      }),
    });
    const json = (await res.json()) as Json;
    expect(json.errors, JSON.stringify(json.errors)).toBeUndefined();
    const header = res.headers.get('x-sql-statements');
    expect(header, 'X-Sql-Statements header').toMatch(/^\d+$/);
    return { statements: Number(header), nodes: json.data.chamados.edges.map((e: Json) => e.node) };
  }

  it('a list of chamados with their alerts costs the same number of statements for 2 and 6 chamados', async () => {
    for (let i = 0; i < 6; i++) await twoFiring();
    await server.token('viewer');
    const small = await measure(2);
    const large = await measure(6);
    expect(large.nodes).toHaveLength(6);
    // the newest chamados are the ones just made (unless another file made some meanwhile)
    expect(large.nodes.filter((n) => n.alerts.length > 0).length).toBeGreaterThanOrEqual(2);
    expect(large.statements).toBe(small.statements);
  });
});
