import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutToLength } from '../entities/column-facts.ts';
import { loadConfig } from '../src/config.ts';
import { REF_FACTS_SQL } from '../src/services/events/coverage.ts';
import { sourceRefFacts } from '../src/services/recurrence/source-refs.ts';
import { newDomain, withIds } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';
import { statementsOf } from './helpers/sql-statements.ts';

/*
 * The event dossier on Event (spec 002 `/events/dossier` item fields), its filters (project,
 * provider event id and prefix, run) and `eventCoverage`, against the real server. Every delivery
 * goes to a project of its own (`?project_id=`), so counts are exact in the shared database.
 */

type Json = Record<string, any>;

const SECRETS = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.token('viewer');
  await server.token('ops');
});
afterAll(() => server?.close());

/** POSTs to a receiver of a project, with extra headers (a delivery id); returns the receipts. */
async function deliver(source: string, projectId: string, body: unknown, headers: Record<string, string> = {}): Promise<Json[]> {
  const res = await fetch(`${server.url}/api/v1/webhooks/${source}?project_id=${projectId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRETS[source]!, ...headers },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Json;
  expect(res.status, JSON.stringify(json)).toBe(202);
  return json.events;
}

const sql = <T = Json>(text: string, params: unknown[] = []) => server.orm.em.getConnection().execute<T[]>(text, params);

/** A row as a sender before envelopes and redaction would have left it (no hash, no redaction). */
async function insertLegacyEvent(projectId: string, fields: { source: string; eventType: string; summary: string; payload: unknown; sourceRefs: unknown }): Promise<number> {
  const [row] = await sql<{ id: string }>(
    `insert into events (project_id, source, event_type, summary, payload, source_refs, received_at)
     values (?, ?, ?, ?, ?::jsonb, ?::jsonb, now()) returning id`,
    [projectId, fields.source, fields.eventType, fields.summary, JSON.stringify(fields.payload), JSON.stringify(fields.sourceRefs)],
  );
  return Number(row!.id);
}

const DOSSIER_FIELDS = `eventId receivedAt source eventType providerEventId deliveryId summary alertStatus recurrenceKey isDuplicate
  payload sourceRefs redactionVersion
  eventUuid projectId provider stage contentPreview contentRedacted hasRedactedContent sourceUrl sourceRefCount
  logCorrelation providerEventIdOrFallback channelChatId`;

const EVENTS = `query DossierEvents($filter: EventFilter, $first: Int) {
  events(filter: $filter, first: $first) { totalCount edges { node { ${DOSSIER_FIELDS} } } }
}`;

async function events(filter: Json, first = 100): Promise<{ total: number; nodes: Json[] }> {
  const res = await server.gql(EVENTS, { filter, first }, { as: 'viewer' });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return { total: res.data.events.totalCount, nodes: res.data.events.edges.map((e: Json) => e.node) };
}

const COVERAGE_FIELDS = `projectId limit
  summary { sourceCount sourceEnvelopeTotal missingSourceEnvelopeTotal withSourceRefsTotal missingSourceRefsTotal duplicateTotal
            redactedTotal sourceRefTotal sentryRefTotal signozRefTotal alertRefTotal latestReceivedAt }
  providers { provider total duplicateTotal redactedTotal sourceRefTotal missingSourceRefsTotal sentryRefTotal signozRefTotal
              alertRefTotal latestReceivedAt }`;

const COVERAGE = `query Coverage($projectId: String, $provider: String, $limit: Int) {
  eventCoverage(projectId: $projectId, provider: $provider, limit: $limit) { ${COVERAGE_FIELDS} }
}`;

const coverage = (vars: Json) => server.gql(COVERAGE, vars, { as: 'viewer' });

/** Every delivery of one project, in order; filled by the first test. */
const p = unique('dossier');
const tag = unique('pe');
// Receipts by name (any: a receipt is whatever JSON the receiver answered).
const seen: Record<string, any> = {};
let sentryIssueId: string;

describe('a project with one delivery of each provider', () => {
  it('ingests alertmanager (and its redelivery), sentry, signoz, wazuh, onboarding and a legacy row', async () => {
    const am = withIds('alertmanager-firing');
    [seen.am0, seen.am1] = await deliver('alertmanager', p, am.body);
    [seen.amDup0, seen.amDup1] = await deliver('alertmanager', p, am.body);
    const sentry = withIds('sentry-issue-created');
    sentryIssueId = sentry.ids.id;
    [seen.sentry] = await deliver('sentry', p, sentry.body, { 'request-id': `req-${tag}` });
    [seen.signoz] = await deliver('signoz', p, withIds('alertmanager-firing', {}, { singleAlert: true }).body);
    // Wazuh ids that `%` and `_` as wildcards would confuse: a literal `\%_` and a `%` then any character.
    const w1 = withIds('wazuh-brute-force', { id: `${tag}\\%_1` });
    const w2 = withIds('wazuh-brute-force', { id: `${tag}%z1` });
    const w3 = withIds('wazuh-brute-force');
    delete w3.body.id;
    [seen.w1] = await deliver('wazuh', p, w1.body);
    [seen.w2] = await deliver('wazuh', p, w2.body);
    [seen.w3] = await deliver('wazuh', p, w3.body);
    [seen.onboard] = await deliver('onboard', p, withIds('onboard-account-created').body);
    seen.legacy = {
      event_id: await insertLegacyEvent(p, {
        source: 'audit',
        eventType: 'audit.note',
        summary: `${'é'.repeat(199)}😀 and more`,
        payload: { note: 'x'.repeat(5000) },
        sourceRefs: { ticket: 'T-1', docs: 'https://docs.example.com/runbook' },
      }),
    };
    expect(seen.amDup0).toMatchObject({ status: 'duplicate', duplicate_of: seen.am0.event_id });
    expect(seen.amDup1).toMatchObject({ status: 'duplicate', duplicate_of: seen.am1.event_id });
    expect(seen.am0.chamado_public_id).toMatch(/^CH-/);
  });

  it('serves every dossier field of each event', async () => {
    const { total, nodes } = await events({ projectId: p });
    expect(total).toBe(11);
    const byId = new Map(nodes.map((n) => [n.eventId, n]));
    const node = (name: string) => byId.get(seen[name]!.event_id)!;
    for (const n of nodes) {
      expect(n.projectId).toBe(p);
      expect(n.contentRedacted).toBe(cutToLength(JSON.stringify(n.payload), 4000).value);
    }
    for (const [name, receipt] of Object.entries(seen)) {
      if (name !== 'legacy') expect(node(name).eventUuid).toBe(receipt.event_uuid);
    }

    const am0 = node('am0');
    expect(am0).toMatchObject({
      provider: 'alertmanager',
      stage: 'firing',
      contentPreview: 'Pod is crash looping.',
      hasRedactedContent: true,
      sourceUrl: am0.sourceRefs.generatorURL,
      sourceRefCount: 2,
      providerEventIdOrFallback: am0.providerEventId,
      channelChatId: seen.am0.chamado_public_id,
      logCorrelation: {
        delivery_id: null,
        recurrence_key: am0.recurrenceKey,
        chamado_public_id: seen.am0.chamado_public_id,
        decision: 'opened',
        rule: seen.am0.correlation.rule,
      },
    });
    expect(am0.sourceUrl).toMatch(/^http:\/\/prometheus-k8s-0:9090\/graph\?/);
    expect(am0.providerEventId).toMatch(/^fp-.*-0:2026-06-16T09:52:30.123Z:firing$/);
    // A redelivery: its own uuid, the original's chamado, the duplicate decision.
    expect(node('amDup0')).toMatchObject({
      isDuplicate: true,
      stage: 'firing',
      providerEventIdOrFallback: am0.providerEventId,
      channelChatId: seen.am0.chamado_public_id,
      logCorrelation: { decision: 'duplicate', rule: 'exact', chamado_public_id: seen.am0.chamado_public_id },
    });
    expect(node('amDup0').eventUuid).not.toBe(am0.eventUuid);

    expect(node('sentry')).toMatchObject({
      provider: 'sentry',
      stage: 'firing',
      providerEventId: null,
      providerEventIdOrFallback: `delivery-req-${tag}`,
      sourceUrl: `https://itecnologys.sentry.io/issues/${sentryIssueId}/`,
      sourceRefCount: 3,
      logCorrelation: { delivery_id: `req-${tag}`, decision: 'opened' },
    });
    expect(node('signoz')).toMatchObject({ provider: 'signoz', stage: 'firing', sourceRefCount: 2 });
    expect(node('signoz').sourceUrl).toBe(node('signoz').sourceRefs.generatorURL);

    expect(node('w1')).toMatchObject({
      provider: 'wazuh',
      stage: 'received',
      providerEventIdOrFallback: `${tag}\\%_1`,
      sourceUrl: null,
      sourceRefCount: 2,
      hasRedactedContent: true,
    });
    expect(node('w3')).toMatchObject({ providerEventId: null, deliveryId: null, providerEventIdOrFallback: String(seen.w3.event_id), sourceRefCount: 1 });

    expect(node('onboard')).toMatchObject({
      provider: null,
      stage: 'received',
      sourceUrl: null,
      sourceRefCount: 0,
      channelChatId: seen.onboard.chamado_public_id,
    });
    expect(seen.onboard.chamado_public_id).toMatch(/^CH-/);

    const legacy = node('legacy');
    expect(legacy).toMatchObject({
      provider: null,
      stage: 'received',
      hasRedactedContent: false,
      sourceUrl: 'https://docs.example.com/runbook',
      sourceRefCount: 2,
      providerEventIdOrFallback: String(seen.legacy.event_id),
      channelChatId: null,
      logCorrelation: { delivery_id: null, recurrence_key: null, chamado_public_id: null, decision: null, rule: null },
    });
    // Cut by code point: 199 letters and the emoji, not half of it.
    expect(legacy.contentPreview).toBe(`${'é'.repeat(199)}😀`);
    expect(legacy.contentRedacted).toHaveLength(4000);
  });

  it('provider heartbeats are at stage heartbeat, with their provider and no chamado', async () => {
    const other = unique('dossier-hb');
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-operator-key': loadConfig({ NODE_ENV: 'test' }).operatorKey },
      body: JSON.stringify({
        query: `mutation DossierHeartbeat($input: RecordProviderHeartbeatInput) {
          recordProviderHeartbeat(input: $input) { items { provider eventId conversationEventId } }
        }`,
        variables: { input: { projectId: other } },
      }),
    });
    const body = (await res.json()) as Json;
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const items: Json[] = body.data.recordProviderHeartbeat.items;
    const { nodes } = await events({ projectId: other });
    expect(nodes.map((n) => [n.eventUuid, n.provider, n.stage, n.providerEventIdOrFallback, n.channelChatId]).sort()).toEqual(
      items.map((i) => [i.conversationEventId, i.provider, 'heartbeat', i.eventId, null]).sort(),
    );
  });

  it('filters by exact provider event id, and by a prefix taken literally', async () => {
    expect((await events({ projectId: p, providerEventId: 'x' })).total).toBe(0);
    const original = (await events({ projectId: p })).nodes.find((n) => n.eventId === seen.am0.event_id)!;
    const exact = await events({ providerEventId: original.providerEventId });
    expect(exact.nodes.map((n) => n.eventId)).toEqual([seen.amDup0.event_id, seen.am0.event_id]);
    // Exact means exact: a prefix of it is not enough.
    expect((await events({ providerEventId: original.providerEventId.slice(0, -1) })).total).toBe(0);
    // The fallback ids served for events without a provider id find those events again.
    for (const name of ['sentry', 'w3']) {
      const served = (await events({ projectId: p })).nodes.find((n) => n.eventId === seen[name].event_id)!.providerEventIdOrFallback;
      expect((await events({ projectId: p, providerEventId: served })).nodes.map((n) => n.eventId)).toEqual([seen[name].event_id]);
    }

    const ids = async (prefix: string) => (await events({ providerEventIdPrefix: prefix })).nodes.map((n) => n.eventId);
    expect(await ids(`${tag}\\%_`)).toEqual([seen.w1.event_id]);
    expect(await ids(`${tag}%`)).toEqual([seen.w2.event_id]);
    expect(await ids(`${tag}_`)).toEqual([]);
    expect(await ids(`${tag}\\`)).toEqual([seen.w1.event_id]);
    expect(await ids(tag)).toEqual([seen.w2.event_id, seen.w1.event_id]);
    // Combined with the project, and with another project.
    expect((await events({ projectId: p, providerEventIdPrefix: tag })).total).toBe(2);
    expect((await events({ projectId: `${p}-other`, providerEventIdPrefix: tag })).total).toBe(0);
  });

  it('filters by run: the events of the chamado the runbook ran on; unknown or malformed → none', async () => {
    const runChamado = seen.am0.chamado_public_id;
    const res = await server.gql(
      `mutation DossierRun($publicId: String!, $params: JSON) {
        executeRunbook(publicId: $publicId, code: "dns_recheck", params: $params) { __typename ... on RunbookExecution { execId } ... on Error { code message } }
      }`,
      { publicId: runChamado, params: { domain: newDomain('dossier') } },
      { as: 'ops' },
    );
    expect(res.data?.executeRunbook?.__typename, JSON.stringify(res)).toBe('RunbookExecution');
    const [run] = await sql<{ uuid: string }>('select uuid from runbook_executions where id = ?', [res.data.executeRunbook.execId]);

    const { nodes: all } = await events({ projectId: p });
    const ofChamado = all.filter((n) => n.channelChatId === runChamado).map((n) => n.eventId);
    expect(ofChamado).toEqual(expect.arrayContaining([seen.am0.event_id, seen.amDup0.event_id]));
    expect((await events({ runId: run!.uuid })).nodes.map((n) => n.eventId)).toEqual(ofChamado);
    expect((await events({ runId: run!.uuid.toUpperCase(), projectId: p })).nodes.map((n) => n.eventId)).toEqual(ofChamado);
    expect((await events({ runId: run!.uuid, projectId: `${p}-other` })).total).toBe(0);
    expect((await events({ runId: '00000000-0000-4000-8000-000000000000' })).total).toBe(0);
    expect((await events({ runId: 'not-a-uuid' })).total).toBe(0);
    expect((await events({ runId: "'; select 1; --" })).total).toBe(0);
  });
});

describe('eventCoverage', () => {
  const provider = (over: Json) => ({
    total: 0,
    duplicateTotal: 0,
    redactedTotal: 0,
    sourceRefTotal: 0,
    missingSourceRefsTotal: 0,
    sentryRefTotal: 0,
    signozRefTotal: 0,
    alertRefTotal: 0,
    latestReceivedAt: expect.any(String),
    ...over,
  });

  it('counts per provider and overall over the project’s latest events', async () => {
    const res = await coverage({ projectId: p });
    expect(res.errors).toBeUndefined();
    const c = res.data.eventCoverage;
    expect(c).toMatchObject({ projectId: p, limit: 100 });
    expect(c.summary).toEqual({
      sourceCount: 11,
      sourceEnvelopeTotal: 10,
      missingSourceEnvelopeTotal: 1,
      withSourceRefsTotal: 10,
      missingSourceRefsTotal: 1,
      duplicateTotal: 2,
      redactedTotal: 10,
      // alertmanager 4×2, sentry 3, signoz 2, wazuh 2+2+1, audit 2
      sourceRefTotal: 20,
      sentryRefTotal: 1,
      signozRefTotal: 1,
      alertRefTotal: 4,
      latestReceivedAt: expect.any(String),
    });
    expect(c.providers).toEqual([
      provider({ provider: 'alertmanager', total: 4, duplicateTotal: 2, redactedTotal: 4, sourceRefTotal: 8, alertRefTotal: 4 }),
      provider({ provider: 'wazuh', total: 3, redactedTotal: 3, sourceRefTotal: 5 }),
      provider({ provider: 'audit', total: 1, sourceRefTotal: 2 }),
      provider({ provider: 'onboard', total: 1, redactedTotal: 1, missingSourceRefsTotal: 1 }),
      provider({ provider: 'sentry', total: 1, redactedTotal: 1, sourceRefTotal: 3, sentryRefTotal: 1 }),
      provider({ provider: 'signoz', total: 1, redactedTotal: 1, sourceRefTotal: 2, signozRefTotal: 1 }),
    ]);
    const { nodes } = await events({ projectId: p }, 1);
    expect(c.summary.latestReceivedAt).toBe(nodes[0]!.receivedAt);
    expect(c.providers.find((x: Json) => x.provider === 'audit').latestReceivedAt).toBe(c.summary.latestReceivedAt);
  });

  it('counts only the latest `limit` events, of one provider when asked', async () => {
    const latest = (await coverage({ projectId: p, limit: 1 })).data.eventCoverage;
    expect(latest).toMatchObject({ limit: 1, summary: { sourceCount: 1, missingSourceEnvelopeTotal: 1, sourceRefTotal: 2 } });
    expect(latest.providers.map((x: Json) => x.provider)).toEqual(['audit']);

    const am = (await coverage({ projectId: p, provider: 'alertmanager', limit: 3 })).data.eventCoverage;
    // The two redeliveries and the second original: newest first.
    expect(am.summary).toMatchObject({ sourceCount: 3, duplicateTotal: 2, alertRefTotal: 3, sourceRefTotal: 6 });
    expect(am.providers).toEqual([provider({ provider: 'alertmanager', total: 3, duplicateTotal: 2, redactedTotal: 3, sourceRefTotal: 6, alertRefTotal: 3 })]);

    const none = (await coverage({ projectId: `${p}-none` })).data.eventCoverage;
    expect(none).toEqual({
      projectId: `${p}-none`,
      limit: 100,
      summary: expect.objectContaining({ sourceCount: 0, sourceRefTotal: 0, latestReceivedAt: null }),
      providers: [],
    });
  });

  it('all projects answer projectId "*"', async () => {
    const all = (await coverage({ limit: 200 })).data.eventCoverage;
    expect(all.projectId).toBe('*');
    expect(all.limit).toBe(200);
    expect(all.summary.sourceCount).toBeGreaterThanOrEqual(11);
    expect(all.summary.sourceCount).toBe(all.providers.reduce((n: number, x: Json) => n + x.total, 0));
  });

  it('limit outside 1–200 is BAD_USER_INPUT; signed-out callers are refused', async () => {
    for (const limit of [0, -1, 201]) {
      const res = await coverage({ projectId: p, limit });
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toBe('limit must be between 1 and 200');
    }
    const anonymous = await server.gql(COVERAGE, { projectId: p });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('classifies source refs in SQL exactly as sourceRefFacts does', async () => {
    const shapes: [string, Record<string, string> | null][] = [
      ['alertmanager', null],
      ['alertmanager', {}],
      ['alertmanager', { generatorURL: 'http://p', externalURL: 'http://a' }],
      ['alertmanager', { externalURL: 'http://a', signozRule: 'r1' }],
      ['signoz', { generatorURL: 'http://s' }],
      ['signoz', {}],
      ['signoz', { signozAlert: 'x' }],
      ['sentry', { sentryIssue: 'https://s/1', sentryShortId: 'A-1', sentryProject: 'https://s/p' }],
      ['sentry', { generatorURL: 'http://x', sentry: 'y' }],
      ['wazuh', { wazuhAlertId: '1', wazuhManager: 'm' }],
      ['audit', { Sentry: 'caps', generatorurl: 'lower' }],
    ];
    for (const [source, refs] of shapes) {
      const [row] = await sql<{ ref_count: number; sentry: boolean; signoz: boolean; alert: boolean }>(
        `select r.* from (select ?::text as source, ?::jsonb as source_refs) e cross join lateral (${REF_FACTS_SQL}) r`,
        [source, refs === null ? null : JSON.stringify(refs)],
      );
      const facts = sourceRefFacts(source, refs);
      expect({ source, refs, count: row!.ref_count, sentry: row!.sentry, signoz: row!.signoz, alert: row!.alert }).toEqual({ source, refs, ...facts });
    }
  });
});

describe('SQL statements', () => {
  /** One Alertmanager delivery of `n` firing alerts (each its own chamado) into a fresh project. */
  async function projectOf(n: number): Promise<string> {
    const project = unique('dossier-n');
    const { body } = withIds('alertmanager-firing');
    const template = body.alerts[0];
    body.alerts = Array.from({ length: n }, (_, i) => ({
      ...structuredClone(template),
      fingerprint: `${template.fingerprint}-${i}`,
      labels: { ...template.labels, instance: `${template.labels.instance}-${i}`, pod: `${template.labels.pod}-${i}` },
    }));
    expect(await deliver('alertmanager', project, body)).toHaveLength(n);
    return project;
  }

  it('events with every dossier field and eventCoverage cost the same for 5 and 30 events', async () => {
    const [small, large] = [await projectOf(5), await projectOf(30)];
    const list = `query DossierCount($filter: EventFilter) { events(filter: $filter, first: 50) { edges { node { ${DOSSIER_FIELDS} } } } }`;
    const a = await statementsOf(server, list, { filter: { projectId: small } });
    const b = await statementsOf(server, list, { filter: { projectId: large } });
    expect(a.data.events.edges).toHaveLength(5);
    expect(b.data.events.edges).toHaveLength(30);
    expect(b.data.events.edges.every((e: Json) => e.node.contentRedacted && e.node.channelChatId)).toBe(true);
    expect(b.statements).toBe(a.statements);

    const cov = `query CoverageCount($projectId: String) { eventCoverage(projectId: $projectId) { ${COVERAGE_FIELDS} } }`;
    const c = await statementsOf(server, cov, { projectId: small });
    const d = await statementsOf(server, cov, { projectId: large });
    expect(c.data.eventCoverage.summary.sourceCount).toBe(5);
    expect(d.data.eventCoverage.summary.sourceCount).toBe(30);
    expect(d.statements).toBe(c.statements);
    expect(d.statements).toBeLessThanOrEqual(2);
  });
});
