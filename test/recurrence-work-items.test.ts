import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { postWebhook, waitFor } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';
import { sideEffectCounts } from './helpers/side-effects.ts';

/*
 * Recurrence work items (spec 002 preview / dry-run / hand-off, issue 9): the plan and its
 * guarantees, the no-side-effects proof, ticket proposals and their acceptance, silences, the
 * opening threshold and automation-gap suggestions. Every test posts to its own project
 * (`?project_id=`) with unique fingerprints, alert names and instances: the database is shared.
 */

let server: TestServer;
let twoToOpen: TestServer;
beforeAll(async () => {
  [server, twoToOpen] = await Promise.all([startTestServer(), startTestServer({ RECURRENCE_OPEN_THRESHOLD: '2' })]);
  for (const user of ['admin', 'lead', 'ops', 'viewer'] as const) await server.token(user);
});
afterAll(async () => {
  await Promise.all([server?.close(), twoToOpen?.close()]);
});

type Json = Record<string, any>;
const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.alertmanager!;

/** One alert identity: one recurrence group (keyed on its fingerprint) in one project. */
interface Alert {
  project: string;
  fingerprint: string;
  alertname: string;
  namespace: string;
  pod: string;
  instance: string;
}

function alert(project: string, alertname = `Rec${unique('a').slice(-8)}`): Alert {
  const tag = unique('wi');
  return { project, fingerprint: `fp-${tag}`, alertname, namespace: 'mail', pod: `web-${tag}`, instance: `vm-${tag}` };
}

let firing = 0;
/** Delivers one occurrence (a new firing, so never a duplicate); returns its receipt. */
async function fire(a: Alert, severity = 'critical', status: 'firing' | 'resolved' = 'firing', on: TestServer = server): Promise<Json> {
  firing += 1;
  const startsAt = new Date(Date.UTC(2026, 5, 16, 9, 0, 0) + firing * 1000).toISOString();
  const body = {
    receiver: 'opsgraph',
    status,
    version: '4',
    externalURL: 'http://alertmanager.test:9093',
    alerts: [
      {
        status,
        fingerprint: a.fingerprint,
        startsAt,
        endsAt: status === 'resolved' ? new Date(Date.parse(startsAt) + 60_000).toISOString() : '0001-01-01T00:00:00Z',
        labels: { alertname: a.alertname, namespace: a.namespace, pod: a.pod, instance: a.instance, severity },
        annotations: { summary: `${a.alertname} ${status}` },
      },
    ],
  };
  const res = await postWebhook(on, `alertmanager?project_id=${encodeURIComponent(a.project)}`, body, SECRET);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.events[0];
}

async function sql<T = Json>(text: string, params: unknown[] = []): Promise<T[]> {
  return server.orm.em.fork().getConnection().execute<T[]>(text, params);
}

/** The work item id (the group's public id) of an alert's group. */
async function workItemOf(a: Alert): Promise<{ workItemId: string; recurrenceKey: string; id: number }> {
  const [row] = await sql<{ uuid: string; recurrence_key: string; id: number }>(
    'select uuid, recurrence_key, id from recurrence_groups where project_id = ? and fingerprint = ?',
    [a.project, a.fingerprint],
  );
  expect(row, `group of ${a.fingerprint}`).toBeTruthy();
  return { workItemId: row!.uuid, recurrenceKey: row!.recurrence_key, id: row!.id };
}

async function ok(query: string, variables: Json, as: TestUser = 'ops', on: TestServer = server): Promise<Json> {
  const res = await on.gql(query, variables, { as });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as Json;
}

const PLAN = `workItemId projectId mode effectiveMode state reason title nextStep ready
  preflightChecks { name status detail }
  guarantees { readOnly writes unchanged }
  group { workItemId projectId alertname workItem { state title nextStep } }
  suggestedRunbooks { runbook { code nivel } runCount successCount reason }`;
const ENTRY = `id entryId kind mode handoffKind status workItemState actor { username } chamado { publicId } data createdAt`;

const PREVIEW = `query Preview($id: String!, $projectId: String, $provider: String, $mode: WorkItemMode) {
  recurrenceWorkItemPreview(workItemId: $id, projectId: $projectId, provider: $provider, mode: $mode) { ${PLAN} }
}`;
const DRY_RUN = `mutation DryRun($input: DryRunRecurrenceWorkItemInput!) {
  dryRunRecurrenceWorkItem(input: $input) {
    __typename
    ... on RecurrenceWorkItemActionPayload { entry { ${ENTRY} } plan { ${PLAN} } }
    ... on NotFoundError { resource key }
    ... on Error { code message }
  }
}`;
const HAND_OFF = `mutation HandOff($input: HandOffRecurrenceWorkItemInput!) {
  handOffRecurrenceWorkItem(input: $input) {
    __typename
    ... on RecurrenceWorkItemActionPayload { entry { ${ENTRY} } plan { ${PLAN} } }
    ... on Error { code message }
  }
}`;
const ACCEPT = `mutation Accept($id: String!) {
  acceptRecurrenceTicketProposal(proposalId: $id) {
    __typename
    ... on AcceptRecurrenceTicketProposalPayload {
      entry { ${ENTRY} }
      chamado { publicId projectId origin title eventCount timeline { kind eventId actor { username } } }
      attachedEventCount linked
    }
    ... on ProposalClosedError { status }
    ... on Error { code message }
  }
}`;
const GROUP = `workItemId lifecycle silence { until reason active by { username } }
  openingThreshold { occurrences windowMinutes configured }
  workItemHistory { ${ENTRY} }`;
const SILENCE = `mutation Silence($id: String!, $until: DateTime!, $reason: String!) {
  silenceRecurrenceGroup(workItemId: $id, until: $until, reason: $reason) {
    __typename
    ... on RecurrenceGroup { ${GROUP} }
    ... on ValidationError { issues { path message } }
    ... on Error { code message }
  }
}`;
const UNSILENCE = `mutation Unsilence($id: String!) {
  unsilenceRecurrenceGroup(workItemId: $id) { __typename ... on RecurrenceGroup { ${GROUP} } ... on Error { code message } }
}`;
const THRESHOLD = `mutation Threshold($id: String!, $n: Int, $w: Int) {
  setRecurrenceOpeningThreshold(workItemId: $id, occurrences: $n, windowMinutes: $w) {
    __typename
    ... on RecurrenceGroup { ${GROUP} }
    ... on ValidationError { issues { path message } }
    ... on Error { code message }
  }
}`;

async function preview(variables: Json, as: TestUser = 'viewer'): Promise<Json> {
  return (await ok(PREVIEW, variables, as)).recurrenceWorkItemPreview;
}

async function handOff(workItemId: string, handoffKind = 'ticket_proposal', as: TestUser = 'ops'): Promise<Json> {
  const result = (await ok(HAND_OFF, { input: { workItemId, handoffKind } }, as)).handOffRecurrenceWorkItem;
  expect(result.__typename, JSON.stringify(result)).toBe('RecurrenceWorkItemActionPayload');
  return result.entry;
}

async function accept(proposalId: string, as: TestUser = 'ops'): Promise<Json> {
  return (await ok(ACCEPT, { id: proposalId }, as)).acceptRecurrenceTicketProposal;
}

async function group(workItemId: string): Promise<Json> {
  const data = await ok(`query G($id: String!) { recurrenceGroup(workItemId: $id) { ${GROUP} } }`, { id: workItemId }, 'viewer');
  return data.recurrenceGroup;
}

const UNCHANGED = ['chamados', 'approvals', 'runbook_executions', 'timeline_entries', 'outbound_deliveries'];
const CHECK_NAMES = ['recurring_last_24h', 'silence', 'open_chamado', 'latest_run', 'approval_pending', 'runbook_level', 'ticket_proposal'];

describe('recurrenceWorkItemPreview', () => {
  it('answers the next step, the pre-flight checks and an explicit read-only guarantee', async () => {
    const a = alert(unique('p'));
    const opened = await fire(a);
    expect(opened.correlation.decision).toBe('opened');
    const { workItemId } = await workItemOf(a);

    const plan = await preview({ id: workItemId, projectId: a.project, provider: 'alertmanager' });
    expect(plan).toMatchObject({
      workItemId,
      projectId: a.project,
      mode: 'auto',
      // An open item whose group has an open chamado: a runbook can run on it.
      effectiveMode: 'repair',
      state: 'open',
      reason: 'no runbook has run on it yet',
      title: expect.stringContaining(a.alertname),
      ready: true,
      guarantees: { readOnly: true, writes: [], unchanged: UNCHANGED },
      group: { workItemId, projectId: a.project, alertname: a.alertname, workItem: expect.any(Object) },
      suggestedRunbooks: [],
    });
    // For `auto`, the same words as the group's work item.
    expect(plan.group.workItem).toEqual({ state: 'open', title: plan.title, nextStep: plan.nextStep });
    expect(plan.preflightChecks.map((c: Json) => c.name)).toEqual(CHECK_NAMES);
    const check = Object.fromEntries(plan.preflightChecks.map((c: Json) => [c.name, c]));
    expect(check.recurring_last_24h.status).toBe('PASS');
    expect(check.silence).toEqual({ name: 'silence', status: 'PASS', detail: 'not silenced' });
    expect(check.open_chamado).toMatchObject({ status: 'PASS', detail: expect.stringContaining(`${opened.chamado_public_id} (novo) is open`) });
    expect(check.latest_run).toEqual({ name: 'latest_run', status: 'WARN', detail: 'no runbook has run on this group yet' });
    expect(check.approval_pending.status).toBe('PASS');
    expect(check.ticket_proposal.status).toBe('PASS');

    // A mode changes the step and what blocks it; a ticket needs no chamado, a repair does.
    const ticket = await preview({ id: workItemId, mode: 'ticket' });
    expect(ticket).toMatchObject({ mode: 'ticket', effectiveMode: 'ticket', nextStep: expect.stringContaining(`puts the group's events on ${opened.chamado_public_id}`) });
  });

  it('a repair without an open chamado fails its pre-flight check (the plan is not ready)', async () => {
    const a = alert(unique('p'));
    await fire(a, 'warning');
    const { workItemId } = await workItemOf(a);
    const plan = await preview({ id: workItemId, mode: 'repair' });
    expect(plan.ready).toBe(false);
    expect(plan.preflightChecks.find((c: Json) => c.name === 'open_chamado')).toMatchObject({ status: 'FAIL' });
    expect((await preview({ id: workItemId })).effectiveMode).toBe('ticket');
  });

  it('unknown work item, or one outside the project or provider asked for → NOT_FOUND with the reference’s reason', async () => {
    const a = alert(unique('p'));
    await fire(a, 'warning');
    const { workItemId } = await workItemOf(a);
    const cases: Json[] = [
      { id: '00000000-0000-4000-8000-000000000000' },
      { id: 'not-a-uuid' },
      { id: workItemId, projectId: unique('other') },
      { id: workItemId, provider: 'sentry' },
    ];
    for (const variables of cases) {
      const res = await server.gql(PREVIEW, variables, { as: 'viewer' });
      expect(res.data?.recurrenceWorkItemPreview ?? null, JSON.stringify(variables)).toBeNull();
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'recurrence_work_item_not_found' });
    }
    const dry = (await ok(DRY_RUN, { input: { workItemId, projectId: unique('other') } })).dryRunRecurrenceWorkItem;
    expect(dry).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', resource: 'recurrence_work_item', key: workItemId });
  });

  it('needs a signed-in user; dry-run and hand-off need role ops (viewer → FORBIDDEN)', async () => {
    const a = alert(unique('p'));
    await fire(a, 'warning');
    const { workItemId } = await workItemOf(a);
    const anonymous = await server.gql(PREVIEW, { id: workItemId });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const dry = await server.gql(DRY_RUN, { input: { workItemId } }, { as: 'viewer' });
    expect(dry.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const hand = await server.gql(HAND_OFF, { input: { workItemId } }, { as: 'viewer' });
    expect(hand.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await sideEffectCounts(server, a.project)).work_item_entries).toBe(0);
  });
});

describe('no side effects', () => {
  it('preview, dry-run and hand-off leave chamados, approvals, executions, timelines and outbound deliveries as they were', async () => {
    const a = alert(unique('p'));
    await fire(a); // opens a chamado, so there is something that could be touched
    await fire(a, 'warning'); // joins it
    const { workItemId } = await workItemOf(a);
    const before = await sideEffectCounts(server, a.project);
    expect(before).toMatchObject({ chamados: 1, timeline_entries: 2, work_item_entries: 0 });

    await preview({ id: workItemId });
    await preview({ id: workItemId, mode: 'repair' });
    expect(await sideEffectCounts(server, a.project)).toEqual(before);

    const dry = (await ok(DRY_RUN, { input: { workItemId, projectId: a.project, provider: 'alertmanager', mode: 'repair' } })).dryRunRecurrenceWorkItem;
    expect(dry.__typename).toBe('RecurrenceWorkItemActionPayload');
    expect(dry.plan.guarantees).toEqual({ readOnly: false, writes: ['recurrence_work_item_entries', 'recurrence_groups.change_seq'], unchanged: UNCHANGED });
    expect(dry.entry).toMatchObject({
      kind: 'dry_run',
      mode: 'repair',
      handoffKind: null,
      status: null,
      workItemState: 'open',
      actor: { username: 'ops' },
      chamado: null,
      data: { plan: { state: 'open', effectiveMode: 'repair', preflightChecks: dry.plan.preflightChecks } },
    });
    const afterDry = await sideEffectCounts(server, a.project);
    expect(afterDry).toEqual({ ...before, work_item_entries: 1 });

    const proposal = await handOff(workItemId);
    expect(proposal).toMatchObject({ kind: 'handoff', handoffKind: 'ticket_proposal', status: 'proposed', mode: 'auto', chamado: null });
    const takeover = await handOff(workItemId, 'manual_takeover');
    expect(takeover).toMatchObject({ kind: 'handoff', handoffKind: 'manual_takeover', status: null });
    expect(await sideEffectCounts(server, a.project)).toEqual({ ...before, work_item_entries: 3 });

    // The history, newest first; a pending proposal shows up in the next plan.
    const g = await group(workItemId);
    expect(g.workItemHistory.map((e: Json) => e.entryId)).toEqual([takeover.entryId, proposal.entryId, dry.entry.entryId]);
    const after = await preview({ id: workItemId, mode: 'ticket' });
    expect(after.preflightChecks.find((c: Json) => c.name === 'ticket_proposal')).toMatchObject({
      status: 'WARN',
      detail: expect.stringContaining(proposal.entryId),
    });
    expect(after.nextStep).toBe(`Accept ticket proposal ${proposal.entryId}`);
  });
});

describe('acceptRecurrenceTicketProposal', () => {
  it('opens a chamado with the group’s events attached; a second accept is a typed error', async () => {
    const a = alert(unique('p'));
    const receipts = [await fire(a, 'warning'), await fire(a, 'warning'), await fire(a, 'warning')];
    expect(receipts.every((r) => r.chamado_public_id === null)).toBe(true);
    const { workItemId, recurrenceKey } = await workItemOf(a);
    const proposal = await handOff(workItemId);

    const accepted = await accept(proposal.entryId);
    expect(accepted).toMatchObject({
      __typename: 'AcceptRecurrenceTicketProposalPayload',
      linked: false,
      attachedEventCount: 3,
      entry: { kind: 'accepted', handoffKind: 'ticket_proposal', actor: { username: 'ops' }, workItemState: 'automation_gap' },
      chamado: { projectId: a.project, origin: 'alertmanager', title: `[recurrence] ${a.alertname} mail/${a.pod}`, eventCount: 3 },
    });
    const chamado = accepted.chamado;
    expect(accepted.entry.chamado.publicId).toBe(chamado.publicId);
    expect(accepted.entry.data).toMatchObject({ proposalId: proposal.entryId, linked: false, attachedEventCount: 3, capped: null });
    expect(chamado.timeline[0]).toMatchObject({ kind: 'created', actor: { username: 'ops' } });
    const attached = chamado.timeline.filter((t: Json) => t.kind === 'event').map((t: Json) => t.eventId).sort();
    expect(attached).toEqual(receipts.map((r) => r.event_id).sort());

    const again = await accept(proposal.entryId);
    expect(again).toMatchObject({ __typename: 'ProposalClosedError', code: 'PROPOSAL_CLOSED', status: 'accepted' });
    const history = (await group(workItemId)).workItemHistory;
    expect(history.find((e: Json) => e.entryId === proposal.entryId).status).toBe('accepted');

    // The group's next occurrence joins the chamado the proposal opened (same recurrence key).
    expect((await fire(a, 'warning')).chamado_public_id).toBe(chamado.publicId);
    const [n] = await sql<{ n: number }>('select count(*)::int as n from chamados where fingerprint = ?', [recurrenceKey]);
    expect(n!.n).toBe(1);
  });

  it('links to the group’s open chamado and attaches only the events not on it yet', async () => {
    const a = alert(unique('p'));
    const stored = [await fire(a, 'warning'), await fire(a, 'warning')];
    const opened = await fire(a); // critical: opens a chamado with this event only
    expect(opened.correlation.decision).toBe('opened');
    const { workItemId } = await workItemOf(a);
    const accepted = await accept((await handOff(workItemId)).entryId);
    expect(accepted).toMatchObject({ linked: true, attachedEventCount: 2, chamado: { publicId: opened.chamado_public_id, eventCount: 3 } });
    const attached = accepted.chamado.timeline.filter((t: Json) => t.kind === 'event').map((t: Json) => t.eventId).sort();
    expect(attached).toEqual([...stored, opened].map((r) => r.event_id).sort());
  });

  it('concurrent accepts of one proposal make one chamado; so do two proposals accepted at once', async () => {
    const a = alert(unique('p'));
    await fire(a, 'warning');
    await fire(a, 'warning');
    const { workItemId, recurrenceKey } = await workItemOf(a);
    const proposal = await handOff(workItemId);
    const results = await Promise.all(Array.from({ length: 5 }, () => accept(proposal.entryId)));
    expect(results.filter((r) => r.__typename === 'AcceptRecurrenceTicketProposalPayload')).toHaveLength(1);
    expect(results.filter((r) => r.__typename === 'ProposalClosedError')).toHaveLength(4);

    const b = alert(unique('p'));
    await fire(b, 'warning');
    const other = await workItemOf(b);
    const [p1, p2] = [await handOff(other.workItemId), await handOff(other.workItemId)];
    const both = await Promise.all([accept(p1.entryId), accept(p2.entryId)]);
    expect(both.map((r) => r.__typename)).toEqual(['AcceptRecurrenceTicketProposalPayload', 'AcceptRecurrenceTicketProposalPayload']);
    expect(both[0].chamado.publicId).toBe(both[1].chamado.publicId);
    expect(both.map((r) => r.linked).sort()).toEqual([false, true]);

    const counts = await sql<{ key: string; n: number }>(
      'select fingerprint as key, count(*)::int as n from chamados where fingerprint in (?, ?) group by fingerprint',
      [recurrenceKey, other.recurrenceKey],
    );
    expect(counts.map((c) => c.n)).toEqual([1, 1]);
  });

  it('unknown or non-proposal ids → NotFoundError; viewers may not accept', async () => {
    const a = alert(unique('p'));
    await fire(a, 'warning');
    const { workItemId } = await workItemOf(a);
    const takeover = await handOff(workItemId, 'manual_takeover');
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', takeover.entryId]) {
      expect(await accept(id)).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    }
    const proposal = await handOff(workItemId);
    const res = await server.gql(ACCEPT, { id: proposal.entryId }, { as: 'viewer' });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('silences', () => {
  it('validates until (future, ≤ 30 days) and reason (3–500 characters)', async () => {
    const a = alert(unique('p'));
    await fire(a, 'warning');
    const { workItemId } = await workItemOf(a);
    const hour = new Date(Date.now() + 3_600_000).toISOString();
    const cases: [string, string, string][] = [
      [new Date(Date.now() - 60_000).toISOString(), 'maintenance', 'until'],
      [new Date(Date.now() + 31 * 86_400_000).toISOString(), 'maintenance', 'until'],
      [hour, '  a ', 'reason'],
      [hour, 'x'.repeat(501), 'reason'],
    ];
    for (const [until, reason, path] of cases) {
      const res = (await ok(SILENCE, { id: workItemId, until, reason })).silenceRecurrenceGroup;
      expect(res, `${until} ${reason.length}`).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
      expect(res.issues.map((i: Json) => i.path)).toEqual([path]);
    }
    const unknown = (await ok(SILENCE, { id: '00000000-0000-4000-8000-000000000000', until: hour, reason: 'maintenance' })).silenceRecurrenceGroup;
    expect(unknown.__typename).toBe('NotFoundError');
    const viewer = await server.gql(SILENCE, { id: workItemId, until: hour, reason: 'maintenance' }, { as: 'viewer' });
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await group(workItemId)).silence).toBeNull();
  });

  it('while silenced a critical alert opens nothing (held_by silence) and the lifecycle says silenced; unsilence restores', async () => {
    const a = alert(unique('p'));
    await fire(a, 'warning');
    const { workItemId } = await workItemOf(a);
    const until = new Date(Date.now() + 2 * 3_600_000);
    const silenced = (await ok(SILENCE, { id: workItemId, until: until.toISOString(), reason: ' planned maintenance ' })).silenceRecurrenceGroup;
    expect(silenced).toMatchObject({
      __typename: 'RecurrenceGroup',
      lifecycle: 'silenced',
      silence: { until: until.toISOString(), reason: 'planned maintenance', active: true, by: { username: 'ops' } },
    });
    expect(silenced.workItemHistory[0]).toMatchObject({ kind: 'silenced', data: { until: until.toISOString(), reason: 'planned maintenance' } });
    expect((await preview({ id: workItemId })).preflightChecks.find((c: Json) => c.name === 'silence').status).toBe('WARN');

    const held = await fire(a);
    expect(held.chamado_public_id).toBeNull();
    expect(held.correlation).toMatchObject({ decision: 'stored', held_by: 'silence', reason: expect.stringContaining('planned maintenance') });
    expect((await sideEffectCounts(server, a.project)).chamados).toBe(0);

    const lifted = (await ok(UNSILENCE, { id: workItemId })).unsilenceRecurrenceGroup;
    expect(lifted).toMatchObject({ __typename: 'RecurrenceGroup', silence: null });
    expect(lifted.lifecycle).not.toBe('silenced');
    expect(lifted.workItemHistory[0]).toMatchObject({ kind: 'unsilenced', data: { ended: { reason: 'planned maintenance', active: true } } });
    const opened = await fire(a);
    expect(opened.correlation.decision).toBe('opened');
  });
});

describe('opening threshold', () => {
  it('setRecurrenceOpeningThreshold(3, 60): two critical alerts are held, the third opens a chamado with all three', async () => {
    const a = alert(unique('p'));
    await fire(a, 'critical', 'resolved'); // makes the group; a resolution is never an occurrence
    const { workItemId } = await workItemOf(a);
    const asOps = await server.gql(THRESHOLD, { id: workItemId, n: 3, w: 60 }, { as: 'ops' });
    expect(asOps.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const [n, w, path] of [[0, 60, 'occurrences'], [3, 10_081, 'windowMinutes']] as const) {
      const bad = (await ok(THRESHOLD, { id: workItemId, n, w }, 'lead')).setRecurrenceOpeningThreshold;
      expect(bad).toMatchObject({ __typename: 'ValidationError' });
      expect(bad.issues.map((i: Json) => i.path)).toEqual([path]);
    }

    const set = (await ok(THRESHOLD, { id: workItemId, n: 3, w: 60 }, 'lead')).setRecurrenceOpeningThreshold;
    expect(set).toMatchObject({ openingThreshold: { occurrences: 3, windowMinutes: 60, configured: true } });
    expect(set.workItemHistory[0]).toMatchObject({
      kind: 'threshold',
      actor: { username: 'lead' },
      data: { from: { occurrences: null, windowMinutes: null }, to: { occurrences: 3, windowMinutes: 60 } },
    });

    const first = await fire(a);
    const second = await fire(a);
    for (const held of [first, second]) {
      expect(held.chamado_public_id).toBeNull();
      expect(held.correlation).toMatchObject({ decision: 'stored', held_by: 'threshold' });
    }
    const third = await fire(a);
    expect(third.correlation.decision).toBe('opened');
    const data = await ok(`query Ch($id: String!) { chamado(publicId: $id) { eventCount timeline { kind eventId } } }`, { id: third.chamado_public_id }, 'viewer');
    const onTimeline = data.chamado.timeline.filter((t: Json) => t.kind === 'event').map((t: Json) => t.eventId).sort();
    expect(onTimeline).toEqual([first, second, third].map((r) => r.event_id).sort());
    expect(data.chamado.eventCount).toBe(3);

    const reset = (await ok(THRESHOLD, { id: workItemId, n: null, w: null }, 'lead')).setRecurrenceOpeningThreshold;
    expect(reset.openingThreshold).toEqual({ occurrences: 1, windowMinutes: 60, configured: false });
  });

  it('RECURRENCE_OPEN_THRESHOLD=2 is the default for every group', async () => {
    const a = alert(unique('p'));
    const first = await fire(a, 'critical', 'firing', twoToOpen);
    expect(first.correlation).toMatchObject({ decision: 'stored', held_by: 'threshold' });
    const second = await fire(a, 'critical', 'firing', twoToOpen);
    expect(second.correlation.decision).toBe('opened');
    const { workItemId } = await workItemOf(a);
    const data = await ok(`query G($id: String!) { recurrenceGroup(workItemId: $id) { openingThreshold { occurrences configured } } }`, { id: workItemId }, 'viewer', twoToOpen);
    expect(data.recurrenceGroup.openingThreshold).toEqual({ occurrences: 2, configured: false });
    const [n] = await sql<{ n: number }>('select count(*)::int as n from events where project_id = ? and chamado_id is not null', [a.project]);
    expect(n!.n).toBe(2);
  });
});

describe('automation gap suggestions', () => {
  it('suggests the runbook that ran on another group of the same alert', async () => {
    const project = unique('p');
    const alertname = `Gap${unique('g').slice(-8)}`;
    const repaired = alert(project, alertname);
    const gap = alert(project, alertname);

    const opened = await fire(repaired);
    const code = `t_${Math.random().toString(36).slice(2, 10)}`;
    const created = await ok(
      `mutation Rb($input: RunbookInput!) { createRunbook(input: $input) { __typename ... on Error { code message } } }`,
      { input: { code, name: 'Restart web', nivel: 'R0', paramsSchema: { type: 'object' }, executorKind: 'noop', executorConfig: {}, timeoutMs: 5000 } },
      'admin',
    );
    expect(created.createRunbook.__typename).toBe('Runbook');
    const run = await ok(
      `mutation Run($id: String!, $code: String!) { executeRunbook(publicId: $id, code: $code) { __typename ... on RunbookExecution { execId } } }`,
      { id: opened.chamado_public_id, code },
    );
    const execId = run.executeRunbook.execId;
    await waitFor(
      'the R0 run finishes',
      async () => (await ok(`query X($id: Int!) { execution(execId: $id) { status } }`, { id: execId }, 'viewer')).execution.status,
      (status) => status === 'sucesso',
    );

    for (let i = 0; i < 3; i++) await fire(gap, 'warning');
    const { workItemId } = await workItemOf(gap);
    const plan = await preview({ id: workItemId });
    expect(plan).toMatchObject({ state: 'automation_gap', effectiveMode: 'ticket' });
    expect(plan.suggestedRunbooks[0]).toEqual({
      runbook: { code, nivel: 'R0' },
      runCount: 1,
      successCount: 1,
      reason: `run 1 time (1 succeeded) on other alertmanager groups of ${alertname}`,
    });
    const onGroup = await ok(
      `query G($id: String!) { recurrenceGroup(workItemId: $id) { suggestedRunbooks(first: 1) { runbook { code } } } }`,
      { id: workItemId },
      'viewer',
    );
    expect(onGroup.recurrenceGroup.suggestedRunbooks).toEqual([{ runbook: { code } }]);

    // The repaired group is not a gap: no suggestions.
    const other = await workItemOf(repaired);
    expect((await preview({ id: other.workItemId })).suggestedRunbooks).toEqual([]);
  });
});
