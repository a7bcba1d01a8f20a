import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { postWebhook, vendorFixture, waitFor } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';
import { statementsOf } from './helpers/sql-statements.ts';

/*
 * The recurrence read model (issue 9, spec 002 `/events/dossier/recurrence`) through GraphQL:
 * grouping across providers, counts under redeliveries and concurrent ingest, each lifecycle and
 * work item state, the histogram, the dossier's summary, bounds, and a constant number of SQL
 * statements. Every delivery goes to a project of its own (`?project_id=`), so the groups a test
 * reads are only its own (the database is shared with the other files).
 */

type Json = Record<string, any>;

const SECRETS = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets;
const HOUR = 3_600_000;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  for (const user of ['viewer', 'ops'] as const) await server.token(user);
});
afterAll(() => server?.close());

/** One alert's identity and state; unique fingerprint, instance and domain unless given. */
interface Alert {
  fingerprint: string;
  startsAt: string;
  status?: 'firing' | 'resolved';
  severity?: string;
  instance?: string;
  domain?: string;
  alertname?: string;
}

function alert(extra: Partial<Alert> = {}): Alert {
  const tag = unique('rg');
  return { fingerprint: `fp-${tag}`, startsAt: new Date().toISOString(), instance: `vm-${tag}`, domain: `${tag}.example.com`, ...extra };
}

/** An Alertmanager (or SigNoz) v4 body carrying one alert, built on the vendor fixture. */
function alertBody(a: Alert): Json {
  const body = vendorFixture(a.status === 'resolved' ? 'alertmanager-resolved' : 'alertmanager-firing');
  const template = body.alerts[0];
  const status = a.status ?? 'firing';
  body.status = status;
  body.alerts = [
    {
      ...template,
      status,
      fingerprint: a.fingerprint,
      startsAt: a.startsAt,
      endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      labels: {
        ...template.labels,
        alertname: a.alertname ?? 'KubePodCrashLooping',
        instance: a.instance,
        pod: `pod-${a.fingerprint}`,
        domain: a.domain,
        severity: a.severity ?? 'warning',
      },
    },
  ];
  return body;
}

/** A Wazuh alert of rule 5712 from `agent` (a fresh provider id each time: not a redelivery). */
function wazuhBody(agent: string): Json {
  const body = vendorFixture('wazuh-brute-force');
  body.id = unique('wz');
  body.agent.name = agent;
  return body;
}

/** Delivers to `/api/v1/webhooks/<source>?project_id=<project>`; must be accepted. */
async function deliver(source: 'alertmanager' | 'signoz' | 'wazuh', project: string, body: Json, on: TestServer = server): Promise<Json> {
  const res = await postWebhook(on, `${source}?project_id=${encodeURIComponent(project)}`, body, SECRETS[source]!);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body;
}

async function ask(query: string, variables: Json = {}, on: TestServer = server): Promise<Json> {
  const res = await on.gql(query, variables, { as: 'viewer' });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as Json;
}

async function gqlError(query: string, variables: Json = {}): Promise<{ message: string; code: unknown }> {
  const res = await server.gql(query, variables, { as: 'viewer' });
  expect(res.errors, JSON.stringify(res)).toBeDefined();
  return { message: res.errors![0]!.message, code: res.errors![0]!.extensions?.code };
}

const GROUP = `id workItemId projectId recurrenceKey ruleVersion basis why provider alertname ruleId fingerprint targetResource
  occurrenceTotal resolvedTotal duplicateTotal lifecycle lifecycleReason firstReceivedAt latestReceivedAt latestOccurrenceAt
  linkedRunTotal runStateCounts latestRun { runId execId status nivel runbookCode } runs { runId status }
  chamados { publicId } latestChamado { publicId } chamadoPublicIds latestAgent repairSummary
  workItem { id state reason title nextStep }`;

/** The project's groups (newest first), with every field. */
async function groupsOf(project: string, on: TestServer = server): Promise<Json[]> {
  const data = await ask(
    // `first` as a variable: the cost limit multiplies a literal one into the query's cost.
    `query RgList($f: RecurrenceGroupFilter, $n: Int) { recurrenceGroups(filter: $f, first: $n) { totalCount edges { node { ${GROUP} } } } }`,
    { f: { projectId: project }, n: 100 },
    on,
  );
  expect(data.recurrenceGroups.totalCount).toBe(data.recurrenceGroups.edges.length);
  return data.recurrenceGroups.edges.map((e: Json) => e.node);
}

async function onlyGroup(project: string, on: TestServer = server): Promise<Json> {
  const groups = await groupsOf(project, on);
  expect(groups, JSON.stringify(groups)).toHaveLength(1);
  return groups[0]!;
}

async function groupByFingerprint(project: string, fingerprint: string): Promise<Json> {
  const found = (await groupsOf(project)).filter((g) => g.fingerprint === fingerprint);
  expect(found, fingerprint).toHaveLength(1);
  return found[0]!;
}

/** Asks for a runbook run on a chamado (GraphQL executeRunbook as ops); `forceNivel` R1 keeps it waiting for approval. */
async function runRunbook(publicId: string, domain: string, forceNivel: 'R1' | null = null): Promise<Json> {
  const res = await server.gql(
    `mutation RgRun($publicId: String!, $params: JSON, $force: Nivel) {
      executeRunbook(publicId: $publicId, code: "dns_recheck", params: $params, forceNivel: $force) {
        __typename ... on RunbookExecution { execId runId status nivel } ... on Error { code message }
      }
    }`,
    { publicId, params: { domain }, force: forceNivel },
    { as: 'ops' },
  );
  expect(res.data?.executeRunbook?.__typename, JSON.stringify(res)).toBe('RunbookExecution');
  return res.data!.executeRunbook;
}

/** A critical alert (opens a chamado) in `project`; the group's chamado. */
async function openedGroup(project: string, a: Alert = alert()): Promise<{ a: Alert; chamado: string }> {
  const receipt = await deliver('alertmanager', project, alertBody({ ...a, severity: 'critical' }));
  const chamado = JSON.stringify(receipt).match(/CH-\d{4}-\d{5}/)?.[0];
  expect(chamado, JSON.stringify(receipt)).toBeDefined();
  return { a, chamado: chamado! };
}

const later = (a: Alert, minutes: number): Alert => ({ ...a, startsAt: new Date(Date.parse(a.startsAt) + minutes * 60_000).toISOString() });

describe('grouping', () => {
  it('a provider fingerprint makes the key per provider; Wazuh (no fingerprint) groups by a hash of rule and agent', async () => {
    const project = unique('p');
    const a = alert();
    await deliver('alertmanager', project, alertBody(a));
    await deliver('alertmanager', project, alertBody(later(a, 5)));
    // The same fingerprint from SigNoz: another provider, another group.
    await deliver('signoz', project, alertBody(later(a, 10)));
    const agent = `vm-${unique('wz')}`;
    await deliver('wazuh', project, wazuhBody(agent));
    await deliver('wazuh', project, wazuhBody(agent));
    await deliver('wazuh', project, wazuhBody(`${agent}-other`));

    const groups = await groupsOf(project);
    expect(groups).toHaveLength(4);
    for (const g of groups) expect(g).toMatchObject({ projectId: project, ruleVersion: 'rk1' });

    const am = groups.filter((g) => g.provider === 'alertmanager');
    expect(am).toHaveLength(1);
    expect(am[0]).toMatchObject({
      basis: 'fingerprint',
      why: { provider: 'alertmanager', fingerprint: a.fingerprint },
      fingerprint: a.fingerprint,
      occurrenceTotal: 2,
      duplicateTotal: 0,
      latestAgent: a.instance,
    });
    const sz = groups.filter((g) => g.provider === 'signoz');
    expect(sz).toHaveLength(1);
    expect(sz[0]).toMatchObject({ basis: 'fingerprint', why: { provider: 'signoz', fingerprint: a.fingerprint }, occurrenceTotal: 1 });
    expect(sz[0]!.recurrenceKey).not.toBe(am[0]!.recurrenceKey);

    const wz = groups.filter((g) => g.provider === 'wazuh').sort((x, y) => y.occurrenceTotal - x.occurrenceTotal);
    expect(wz).toHaveLength(2);
    expect(wz[0]).toMatchObject({
      basis: 'labels',
      why: { provider: 'wazuh', alertname: '5712', namespace: null, target_resource: agent },
      fingerprint: null,
      alertname: '5712',
      targetResource: agent,
      occurrenceTotal: 2,
      latestAgent: agent,
    });
    expect(wz[1]).toMatchObject({ basis: 'labels', why: { target_resource: `${agent}-other` }, occurrenceTotal: 1 });

    // Filters: provider, recurrence key, and the lookup by work item id.
    const bySource = await ask(`query RgP($f: RecurrenceGroupFilter) { recurrenceGroups(filter: $f) { totalCount } }`, {
      f: { projectId: project, provider: 'wazuh' },
    });
    expect(bySource.recurrenceGroups.totalCount).toBe(2);
    const byKey = await ask(`query RgK($f: RecurrenceGroupFilter) { recurrenceGroups(filter: $f) { edges { node { workItemId } } } }`, {
      f: { recurrenceKey: am[0]!.recurrenceKey, projectId: project },
    });
    expect(byKey.recurrenceGroups.edges).toEqual([{ node: { workItemId: am[0]!.workItemId } }]);
    const one = await ask(`query RgOne($id: String!) { recurrenceGroup(workItemId: $id) { recurrenceKey workItem { id } } }`, { id: am[0]!.workItemId });
    expect(one.recurrenceGroup).toEqual({ recurrenceKey: am[0]!.recurrenceKey, workItem: { id: am[0]!.workItemId } });
  });

  it('a redelivery counts as a duplicate only, and 20 concurrent firings of one fingerprint are 20 occurrences of one group', async () => {
    const project = unique('p');
    const a = alert();
    await deliver('alertmanager', project, alertBody(a));
    await deliver('alertmanager', project, alertBody(a)); // the same notification again: a duplicate
    expect(await onlyGroup(project)).toMatchObject({ occurrenceTotal: 1, duplicateTotal: 1, resolvedTotal: 0 });

    const burst = unique('p');
    const b = alert();
    await Promise.all(Array.from({ length: 20 }, (_, i) => deliver('alertmanager', burst, alertBody(later(b, i)))));
    const g = await onlyGroup(burst);
    expect(g).toMatchObject({ occurrenceTotal: 20, duplicateTotal: 0, fingerprint: b.fingerprint });

    // Its occurrences page newest received first, 20 in all, none twice.
    const seen: Json[] = [];
    let after: string | null = null;
    for (let pageNo = 0; pageNo < 5; pageNo++) {
      const data: Json = await ask(
        `query RgOcc($id: String!, $after: String) { recurrenceGroup(workItemId: $id) {
          occurrences(first: 7, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { eventId receivedAt isDuplicate fingerprint } } }
        } }`,
        { id: g.workItemId, after },
      );
      const conn = data.recurrenceGroup.occurrences;
      expect(conn.totalCount).toBe(20);
      seen.push(...conn.edges.map((e: Json) => e.node));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(20);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(20);
    for (const e of seen) expect(e).toMatchObject({ isDuplicate: false, fingerprint: b.fingerprint });
    const times = seen.map((e) => Date.parse(e.receivedAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));

    // The hourly histogram counts the same 20, each in the hour it was received.
    const hist = await ask(`query RgHist($id: String!) { recurrenceGroup(workItemId: $id) { occurrenceHistogram { start count } } }`, { id: g.workItemId });
    const buckets: Json[] = hist.recurrenceGroup.occurrenceHistogram;
    expect(buckets).toHaveLength(48);
    for (let i = 1; i < buckets.length; i++) expect(Date.parse(buckets[i]!.start) - Date.parse(buckets[i - 1]!.start)).toBe(HOUR);
    const expected = new Map<number, number>();
    for (const t of times) expected.set(Math.floor(t / HOUR) * HOUR, (expected.get(Math.floor(t / HOUR) * HOUR) ?? 0) + 1);
    for (const bucket of buckets) expect(bucket.count, bucket.start).toBe(expected.get(Date.parse(bucket.start)) ?? 0);
    expect(buckets.reduce((n, x) => n + x.count, 0)).toBe(20);
  });
});

describe('lifecycle', () => {
  const LIFE = `query RgLife($id: String!) { recurrenceGroup(workItemId: $id) { lifecycle lifecycleReason occurrenceTotal resolvedTotal workItem { state } } }`;
  const life = async (id: string, on: TestServer = server) => (await ask(LIFE, { id }, on)).recurrenceGroup as Json;

  it('new → ongoing → resolved → regressed (fires again after resolving); the lifecycle filter follows', async () => {
    const project = unique('p');
    const a = alert();
    await deliver('alertmanager', project, alertBody(a));
    const g = await onlyGroup(project);
    expect(g).toMatchObject({ lifecycle: 'new', lifecycleReason: 'first occurrence' });
    const second = later(a, 5);
    await deliver('alertmanager', project, alertBody(second));
    expect(await life(g.workItemId)).toMatchObject({ lifecycle: 'ongoing', occurrenceTotal: 2 });
    await deliver('alertmanager', project, alertBody({ ...second, status: 'resolved' }));
    expect(await life(g.workItemId)).toMatchObject({ lifecycle: 'resolved', occurrenceTotal: 2, resolvedTotal: 1 });
    await deliver('alertmanager', project, alertBody(later(a, 30)));
    expect(await life(g.workItemId)).toMatchObject({ lifecycle: 'regressed', lifecycleReason: 'fired again after it resolved', occurrenceTotal: 3 });

    const filtered = async (lifecycle: string[]) =>
      (await ask(`query RgLf($f: RecurrenceGroupFilter) { recurrenceGroups(filter: $f) { totalCount } }`, { f: { projectId: project, lifecycle } }))
        .recurrenceGroups.totalCount;
    expect(await filtered(['regressed'])).toBe(1);
    expect(await filtered(['ongoing', 'new', 'resolved'])).toBe(0);
  });

  it('escalating: the last hour above the trailing rate by the configured factor', async () => {
    const hot = await startTestServer({ RECURRENCE_ESCALATION_MIN: '3', RECURRENCE_ESCALATION_FACTOR: '2' });
    try {
      const project = unique('p');
      const a = alert();
      await deliver('alertmanager', project, alertBody(a), hot);
      await deliver('alertmanager', project, alertBody(later(a, 1)), hot);
      const g = await onlyGroup(project, hot);
      expect(g.lifecycle).toBe('ongoing'); // 2 in the last hour: below the minimum of 3
      await deliver('alertmanager', project, alertBody(later(a, 2)), hot);
      const now = await life(g.workItemId, hot);
      expect(now.lifecycle).toBe('escalating');
      expect(now.lifecycleReason).toMatch(/^3 occurrences in the last hour > 2 × trailing 7-day rate 0\.00\/h$/);
    } finally {
      await hot.close();
    }
  });

  it('regressed after a verified repair: a successful run, then it fires again', async () => {
    const project = unique('p');
    const { a, chamado } = await openedGroup(project);
    const g = await onlyGroup(project);
    expect(g).toMatchObject({ chamadoPublicIds: [chamado], latestChamado: { publicId: chamado }, linkedRunTotal: 0, repairSummary: null, latestRun: null });
    const run = await runRunbook(chamado, a.domain!);
    // The in-process worker runs the R0 noop runbook; wait for its outcome through the group.
    const repaired = await waitFor(
      'the group’s run succeeded',
      async () => (await ask(`query RgW($id: String!) { recurrenceGroup(workItemId: $id) { ${GROUP} } }`, { id: g.workItemId })).recurrenceGroup as Json,
      // Each of these fields is its own read, so one answer can straddle the worker's commit: wait
      // until both the run list and the group's repair summary have seen the outcome.
      (x) => x.latestRun?.status === 'sucesso' && x.repairSummary?.status === 'sucesso',
    );
    expect(repaired).toMatchObject({
      linkedRunTotal: 1,
      runStateCounts: { sucesso: 1 },
      latestRun: { runId: run.runId, nivel: 'R0', runbookCode: 'dns_recheck' },
      runs: [{ runId: run.runId, status: 'sucesso' }],
      repairSummary: { run_id: run.runId, runbook_code: 'dns_recheck', status: 'sucesso', nivel: 'R0', finished_at: expect.any(String) },
      workItem: { state: 'verified_repair', title: expect.stringContaining('Repair verified') },
    });
    expect(repaired.workItem.nextStep).toBe(`Watch: the repair held since ${repaired.repairSummary.finished_at} (run ${run.runId} (dns_recheck, R0))`);

    await deliver('alertmanager', project, alertBody({ ...later(a, 10), severity: 'critical' }));
    const after = await life(g.workItemId);
    expect(after.lifecycle).toBe('regressed');
    expect(after.lifecycleReason).toMatch(/^fired again after a run verified the repair/);
    expect(after.workItem.state).toBe('open');
  });
});

describe('work items and the dossier', () => {
  it('each work item state, and the dossier summary over them', async () => {
    const project = unique('p');
    // open: one occurrence, plus a redelivery (a duplicate).
    const openA = alert();
    await deliver('alertmanager', project, alertBody(openA));
    await deliver('alertmanager', project, alertBody(openA));
    // automation_gap: three occurrences, no run.
    const gap = alert();
    for (const minutes of [0, 1, 2]) await deliver('alertmanager', project, alertBody(later(gap, minutes)));
    // verified_repair: an R0 run that succeeded.
    const verified = await openedGroup(project);
    const okRun = await runRunbook(verified.chamado, verified.a.domain!);
    // failed_repair: a run whose outcome is set to falha directly in the database (setup: the
    // demo catalog's runbooks cannot fail on demand, and a job of this shared queue may be taken
    // by any test file's worker). Forced to R1, it never reaches the queue.
    const failed = await openedGroup(project);
    const badRun = await runRunbook(failed.chamado, failed.a.domain!, 'R1');
    await server.orm.em.fork().getConnection().execute(`update runbook_executions set status = 'falha', finished_at = now() where id = ?`, [badRun.execId]);
    // manual_gate: an R1 run waiting for its approval.
    const gated = await openedGroup(project);
    const pendingRun = await runRunbook(gated.chamado, gated.a.domain!, 'R1');
    expect(pendingRun.status).toBe('pendente_aprovacao');

    await waitFor(
      'the R0 run succeeded',
      async () => (await ask(`query RgX($id: Int!) { execution(execId: $id) { status } }`, { id: okRun.execId })).execution.status,
      (s) => s === 'sucesso',
    );

    const DOSSIER = `query RgDossier($p: String, $limit: Int) { recurrenceDossier(projectId: $p, limit: $limit) {
      projectId limit
      summary { sourceEventTotal recurrenceGroupTotal recurrentGroupTotal duplicateEventTotal linkedRunTotal unlinkedEventTotal
        autoRepairLinkedTotal verifiedRepairGroupTotal openWorkItemGroupTotal manualGateGroupTotal automationGapGroupTotal
        failedRepairGroupTotal latestReceivedAt }
      items { ${GROUP} }
    } }`;
    const { recurrenceDossier: dossier } = await ask(DOSSIER, { p: project });
    expect(dossier.projectId).toBe(project);
    expect(dossier.limit).toBe(100);
    const state = (fp: string) => dossier.items.find((g: Json) => g.fingerprint === fp);
    expect(dossier.items).toHaveLength(5);
    expect(state(openA.fingerprint)).toMatchObject({ workItem: { state: 'open', reason: 'no runbook has run on it yet' }, duplicateTotal: 1 });
    expect(state(openA.fingerprint).workItem.nextStep).toMatch(/^Investigate: once so far, last at \d{4}-/);
    expect(state(gap.fingerprint)).toMatchObject({
      occurrenceTotal: 3,
      workItem: { state: 'automation_gap', nextStep: 'Write or link a runbook: it recurred 3 times with none', reason: 'recurred 3 times with no runbook run' },
    });
    expect(state(verified.a.fingerprint)).toMatchObject({ workItem: { state: 'verified_repair' }, linkedRunTotal: 1, runStateCounts: { sucesso: 1 } });
    expect(state(failed.a.fingerprint)).toMatchObject({
      workItem: { state: 'failed_repair', reason: 'the latest linked run ended in falha' },
      repairSummary: { run_id: badRun.runId, status: 'falha', nivel: 'R1' },
    });
    expect(state(failed.a.fingerprint).workItem.nextStep).toContain(`Review the failed run ${badRun.runId}`);
    expect(state(gated.a.fingerprint)).toMatchObject({
      workItem: { state: 'manual_gate', nextStep: `Decide the pending approval of run ${pendingRun.runId} (dns_recheck, R1), or hand off` },
      latestRun: { runId: pendingRun.runId, status: 'pendente_aprovacao' },
    });
    for (const g of dossier.items) expect(g.workItem.id).toBe(g.workItemId);

    const newest = Math.max(...dossier.items.map((g: Json) => Date.parse(g.latestReceivedAt)));
    expect(dossier.summary).toEqual({
      sourceEventTotal: 2 + 3 + 1 + 1 + 1,
      recurrenceGroupTotal: 5,
      recurrentGroupTotal: 1,
      duplicateEventTotal: 1,
      linkedRunTotal: 3,
      unlinkedEventTotal: 1 + 3,
      autoRepairLinkedTotal: 1,
      verifiedRepairGroupTotal: 1,
      openWorkItemGroupTotal: 1,
      manualGateGroupTotal: 1,
      automationGapGroupTotal: 1,
      failedRepairGroupTotal: 1,
      latestReceivedAt: new Date(newest).toISOString(),
    });

    // limit takes the latest groups only, and the summary covers just those.
    const two = (await ask(DOSSIER, { p: project, limit: 2 })).recurrenceDossier;
    expect(two.items.map((g: Json) => g.workItemId)).toEqual(dossier.items.slice(0, 2).map((g: Json) => g.workItemId));
    expect(two.summary.recurrenceGroupTotal).toBe(2);
    // No project: every project's groups, said as `*`.
    expect((await ask(`query RgAll { recurrenceDossier(limit: 1) { projectId limit } }`)).recurrenceDossier).toEqual({ projectId: '*', limit: 1 });
  });
});

describe('paging, histogram ranges and bounds', () => {
  it('recurrenceGroups pages newest latestReceivedAt first with a stable total', async () => {
    const project = unique('p');
    for (let i = 0; i < 5; i++) await deliver('alertmanager', project, alertBody(alert()));
    const all = await groupsOf(project);
    expect(all).toHaveLength(5);
    const received = all.map((g) => Date.parse(g.latestReceivedAt));
    expect(received).toEqual([...received].sort((x, y) => y - x));
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: Json = await ask(
        `query RgPage($f: RecurrenceGroupFilter, $after: String) { recurrenceGroups(filter: $f, first: 2, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { workItemId } } } }`,
        { f: { projectId: project }, after },
      );
      expect(data.recurrenceGroups.totalCount).toBe(5);
      ids.push(...data.recurrenceGroups.edges.map((e: Json) => e.node.workItemId));
      if (!data.recurrenceGroups.pageInfo.hasNextPage) break;
      after = data.recurrenceGroups.pageInfo.endCursor;
    }
    expect(ids).toEqual(all.map((g) => g.workItemId));
  });

  it('histogram: DAY buckets, an explicit range, and its bounds', async () => {
    const project = unique('p');
    await deliver('alertmanager', project, alertBody(alert()));
    const g = await onlyGroup(project);
    const HIST = `query RgH($id: String!, $b: HistogramBucket!, $from: DateTime, $to: DateTime) {
      recurrenceGroup(workItemId: $id) { occurrenceHistogram(bucket: $b, from: $from, to: $to) { start count } } }`;
    const received = Date.parse(g.latestReceivedAt);

    const days = (await ask(HIST, { id: g.workItemId, b: 'DAY' })).recurrenceGroup.occurrenceHistogram as Json[];
    expect(days).toHaveLength(30);
    for (const d of days) expect(d.start).toMatch(/T00:00:00\.000Z$/);
    expect(days.at(-1)).toEqual({ start: new Date(Math.floor(received / 86_400_000) * 86_400_000).toISOString(), count: 1 });
    expect(days.reduce((n, d) => n + d.count, 0)).toBe(1);

    // From 3 hours before it (floored to the hour) up to just after it: 4 buckets, the last holds it.
    const hourOf = Math.floor(received / HOUR) * HOUR;
    const hours = (await ask(HIST, { id: g.workItemId, b: 'HOUR', from: new Date(received - 3 * HOUR).toISOString(), to: new Date(received + 1).toISOString() }))
      .recurrenceGroup.occurrenceHistogram as Json[];
    expect(hours).toEqual([3, 2, 1, 0].map((k) => ({ start: new Date(hourOf - k * HOUR).toISOString(), count: k === 0 ? 1 : 0 })));

    const tooMany = await gqlError(HIST, { id: g.workItemId, b: 'HOUR', from: new Date(received - 745 * HOUR).toISOString(), to: new Date(received).toISOString() });
    expect(tooMany).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('at most 744 HOUR buckets') });
    const backwards = await gqlError(HIST, { id: g.workItemId, b: 'DAY', from: new Date(received).toISOString(), to: new Date(received - HOUR).toISOString() });
    expect(backwards).toMatchObject({ code: 'BAD_USER_INPUT', message: 'from must be before to' });
  });

  it('limits out of range are BAD_USER_INPUT; an unknown or malformed work item id is null; a bad cursor is refused', async () => {
    for (const limit of [0, 301]) {
      expect(await gqlError(`query RgL($l: Int) { recurrenceDossier(limit: $l) { limit } }`, { l: limit })).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    for (const first of [0, 101]) {
      expect(await gqlError(`query RgF($n: Int) { recurrenceGroups(first: $n) { totalCount } }`, { n: first })).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    expect(await gqlError(`query RgC { recurrenceGroups(after: "bm9wZQ") { totalCount } }`)).toMatchObject({ code: 'BAD_USER_INPUT' });
    const max = await ask(`query RgM($n: Int) { recurrenceGroups(first: $n, filter: { projectId: "nobody-here" }) { totalCount edges { cursor } } }`, { n: 100 });
    expect(max.recurrenceGroups).toEqual({ totalCount: 0, edges: [] });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await ask(`query RgU($id: String!) { recurrenceGroup(workItemId: $id) { id } }`, { id })).recurrenceGroup).toBeNull();
    }
    const anonymous = await server.gql(`query RgAnon { recurrenceDossier { limit } }`);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('constant SQL', () => {
  /** `size` groups: one with a chamado and a waiting run, the rest with two occurrences each. */
  async function projectOf(size: number): Promise<string> {
    const project = unique('p');
    const opened = await openedGroup(project);
    await runRunbook(opened.chamado, opened.a.domain!, 'R1');
    await Promise.all(
      Array.from({ length: size - 1 }, async () => {
        const a = alert();
        await deliver('alertmanager', project, alertBody(a));
        await deliver('alertmanager', project, alertBody(later(a, 1)));
      }),
    );
    return project;
  }

  const NESTED = `${GROUP} latestEvent { eventId } occurrences(first: $occ) { totalCount edges { node { eventId chamado { publicId } } } }
    occurrenceHistogram(bucket: DAY) { start count } runs { runId chamado { publicId } }`;

  it('recurrenceDossier and recurrenceGroups with every nested field cost the same for 3 and 30 groups', async () => {
    const [small, large] = [await projectOf(3), await projectOf(30)];
    const dossier = `query RgSqlD($p: String, $occ: Int) { recurrenceDossier(projectId: $p, limit: 300) { summary { recurrenceGroupTotal linkedRunTotal } items { ${NESTED} } } }`;
    const list = `query RgSqlL($f: RecurrenceGroupFilter, $n: Int, $occ: Int) { recurrenceGroups(filter: $f, first: $n) { totalCount edges { cursor node { ${NESTED} } } } }`;

    const d3 = await statementsOf(server, dossier, { p: small, occ: 5 });
    const d30 = await statementsOf(server, dossier, { p: large, occ: 5 });
    expect(d3.data.recurrenceDossier.summary).toEqual({ recurrenceGroupTotal: 3, linkedRunTotal: 1 });
    expect(d30.data.recurrenceDossier.summary).toEqual({ recurrenceGroupTotal: 30, linkedRunTotal: 1 });
    expect(d30.data.recurrenceDossier.items.filter((g: Json) => g.occurrences.totalCount === 2)).toHaveLength(29);
    expect(d30.statements).toBe(d3.statements);

    const l3 = await statementsOf(server, list, { f: { projectId: small }, n: 100, occ: 5 });
    const l30 = await statementsOf(server, list, { f: { projectId: large }, n: 100, occ: 5 });
    expect(l30.data.recurrenceGroups.totalCount).toBe(30);
    expect(l30.statements).toBe(l3.statements);
  });
});
