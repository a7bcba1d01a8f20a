import { createHash, createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { withIds as uniqueFixture, type FixtureIds, type VendorFixture } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * The webhook receivers (POST /api/v1/webhooks/{source}) against the real server and database:
 * each vendor format, authentication, malformed and misfit bodies, dead letters and replay, dedup
 * and the concurrent-duplicates race. The database is shared with other files running in parallel,
 * so every payload carries unique ids and every assertion filters by them.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Json = Record<string, any>;

const INGEST = loadConfig({ NODE_ENV: 'test' }).ingest;
const SECRET = INGEST.webhookSecrets.onboard!;
const SENTRY_SECRET = INGEST.sentryClientSecret;
const PUBLIC_ID = /^CH-\d{4}-\d{5}$/;

/** Vendor fixtures with unique ids (every alert of an Alertmanager delivery kept). */
const withIds = (name: VendorFixture, given: Partial<FixtureIds> = {}) => uniqueFixture(name, given, { prefix: 'wh' });

type Auth =
  | { secret: string }
  | { standard: { id?: string; at?: Date; secret?: string } }
  | { sentry: string }
  | { none: true };

interface Delivered {
  status: number;
  body: any;
  raw: string;
}

function standardHeaders(raw: string, { id = `msg_${randomUUID()}`, at = new Date(), secret = SECRET } = {}) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret, { format: 'raw' }).sign(id, at, raw),
  };
}

const sentrySignature = (raw: string, secret: string) => createHmac('sha256', secret).update(raw, 'utf8').digest('hex');
const sha256 = (raw: string) => createHash('sha256').update(raw).digest('hex');

function authHeaders(auth: Auth, raw: string): Record<string, string> {
  if ('secret' in auth) return { 'x-webhook-secret': auth.secret };
  if ('standard' in auth) return standardHeaders(raw, auth.standard);
  if ('sentry' in auth) return { 'sentry-hook-signature': sentrySignature(raw, auth.sentry) };
  return {};
}

/** POSTs a body (an object is serialised; a string is sent byte for byte) to a receiver. */
async function deliver(
  source: string,
  payload: unknown,
  auth: Auth = { secret: SECRET },
  extra: Record<string, string> = {},
): Promise<Delivered> {
  const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const res = await fetch(`${server.url}/api/v1/webhooks/${source}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(auth, raw), ...extra },
    body: raw,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text so a failing assertion shows what came back
  }
  return { status: res.status, body, raw };
}

/** Rows stored for a session, read straight from the table. */
async function countBySession(session: string): Promise<number> {
  const [row] = await server.orm.em
    .getConnection()
    .execute<{ n: number }[]>('select count(*)::int as n from events where session_id = ?', [session]);
  return row!.n;
}

const EVENT_FIELDS = `eventId source eventType providerEventId deliveryId domain sessionId severity sourceSeverity ruleId agent
  summary fingerprint alertname namespace targetResource alertStatus isDuplicate duplicateOf { eventId }
  chamado { publicId title origin status eventCount } correlation payload redactionVersion contentSha256 contentLength
  sourceRefs observables { tipo valor } warnings occurredAt receivedAt`;

async function eventById(eventId: number, as: TestUser = 'ops'): Promise<Json> {
  const res = await server.gql(`query Ev($id: Int!) { event(eventId: $id) { ${EVENT_FIELDS} } }`, { id: eventId }, { as });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(res.data?.event, `event ${eventId}`).toBeTruthy();
  return res.data!.event as Json;
}

async function chamadoByPublicId(publicId: string): Promise<Json> {
  const res = await server.gql(
    `query Ch($id: String!) { chamado(publicId: $id) { publicId title origin status domain sessionId wizardStep wizardStepLabel
       eventCount sources maxSeverity timeline { kind eventType eventId } } }`,
    { id: publicId },
    { as: 'ops' },
  );
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(res.data?.chamado, publicId).toBeTruthy();
  return res.data!.chamado as Json;
}

/** What every accepted delivery answers: one receipt, mirrored in `events[0]`. */
function expectAccepted(res: Delivered, decision: 'opened' | 'attached' | 'stored'): Json {
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body).toMatchObject({ status: 'accepted', duplicate_of: null, correlation: { decision } });
  expect(res.body.event_id).toEqual(expect.any(Number));
  if (decision === 'stored') expect(res.body.chamado_public_id).toBeNull();
  else expect(res.body.chamado_public_id).toMatch(PUBLIC_ID);
  expect(res.body.events[0]).toMatchObject({
    status: 'accepted',
    event_id: res.body.event_id,
    chamado_public_id: res.body.chamado_public_id,
    duplicate_of: null,
  });
  return res.body;
}

describe('each receiver with a realistic vendor payload', () => {
  it('onboard: account.created opens a chamado titled [event] domain — email, payload redacted', async () => {
    const { body, ids } = withIds('onboard-account-created');
    body.data.password = 'hunter2-correct-horse';
    body.data.token = 'tok_live_8f2b1c9d';
    const res = await deliver('onboard', body);
    const receipt = expectAccepted(res, 'opened');
    expect(receipt.correlation).toMatchObject({ rule: 'onboard.event', chamado_public_id: receipt.chamado_public_id });
    expect(receipt.warnings).toEqual([]);

    const ev = await eventById(receipt.event_id);
    expect(ev).toMatchObject({
      eventId: receipt.event_id,
      source: 'onboard',
      eventType: 'account.created',
      providerEventId: ids.id,
      deliveryId: null,
      domain: ids.domain,
      sessionId: ids.session,
      severity: null,
      summary: `Account created for ${ids.domain}`,
      isDuplicate: false,
      duplicateOf: null,
      contentSha256: sha256(res.raw),
      contentLength: Buffer.byteLength(res.raw),
      redactionVersion: 'r1',
      sourceRefs: {},
      occurredAt: '2026-06-16T09:58:12.000Z',
      warnings: [],
      chamado: { publicId: receipt.chamado_public_id, origin: 'onboard', eventCount: 1 },
    });
    expect(ev.observables).toEqual([{ tipo: 'email', valor: `admin@${ids.domain}` }]);
    expect(ev.payload.data.password).toBe('[redacted]');
    expect(ev.payload.data.token).toBe('[redacted]');
    expect(ev.payload.data.email).toBe(`admin@${ids.domain}`); // only secrets are redacted
    expect(ev.payload.data.mail_aliases).toEqual(body.data.mail_aliases);
    expect(JSON.stringify(ev.payload)).not.toContain('hunter2');

    const chamado = await chamadoByPublicId(receipt.chamado_public_id);
    expect(chamado).toMatchObject({
      title: `[account.created] ${ids.domain} — admin@${ids.domain}`,
      status: 'novo',
      domain: ids.domain,
      sessionId: ids.session,
      wizardStep: 'account',
      wizardStepLabel: 'Conta',
      sources: ['onboard'],
      eventCount: 1,
    });
    expect(chamado.timeline.filter((t: Json) => t.kind === 'event').map((t: Json) => t.eventId)).toEqual([receipt.event_id]);
  });

  it('onboard: onboarding.failed has severity 8 and its nested api_token is redacted', async () => {
    const { body, ids } = withIds('onboard-failed');
    const res = await deliver('onboard', body);
    const receipt = expectAccepted(res, 'opened');
    const ev = await eventById(receipt.event_id);
    expect(ev).toMatchObject({ eventType: 'onboarding.failed', severity: 8, summary: 'DNS apply timeout', sessionId: ids.session });
    expect(ev.payload.data.cloudflare.api_token).toBe('[redacted]');
    expect(ev.payload.data.cloudflare.zone_id).toBe(body.data.cloudflare.zone_id);
    const chamado = await chamadoByPublicId(receipt.chamado_public_id);
    expect(chamado).toMatchObject({ title: `[onboarding.failed] ${ids.domain} — admin@${ids.domain}`, maxSeverity: 8, wizardStep: 'dns_cloudflare' });
  });

  it('onboard: a secret written in the error text is redacted in the summary too', async () => {
    const { body, ids } = withIds('onboard-failed');
    body.data.error = 'SMTP login failed: password=Sup3rS3cret! for relay';
    const receipt = expectAccepted(await deliver('onboard', body), 'opened');
    const ev = await eventById(receipt.event_id);
    expect(ev.summary).toBe('SMTP login failed: password=[redacted] for relay');
    expect(ev.payload.data.error).toBe(ev.summary);
    expect(JSON.stringify(ev)).not.toContain('Sup3rS3cret');
    expect(ev.sessionId).toBe(ids.session);
  });

  it('wazuh: a level-12 alert maps its rule, agent and refs and opens [wazuh L12] agent — description', async () => {
    const { body, ids } = withIds('wazuh-brute-force');
    body.token = 'wazuh-api-token-123456';
    const res = await deliver('wazuh', body);
    const receipt = expectAccepted(res, 'opened');
    expect(receipt.correlation.rule).toBe('wazuh.level');

    const ev = await eventById(receipt.event_id);
    expect(ev).toMatchObject({
      source: 'wazuh',
      eventType: 'wazuh.alert',
      providerEventId: ids.id,
      severity: 12,
      sourceSeverity: 'level 12',
      ruleId: '5712',
      agent: ids.agent,
      summary: body.rule.description,
      domain: null,
      occurredAt: '2026-06-16T10:00:03.412Z',
      sourceRefs: { wazuhAlertId: ids.id, wazuhManager: 'wazuh-manager' },
      contentSha256: sha256(res.raw),
      contentLength: Buffer.byteLength(res.raw),
    });
    expect(ev.observables).toEqual(
      expect.arrayContaining([
        { tipo: 'ip', valor: '203.0.113.45' },
        { tipo: 'host', valor: '10.10.10.112' },
        { tipo: 'user', valor: 'administrator' },
      ]),
    );
    expect(ev.payload.token).toBe('[redacted]');
    expect(ev.payload.full_log).toBe(body.full_log);

    const chamado = await chamadoByPublicId(receipt.chamado_public_id);
    expect(chamado).toMatchObject({
      title: `[wazuh L12] ${ids.agent} — ${body.rule.description}`,
      origin: 'wazuh',
      maxSeverity: 12,
      sources: ['wazuh'],
    });
  });

  it('alertmanager: a group of 2 alerts is 2 events; critical opens [alertname] namespace/target, warning is stored', async () => {
    const { body, ids } = withIds('alertmanager-firing');
    body.alerts[0].annotations.password = 'grafana-admin-pass';
    const res = await deliver('alertmanager', body);
    expectAccepted(res, 'opened');
    expect(res.body.events).toHaveLength(2);
    const [critical, warning] = res.body.events as [Json, Json];
    expect(critical).toMatchObject({ status: 'accepted', correlation: { decision: 'opened', rule: 'alertmanager.severity' } });
    expect(warning).toMatchObject({ status: 'accepted', chamado_public_id: null, correlation: { decision: 'stored' } });
    expect(warning.event_id).not.toBe(critical.event_id);

    const first = await eventById(critical.event_id);
    const pod = body.alerts[0].labels.pod as string;
    expect(first).toMatchObject({
      source: 'alertmanager',
      eventType: 'alert.firing',
      alertStatus: 'firing',
      severity: 12,
      sourceSeverity: 'critical',
      fingerprint: `${ids.fingerprint}-0`,
      providerEventId: `${ids.fingerprint}-0:${body.alerts[0].startsAt}:firing`,
      alertname: 'KubePodCrashLooping',
      namespace: 'mail',
      targetResource: pod,
      agent: `${ids.agent}-0`,
      summary: 'Pod is crash looping.',
      occurredAt: '2026-06-16T09:52:30.123Z',
      sourceRefs: { generatorURL: body.alerts[0].generatorURL, externalURL: body.externalURL },
      // both events of the delivery describe the same body
      contentSha256: sha256(res.raw),
      contentLength: Buffer.byteLength(res.raw),
    });
    expect(first.payload.annotations.password).toBe('[redacted]');
    expect(first.payload.group.groupKey).toBe(body.groupKey);
    expect(first.payload.group.alerts).toBeUndefined();

    const second = await eventById(warning.event_id);
    expect(second).toMatchObject({
      severity: 7,
      sourceSeverity: 'warning',
      alertname: 'KubePersistentVolumeFillingUp',
      targetResource: `${ids.agent}-1`,
      contentSha256: sha256(res.raw),
      chamado: null,
    });
    expect(second.observables).toEqual([{ tipo: 'host', valor: `${ids.agent}-node` }]);

    const chamado = await chamadoByPublicId(critical.chamado_public_id);
    expect(chamado).toMatchObject({ title: `[KubePodCrashLooping] mail/${pod}`, origin: 'alertmanager', maxSeverity: 12, eventCount: 1 });
  });

  it('signoz: the Alertmanager-format body with severity error (10) and a ruleId label opens a chamado', async () => {
    const { body, ids } = withIds('alertmanager-firing');
    body.alerts = [body.alerts[0]];
    body.alerts[0].labels.severity = 'error';
    body.alerts[0].labels.ruleId = '019';
    const res = await deliver('signoz', body);
    const receipt = expectAccepted(res, 'opened');
    expect(res.body.events).toHaveLength(1);
    expect(receipt.correlation.rule).toBe('signoz.severity');
    const ev = await eventById(receipt.event_id);
    expect(ev).toMatchObject({ source: 'signoz', severity: 10, sourceSeverity: 'error', ruleId: '019', fingerprint: `${ids.fingerprint}-0` });
    const chamado = await chamadoByPublicId(receipt.chamado_public_id);
    expect(chamado).toMatchObject({ origin: 'signoz', title: `[KubePodCrashLooping] mail/${body.alerts[0].labels.pod}` });
  });

  it('sentry: a signed issue.created maps level error to 10 and links back to the issue', async () => {
    const { body, ids } = withIds('sentry-issue-created');
    const requestId = randomUUID();
    const res = await deliver('sentry', body, { sentry: SENTRY_SECRET }, { 'request-id': requestId, 'sentry-hook-resource': 'issue' });
    const receipt = expectAccepted(res, 'opened');
    expect(receipt.correlation.rule).toBe('sentry.action');
    const ev = await eventById(receipt.event_id);
    expect(ev).toMatchObject({
      source: 'sentry',
      eventType: 'issue.created',
      deliveryId: requestId,
      severity: 10,
      sourceSeverity: 'error',
      fingerprint: `sentry:${ids.id}`,
      alertStatus: 'firing',
      namespace: 'mail-api',
      summary: `${body.data.issue.title} — ${body.data.issue.culprit}`,
      occurredAt: '2026-06-16T10:02:41.518Z',
      sourceRefs: {
        sentryIssue: `https://itecnologys.sentry.io/issues/${ids.id}/`,
        sentryProject: body.data.issue.project_url,
        sentryShortId: 'MAIL-API-3K',
      },
      contentSha256: sha256(res.raw),
    });
    const chamado = await chamadoByPublicId(receipt.chamado_public_id);
    expect(chamado).toMatchObject({ origin: 'sentry', title: `[sentry] mail-api: ${body.data.issue.title}`, maxSeverity: 10 });
  });

  it('events (generic envelope): a support event of severity 10 opens a chamado with the title it gives', async () => {
    const { body, ids } = withIds('generic-support');
    body.severity = 10;
    body.data.api_key = 'zd-api-key-0123456789';
    const res = await deliver('events', body);
    const receipt = expectAccepted(res, 'opened');
    expect(receipt.correlation.rule).toBe('support.severity');
    const ev = await eventById(receipt.event_id);
    expect(ev).toMatchObject({
      source: 'support',
      eventType: 'ticket.opened',
      providerEventId: ids.id,
      domain: ids.domain,
      sessionId: ids.session,
      severity: 10,
      summary: body.summary,
      occurredAt: '2026-06-16T10:20:00.000Z',
      contentSha256: sha256(res.raw),
      contentLength: Buffer.byteLength(res.raw),
    });
    expect(ev.payload.data.api_key).toBe('[redacted]');
    expect(ev.payload.data.ticket_url).toBe(body.data.ticket_url);
    const chamado = await chamadoByPublicId(receipt.chamado_public_id);
    expect(chamado).toMatchObject({ origin: 'support', title: body.title, sessionId: ids.session });
  });

  it('stores an unknown onboarding event name without a chamado', async () => {
    const { body, ids } = withIds('onboard-account-created');
    body.event = 'wizard.step_viewed';
    const res = await deliver('onboard', body);
    const receipt = expectAccepted(res, 'stored');
    expect(receipt.correlation).toEqual({ decision: 'stored', reason: expect.any(String) });
    const ev = await eventById(receipt.event_id);
    expect(ev).toMatchObject({ eventType: 'wizard.step_viewed', chamado: null, summary: `Onboarding event wizard.step_viewed for ${ids.domain}` });
    const tickets = await server.rest('GET', `/api/v1/desk/tickets?session_id=${ids.session}`, { as: 'ops' });
    expect(tickets.body.total).toBe(0);
  });

  it('accepts an oversized field, truncated, with a warning in the receipt and on the event', async () => {
    const { body } = withIds('generic-support');
    body.severity = 3;
    body.summary = 'é'.repeat(5000);
    const res = await deliver('events', body);
    const receipt = expectAccepted(res, 'stored');
    expect(receipt.warnings).toEqual(['summary truncated from 5000 to 2000 characters']);
    expect(res.body.events[0].warnings).toEqual(receipt.warnings);
    const ev = await eventById(receipt.event_id);
    expect(ev.summary).toBe('é'.repeat(2000));
    expect(ev.warnings).toEqual(receipt.warnings);
    expect(ev.contentLength).toBe(Buffer.byteLength(res.raw)); // the body as received, not the cut field
    expect(ev.payload.summary).toHaveLength(5000);
  });
});

describe('authentication', () => {
  it('refuses a delivery without credentials and stores nothing', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const res = await deliver('onboard', body, { none: true });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'UNAUTHENTICATED', message: expect.stringContaining('no credentials') });
    expect(await countBySession(ids.session)).toBe(0);
    // the same body with the secret goes through: only the credentials were missing
    expectAccepted(await deliver('onboard', body), 'opened');
    expect(await countBySession(ids.session)).toBe(1);
  });

  it('refuses a wrong X-Webhook-Secret', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const res = await deliver('onboard', body, { secret: `${SECRET}-wrong` });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'UNAUTHENTICATED', message: 'X-Webhook-Secret does not match' });
    expect(await countBySession(ids.session)).toBe(0);
  });

  it('accepts a valid Standard Webhooks signature and records the webhook-id', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const msgId = `msg_${randomUUID()}`;
    const res = await deliver('onboard', body, { standard: { id: msgId } });
    const receipt = expectAccepted(res, 'opened');
    expect((await eventById(receipt.event_id)).deliveryId).toBe(msgId);
    expect(await countBySession(ids.session)).toBe(1);
  });

  it('refuses a signature over a different body (tampered), stores nothing', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const signed = JSON.stringify(body);
    const headers = standardHeaders(signed);
    const tampered = JSON.stringify({ ...body, domain: `evil-${ids.domain}` });
    const res = await deliver('onboard', tampered, { none: true }, headers);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('UNAUTHENTICATED');
    expect(res.body.message).toMatch(/^webhook signature rejected/);
    expect(await countBySession(ids.session)).toBe(0);
    // the untampered body with the very same headers is fine
    expectAccepted(await deliver('onboard', signed, { none: true }, headers), 'opened');
  });

  it('refuses a correctly signed delivery whose timestamp is 10 minutes old', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const res = await deliver('onboard', body, { standard: { at: new Date(Date.now() - 10 * 60_000) } });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/^webhook signature rejected/);
    const future = await deliver('onboard', body, { standard: { at: new Date(Date.now() + 10 * 60_000) } });
    expect(future.status).toBe(401);
    expect(await countBySession(ids.session)).toBe(0);
  });

  it('does not fall back to X-Webhook-Secret when a presented signature fails', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const raw = JSON.stringify(body);
    const res = await deliver('onboard', raw, { secret: SECRET }, standardHeaders(raw, { secret: 'another-secret-entirely' }));
    expect(res.status).toBe(401);
    expect(await countBySession(ids.session)).toBe(0);
  });

  it('checks Sentry-Hook-Signature: a wrong one is refused and stores nothing', async () => {
    const { body, ids } = withIds('sentry-issue-created');
    const bad = await deliver('sentry', body, { sentry: `${SENTRY_SECRET}-wrong` });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: 'UNAUTHENTICATED', message: 'Sentry-Hook-Signature does not match' });
    const [row] = await server.orm.em
      .getConnection()
      .execute<{ n: number }[]>('select count(*)::int as n from events where fingerprint = ?', [`sentry:${ids.id}`]);
    expect(row!.n).toBe(0);
    expectAccepted(await deliver('sentry', body, { sentry: SENTRY_SECRET }), 'opened');
  });
});

describe('configured secrets', () => {
  it('uses WEBHOOK_SECRET, a per-source WEBHOOK_SECRET_<SOURCE> over it, and no development default', async () => {
    const shared = 'x'.repeat(24);
    const wazuhOnly = 'w'.repeat(24);
    const other = await startTestServer({ WEBHOOK_SECRET: shared, WEBHOOK_SECRET_WAZUH: wazuhOnly });
    try {
      const post = async (source: string, body: unknown, headers: Record<string, string>) => {
        const raw = JSON.stringify(body);
        const res = await fetch(`${other.url}/api/v1/webhooks/${source}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: raw,
        });
        return { status: res.status, raw };
      };
      const onboard = withIds('onboard-account-created').body;
      expect((await post('onboard', onboard, { 'x-webhook-secret': SECRET })).status).toBe(401);
      expect((await post('onboard', onboard, { 'x-webhook-secret': wazuhOnly })).status).toBe(401);
      expect((await post('onboard', onboard, { 'x-webhook-secret': shared })).status).toBe(202);
      const signed = withIds('onboard-account-created').body;
      const raw = JSON.stringify(signed);
      expect((await post('onboard', signed, standardHeaders(raw, { secret: shared }))).status).toBe(202);

      const alert = withIds('wazuh-brute-force').body;
      expect((await post('wazuh', alert, { 'x-webhook-secret': shared })).status).toBe(401);
      expect((await post('wazuh', alert, { 'x-webhook-secret': wazuhOnly })).status).toBe(202);

      const issue = withIds('sentry-issue-created').body;
      const issueRaw = JSON.stringify(issue);
      expect((await post('sentry', issue, { 'sentry-hook-signature': sentrySignature(issueRaw, SENTRY_SECRET) })).status).toBe(401);
      expect((await post('sentry', issue, { 'sentry-hook-signature': sentrySignature(issueRaw, shared) })).status).toBe(202);
    } finally {
      await other.close();
    }
  });
});

describe('bodies that are not events', () => {
  it('answers malformed JSON with 400 and stores nothing (no event, no dead letter)', async () => {
    const session = `sess-${unique('bad')}`;
    const raw = `{"event":"account.created","session_id":"${session}","domain":"x.example.com",`;
    const res = await deliver('onboard', raw);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'MALFORMED_JSON' });
    expect(await countBySession(session)).toBe(0);
    const [letters] = await server.orm.em
      .getConnection()
      .execute<{ n: number }[]>('select count(*)::int as n from dead_letters where content::text like ?', [`%${session}%`]);
    expect(letters!.n).toBe(0);
  });

  it.each([
    ['null', 'null'],
    ['an array', '[{"event":"account.created"}]'],
    ['a string', '"account.created"'],
    ['a number', '42'],
  ])('answers a JSON body that is %s with 422 and a dead letter', async (_, raw) => {
    const res = await deliver('onboard', raw);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body).toMatchObject({ error: 'SCHEMA_MISMATCH', dead_letter_id: expect.any(Number) });
    const [letter] = await server.orm.em
      .getConnection()
      .execute<{ content_sha256: string; status: string }[]>('select content_sha256, status from dead_letters where id = ?', [
        res.body.dead_letter_id,
      ]);
    expect(letter).toEqual({ content_sha256: sha256(raw), status: 'pending' });
  });

  it('refuses a body over 1 MiB with 413 and stores nothing', async () => {
    const { body, ids } = withIds('onboard-account-created');
    body.data.blob = 'x'.repeat(1024 * 1024);
    const res = await deliver('onboard', body);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('PAYLOAD_TOO_LARGE');
    expect(await countBySession(ids.session)).toBe(0);
  });

  it('refuses a chunked body (no Content-Length) as soon as it passes the limit, without waiting for its end', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/api/v1/webhooks/onboard`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode!, body: text });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      // One byte over the limit and never ended: a receiver that reads the whole body first never answers.
      req.write('x'.repeat(INGEST.maxBodyBytes + 1));
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
  });

  it('accepts a body of exactly the limit (1 MiB, counted in bytes) and refuses one byte more', async () => {
    const limit = INGEST.maxBodyBytes;
    expect(limit).toBe(1024 * 1024);
    const sized = (bytes: number) => {
      const { body, ids } = withIds('onboard-account-created');
      body.event = 'wizard.blob';
      body.data.blob = '';
      const bare = Buffer.byteLength(JSON.stringify(body));
      const pad = bytes - bare; // 'é' is two bytes: fill with it, then one ASCII byte if odd
      body.data.blob = 'é'.repeat(Math.floor(pad / 2)) + 'x'.repeat(pad % 2);
      const raw = JSON.stringify(body);
      expect(Buffer.byteLength(raw)).toBe(bytes);
      return { raw, ids };
    };
    const over = sized(limit + 1);
    expect((await deliver('onboard', over.raw)).status).toBe(413);
    expect(await countBySession(over.ids.session)).toBe(0);
    const exact = sized(limit);
    const res = await deliver('onboard', exact.raw);
    const receipt = expectAccepted(res, 'stored');
    expect((await eventById(receipt.event_id)).contentLength).toBe(limit);
  });

  it('stores U+0000 (JSON "\\u0000", which PostgreSQL cannot hold) as U+FFFD, in events and dead letters, not a 500', async () => {
    const { body } = withIds('wazuh-brute-force');
    body.rule.description = 'sshd: brute\u0000force';
    body.data['key\u0000'] = 'value\u0000';
    const res = await deliver('wazuh', body);
    const receipt = expectAccepted(res, 'opened');
    const [stored] = await server.orm.em
      .getConnection()
      .execute<{ summary: string; payload: Json }[]>('select summary, payload from events where id = ?', [receipt.event_id]);
    expect(stored!.summary).toContain('brute\uFFFDforce');
    expect(stored!.payload.data['key\uFFFD']).toBe('value\uFFFD');

    const misfit = withIds('wazuh-brute-force').body;
    delete misfit.rule.level;
    misfit.note = 'a\u0000b';
    const rejected = await deliver('wazuh', misfit);
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(422);
    const [letter] = await server.orm.em
      .getConnection()
      .execute<{ content: Json }[]>('select content from dead_letters where id = ?', [rejected.body.dead_letter_id]);
    expect(letter!.content.note).toBe('a\uFFFDb');
  });

  it('answers a schema misfit with 422 and a dead letter that can be listed and replayed', async () => {
    const { body, ids } = withIds('wazuh-brute-force');
    delete body.rule.level;
    body.password = 'root-password-in-alert';
    const res = await deliver('wazuh', body);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body).toMatchObject({ error: 'SCHEMA_MISMATCH', dead_letter_id: expect.any(Number) });
    expect(res.body.issues).toEqual([{ path: 'rule.level', message: expect.any(String) }]);
    const [stored] = await server.orm.em
      .getConnection()
      .execute<{ n: number }[]>('select count(*)::int as n from events where agent = ?', [ids.agent]);
    expect(stored!.n).toBe(0);
    const letterId = res.body.dead_letter_id as number;

    const LETTERS = `query Letters($status: DeadLetterStatus) { deadLetters(source: "wazuh", status: $status, limit: 200) {
      id source reason issues content contentSha256 contentLength deliveryId status replayEventIds replayedBy { username } } }`;
    const listed = await server.gql(LETTERS, { status: 'pending' }, { as: 'ops' });
    expect(listed.errors).toBeUndefined();
    const letter = (listed.data!.deadLetters as Json[]).find((l) => l.id === letterId);
    expect(letter).toMatchObject({
      source: 'wazuh',
      status: 'pending',
      issues: res.body.issues,
      contentSha256: sha256(res.raw),
      contentLength: Buffer.byteLength(res.raw),
      replayEventIds: [],
      replayedBy: null,
    });
    expect(letter!.reason).toContain('rule.level');
    expect(letter!.content.password).toBe('[redacted]');
    expect(letter!.content.agent.name).toBe(ids.agent);

    const forbidden = await server.gql(LETTERS, {}, { as: 'viewer' });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const REPLAY = `mutation Replay($id: Int!, $payload: JSON) { replayDeadLetter(id: $id, correctedPayload: $payload) {
      __typename
      ... on ReplayDeadLetterPayload { deadLetter { id status replayEventIds replayedBy { username } }
        receipts { status duplicateOf correlation event { eventId source severity agent ruleId } chamado { publicId title } } }
      ... on Error { code message } } }`;
    // still misfit → ValidationError, and the letter stays pending
    const still = await server.gql(REPLAY, { id: letterId, payload: { ...body, password: undefined } }, { as: 'ops' });
    expect(still.data?.replayDeadLetter).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });

    const corrected: Json = { ...body, rule: { ...body.rule, level: 12 } };
    delete corrected.password;
    const replay = await server.gql(REPLAY, { id: letterId, payload: corrected }, { as: 'ops' });
    expect(replay.errors, JSON.stringify(replay.errors)).toBeUndefined();
    const out = replay.data!.replayDeadLetter as Json;
    expect(out.__typename).toBe('ReplayDeadLetterPayload');
    expect(out.receipts).toHaveLength(1);
    const [r] = out.receipts as Json[];
    expect(r).toMatchObject({
      status: 'accepted',
      duplicateOf: null,
      correlation: { decision: 'opened', rule: 'wazuh.level' },
      event: { source: 'wazuh', severity: 12, agent: ids.agent, ruleId: '5712' },
      chamado: { title: `[wazuh L12] ${ids.agent} — ${body.rule.description}` },
    });
    expect(out.deadLetter).toEqual({ id: letterId, status: 'replayed', replayEventIds: [r!.event.eventId], replayedBy: { username: 'ops' } });

    const again = await server.gql(REPLAY, { id: letterId }, { as: 'ops' });
    expect(again.data?.replayDeadLetter).toMatchObject({ __typename: 'ForbiddenActionError', code: 'FORBIDDEN_ACTION' });
    const pending = await server.gql(LETTERS, { status: 'pending' }, { as: 'ops' });
    expect((pending.data!.deadLetters as Json[]).some((l) => l.id === letterId)).toBe(false);
  });

  it('operators replaying one dead letter at once: one replays it, the others find it replayed', async () => {
    const { body, ids } = withIds('wazuh-brute-force');
    delete body.rule.level;
    const res = await deliver('wazuh', body);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    const corrected: Json = { ...body, rule: { ...body.rule, level: 12 } };
    const REPLAY = `mutation Replay($id: Int!, $payload: JSON) { replayDeadLetter(id: $id, correctedPayload: $payload) {
      __typename ... on ReplayDeadLetterPayload { receipts { status } } ... on Error { code } } }`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => server.gql(REPLAY, { id: res.body.dead_letter_id, payload: corrected }, { as: 'ops' })),
    );
    const outcomes = answers.map((a) => (a.data?.replayDeadLetter as Json).__typename).sort();
    expect(outcomes).toEqual([...Array(5).fill('ForbiddenActionError'), 'ReplayDeadLetterPayload']);
    const [stored] = await server.orm.em
      .getConnection()
      .execute<{ n: number }[]>('select count(*)::int as n from events where agent = ?', [ids.agent]);
    expect(stored!.n).toBe(1);
  });
});

describe('dedup', () => {
  it('answers an exact redelivery (same webhook-id) as a duplicate of the first, same chamado', async () => {
    const { body, ids } = withIds('generic-support');
    delete body.id; // no provider id: the webhook-id is what identifies the delivery
    body.severity = 10;
    const msgId = `msg_${randomUUID()}`;
    const first = expectAccepted(await deliver('events', body, { standard: { id: msgId } }), 'opened');
    const again = await deliver('events', body, { standard: { id: msgId } });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({
      status: 'duplicate',
      duplicate_of: first.event_id,
      chamado_public_id: first.chamado_public_id,
      correlation: { decision: 'duplicate', rule: 'exact', duplicate_of: first.event_id, chamado_public_id: first.chamado_public_id },
    });
    expect(again.body.event_id).not.toBe(first.event_id);
    // a new webhook-id with the same body is a new delivery, not a copy
    const other = expectAccepted(await deliver('events', body, { standard: {} }), 'attached');
    expect(other.chamado_public_id).toBe(first.chamado_public_id);
    expect(await countBySession(ids.session)).toBe(3);
    expect((await chamadoByPublicId(first.chamado_public_id)).eventCount).toBe(2);
  });

  it('answers a Wazuh alert with the same id as a duplicate, stored and linked, never counted twice', async () => {
    const { body } = withIds('wazuh-brute-force');
    const first = expectAccepted(await deliver('wazuh', body), 'opened');
    const again = await deliver('wazuh', body);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({
      status: 'duplicate',
      duplicate_of: first.event_id,
      chamado_public_id: first.chamado_public_id,
      correlation: { decision: 'duplicate', rule: 'exact' },
    });
    const copy = await eventById(again.body.event_id);
    expect(copy).toMatchObject({ isDuplicate: true, duplicateOf: { eventId: first.event_id }, chamado: { publicId: first.chamado_public_id } });
    const chamado = await chamadoByPublicId(first.chamado_public_id);
    expect(chamado.eventCount).toBe(1);
    expect(chamado.timeline.filter((t: Json) => t.kind === 'event')).toHaveLength(1);
  });

  it('in an Alertmanager group, dedups each alert on its own', async () => {
    const { body } = withIds('alertmanager-firing');
    const first = await deliver('alertmanager', body);
    expect(first.status).toBe(202);
    const again = structuredClone(body);
    again.alerts[1].startsAt = '2026-06-16T11:40:00Z'; // the warning fired anew; the critical is re-notified
    const res = await deliver('alertmanager', again);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('accepted');
    expect(res.body.events).toHaveLength(2);
    expect(res.body.events[0]).toMatchObject({ status: 'duplicate', duplicate_of: first.body.events[0].event_id });
    expect(res.body.events[1]).toMatchObject({ status: 'accepted', duplicate_of: null });
    const same = await deliver('alertmanager', again);
    expect(same.body.status).toBe('duplicate');
    expect(same.body.events.map((e: Json) => e.duplicate_of)).toEqual([first.body.events[0].event_id, res.body.events[1].event_id]);
  });

  it('answers the same onboarding (event, session, domain) from another delivery as a duplicate', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const first = expectAccepted(await deliver('onboard', body), 'opened');
    const again = await deliver('onboard', { ...body, event_id: `evt-${unique('other')}` });
    expect(again.body).toMatchObject({
      status: 'duplicate',
      duplicate_of: first.event_id,
      chamado_public_id: first.chamado_public_id,
      correlation: { decision: 'duplicate', rule: 'onboarding' },
    });
    // another funnel event of the same session is not a copy
    const next = expectAccepted(await deliver('onboard', { ...body, event: 'domain.validated', event_id: `evt-${unique('dv')}` }), 'attached');
    expect(next.chamado_public_id).toBe(first.chamado_public_id);
    expect(await countBySession(ids.session)).toBe(3);
  });

  it('treats session_id "" as no session: no funnel dedup, correlation by domain instead', async () => {
    const { body, ids } = withIds('onboard-account-created');
    body.session_id = '';
    const first = expectAccepted(await deliver('onboard', body), 'opened');
    const second = expectAccepted(await deliver('onboard', { ...body, event_id: `evt-${unique('nosess')}` }), 'attached');
    expect(second.correlation).toMatchObject({ rule: 'domain_window', key: ids.domain });
    expect(second.chamado_public_id).toBe(first.chamado_public_id);
    const ev = await eventById(first.event_id);
    expect(ev.sessionId).toBeNull();
    expect((await chamadoByPublicId(first.chamado_public_id)).sessionId).toBeNull();
  });

  it('THE RACE: 20 concurrent copies of account.created → 20 rows, one original, one chamado counting one event', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => deliver('onboard', { ...body, event_id: `${ids.id}-${i}` })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(202));
    const accepted = results.filter((r) => r.body.status === 'accepted');
    expect(accepted).toHaveLength(1);
    const original = accepted[0]!.body;
    expect(original.correlation.decision).toBe('opened');
    for (const r of results.filter((x) => x.body.status === 'duplicate')) {
      expect(r.body).toMatchObject({ duplicate_of: original.event_id, chamado_public_id: original.chamado_public_id });
    }

    const stored = await server.rest('GET', `/api/v1/webhooks/events?session_id=${ids.session}&limit=50`, { as: 'ops' });
    expect(stored.status).toBe(200);
    expect(stored.body.total).toBe(20);
    expect(stored.body.events).toHaveLength(20);
    const originals = stored.body.events.filter((e: Json) => !e.is_duplicate);
    expect(originals.map((e: Json) => e.id)).toEqual([original.event_id]);
    const copies = stored.body.events.filter((e: Json) => e.is_duplicate);
    expect(copies).toHaveLength(19);
    expect(new Set(copies.map((e: Json) => e.duplicate_of))).toEqual(new Set([original.event_id]));
    expect(new Set(stored.body.events.map((e: Json) => e.chamado_public_id))).toEqual(new Set([original.chamado_public_id]));

    const tickets = await server.rest('GET', `/api/v1/desk/tickets?session_id=${ids.session}`, { as: 'ops' });
    expect(tickets.status).toBe(200);
    expect(tickets.body.total).toBe(1);
    expect(tickets.body.tickets[0].public_id).toBe(original.chamado_public_id);
    const chamado = await chamadoByPublicId(original.chamado_public_id);
    expect(chamado.eventCount).toBe(1);
    expect(chamado.timeline.filter((t: Json) => t.kind === 'event')).toHaveLength(1);
  });
});

describe('GET /api/v1/webhooks/events', () => {
  it('lists a session\'s events, newest first, with duplicate flags and correlation', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const created = expectAccepted(await deliver('onboard', body), 'opened');
    const dup = await deliver('onboard', { ...body, event_id: `evt-${unique('dup')}` });
    const res = await server.rest('GET', `/api/v1/webhooks/events?session_id=${ids.session}`, { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    const [newest, oldest] = res.body.events as Json[];
    expect(Object.keys(newest!).sort()).toEqual(
      ['id', 'chamado_public_id', 'source', 'event_type', 'domain', 'session_id', 'severity', 'rule_id', 'agent', 'summary', 'created_at',
        'is_duplicate', 'duplicate_of', 'correlation'].sort(),
    );
    expect(newest).toMatchObject({ id: dup.body.event_id, is_duplicate: true, duplicate_of: created.event_id, correlation: { decision: 'duplicate' } });
    expect(oldest).toMatchObject({
      id: created.event_id,
      chamado_public_id: created.chamado_public_id,
      source: 'onboard',
      event_type: 'account.created',
      domain: ids.domain,
      session_id: ids.session,
      severity: null,
      rule_id: null,
      agent: null,
      is_duplicate: false,
      duplicate_of: null,
      correlation: { decision: 'opened' },
    });
    const anonymous = await server.rest('GET', `/api/v1/webhooks/events?session_id=${ids.session}`);
    expect(anonymous.status).toBe(401);
  });
});

describe('GraphQL ingestEvent', () => {
  const INGEST_EVENT = `mutation Ingest($source: IngestSource!, $payload: JSON!) { ingestEvent(source: $source, payload: $payload) {
    __typename
    ... on IngestEventPayload { receipts { status duplicateOf correlation warnings
      event { eventId source eventType sessionId contentSha256 contentLength } chamado { publicId title } } }
    ... on ValidationError { code message issues { path message } } } }`;

  it('ingests as ops exactly as the receiver would', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const res = await server.gql(INGEST_EVENT, { source: 'onboard', payload: body }, { as: 'ops' });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const out = res.data!.ingestEvent as Json;
    expect(out.__typename).toBe('IngestEventPayload');
    const text = JSON.stringify(body);
    expect(out.receipts).toEqual([
      {
        status: 'accepted',
        duplicateOf: null,
        warnings: [],
        correlation: expect.objectContaining({ decision: 'opened', rule: 'onboard.event' }),
        event: {
          eventId: expect.any(Number),
          source: 'onboard',
          eventType: 'account.created',
          sessionId: ids.session,
          contentSha256: sha256(text),
          contentLength: Buffer.byteLength(text),
        },
        chamado: { publicId: expect.stringMatching(PUBLIC_ID), title: `[account.created] ${ids.domain} — admin@${ids.domain}` },
      },
    ]);
    // the receiver then sees the same funnel event as a duplicate
    const again = await deliver('onboard', { ...body, event_id: `evt-${unique('again')}` });
    expect(again.body).toMatchObject({ status: 'duplicate', duplicate_of: out.receipts[0].event.eventId });
  });

  it('answers a misfit payload with a ValidationError listing the issues', async () => {
    const { body } = withIds('wazuh-brute-force');
    delete body.rule;
    const res = await server.gql(INGEST_EVENT, { source: 'wazuh', payload: body }, { as: 'ops' });
    expect(res.data?.ingestEvent).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', issues: [{ path: 'rule' }] });
  });

  it('is forbidden for a viewer and stores nothing', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const res = await server.gql(INGEST_EVENT, { source: 'onboard', payload: body }, { as: 'viewer' });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(res.data?.ingestEvent ?? null).toBeNull();
    expect(await countBySession(ids.session)).toBe(0);
  });
});
