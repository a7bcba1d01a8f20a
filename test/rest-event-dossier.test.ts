import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { postWebhook, withIds } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';
import { sideEffectCounts } from './helpers/side-effects.ts';

/*
 * Spec 002's REST paths (issue 9) over HTTP against the real server: every path's JSON keys and
 * types, the reference's defaults and bounds (422 in FastAPI's shape), the operator key on the
 * heartbeat, 404 for an unknown work item, and that heartbeat, preview, dry-run and hand-off
 * change no chamado, approval, run, timeline entry or outbound delivery. Each test ingests into
 * its own project (`?project_id=`), so counts are its own.
 */

type Json = Record<string, any>;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const config = loadConfig({ NODE_ENV: 'test' });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const HEARTBEAT_ID = /^heartbeat-\d{8}T\d{6}Z$/;

const BASE = '/api/v1/events';
const get = (path: string, query: Record<string, string | number> = {}, as: TestUser = 'ops') =>
  server.rest('GET', `${BASE}${path}?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`, { as });
const post = (path: string, body: unknown, as: TestUser = 'ops') => server.rest('POST', `${BASE}${path}`, { as, body });

/** POST /events/dossier/provider-heartbeat with these headers (the test helper sends no custom ones). */
async function heartbeat(body: unknown, headers: Record<string, string> = { 'x-operator-key': config.operatorKey }) {
  const res = await fetch(`${server.url}${BASE}/dossier/provider-heartbeat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** Ingests a vendor fixture into `project` through the real webhook receiver. */
async function ingest(project: string, source: 'alertmanager' | 'sentry' | 'signoz', fixture: Parameters<typeof withIds>[0], ids = {}) {
  const { body } = withIds(fixture, ids, { singleAlert: true });
  const res = await postWebhook(server, `${source}?project_id=${project}`, body, config.ingest.webhookSecrets[source]!);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
}

const sorted = (o: Json) => Object.keys(o).sort();

/** The keys of spec 002's pydantic models, field for field. */
const KEYS = {
  recent: ['event_id', 'project_id', 'channel_type', 'provider_event_id', 'channel_chat_id', 'content_preview', 'is_duplicate', 'received_at'],
  dossier: [
    'event_id', 'project_id', 'channel_type', 'provider', 'stage', 'provider_event_id', 'content_preview', 'content_redacted',
    'has_redacted_content', 'redaction_version', 'source_url', 'content_sha256', 'content_length', 'source_refs', 'source_ref_count',
    'log_correlation', 'alertname', 'severity', 'namespace', 'target_resource', 'fingerprint', 'is_duplicate', 'provider_ts', 'received_at',
  ],
  dossierSummary: ['source_count', 'duplicate_total', 'redacted_total', 'source_ref_total'],
  providerCoverage: [
    'provider', 'total', 'duplicate_total', 'redacted_total', 'source_ref_total', 'missing_source_refs_total', 'sentry_ref_total',
    'signoz_ref_total', 'alert_ref_total', 'latest_received_at',
  ],
  coverageSummary: [
    'source_count', 'source_envelope_total', 'missing_source_envelope_total', 'with_source_refs_total', 'missing_source_refs_total',
    'duplicate_total', 'redacted_total', 'source_ref_total', 'sentry_ref_total', 'signoz_ref_total', 'alert_ref_total', 'latest_received_at',
  ],
  recurrenceSummary: [
    'source_event_total', 'recurrence_group_total', 'recurrent_group_total', 'duplicate_event_total', 'linked_run_total',
    'unlinked_event_total', 'auto_repair_linked_total', 'verified_repair_group_total', 'open_work_item_group_total',
    'manual_gate_group_total', 'automation_gap_group_total', 'failed_repair_group_total', 'latest_received_at',
  ],
  recurrenceItem: [
    'recurrence_key', 'provider', 'alertname', 'severity', 'namespace', 'target_resource', 'fingerprint', 'latest_event_id',
    'latest_provider_event_id', 'latest_content_preview', 'latest_run_id', 'latest_run_state', 'latest_agent_id', 'latest_incident_id',
    'incident_ids', 'repair_summary', 'work_item', 'occurrence_total', 'duplicate_total', 'linked_run_total', 'source_ref_total',
    'missing_source_refs_total', 'sentry_ref_total', 'signoz_ref_total', 'alert_ref_total', 'run_state_counts', 'first_received_at',
    'latest_received_at',
  ],
};

describe('GET /api/v1/events/recent', () => {
  it('serves the reference item, filtered by project, channel type and provider prefix', async () => {
    const project = unique('p');
    const alert = withIds('alertmanager-firing', {}, { singleAlert: true });
    await postWebhook(server, `alertmanager?project_id=${project}`, alert.body, config.ingest.webhookSecrets.alertmanager!);
    const sentry = await ingest(project, 'sentry', 'sentry-issue-created');
    const res = await get('/recent', { project_id: project });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(sorted(res.body)).toEqual(['events', 'limit', 'total']);
    expect(res.body).toMatchObject({ total: 2, limit: 20 });
    const [newest, older] = res.body.events;
    expect(sorted(newest)).toEqual([...KEYS.recent].sort());
    expect(newest).toMatchObject({ project_id: project, channel_type: 'sentry', is_duplicate: false });
    expect(newest.event_id).toMatch(UUID);
    expect(newest.received_at).toMatch(ISO);
    expect(newest.channel_chat_id).toBe(sentry.chamado_public_id ?? null);
    expect(older.channel_type).toBe('alertmanager');

    const bySource = await get('/recent', { project_id: project, channel_type: 'alertmanager' });
    expect(bySource.body.events.map((e: Json) => e.channel_type)).toEqual(['alertmanager']);
    // Alertmanager's provider event id is `<fingerprint>:<startsAt>:<status>`.
    const byPrefix = await get('/recent', { project_id: project, provider_prefix: `${alert.ids.fingerprint}:` });
    expect(byPrefix.body.events.map((e: Json) => e.event_id)).toEqual([older.event_id]);
    expect(byPrefix.body.total).toBe(1);
  });

  it('bounds limit to 1–100 with FastAPI’s 422', async () => {
    expect((await get('/recent', { limit: 100 })).status).toBe(200);
    const over = await get('/recent', { limit: 101 });
    expect(over.status).toBe(422);
    expect(over.body).toEqual({
      detail: [{ type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 100', input: '101', ctx: { le: 100 } }],
      error: 'VALIDATION_FAILED',
      message: 'limit: Input should be less than or equal to 100',
    });
    const zero = await get('/recent', { limit: 0 });
    expect(zero.status).toBe(422);
    expect(zero.body.detail).toEqual([
      { type: 'greater_than_equal', loc: ['query', 'limit'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } },
    ]);
    const text = await get('/recent', { limit: 'abc' });
    expect(text.status).toBe(422);
    expect(text.body.detail).toEqual([
      { type: 'int_parsing', loc: ['query', 'limit'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'abc' },
    ]);
  });

  it('needs a signed-in user', async () => {
    const res = await server.rest('GET', `${BASE}/recent`);
    expect(res.status).toBe(401);
  });
});

describe('GET /api/v1/events/dossier', () => {
  it('serves every field of the reference’s dossier item and sums the page it returns', async () => {
    const project = unique('p');
    await ingest(project, 'sentry', 'sentry-issue-created');
    const firing = await ingest(project, 'alertmanager', 'alertmanager-firing');
    const res = await get('/dossier', { project_id: project });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(sorted(res.body)).toEqual(['events', 'limit', 'summary', 'total']);
    expect(res.body).toMatchObject({ total: 2, limit: 20 });
    const [alert, sentry] = res.body.events;
    for (const e of res.body.events) {
      expect(sorted(e)).toEqual([...KEYS.dossier].sort());
      expect(e.event_id).toMatch(UUID);
      expect(e.content_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(e.content_length).toBeGreaterThan(0);
      expect(typeof e.content_redacted).toBe('string');
      expect(e.has_redacted_content).toBe(true);
      expect(e.redaction_version).toBe('r1');
      expect(e.log_correlation).toEqual(expect.objectContaining({ recurrence_key: expect.any(String) }));
      expect(e.received_at).toMatch(ISO);
    }
    expect(alert).toMatchObject({
      project_id: project,
      channel_type: 'alertmanager',
      provider: 'alertmanager',
      stage: 'firing',
      alertname: 'KubePodCrashLooping',
      severity: 'critical',
      namespace: 'mail',
      is_duplicate: false,
    });
    expect(alert.log_correlation).toMatchObject({ chamado_public_id: firing.chamado_public_id, decision: 'opened' });
    expect(alert.source_url).toMatch(/^http:\/\/prometheus/);
    expect(alert.provider_ts).toMatch(ISO);
    expect(alert.source_ref_count).toBe(Object.keys(alert.source_refs).length);
    expect(sentry).toMatchObject({ channel_type: 'sentry', provider: 'sentry' });
    expect(res.body.summary).toEqual({
      source_count: 2,
      duplicate_total: 0,
      redacted_total: 2,
      source_ref_total: alert.source_ref_count + sentry.source_ref_count,
    });

    const one = await get('/dossier', { project_id: project, provider_event_id: alert.provider_event_id });
    expect(one.body.events.map((e: Json) => e.event_id)).toEqual([alert.event_id]);
  });

  it('filters by run_id (a malformed one is a 422, an unknown one no events) and bounds limit to 1–50', async () => {
    const unknown = await get('/dossier', { run_id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ events: [], total: 0, summary: { source_count: 0 } });
    const malformed = await get('/dossier', { run_id: 'nope' });
    expect(malformed.status).toBe(422);
    expect(malformed.body.detail).toEqual([{ type: 'uuid_parsing', loc: ['query', 'run_id'], msg: 'Input should be a valid UUID', input: 'nope' }]);
    expect((await get('/dossier', { limit: 50 })).status).toBe(200);
    const over = await get('/dossier', { limit: 51 });
    expect(over.status).toBe(422);
    expect(over.body.detail[0]).toMatchObject({ type: 'less_than_equal', ctx: { le: 50 } });
  });
});

describe('GET /api/v1/events/dossier/coverage', () => {
  it('serves every counter of the reference, per provider', async () => {
    const project = unique('p');
    await ingest(project, 'alertmanager', 'alertmanager-firing');
    await ingest(project, 'sentry', 'sentry-issue-created');
    const res = await get('/dossier/coverage', { project_id: project });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(sorted(res.body)).toEqual(['limit', 'project_id', 'providers', 'summary']);
    expect(res.body).toMatchObject({ project_id: project, limit: 100 });
    expect(sorted(res.body.summary)).toEqual([...KEYS.coverageSummary].sort());
    expect(res.body.summary).toMatchObject({ source_count: 2, source_envelope_total: 2, missing_source_envelope_total: 0, duplicate_total: 0 });
    expect(res.body.summary.latest_received_at).toMatch(ISO);
    expect(res.body.providers.map((p: Json) => p.provider).sort()).toEqual(['alertmanager', 'sentry']);
    for (const p of res.body.providers) {
      expect(sorted(p)).toEqual([...KEYS.providerCoverage].sort());
      expect(p.total).toBe(1);
    }
    const sentryOnly = await get('/dossier/coverage', { project_id: project, provider: 'sentry' });
    expect(sentryOnly.body.providers.map((p: Json) => p.provider)).toEqual(['sentry']);
  });

  it('answers project_id "*" without one, and bounds limit to 1–200', async () => {
    const all = await get('/dossier/coverage', { limit: 200 });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ project_id: '*', limit: 200 });
    const over = await get('/dossier/coverage', { limit: 201 });
    expect(over.status).toBe(422);
    expect(over.body.detail[0]).toMatchObject({ type: 'less_than_equal', loc: ['query', 'limit'], ctx: { le: 200 } });
  });
});

describe('POST /api/v1/events/dossier/provider-heartbeat', () => {
  it('takes the operator key only: none → 401, a wrong one → 403, a user token alone → 401', async () => {
    const none = await heartbeat({}, {});
    expect(none).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
    const wrong = await heartbeat({}, { 'x-operator-key': `${config.operatorKey}-nope` });
    expect(wrong).toMatchObject({ status: 403, body: { error: 'FORBIDDEN' } });
    const user = await heartbeat({}, { authorization: `Bearer ${await server.token('admin')}` });
    expect(user).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
    const wrongWithUser = await heartbeat({}, { authorization: `Bearer ${await server.token('admin')}`, 'x-operator-key': 'short' });
    expect(wrongWithUser.status).toBe(403);
    // Who you are comes before what you sent.
    expect((await heartbeat({ providers: [] }, {})).status).toBe(401);
  });

  it('GraphQL: the same answers, a user token never stands in for the key', async () => {
    const doc = 'mutation { recordProviderHeartbeat { status } }';
    const asAdmin = await server.gql(doc, {}, { as: 'admin' });
    expect(asAdmin.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-operator-key': 'not-the-key' },
      body: JSON.stringify({ query: doc }),
    });
    const body = (await res.json()) as Json;
    expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('records one synthetic event per provider with no chamado and says so in its payload', async () => {
    const project = unique('p');
    const before = await sideEffectCounts(server, project);
    const res = await heartbeat({ project_id: project, run_ref: 'cron-42' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(sorted(res.body)).toEqual(['items', 'project_id', 'status']);
    expect(res.body).toMatchObject({ status: 'recorded', project_id: project });
    expect(res.body.items.map((i: Json) => i.provider)).toEqual(['sentry', 'signoz']);
    for (const item of res.body.items) {
      expect(sorted(item)).toEqual(['conversation_event_id', 'event_id', 'provider']);
      expect(item.event_id).toMatch(HEARTBEAT_ID);
      expect(item.conversation_event_id).toMatch(UUID);
    }

    const events = await server.orm.em.getConnection().execute<Json[]>(
      `select uuid::text as uuid, source, event_type, chamado_id, provider_event_id, correlation, payload, severity, source_severity
       from events where project_id = ? order by id`,
      [project],
    );
    expect(events.map((e) => [e.uuid, e.source])).toEqual(res.body.items.map((i: Json) => [i.conversation_event_id, i.provider]));
    for (const e of events) {
      expect(e).toMatchObject({ event_type: 'provider.heartbeat', chamado_id: null, severity: 3, source_severity: 'info' });
      expect(e.correlation).toMatchObject({ decision: 'stored' });
      expect(e.payload.payload).toMatchObject({
        synthetic: true,
        run_ref: 'cron-42',
        reason: 'scheduled_provider_freshness_smoke',
        operator_id: 'operator-key',
        auth_method: 'x-operator-key',
        side_effects: { chamado_created: false, notification_sent: false, approval_created: false, outbound_delivery_created: false },
      });
      expect(e.payload.labels).toMatchObject({ provider: e.source, synthetic: 'true' });
    }
    expect(await sideEffectCounts(server, project)).toEqual(before);

    const dossier = await get('/dossier', { project_id: project });
    expect(dossier.body.events.map((e: Json) => e.stage)).toEqual(['heartbeat', 'heartbeat']);
    expect(dossier.body.events.map((e: Json) => e.provider_event_id)).toEqual([res.body.items[1].event_id, res.body.items[0].event_id]);
  });

  it('validates the body as the reference does: 422 in FastAPI’s shape', async () => {
    const empty = await heartbeat({ providers: [] });
    expect(empty.status).toBe(422);
    expect(empty.body.detail).toEqual([
      {
        type: 'too_short',
        loc: ['body', 'providers'],
        msg: 'List should have at least 1 item after validation, not 0',
        input: [],
        ctx: { field_type: 'List', min_length: 1, actual_length: 0 },
      },
    ]);
    const unknownProvider = await heartbeat({ providers: ['datadog'] });
    expect(unknownProvider.body.detail).toEqual([
      {
        type: 'literal_error',
        loc: ['body', 'providers', 0],
        msg: "Input should be 'sentry' or 'signoz'",
        input: 'datadog',
        ctx: { expected: "'sentry' or 'signoz'" },
      },
    ]);
    const long = await heartbeat({ reason: 'x'.repeat(121), run_ref: 'y'.repeat(121) });
    expect(long.status).toBe(422);
    expect(long.body.detail.map((d: Json) => [d.type, d.loc.join('.'), d.ctx])).toEqual([
      ['string_too_long', 'body.reason', { max_length: 120 }],
      ['string_too_long', 'body.run_ref', { max_length: 120 }],
    ]);
    // 120 characters are fine, counted as characters (code points), not UTF-16 units.
    const emoji = await heartbeat({ project_id: unique('p'), providers: ['sentry'], reason: '🔥'.repeat(120) });
    expect(emoji.status, JSON.stringify(emoji.body)).toBe(200);
    const blank = await heartbeat({ project_id: '' });
    expect(blank.body.detail[0]).toMatchObject({ type: 'string_too_short', loc: ['body', 'project_id'], ctx: { min_length: 1 } });
    const badShape = await heartbeat({ project_id: 'has space' });
    expect(badShape.status).toBe(422);
    expect(badShape.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'project_id'], input: 'has space' });
    const twice = await heartbeat({ project_id: unique('p'), providers: ['sentry', 'sentry'] });
    expect(twice.status).toBe(422);
    expect(twice.body.detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 'providers'] });
    const notJson = await heartbeat('{');
    expect(notJson.status).toBe(422);
    expect(notJson.body.detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body', 0] });
  });
});

/** A project with one recurring alert whose chamado has an R1 run waiting for approval (work item manual_gate). */
async function recurringAlertWithRun() {
  const project = unique('p');
  const { body, ids } = withIds('alertmanager-firing', {}, { singleAlert: true });
  const secret = config.ingest.webhookSecrets.alertmanager!;
  const first = await postWebhook(server, `alertmanager?project_id=${project}`, body, secret);
  expect(first.body.chamado_public_id, JSON.stringify(first.body)).toMatch(/^CH-/);
  const again = await postWebhook(server, `alertmanager?project_id=${project}`, body, secret);
  expect(again.body.status).toBe('duplicate');
  const run = await server.gql(
    `mutation Run($publicId: String!, $params: JSON) {
      executeRunbook(publicId: $publicId, code: "traefik_cert_sync", params: $params) { ... on RunbookExecution { runId status } ... on Error { code message } }
    }`,
    { publicId: first.body.chamado_public_id, params: { domain: ids.domain } },
    { as: 'ops' },
  );
  expect(run.data?.executeRunbook, JSON.stringify(run)).toMatchObject({ status: 'pendente_aprovacao' });
  const dossier = await get('/dossier/recurrence', { project_id: project });
  expect(dossier.status, JSON.stringify(dossier.body)).toBe(200);
  return { project, ids, publicId: first.body.chamado_public_id as string, runId: run.data.executeRunbook.runId as string, dossier: dossier.body };
}

describe('GET /api/v1/events/dossier/recurrence', () => {
  it('serves every field of the reference’s recurrence item and summary', async () => {
    const { project, ids, publicId, runId, dossier } = await recurringAlertWithRun();
    expect(sorted(dossier)).toEqual(['items', 'limit', 'project_id', 'summary']);
    expect(dossier).toMatchObject({ project_id: project, limit: 100 });
    expect(sorted(dossier.summary)).toEqual([...KEYS.recurrenceSummary].sort());
    expect(dossier.summary).toMatchObject({
      source_event_total: 2,
      recurrence_group_total: 1,
      duplicate_event_total: 1,
      linked_run_total: 1,
      manual_gate_group_total: 1,
      open_work_item_group_total: 0,
    });
    expect(dossier.items).toHaveLength(1);
    const [item] = dossier.items;
    expect(sorted(item)).toEqual([...KEYS.recurrenceItem].sort());
    expect(item).toMatchObject({
      recurrence_key: `alertmanager:fp:${ids.fingerprint}`,
      provider: 'alertmanager',
      alertname: 'KubePodCrashLooping',
      severity: 'critical',
      namespace: 'mail',
      fingerprint: ids.fingerprint,
      latest_run_id: runId,
      latest_run_state: 'pendente_aprovacao',
      latest_agent_id: ids.agent,
      latest_incident_id: publicId,
      incident_ids: [publicId],
      occurrence_total: 1,
      duplicate_total: 1,
      linked_run_total: 1,
      run_state_counts: { pendente_aprovacao: 1 },
    });
    expect(item.latest_event_id).toMatch(UUID);
    expect(item.latest_provider_event_id).toMatch(new RegExp(`^${ids.fingerprint}:`));
    expect(item.first_received_at).toMatch(ISO);
    expect(item.latest_received_at).toMatch(ISO);
    expect(sorted(item.work_item)).toEqual(['next_step', 'reason', 'state', 'title', 'work_item_id']);
    expect(item.work_item).toMatchObject({ state: 'manual_gate' });
    expect(item.work_item.work_item_id).toMatch(UUID);

    // A run's events are those of the chamado it ran on; run_id is read as Python reads a UUID.
    const byRun = await get('/dossier', { run_id: `{${runId.toUpperCase()}}` });
    expect(byRun.status, JSON.stringify(byRun.body)).toBe(200);
    expect(byRun.body.events.map((e: Json) => [e.is_duplicate, e.project_id])).toEqual([
      [true, project],
      [false, project],
    ]);
    expect(byRun.body.summary).toMatchObject({ source_count: 2, duplicate_total: 1 });
  });

  it('bounds limit to 1–300', async () => {
    expect((await get('/dossier/recurrence', { limit: 300 })).status).toBe(200);
    for (const [limit, type] of [[301, 'less_than_equal'], [0, 'greater_than_equal'], ['1.5', 'int_parsing']] as const) {
      const res = await get('/dossier/recurrence', { limit });
      expect(res.status).toBe(422);
      expect(res.body.detail).toEqual([expect.objectContaining({ type, loc: ['query', 'limit'], input: String(limit) })]);
    }
  });
});

describe('recurrence work items: preview, dry-run, hand-off', () => {
  const PLAN_KEYS = [
    'work_item_id', 'project_id', 'mode', 'effective_mode', 'limit', 'state', 'reason', 'title', 'next_step', 'ready',
    'preflight_checks', 'guarantees', 'item', 'suggested_runbooks',
  ].sort();
  const ENTRY_KEYS = ['entry_id', 'kind', 'mode', 'handoff_kind', 'status', 'work_item_state', 'actor', 'chamado_public_id', 'created_at'].sort();
  const NOT_FOUND = { detail: 'recurrence_work_item_not_found', error: 'NOT_FOUND', message: expect.any(String) };
  const PREVIEW = '/dossier/recurrence/work-item/preview';
  const DRY_RUN = '/dossier/recurrence/work-item/dry-run';
  const HANDOFF = '/dossier/recurrence/work-item/handoff';

  it('change no chamado, approval, run, timeline entry or outbound delivery (nor does a heartbeat)', async () => {
    const { project, dossier } = await recurringAlertWithRun();
    const workItemId = dossier.items[0].work_item.work_item_id;
    const before = await sideEffectCounts(server, project);
    expect(before).toMatchObject({ chamados: 1, runbook_executions: 1, approval_requests: 1 });
    expect(before.timeline_entries).toBeGreaterThan(0);

    const preview = await get(PREVIEW, { work_item_id: workItemId, project_id: project });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(sorted(preview.body)).toEqual(PLAN_KEYS);
    expect(preview.body).toMatchObject({ work_item_id: workItemId, project_id: project, mode: 'auto', limit: 300, state: 'manual_gate' });
    expect(preview.body.guarantees).toMatchObject({ read_only: true, writes: [] });
    expect(preview.body.preflight_checks.length).toBeGreaterThan(0);
    for (const check of preview.body.preflight_checks) expect(sorted(check)).toEqual(['detail', 'name', 'status']);
    expect(sorted(preview.body.item)).toEqual([...KEYS.recurrenceItem].sort());

    const dryRun = await post(DRY_RUN, { work_item_id: workItemId, mode: 'repair', limit: 10 });
    expect(dryRun.status, JSON.stringify(dryRun.body)).toBe(200);
    expect(sorted(dryRun.body)).toEqual([...PLAN_KEYS, 'entry'].sort());
    expect(dryRun.body).toMatchObject({ mode: 'repair', limit: 10, guarantees: { read_only: false } });
    expect(sorted(dryRun.body.entry)).toEqual(ENTRY_KEYS);
    expect(dryRun.body.entry).toMatchObject({ kind: 'dry_run', mode: 'repair', actor: 'ops', work_item_state: 'manual_gate' });
    expect(dryRun.body.entry.entry_id).toMatch(UUID);

    const proposal = await post(HANDOFF, { work_item_id: workItemId });
    expect(proposal.status, JSON.stringify(proposal.body)).toBe(200);
    expect(proposal.body.entry).toMatchObject({ kind: 'handoff', handoff_kind: 'ticket_proposal', status: 'proposed' });
    const takeover = await post(HANDOFF, { work_item_id: workItemId, handoff_kind: 'manual_takeover', project_id: project });
    expect(takeover.status, JSON.stringify(takeover.body)).toBe(200);
    expect(takeover.body.entry).toMatchObject({ kind: 'handoff', handoff_kind: 'manual_takeover' });

    const beat = await heartbeat({ project_id: project });
    expect(beat.status).toBe(200);
    // The dry-run and the two hand-offs are recorded as work item entries, their only writes.
    expect(await sideEffectCounts(server, project)).toEqual({ ...before, work_item_entries: before.work_item_entries + 3 });
  });

  it('answer 404 for an unknown work item, as the reference (plus error and message)', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const id of [unknown, 'not-a-uuid']) {
      const preview = await get(PREVIEW, { work_item_id: id });
      expect(preview, id).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(await post(DRY_RUN, { work_item_id: id }), id).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(await post(HANDOFF, { work_item_id: id }), id).toMatchObject({ status: 404, body: NOT_FOUND });
    }
  });

  it('validate query and body as the reference: 422 for a missing work_item_id, a bad mode or kind, a limit out of 1–300', async () => {
    const missing = await get(PREVIEW);
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toEqual([{ type: 'missing', loc: ['query', 'work_item_id'], msg: 'Field required', input: null }]);
    const mode = await get(PREVIEW, { work_item_id: 'x', mode: 'yolo', limit: 301 });
    expect(mode.status).toBe(422);
    expect(mode.body.detail).toEqual([
      {
        type: 'literal_error',
        loc: ['query', 'mode'],
        msg: "Input should be 'auto', 'manual', 'repair' or 'ticket'",
        input: 'yolo',
        ctx: { expected: "'auto', 'manual', 'repair' or 'ticket'" },
      },
      { type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 300', input: '301', ctx: { le: 300 } },
    ]);

    const noId = await post(DRY_RUN, {});
    expect(noId.status).toBe(422);
    expect(noId.body.detail).toEqual([{ type: 'missing', loc: ['body', 'work_item_id'], msg: 'Field required', input: null }]);
    const badBody = await post(DRY_RUN, { work_item_id: 'x', mode: 'yolo', limit: 0 });
    expect(badBody.body.detail.map((d: Json) => [d.type, d.loc.join('.')])).toEqual([
      ['literal_error', 'body.mode'],
      ['greater_than_equal', 'body.limit'],
    ]);
    const kind = await post(HANDOFF, { work_item_id: 'x', handoff_kind: 'escalate', limit: 'abc' });
    expect(kind.body.detail.map((d: Json) => [d.type, d.loc.join('.')])).toEqual([
      ['int_parsing', 'body.limit'],
      ['literal_error', 'body.handoff_kind'],
    ]);
    expect((await post(HANDOFF, { work_item_id: 'x', limit: '300' })).status).toBe(404);
  });

  it('need a signed-in user; dry-run and hand-off need role ops', async () => {
    expect((await server.rest('GET', `${BASE}${PREVIEW}?work_item_id=x`)).status).toBe(401);
    expect((await server.rest('POST', `${BASE}${DRY_RUN}`, { body: { work_item_id: 'x' } })).status).toBe(401);
    expect((await post(DRY_RUN, { work_item_id: 'x' }, 'viewer')).status).toBe(403);
    expect((await post(HANDOFF, { work_item_id: 'x' }, 'viewer')).status).toBe(403);
  });
});
