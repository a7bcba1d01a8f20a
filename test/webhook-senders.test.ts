import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { eventually } from './helpers/eventually.ts';
import { freePort } from './helpers/server-process.ts';
import { postWebhookBytes, startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * Senders that cannot sign: Prometheus Alertmanager (and SigNoz, which runs a fork of it) can
 * only send `Authorization: Bearer <secret>` or HTTP Basic auth. The receivers take the receiver's
 * secret in either, on every source. Checked three ways: Alertmanager 0.25's exact request (headers
 * and a body captured from the real binary), Bearer/Basic on every receiver, and the real Debian
 * `prometheus-alertmanager` 0.25 delivering to the real server (skipped where it is not installed).
 */

type Json = Record<string, any>;

const run = promisify(execFile);

const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';
const AMTOOL_BIN = '/usr/bin/amtool';
const HAS_ALERTMANAGER = existsSync(ALERTMANAGER_BIN) && existsSync(AMTOOL_BIN);

const DEV_SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.alertmanager!;
/** Per-source secrets for the second server: WEBHOOK_SECRET_<SOURCE> must win over WEBHOOK_SECRET. */
const SHARED = `shared-${randomBytes(12).toString('hex')}`;
const AM_ONLY = `am-${randomBytes(12).toString('hex')}`;
const SIGNOZ_ONLY = `sz-${randomBytes(12).toString('hex')}`;

/** What Alertmanager 0.25's webhook notifier sends besides the body (captured from the binary). */
const ALERTMANAGER_HEADERS = { 'user-agent': 'Alertmanager/0.25.0', 'content-type': 'application/json' };

const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`./fixtures/payloads/${name}.json`, import.meta.url), 'utf8'));

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const sha256 = (raw: string) => createHash('sha256').update(raw).digest('hex');

/** The captured Alertmanager 0.25 body with this test's own alert identity (name, instance, fingerprint). */
function realAlertmanagerBody(tag: string, receiver = 'opsgraph'): Json {
  const body = fixture('alertmanager-0.25-real');
  const labels = { ...body.commonLabels, alertname: `DiskFull_${tag}`, instance: `vm-${tag}:9100` };
  body.receiver = receiver;
  body.groupKey = `{}:{alertname="${labels.alertname}"}`;
  body.groupLabels = { alertname: labels.alertname };
  body.commonLabels = labels;
  body.alerts[0].labels = labels;
  body.alerts[0].fingerprint = createHash('sha256').update(tag).digest('hex').slice(0, 16);
  body.alerts[0].startsAt = new Date().toISOString().replace('Z', '123456Z'); // Go's nanosecond timestamps
  return body;
}

/** One body per receiver, with ids unique to the test so nothing correlates with other tests. */
function bodyFor(source: string): Json {
  const tag = unique('snd');
  switch (source) {
    case 'onboard': {
      const b = fixture('onboard-account-created');
      Object.assign(b, { event_id: `id-${tag}`, session_id: `sess-${tag}`, domain: `${tag}.example.com` });
      b.data.email = `admin@${tag}.example.com`;
      return b;
    }
    case 'wazuh': {
      const b = fixture('wazuh-brute-force');
      b.id = `id-${tag}`;
      b.agent.name = `vm-${tag}`;
      return b;
    }
    case 'alertmanager':
    case 'signoz':
      return realAlertmanagerBody(tag, source);
    case 'sentry': {
      const b = fixture('sentry-issue-created');
      b.data.issue.id = `id-${tag}`;
      return b;
    }
    case 'events': {
      const b = fixture('generic-support');
      Object.assign(b, { id: `id-${tag}`, domain: `${tag}.example.com`, session_id: `sess-${tag}` });
      delete b.chamado_public_id;
      return b;
    }
    default:
      throw new Error(`no body for ${source}`);
  }
}

let server: TestServer;
let perSource: TestServer;

beforeAll(async () => {
  [server, perSource] = await Promise.all([
    startTestServer(),
    startTestServer({ WEBHOOK_SECRET: SHARED, WEBHOOK_SECRET_ALERTMANAGER: AM_ONLY, WEBHOOK_SECRET_SIGNOZ: SIGNOZ_ONLY }),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.close(), perSource?.close()]);
});


/** Events stored from exactly these bytes (every stored event keeps its delivery's SHA-256). */
async function storedFrom(target: TestServer, raw: string): Promise<number> {
  const [row] = await target.orm.em
    .getConnection()
    .execute<{ n: number }[]>('select count(*)::int as n from events where content_sha256 = ?', [sha256(raw)]);
  return row!.n;
}

/** The receivers' authentication counter, as /metrics shows it. */
async function authCount(target: TestServer, source: string, scheme: string): Promise<number> {
  const text = await (await fetch(`${target.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`opsgraph_webhook_authentications_total{source="${source}",scheme="${scheme}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe("Alertmanager 0.25's exact request", () => {
  it('accepts the captured body with Authorization: Bearer and stores every field it needs', async () => {
    const tag = unique('amb');
    const body = realAlertmanagerBody(tag);
    const raw = `${JSON.stringify(body)}\n`; // Go's json.Encoder ends the body with a newline
    const before = await authCount(server, 'alertmanager', 'bearer');
    const res = await postWebhookBytes(server, 'alertmanager', raw, { ...ALERTMANAGER_HEADERS, ...bearer(DEV_SECRET) });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('accepted');
    expect(res.body.chamado_public_id).toMatch(/^CH-\d{4}-\d{5}$/); // critical + firing opens one
    expect(await authCount(server, 'alertmanager', 'bearer')).toBe(before + 1);

    const [event] = await server.orm.em
      .getConnection()
      .execute<Json[]>('select source, alertname, alert_status, fingerprint, severity, source_refs from events where id = ?', [res.body.event_id]);
    expect(event).toMatchObject({
      source: 'alertmanager',
      alertname: `DiskFull_${tag}`,
      alert_status: 'firing',
      fingerprint: body.alerts[0].fingerprint,
      severity: 12,
    });
    expect(event!.source_refs).toMatchObject({ generatorURL: body.alerts[0].generatorURL, externalURL: body.externalURL });
  });

  it('accepts HTTP Basic auth with any user name and the secret as password', async () => {
    const raw = JSON.stringify(realAlertmanagerBody(unique('ama')));
    const before = await authCount(server, 'alertmanager', 'basic');
    const res = await postWebhookBytes(server, 'alertmanager', raw, { ...ALERTMANAGER_HEADERS, ...basic('alertmanager', DEV_SECRET) });
    expect(res.status).toBe(202);
    expect(await storedFrom(server, raw)).toBe(1);
    expect(await authCount(server, 'alertmanager', 'basic')).toBe(before + 1);
    const other = JSON.stringify(realAlertmanagerBody(unique('ama')));
    expect((await postWebhookBytes(server, 'alertmanager', other, { ...ALERTMANAGER_HEADERS, ...basic('', DEV_SECRET) })).status).toBe(202);
  });

  it('SigNoz posts the same webhook v4 body to /signoz, with Bearer or Basic', async () => {
    const raw = JSON.stringify(realAlertmanagerBody(unique('sz'), 'signoz-channel'));
    const res = await postWebhookBytes(server, 'signoz', raw, { 'content-type': 'application/json', ...bearer(DEV_SECRET) });
    expect(res.status).toBe(202);
    expect(res.body.events).toHaveLength(1);
    const [event] = await server.orm.em.getConnection().execute<Json[]>('select source from events where id = ?', [res.body.event_id]);
    expect(event!.source).toBe('signoz');
    const other = JSON.stringify(realAlertmanagerBody(unique('sz'), 'signoz-channel'));
    expect((await postWebhookBytes(server, 'signoz', other, { 'content-type': 'application/json', ...basic('signoz', DEV_SECRET) })).status).toBe(202);
    expect(await storedFrom(server, other)).toBe(1);
  });

  it('refuses a wrong Bearer token with a reason, stores nothing, and counts it refused', async () => {
    const raw = JSON.stringify(realAlertmanagerBody(unique('amw')));
    const refused = await authCount(server, 'alertmanager', 'refused');
    const res = await postWebhookBytes(server, 'alertmanager', raw, { ...ALERTMANAGER_HEADERS, ...bearer(`${DEV_SECRET}-wrong`) });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'UNAUTHENTICATED', message: 'Authorization: Bearer token does not match' });
    expect(await storedFrom(server, raw)).toBe(0);
    expect(await authCount(server, 'alertmanager', 'refused')).toBe(refused + 1);
  });
});

describe('Bearer and Basic on every receiver', () => {
  const SOURCES = ['onboard', 'wazuh', 'alertmanager', 'signoz', 'sentry', 'events'] as const;

  it.each(SOURCES)('%s: the secret as Bearer token or Basic password is accepted; wrong ones are refused', async (source) => {
    const ok = async (headers: Record<string, string>) => {
      const raw = JSON.stringify(bodyFor(source));
      const res = await postWebhookBytes(server, source, raw, { 'content-type': 'application/json', ...headers });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(await storedFrom(server, raw)).toBeGreaterThan(0);
    };
    const refused = async (headers: Record<string, string>, message: string) => {
      const raw = JSON.stringify(bodyFor(source));
      const res = await postWebhookBytes(server, source, raw, { 'content-type': 'application/json', ...headers });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'UNAUTHENTICATED', message });
      expect(await storedFrom(server, raw)).toBe(0);
    };
    await ok(bearer(DEV_SECRET));
    await ok({ authorization: `bearer   ${DEV_SECRET}` }); // the scheme name is case-insensitive
    await ok(basic('anyone', DEV_SECRET));
    await ok(basic('', `${DEV_SECRET}`));
    await refused(bearer(`${DEV_SECRET}x`), 'Authorization: Bearer token does not match');
    await refused(bearer(DEV_SECRET.slice(0, -1)), 'Authorization: Bearer token does not match');
    await refused({ authorization: 'Bearer' }, 'Authorization: Bearer without a token');
    await refused(basic(DEV_SECRET, 'not-the-secret'), 'Authorization: Basic password does not match');
    await refused(basic('user', ''), 'Authorization: Basic password does not match');
  });

  it('a malformed Basic header or another scheme is refused with a reason', async () => {
    const raw = JSON.stringify(bodyFor('wazuh'));
    const cases: [string, string][] = [
      ['Basic not*base64!', 'Authorization: Basic credentials are not valid base64'],
      ['Basic', 'Authorization: Basic credentials are not valid base64'],
      [`Basic ${Buffer.from(DEV_SECRET).toString('base64')}`, 'Authorization: Basic credentials are not user:password'],
      ['Basic dXNlcjphYg', 'Authorization: Basic credentials are not valid base64'], // user:ab without its == padding
      [`Token ${DEV_SECRET}`, 'Authorization: use the Bearer or Basic scheme'],
      [DEV_SECRET, 'Authorization: use the Bearer or Basic scheme'],
    ];
    for (const [authorization, message] of cases) {
      const res = await postWebhookBytes(server, 'wazuh', raw, { 'content-type': 'application/json', authorization });
      expect(res.status, authorization).toBe(401);
      expect(res.body).toEqual({ error: 'UNAUTHENTICATED', message });
    }
    expect(await storedFrom(server, raw)).toBe(0);
  });

  it('a presented credential that fails never falls through to another scheme', async () => {
    const raw = JSON.stringify(bodyFor('alertmanager'));
    // A wrong X-Webhook-Secret beside a right Bearer token: refused for the X-Webhook-Secret.
    const wrongShared = await postWebhookBytes(server, 'alertmanager', raw, { 'content-type': 'application/json', 'x-webhook-secret': 'nope', ...bearer(DEV_SECRET) });
    expect(wrongShared).toMatchObject({ status: 401, body: { message: 'X-Webhook-Secret does not match' } });
    // A Standard Webhooks header that does not verify beside a right Bearer token: refused too.
    const badSignature = await postWebhookBytes(server, 'alertmanager', raw, {
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': 'v1,AAAA',
      ...basic('u', DEV_SECRET),
    });
    expect(badSignature.status).toBe(401);
    expect(badSignature.body.message).toMatch(/^webhook signature rejected/);
    expect(await storedFrom(server, raw)).toBe(0);
  });

  it('uses the per-source secret (WEBHOOK_SECRET_<SOURCE>) over WEBHOOK_SECRET for Bearer and Basic', async () => {
    const send = async (source: string, headers: Record<string, string>) => {
      const raw = JSON.stringify(bodyFor(source));
      const res = await postWebhookBytes(perSource, source, raw, { 'content-type': 'application/json', ...headers });
      return { status: res.status, stored: await storedFrom(perSource, raw) };
    };
    expect(await send('alertmanager', bearer(AM_ONLY))).toEqual({ status: 202, stored: 1 });
    expect(await send('alertmanager', basic('am', AM_ONLY))).toEqual({ status: 202, stored: 1 });
    expect(await send('alertmanager', bearer(SHARED))).toEqual({ status: 401, stored: 0 });
    expect(await send('alertmanager', basic('am', SIGNOZ_ONLY))).toEqual({ status: 401, stored: 0 });
    expect(await send('signoz', bearer(SIGNOZ_ONLY))).toEqual({ status: 202, stored: 1 });
    expect(await send('signoz', bearer(AM_ONLY))).toEqual({ status: 401, stored: 0 });
    // Receivers without their own secret use WEBHOOK_SECRET, and never the development default.
    expect(await send('wazuh', bearer(SHARED))).toEqual({ status: 202, stored: 1 });
    expect(await send('wazuh', basic('wazuh', AM_ONLY))).toEqual({ status: 401, stored: 0 });
    expect(await send('onboard', bearer(DEV_SECRET))).toEqual({ status: 401, stored: 0 });
  });
});

/* ------------------------------------------------------------ the Wazuh custom integration script */

describe('scripts/wazuh-custom-opsgraph.sh (what Wazuh integratord runs with the alert file, api_key and hook_url)', () => {
  const SCRIPT = new URL('../scripts/wazuh-custom-opsgraph.sh', import.meta.url).pathname;

  async function integrate(apiKey: string, mode?: string) {
    const dir = mkdtempSync(join(tmpdir(), 'opsgraph-wazuh-'));
    try {
      const raw = JSON.stringify(bodyFor('wazuh'));
      const alertFile = join(dir, 'alert.json');
      writeFileSync(alertFile, raw);
      const env = { ...process.env, ...(mode ? { OPSGRAPH_AUTH: mode } : {}) };
      const result = await run('bash', [SCRIPT, alertFile, apiKey, `${perSource.url}/api/v1/webhooks/wazuh`], { env, timeout: 20_000 }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
      );
      return { ...result, stored: await storedFrom(perSource, raw) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('posts the alert with the api_key as X-Webhook-Secret, or as Bearer token with OPSGRAPH_AUTH=bearer', async () => {
    const shared = await integrate(SHARED);
    expect(shared).toMatchObject({ code: 0, stored: 1 });
    expect(JSON.parse(shared.stdout).status).toBe('accepted');
    const bearerBefore = await authCount(perSource, 'wazuh', 'bearer');
    expect(await integrate(SHARED, 'bearer')).toMatchObject({ code: 0, stored: 1 });
    expect(await authCount(perSource, 'wazuh', 'bearer')).toBe(bearerBefore + 1);
  });

  it('fails (non-zero, the reason on stdout) and stores nothing with a wrong api_key', async () => {
    const wrong = await integrate(AM_ONLY, 'bearer');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stored).toBe(0);
    expect(wrong.stdout).toContain('Authorization: Bearer token does not match');
    const wrongShared = await integrate(AM_ONLY);
    expect(wrongShared).toMatchObject({ stored: 0 });
    expect(wrongShared.stdout).toContain('X-Webhook-Secret does not match');
  });
});

/* ------------------------------------------------------------ the real Alertmanager 0.25 binary */



describe.skipIf(!HAS_ALERTMANAGER)('the real Alertmanager 0.25 (Debian prometheus-alertmanager)', () => {
  let dir: string;
  let alertmanager: ChildProcess | undefined;
  let amUrl: string;
  let amLog = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opsgraph-am-'));
    const hook = `${perSource.url}/api/v1/webhooks/alertmanager`;
    const receiver = (name: string, httpConfig: string) => `  - name: ${name}
    webhook_configs:
      - url: ${JSON.stringify(hook)}
        send_resolved: true
        http_config:
${httpConfig}`;
    // One route per way of authenticating, chosen by the alert's auth_mode label.
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:
  receiver: opsgraph-bearer
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['auth_mode="basic"']
      receiver: opsgraph-basic
    - matchers: ['auth_mode="wrong"']
      receiver: opsgraph-wrong
receivers:
${receiver('opsgraph-bearer', `          authorization:\n            type: Bearer\n            credentials: ${JSON.stringify(AM_ONLY)}`)}
${receiver('opsgraph-basic', `          basic_auth:\n            username: alertmanager\n            password: ${JSON.stringify(AM_ONLY)}`)}
${receiver('opsgraph-wrong', `          authorization:\n            type: Bearer\n            credentials: ${JSON.stringify(SHARED)}`)}
`,
    );
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    alertmanager = spawn(
      ALERTMANAGER_BIN,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=', // empty: no gossip cluster, no second port
        '--log.level=debug',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    alertmanager.stdout!.on('data', (d) => (amLog += d));
    alertmanager.stderr!.on('data', (d) => (amLog += d));
    await eventually('alertmanager to be ready', async () => (await fetch(`${amUrl}/-/ready`)).ok);
  });

  afterAll(async () => {
    if (alertmanager && alertmanager.exitCode === null) {
      const exited = new Promise((resolve) => alertmanager!.once('exit', resolve));
      alertmanager.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (alertmanager.exitCode === null) alertmanager.kill('SIGKILL');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const addAlert = (alertname: string, mode: string, extra: string[] = []) =>
    run(AMTOOL_BIN, [
      'alert',
      'add',
      `--alertmanager.url=${amUrl}`,
      `alertname=${alertname}`,
      'severity=critical',
      `instance=${alertname}.example.com:9100`,
      'namespace=opsgraph-test',
      `auth_mode=${mode}`,
      `--annotation=summary=${alertname} from the real Alertmanager`,
      ...extra,
    ]);

  const eventsOf = (alertname: string) =>
    perSource.orm.em
      .getConnection()
      .execute<Json[]>('select id, alert_status, severity, payload, chamado_id from events where source = ? and alertname = ? order by id', [
        'alertmanager',
        alertname,
      ]);

  it('delivers with http_config.authorization (Bearer): stored, opens a chamado, resolution recorded', async () => {
    const alertname = `OpsGraphBearer_${randomBytes(4).toString('hex')}`;
    const bearerBefore = await authCount(perSource, 'alertmanager', 'bearer');
    await addAlert(alertname, 'bearer');
    const [firing] = await eventually('the firing alert to be stored', async () => {
      const rows = await eventsOf(alertname);
      return rows.length > 0 ? rows : null;
    });
    expect(firing).toMatchObject({ alert_status: 'firing', severity: 12 });
    expect(firing!.chamado_id).not.toBeNull();
    expect(firing!.payload.labels).toMatchObject({ alertname, auth_mode: 'bearer' });
    expect(await authCount(perSource, 'alertmanager', 'bearer')).toBeGreaterThan(bearerBefore);

    // Ending the alert makes Alertmanager send the resolution (send_resolved: true).
    await addAlert(alertname, 'bearer', [`--end=${new Date(Date.now() - 1000).toISOString()}`]);
    const rows = await eventually('the resolution to be stored', async () => {
      const all = await eventsOf(alertname);
      return all.some((e) => e.alert_status === 'resolved') ? all : null;
    });
    expect(rows.find((e) => e.alert_status === 'resolved')!.chamado_id).toBe(firing!.chamado_id);
  });

  it('delivers with http_config.basic_auth: stored and counted as basic', async () => {
    const alertname = `OpsGraphBasic_${randomBytes(4).toString('hex')}`;
    const basicBefore = await authCount(perSource, 'alertmanager', 'basic');
    await addAlert(alertname, 'basic');
    const rows = await eventually('the alert to be stored', async () => {
      const all = await eventsOf(alertname);
      return all.length > 0 ? all : null;
    });
    expect(rows[0]).toMatchObject({ alert_status: 'firing' });
    expect(await authCount(perSource, 'alertmanager', 'basic')).toBeGreaterThan(basicBefore);
  });

  it('a receiver with the wrong secret is refused 401 and nothing is stored', async () => {
    const alertname = `OpsGraphWrong_${randomBytes(4).toString('hex')}`;
    const refusedBefore = await authCount(perSource, 'alertmanager', 'refused');
    await addAlert(alertname, 'wrong');
    // Alertmanager did try (our counter saw the refusal) and says why it failed in its own log.
    await eventually('the refused delivery', async () => (await authCount(perSource, 'alertmanager', 'refused')) > refusedBefore);
    await eventually('alertmanager to log the 401', async () =>
      /opsgraph-wrong\/webhook\[0\]: .*unexpected status code 401: .*Authorization: Bearer token does not match/.test(amLog),
    );
    await new Promise((r) => setTimeout(r, 2000)); // retries keep failing; none may slip through
    expect(await eventsOf(alertname)).toEqual([]);
  });
});
