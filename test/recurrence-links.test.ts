import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { newChamado, postWebhook, withIds } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * A group's runs are the executions on the chamados its events joined, so every way an event
 * reaches a chamado must link the group to it: ingest, an operator's attach, a move, a merge.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.alertmanager!;

/** The live feed's cursor of the event's group: it must move whenever the group's chamados change. */
async function changeSeq(eventId: number): Promise<number> {
  const [row] = await server.orm.em.fork().execute<{ seq: string }[]>(
    `select g.change_seq as seq from events e join recurrence_groups g on g.project_id = e.project_id and g.recurrence_key = e.recurrence_key where e.id = ?`,
    [eventId],
  );
  return Number(row!.seq);
}

async function linkedChamados(eventId: number): Promise<string[]> {
  const rows = await server.orm.em.fork().execute<{ public_id: string }[]>(
    `select c.public_id from events e
       join recurrence_groups g on g.project_id = e.project_id and g.recurrence_key = e.recurrence_key
       join recurrence_group_chamados l on l.group_id = g.id join chamados c on c.id = l.chamado_id
     where e.id = ? order by c.public_id`,
    [eventId],
  );
  return rows.map((r) => r.public_id);
}

it('links the group to the chamado its event opened, then to the ones it is attached, moved or merged into', async () => {
  const project = unique('links');
  const { body } = withIds('alertmanager-firing', {}, { singleAlert: true });
  const res = await postWebhook(server, `alertmanager?project_id=${project}`, body, SECRET);
  expect(res.status).toBe(202);
  const eventId: number = res.body.event_id;
  const opened: string = res.body.chamado_public_id;
  expect(await linkedChamados(eventId)).toEqual([opened]);

  const attachedTo = (await newChamado(server)).publicId;
  const attach = await server.gql(
    `mutation A($p: String!, $ids: [Int!]!) { attachEventsToChamado(publicId: $p, eventIds: $ids) { __typename ... on Error { code message } } }`,
    { p: attachedTo, ids: [eventId] },
    { as: 'ops' },
  );
  expect(attach.data?.attachEventsToChamado).toEqual({ __typename: 'AttachEventsPayload' });
  expect(await linkedChamados(eventId)).toEqual([opened, attachedTo].sort());

  const movedTo = (await newChamado(server)).publicId;
  const beforeMove = await changeSeq(eventId);
  const move = await server.gql(
    `mutation M($id: Int!, $to: String!) { moveEvent(eventId: $id, toPublicId: $to) { __typename } }`,
    { id: eventId, to: movedTo },
    { as: 'ops' },
  );
  expect(move.errors).toBeUndefined();
  expect(await linkedChamados(eventId)).toEqual([opened, attachedTo, movedTo].sort());
  const beforeMerge = await changeSeq(eventId);
  expect(beforeMerge).toBeGreaterThan(beforeMove);

  const survivor = (await newChamado(server)).publicId;
  const merge = await server.gql(
    `mutation G($from: String!, $into: String!) { mergeChamados(sourcePublicId: $from, targetPublicId: $into) { __typename } }`,
    { from: movedTo, into: survivor },
    { as: 'ops' },
  );
  expect(merge.errors).toBeUndefined();
  expect(await linkedChamados(eventId)).toEqual([opened, attachedTo, movedTo, survivor].sort());
  expect(await changeSeq(eventId)).toBeGreaterThan(beforeMerge);
});

it('never correlates across projects: the same alert in two projects opens a chamado in each, each linked to its own group', async () => {
  const [a, b] = [unique('pa'), unique('pb')];
  const { body } = withIds('alertmanager-firing', {}, { singleAlert: true });
  const first = await postWebhook(server, `alertmanager?project_id=${a}`, body, SECRET);
  const second = await postWebhook(server, `alertmanager?project_id=${b}`, body, SECRET);
  expect([first.body.correlation.decision, second.body.correlation.decision]).toEqual(['opened', 'opened']);
  expect(second.body.chamado_public_id).not.toBe(first.body.chamado_public_id);
  expect(await linkedChamados(first.body.event_id)).toEqual([first.body.chamado_public_id]);
  expect(await linkedChamados(second.body.event_id)).toEqual([second.body.chamado_public_id]);
  const res = await server.gql(`query($p: String!) { chamado(publicId: $p) { projectId } }`, { p: second.body.chamado_public_id }, { as: 'viewer' });
  expect(res.data).toEqual({ chamado: { projectId: b } });
  const list = await server.gql(`query($p: String!) { chamados(filter: { projectId: $p }) { edges { node { publicId } } } }`, { p: a }, { as: 'viewer' });
  expect(list.data).toEqual({ chamados: { edges: [{ node: { publicId: first.body.chamado_public_id } }] } });
});

/** Statements that moved groups after a commit, as /metrics shows them. */
async function groupMoves(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('opsgraph_live_group_moves_total '));
  return line ? Number(line.split(' ').pop()) : 0;
}

it("an event joining a chamado moves the chamado's other groups too (the feed shows them with it), once the sender has its answer", async () => {
  const project = unique('other-groups');
  const movesBefore = await groupMoves();
  const secret = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.events!;
  const post = (fingerprint: string, extra: Record<string, unknown> = {}) =>
    postWebhook(server, `events?project_id=${project}`, { source: 'support', event_type: 'ticket.opened', severity: 12, fingerprint, ...extra }, secret);
  const first = await post(unique('fp-a'));
  expect(first.body.correlation.decision).toBe('opened');
  const chamado: string = first.body.chamado_public_id;
  const before = await changeSeq(first.body.event_id);

  // Another problem, attached to the same chamado by its number: its own group is a second one.
  const second = await post(unique('fp-b'), { chamado_public_id: chamado });
  expect(second.body.correlation).toMatchObject({ decision: 'attached', rule: 'explicit', chamado_public_id: chamado });
  expect(await linkedChamados(second.body.event_id)).toEqual([chamado]);
  // Moved after the commit, by a statement of its own that the answer does not wait for.
  await expect.poll(() => changeSeq(first.body.event_id), { timeout: 5000 }).toBeGreaterThan(before);
  expect(await changeSeq(second.body.event_id)).toBeGreaterThan(before);
  // That took one statement; the opening took none (its chamado's one group was moved by ingest's write).
  expect((await groupMoves()) - movesBefore).toBe(1);
});
