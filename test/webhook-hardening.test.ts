import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { withIds as uniqueFixture, type FixtureIds, type VendorFixture } from './helpers/factories.ts';
import { eventually } from './helpers/eventually.ts';
import { freePort } from './helpers/server-process.ts';
import { postWebhookBytes, startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * Issue 11, "Webhooks and secret rotation", against the real server and database: what a signed
 * delivery must not get away with (one byte changed, a stale or future timestamp, a reused
 * webhook-id, a wrong secret: 401 and nothing stored), identical deliveries racing each other
 * (every answer 2xx, one original, one side effect), an Alertmanager HA pair and resolutions that
 * arrive before their firing (one chamado in the right state), and secrets rotated without
 * downtime (current and previous both accepted while both are configured).
 */

type Json = Record<string, any>;

const CONFIG = loadConfig({ NODE_ENV: 'test' });
const SECRET = CONFIG.ingest.webhookSecrets.onboard!;
const SENTRY_SECRET = CONFIG.ingest.sentryClientSecret;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const withIds = (name: VendorFixture, given: Partial<FixtureIds> = {}) => uniqueFixture(name, given, { prefix: 'hard' });
const sha256 = (raw: string) => createHash('sha256').update(raw).digest('hex');

function signed(raw: string, { id = `msg_${randomUUID()}`, at = new Date(), secret = SECRET } = {}): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret, { format: 'raw' }).sign(id, at, raw),
  };
}
const sentrySigned = (raw: string, secret: string) => ({ 'sentry-hook-signature': createHmac('sha256', secret).update(raw, 'utf8').digest('hex') });
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const basic = (secret: string) => ({ authorization: `Basic ${Buffer.from(`alertmanager:${secret}`).toString('base64')}` });

/** POSTs these exact bytes to a receiver (path may carry `?project_id=`). */
function post(path: string, raw: string, headers: Record<string, string>, on: TestServer = server) {
  return postWebhookBytes(on, path, raw, { 'content-type': 'application/json', ...headers });
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const [row] = await server.orm.em.getConnection().execute<{ n: number }[]>(sql, params);
  return row!.n;
}
/** Events stored from exactly these bytes (each keeps its delivery's SHA-256). */
const storedFrom = (raw: string) => count('select count(*)::int as n from events where content_sha256 = ?', [sha256(raw)]);
const eventsOfSession = (session: string) => count('select count(*)::int as n from events where session_id = ?', [session]);

/** `raw` with one byte changed (a digit or letter of the domain turned into another). */
function oneByteChanged(raw: string, domain: string): string {
  const at = raw.indexOf(domain);
  const changed = raw[at] === 'x' ? 'y' : 'x';
  const out = raw.slice(0, at) + changed + raw.slice(at + 1);
  expect(Buffer.byteLength(out)).toBe(Buffer.byteLength(raw));
  return out;
}

async function chamado(publicId: string): Promise<Json> {
  const res = await server.gql(
    `query Ch($id: String!) { chamado(publicId: $id) { publicId status eventCount firingAlertCount
       alerts { alertname status eventCount } timeline { kind eventType } } }`,
    { id: publicId },
    { as: 'ops' },
  );
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.chamado as Json;
}

describe('signed deliveries that are refused (401) and store nothing', () => {
  it('a body changed by one byte: Standard Webhooks and Sentry-Hook-Signature', async () => {
    const { body, ids } = withIds('onboard-account-created');
    const raw = JSON.stringify(body);
    const headers = signed(raw);
    const res = await post('onboard', oneByteChanged(raw, ids.domain), headers);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'UNAUTHENTICATED', message: expect.stringMatching(/^webhook signature rejected/) });
    expect(await eventsOfSession(ids.session)).toBe(0);

    const issue = withIds('sentry-issue-created');
    const issueRaw = JSON.stringify(issue.body);
    const tampered = issueRaw.replace(`"${issue.ids.id}"`, `"${issue.ids.id.slice(0, -1)}${issue.ids.id.endsWith('0') ? '1' : '0'}"`);
    expect(tampered).not.toBe(issueRaw);
    expect((await post('sentry', tampered, sentrySigned(issueRaw, SENTRY_SECRET))).status).toBe(401);
    expect(await storedFrom(tampered)).toBe(0);
    // the untouched bytes with the very same credentials pass: only the byte was wrong
    expect((await post('onboard', raw, headers)).status).toBe(202);
    expect((await post('sentry', issueRaw, sentrySigned(issueRaw, SENTRY_SECRET))).status).toBe(202);
  });

  it('a timestamp more than 5 minutes old or ahead; 4½ minutes either way still passes', async () => {
    const minutes = (m: number) => new Date(Date.now() + m * 60_000);
    for (const at of [minutes(-5.5), minutes(5.5), minutes(-60), minutes(60 * 24)]) {
      const { body, ids } = withIds('onboard-account-created');
      const raw = JSON.stringify(body);
      const res = await post('onboard', raw, signed(raw, { at }));
      expect(res.status, at.toISOString()).toBe(401);
      expect(res.body.message).toMatch(/^webhook signature rejected: .*timestamp/i);
      expect(await eventsOfSession(ids.session)).toBe(0);
    }
    for (const at of [minutes(-4.5), minutes(4.5)]) {
      const raw = JSON.stringify(withIds('onboard-account-created').body);
      expect((await post('onboard', raw, signed(raw, { at }))).status, at.toISOString()).toBe(202);
    }
    // a timestamp that is not a number is refused the same way
    const raw = JSON.stringify(withIds('onboard-account-created').body);
    expect((await post('onboard', raw, { ...signed(raw), 'webhook-timestamp': 'yesterday' })).status).toBe(401);
    expect(await storedFrom(raw)).toBe(0);
  });

  it('a wrong secret, whatever the scheme', async () => {
    const wrong = `${SECRET}-not-it`;
    const cases: [string, (raw: string) => Record<string, string>][] = [
      ['standard-webhooks', (raw) => signed(raw, { secret: wrong })],
      ['x-webhook-secret', () => ({ 'x-webhook-secret': wrong })],
      ['bearer', () => bearer(wrong)],
      ['basic', () => basic(wrong)],
    ];
    for (const [scheme, headers] of cases) {
      const { body, ids } = withIds('onboard-account-created');
      const raw = JSON.stringify(body);
      const res = await post('onboard', raw, headers(raw));
      expect(res.status, scheme).toBe(401);
      expect(res.body.error).toBe('UNAUTHENTICATED');
      expect(await eventsOfSession(ids.session)).toBe(0);
    }
    const issueRaw = JSON.stringify(withIds('sentry-issue-created').body);
    expect((await post('sentry', issueRaw, sentrySigned(issueRaw, `${SENTRY_SECRET}-not-it`))).status).toBe(401);
    expect(await storedFrom(issueRaw)).toBe(0);
  });

  it('a reused webhook-id: over another body, or into another project, it is refused; the same bytes again are a duplicate', async () => {
    const id = `msg_${randomUUID()}`;
    const first = withIds('onboard-account-created');
    const raw = JSON.stringify(first.body);
    const original = await post('onboard', raw, signed(raw, { id }));
    expect(original.status).toBe(202);
    expect(original.body.status).toBe('accepted');

    // another message under the same id: correctly signed (the sender holds the secret), still refused
    const other = withIds('onboard-account-created');
    const otherRaw = JSON.stringify(other.body);
    const reused = await post('onboard', otherRaw, signed(otherRaw, { id }));
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({ error: 'UNAUTHENTICATED', message: expect.stringContaining(`delivery id ${id} was already used`) });
    expect(await eventsOfSession(other.ids.session)).toBe(0);

    // the captured request replayed into another project: the signature does not cover the URL
    const replayedElsewhere = await post(`onboard?project_id=${unique('proj')}`, raw, signed(raw, { id }));
    expect(replayedElsewhere.status).toBe(401);

    // a sender's retry (same id, same bytes, signed anew): an exact redelivery, stored as a duplicate
    const retry = await post('onboard', raw, signed(raw, { id, at: new Date(Date.now() + 1000) }));
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ status: 'duplicate', duplicate_of: original.body.event_id });
    expect(await eventsOfSession(first.ids.session)).toBe(2);
    expect((await chamado(original.body.chamado_public_id)).eventCount).toBe(1);
  });

  it('two bodies racing under one webhook-id: exactly one body is stored, every copy of the other is refused', async () => {
    const id = `msg_${randomUUID()}`;
    const a = withIds('onboard-account-created');
    const b = withIds('onboard-account-created');
    const [rawA, rawB] = [JSON.stringify(a.body), JSON.stringify(b.body)];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? post('onboard', rawA, signed(rawA, { id })) : post('onboard', rawB, signed(rawB, { id })))),
    );
    const byBody = (i: number) => (i % 2 ? 'A' : 'B');
    const winners = new Set(results.flatMap((r, i) => (r.status === 202 ? [byBody(i)] : [])));
    expect(winners.size).toBe(1);
    const winner = [...winners][0]!;
    results.forEach((r, i) => expect(r.status, `${byBody(i)} ${JSON.stringify(r.body)}`).toBe(byBody(i) === winner ? 202 : 401));
    const [won, lost] = winner === 'A' ? [a, b] : [b, a];
    expect(await eventsOfSession(won.ids.session)).toBe(10);
    expect(await eventsOfSession(lost.ids.session)).toBe(0);
  });
});

/** An Alertmanager v4 group of one critical alert, as one Alertmanager of a pair would send it. */
function alertGroup(a: { fingerprint: string; alertname: string; domain: string }, status: 'firing' | 'resolved', externalURL: string): Json {
  const base = JSON.parse(readFileSync(new URL('./fixtures/payloads/alertmanager-firing.json', import.meta.url), 'utf8'));
  const template = base.alerts[0];
  return {
    ...base,
    status,
    externalURL,
    alerts: [
      {
        ...template,
        status,
        fingerprint: a.fingerprint,
        startsAt: '2026-06-16T09:52:30.123Z',
        endsAt: status === 'resolved' ? '2026-06-16T10:31:30.123Z' : '0001-01-01T00:00:00Z',
        labels: { ...template.labels, alertname: a.alertname, domain: a.domain, pod: `pod-${a.fingerprint}`, instance: `vm-${a.fingerprint}`, severity: 'critical' },
      },
    ],
  };
}
const newAlert = () => {
  const tag = unique('ha');
  return { fingerprint: `fp-${tag}`, alertname: `HaAlert${tag.slice(-6)}`, domain: `${tag}.example.com` };
};
const AM1 = 'http://alertmanager-0.monitoring:9093';
const AM2 = 'http://alertmanager-1.monitoring:9093';
const amSecret = CONFIG.ingest.webhookSecrets.alertmanager!;

async function chamadosOfDomain(domain: string): Promise<string[]> {
  const rows = await server.orm.em.getConnection().execute<{ public_id: string }[]>('select public_id from chamados where domain = ?', [domain]);
  return rows.map((r) => r.public_id);
}

describe('identical deliveries racing each other', () => {
  const cases: [string, string, () => { raw: string; headers: Record<string, string> }][] = [
    ['onboard', 'Standard Webhooks (one webhook-id)', () => {
      const raw = JSON.stringify(withIds('onboard-account-created').body);
      return { raw, headers: signed(raw) };
    }],
    ['alertmanager', 'Bearer', () => {
      const a = newAlert();
      return { raw: JSON.stringify(alertGroup(a, 'firing', AM1)), headers: bearer(amSecret) };
    }],
    ['wazuh', 'X-Webhook-Secret', () => {
      const { body } = withIds('wazuh-brute-force');
      return { raw: JSON.stringify(body), headers: { 'x-webhook-secret': CONFIG.ingest.webhookSecrets.wazuh! } };
    }],
    ['events', 'Basic', () => {
      const { body } = withIds('generic-support');
      body.severity = 12;
      return { raw: JSON.stringify(body), headers: basic(CONFIG.ingest.webhookSecrets.events!) };
    }],
  ];
  for (const [source, scheme, make] of cases) {
    it(`50 copies at once to /${source} (${scheme}): every answer 2xx, one original, one chamado counting one event`, async () => {
      const { raw, headers } = make();
      const results = await Promise.all(Array.from({ length: 50 }, () => post(source, raw, headers)));
      for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(202);
      const originals = results.filter((r) => r.body.status === 'accepted');
      expect(originals).toHaveLength(1);
      const original = originals[0]!.body;
      expect(original.correlation.decision).toBe('opened');
      for (const r of results.filter((x) => x.body.status === 'duplicate')) expect(r.body.duplicate_of).toBe(original.event_id);
      expect(await storedFrom(raw)).toBe(50);
      expect(await count('select count(*)::int as n from events where content_sha256 = ? and not is_duplicate', [sha256(raw)])).toBe(1);
      const chamados = await server.orm.em
        .getConnection()
        .execute<{ public_id: string }[]>('select distinct c.public_id from events e join chamados c on c.id = e.chamado_id where e.content_sha256 = ?', [sha256(raw)]);
      expect(chamados.map((r) => r.public_id)).toEqual([original.chamado_public_id]);
      const c = await chamado(original.chamado_public_id);
      expect(c.eventCount).toBe(1);
      expect(c.timeline.filter((t: Json) => t.kind === 'event')).toHaveLength(1);
    });
  }
});

describe('an Alertmanager HA pair, and resolutions arriving out of order', () => {
  const send = (group: Json) => post('alertmanager', JSON.stringify(group), bearer(amSecret));

  it('both Alertmanagers send the firing group, then both the resolved one, at once: one chamado, resolvido', async () => {
    const a = newAlert();
    const firing = await Promise.all([send(alertGroup(a, 'firing', AM1)), send(alertGroup(a, 'firing', AM2))]);
    expect(firing.map((r) => r.status)).toEqual([202, 202]);
    expect(firing.map((r) => r.body.status).sort()).toEqual(['accepted', 'duplicate']);
    const resolved = await Promise.all([send(alertGroup(a, 'resolved', AM2)), send(alertGroup(a, 'resolved', AM1))]);
    expect(resolved.map((r) => r.status)).toEqual([202, 202]);
    expect(resolved.map((r) => r.body.status).sort()).toEqual(['accepted', 'duplicate']);

    const [publicId, ...others] = await chamadosOfDomain(a.domain);
    expect(others).toEqual([]);
    const c = await chamado(publicId!);
    expect(c).toMatchObject({ status: 'resolvido', firingAlertCount: 0, alerts: [{ alertname: a.alertname, status: 'resolved', eventCount: 2 }] });
    expect(c.timeline.filter((t: Json) => t.eventType === 'auto_resolved')).toHaveLength(1);
  });

  it('the resolution arrives before its firing (the other Alertmanager was slower): one chamado, resolvido', async () => {
    const a = newAlert();
    const early = await send(alertGroup(a, 'resolved', AM2));
    expect(early.status).toBe(202);
    expect(early.body.status).toBe('accepted');
    const late = await send(alertGroup(a, 'firing', AM1));
    expect(late.status).toBe(202);
    expect(late.body.correlation.decision).toBe('opened');
    const adopted = await server.gql(`query Ev($id: Int!) { event(eventId: $id) { chamado { publicId } correlation } }`, { id: early.body.event_id }, { as: 'ops' });
    expect(adopted.data?.event).toMatchObject({
      chamado: { publicId: late.body.chamado_public_id },
      correlation: { decision: 'attached', rule: 'fingerprint', chamado_public_id: late.body.chamado_public_id },
    });
    // the peer's copies of both, later still, change nothing
    expect((await send(alertGroup(a, 'firing', AM2))).body.status).toBe('duplicate');
    expect((await send(alertGroup(a, 'resolved', AM1))).body.status).toBe('duplicate');

    const [publicId, ...others] = await chamadosOfDomain(a.domain);
    expect(others).toEqual([]);
    const c = await chamado(publicId!);
    expect(c).toMatchObject({ status: 'resolvido', firingAlertCount: 0, alerts: [{ alertname: a.alertname, status: 'resolved' }] });
    expect(c.timeline.filter((t: Json) => t.eventType === 'auto_resolved')).toHaveLength(1);
  });

  it('both Alertmanagers\' firing and resolved groups all racing at once: one chamado per alert, resolvido', async () => {
    const alerts = Array.from({ length: 5 }, newAlert);
    const results = await Promise.all(
      alerts.flatMap((a) => [
        send(alertGroup(a, 'resolved', AM2)),
        send(alertGroup(a, 'firing', AM1)),
        send(alertGroup(a, 'resolved', AM1)),
        send(alertGroup(a, 'firing', AM2)),
      ]),
    );
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(202);
    for (const a of alerts) {
      const [publicId, ...others] = await chamadosOfDomain(a.domain);
      expect(others, a.domain).toEqual([]);
      const c = await chamado(publicId!);
      expect(c, a.domain).toMatchObject({ status: 'resolvido', firingAlertCount: 0, alerts: [{ status: 'resolved', eventCount: 2 }] });
      expect(c.timeline.filter((t: Json) => t.eventType === 'auto_resolved')).toHaveLength(1);
    }
  });

  it('firing, resolved and the peer\'s late firing: stays resolvido, not reopened', async () => {
    const a = newAlert();
    expect((await send(alertGroup(a, 'firing', AM1))).body.status).toBe('accepted');
    expect((await send(alertGroup(a, 'resolved', AM1))).body.status).toBe('accepted');
    expect((await send(alertGroup(a, 'firing', AM2))).body.status).toBe('duplicate');
    const [publicId, ...others] = await chamadosOfDomain(a.domain);
    expect(others).toEqual([]);
    expect(await chamado(publicId!)).toMatchObject({ status: 'resolvido', firingAlertCount: 0 });
  });
});

describe('secret rotation without downtime', () => {
  const OLD = `old-shared-${randomUUID()}`;
  const NEW = `new-shared-${randomUUID()}`;
  const WAZUH_OLD = `old-wazuh-${randomUUID()}`;
  const WAZUH_NEW = `new-wazuh-${randomUUID()}`;
  const SENTRY_OLD = `old-sentry-${randomUUID()}`;
  const SENTRY_NEW = `new-sentry-${randomUUID()}`;
  let rotating: TestServer;
  let rotated: TestServer;
  beforeAll(async () => {
    [rotating, rotated] = await Promise.all([
      startTestServer({
        WEBHOOK_SECRET: NEW,
        WEBHOOK_SECRET_PREVIOUS: OLD,
        WEBHOOK_SECRET_WAZUH: WAZUH_NEW,
        WEBHOOK_SECRET_WAZUH_PREVIOUS: WAZUH_OLD,
        SENTRY_CLIENT_SECRET: SENTRY_NEW,
        SENTRY_CLIENT_SECRET_PREVIOUS: SENTRY_OLD,
      }),
      // the rotation is over: the previous secrets are unset (empty counts as unset)
      startTestServer({ WEBHOOK_SECRET: NEW, WEBHOOK_SECRET_PREVIOUS: '', SENTRY_CLIENT_SECRET: SENTRY_NEW }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([rotating?.close(), rotated?.close()]);
  });

  const onboardRaw = () => JSON.stringify(withIds('onboard-account-created').body);
  const previousUses = async (on: TestServer, source: string) => {
    const text = await (await fetch(`${on.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`opsgraph_webhook_previous_secret_total{source="${source}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('each scheme accepts the current and the previous secret, and nothing else', async () => {
    const schemes: [string, (raw: string, secret: string) => Record<string, string>][] = [
      ['standard-webhooks', (raw, secret) => signed(raw, { secret })],
      ['x-webhook-secret', (_raw, secret) => ({ 'x-webhook-secret': secret })],
      ['bearer', (_raw, secret) => bearer(secret)],
      ['basic', (_raw, secret) => basic(secret)],
    ];
    const before = await previousUses(rotating, 'onboard');
    for (const [scheme, headers] of schemes) {
      for (const secret of [NEW, OLD]) {
        const raw = onboardRaw();
        expect((await post('onboard', raw, headers(raw, secret), rotating)).status, `${scheme} ${secret}`).toBe(202);
      }
      const raw = onboardRaw();
      expect((await post('onboard', raw, headers(raw, SECRET), rotating)).status, `${scheme} dev secret`).toBe(401);
      expect(await storedFrom(raw)).toBe(0);
    }
    // operators can see when senders stop using the previous secret
    expect(await previousUses(rotating, 'onboard')).toBe(before + schemes.length);
  });

  it('a receiver with its own secret rotates its own pair; the shared previous secret does not open it', async () => {
    const alert = () => JSON.stringify(withIds('wazuh-brute-force').body);
    expect((await post('wazuh', alert(), { 'x-webhook-secret': WAZUH_NEW }, rotating)).status).toBe(202);
    expect((await post('wazuh', alert(), { 'x-webhook-secret': WAZUH_OLD }, rotating)).status).toBe(202);
    for (const secret of [OLD, NEW]) {
      const raw = alert();
      expect((await post('wazuh', raw, { 'x-webhook-secret': secret }, rotating)).status, secret).toBe(401);
      expect(await storedFrom(raw)).toBe(0);
    }
  });

  it("Sentry's client secret rotates the same way", async () => {
    for (const secret of [SENTRY_NEW, SENTRY_OLD]) {
      const raw = JSON.stringify(withIds('sentry-issue-created').body);
      expect((await post('sentry', raw, sentrySigned(raw, secret), rotating)).status, secret).toBe(202);
    }
    const raw = JSON.stringify(withIds('sentry-issue-created').body);
    expect((await post('sentry', raw, sentrySigned(raw, SENTRY_OLD), rotated)).status).toBe(401);
  });

  it('once the previous secret is unset, it is refused everywhere', async () => {
    for (const headers of [{ 'x-webhook-secret': OLD }, bearer(OLD), basic(OLD)]) {
      const raw = onboardRaw();
      expect((await post('onboard', raw, headers, rotated)).status).toBe(401);
      expect(await storedFrom(raw)).toBe(0);
    }
    const raw = onboardRaw();
    expect((await post('onboard', raw, signed(raw, { secret: OLD }), rotated)).status).toBe(401);
    expect((await post('onboard', raw, signed(raw, { secret: NEW }), rotated)).status).toBe(202);
  });

  it('configuration: the fallbacks of each previous secret, and a too-short one refused at start', () => {
    const c = loadConfig({ NODE_ENV: 'test', WEBHOOK_SECRET_PREVIOUS: OLD, WEBHOOK_SECRET_WAZUH: WAZUH_NEW, OPERATOR_KEY_PREVIOUS: 'old-operator-key' });
    expect(c.ingest.previousWebhookSecrets).toMatchObject({ onboard: OLD, alertmanager: OLD, events: OLD, wazuh: null });
    expect(c.ingest.previousSentryClientSecret).toBe(OLD);
    expect(c.operatorKeyPrevious).toBe('old-operator-key');
    const none = loadConfig({ NODE_ENV: 'test', WEBHOOK_SECRET_PREVIOUS: '' });
    expect(Object.values(none.ingest.previousWebhookSecrets).every((s) => s === null)).toBe(true);
    expect(none.ingest.previousSentryClientSecret).toBeNull();
    expect(none.operatorKeyPrevious).toBeNull();
    expect(loadConfig({ NODE_ENV: 'test', SENTRY_CLIENT_SECRET: SENTRY_NEW, WEBHOOK_SECRET_PREVIOUS: OLD }).ingest.previousSentryClientSecret).toBeNull();
    expect(() => loadConfig({ NODE_ENV: 'test', WEBHOOK_SECRET_PREVIOUS: 'short' })).toThrow(ConfigError);
  });
});

/* ------------------------------------------- an HA pair of real Alertmanager 0.25 binaries */

const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';
const AMTOOL_BIN = '/usr/bin/amtool';
const run = promisify(execFile);



describe.skipIf(!existsSync(ALERTMANAGER_BIN) || !existsSync(AMTOOL_BIN))('two real Alertmanagers sending the same group (an HA pair)', () => {
  const pair: { process: ChildProcess; url: string; dir: string }[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), `opsgraph-am-ha${i}-`));
      writeFileSync(
        join(dir, 'alertmanager.yml'),
        `route:
  receiver: opsgraph
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: opsgraph
    webhook_configs:
      - url: ${JSON.stringify(`${server.url}/api/v1/webhooks/alertmanager`)}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${JSON.stringify(amSecret)}
`,
      );
      const port = await freePort();
      const child = spawn(
        ALERTMANAGER_BIN,
        [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
        { stdio: 'ignore' },
      );
      pair.push({ process: child, url: `http://127.0.0.1:${port}`, dir });
    }
    for (const am of pair) await eventually(`${am.url} to be ready`, async () => (await fetch(`${am.url}/-/ready`)).ok);
  });

  afterAll(async () => {
    await Promise.all(
      pair.map(async (am) => {
        if (am.process.exitCode === null) {
          const exited = new Promise((resolve) => am.process.once('exit', resolve));
          am.process.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
          if (am.process.exitCode === null) am.process.kill('SIGKILL');
        }
        rmSync(am.dir, { recursive: true, force: true });
      }),
    );
  });

  it('both notify the firing and the resolution: one chamado, each notification stored once more as a duplicate, resolvido', async () => {
    const alertname = `OpsGraphHa_${randomBytes(4).toString('hex')}`;
    const domain = `${unique('am-ha')}.example.com`;
    const startsAt = new Date(Date.now() - 10_000).toISOString();
    // Prometheus sends each alert to both members of the pair, with the same labels and start.
    const add = (url: string, extra: string[] = []) =>
      run(AMTOOL_BIN, [
        'alert', 'add', `--alertmanager.url=${url}`,
        `alertname=${alertname}`, 'severity=critical', `domain=${domain}`, `instance=${alertname}.example.com:9100`,
        `--start=${startsAt}`, ...extra,
      ]);
    const stored = (status: string) =>
      server.orm.em
        .getConnection()
        .execute<{ id: string; is_duplicate: boolean; chamado_id: string | null }[]>(
          'select id, is_duplicate, chamado_id from events where source = ? and alertname = ? and alert_status = ? order by id',
          ['alertmanager', alertname, status],
        );

    await Promise.all(pair.map((am) => add(am.url)));
    const firings = await eventually('both firing notifications', async () => ((await stored('firing')).length >= 2 ? stored('firing') : null));
    // the two arrive together: either may be the original (ids are taken before the dedup claim)
    expect(firings.map((e) => e.is_duplicate).sort()).toEqual([false, true]);

    const endsAt = new Date(Date.now() - 1000).toISOString();
    await Promise.all(pair.map((am) => add(am.url, [`--end=${endsAt}`])));
    const resolutions = await eventually('both resolutions', async () => ((await stored('resolved')).length >= 2 ? stored('resolved') : null));
    expect(resolutions.map((e) => e.is_duplicate).sort()).toEqual([false, true]);

    const [publicId, ...others] = await chamadosOfDomain(domain);
    expect(others).toEqual([]);
    expect(new Set([...firings, ...resolutions].map((e) => String(e.chamado_id))).size).toBe(1);
    const c = await chamado(publicId!);
    expect(c).toMatchObject({ status: 'resolvido', firingAlertCount: 0, alerts: [{ alertname, status: 'resolved', eventCount: 2 }] });
    expect(c.timeline.filter((t: Json) => t.eventType === 'auto_resolved')).toHaveLength(1);
  });
});
