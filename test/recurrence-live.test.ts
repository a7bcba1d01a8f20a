import { setTimeout as delay } from 'node:timers/promises';
import { raw } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecurrenceGroup } from '../entities/recurrence-group.entity.ts';
import { RecurrenceWorkItemEntry } from '../entities/recurrence-work-item-entry.entity.ts';
import { loadConfig } from '../src/config.ts';
import { postWebhook, withIds } from './helpers/factories.ts';
import { liveFeeds, type Feed, type Json } from './helpers/live-feed.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * recurrenceChanged against the real server: webhooks posted with a project of the test's own
 * (`?project_id=`) reach a subscriber of that project as its group, with the counters it has when
 * sent; other projects' groups do not; `after` (a changeSeq) replays what was missed; changes made
 * through the ORM (a silence, a work-item entry) or the silence mutations move the group's
 * change_seq and are delivered; a change_seq taken before a later one commits is not skipped;
 * the topic crosses instances through Redis. Over graphql-ws and SSE (test/helpers/live-feed.ts).
 *
 * Every subscription here but one starts with `after: "0"` on a project no other test uses: the
 * replay then covers whatever happens before the server listens, so no priming is needed.
 */

const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.alertmanager!;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const RECURRENCE_CHANGED = `subscription R($filter: RecurrenceChangedFilter, $after: String) {
  recurrenceChanged(filter: $filter, after: $after) {
    workItemId projectId provider fingerprint occurrenceTotal duplicateTotal changeSeq lifecycle silence { reason active }
  }
}`;

const { cleanups, wsClient, subscribeWs, subscribeSse } = liveFeeds({ timeoutMs: 10_000, quietMs: 400 });

/** recurrenceChanged over graphql-ws, on a socket of its own. */
const recurrenceWs = (target: TestServer, token: string, variables: Json): Feed =>
  subscribeWs(wsClient(target, token), 'recurrenceChanged', RECURRENCE_CHANGED, variables);

/** recurrenceChanged over SSE. */
const recurrenceSse = (token: string | null, variables: Json): Feed => subscribeSse(server, 'recurrenceChanged', RECURRENCE_CHANGED, variables, token);

/** One firing of the alert `fingerprint` in `project`, started at `startsAt` (a new occurrence per start). */
async function fire(target: TestServer, project: string, fingerprint: string, startsAt: Date, alertname = 'RecurrenceLiveTest'): Promise<Json> {
  const { body } = withIds('alertmanager-firing', { fingerprint }, { singleAlert: true });
  body.alerts[0].startsAt = startsAt.toISOString();
  body.alerts[0].labels.alertname = alertname;
  const res = await postWebhook(target, `alertmanager?project_id=${encodeURIComponent(project)}`, body, SECRET);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body as Json;
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

describe('recurrenceChanged', () => {
  it("over graphql-ws: the project's group arrives with each new occurrence; another project's group never does", async () => {
    const project = unique('rl');
    const other = unique('rl-other');
    const fp = unique('fp');
    const feed = recurrenceWs(server, await server.token('viewer'), { filter: { projectId: project }, after: '0' });

    const starts = [minutesAgo(9), minutesAgo(8), minutesAgo(7)];
    for (let n = 1; n <= 3; n++) {
      await fire(server, project, fp, starts[n - 1]!);
      // Same fingerprint, other project: its own group, never sent to this subscriber. (Another
      // start: the provider event id is fingerprint + start, and a repeat would be a duplicate.)
      await fire(server, other, fp, minutesAgo(20 - n));
      await feed.take(n);
    }
    // A redelivery of the last firing is a duplicate: counted as such, the occurrences stay.
    const { body: again } = withIds('alertmanager-firing', { fingerprint: fp }, { singleAlert: true });
    again.alerts[0].startsAt = starts[2]!.toISOString();
    again.alerts[0].labels.alertname = 'RecurrenceLiveTest';
    expect((await postWebhook(server, `alertmanager?project_id=${project}`, again, SECRET)).status).toBe(202);
    const items = await feed.take(4);
    await feed.quiet();

    expect(feed.failure).toBeUndefined();
    expect(feed.items).toHaveLength(4);
    expect(items.map((g) => [g.projectId, g.provider, g.fingerprint, g.occurrenceTotal, g.duplicateTotal])).toEqual([
      [project, 'alertmanager', fp, 1, 0],
      [project, 'alertmanager', fp, 2, 0],
      [project, 'alertmanager', fp, 3, 0],
      [project, 'alertmanager', fp, 3, 1],
    ]);
    expect(new Set(items.map((g) => g.workItemId)).size).toBe(1);
    expect(items[0]!.lifecycle).toBe('new');
    expect(items[2]!.lifecycle).toBe('ongoing');
    const seqs = items.map((g) => BigInt(g.changeSeq));
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
    expect(new Set(seqs).size).toBe(4);
  });

  it('filters on provider too: a sentry group of the same project is not sent to an alertmanager subscriber', async () => {
    const project = unique('rl');
    const feed = recurrenceWs(server, await server.token('viewer'), { filter: { projectId: project, provider: 'alertmanager' }, after: '0' });
    const { body: sentry } = withIds('sentry-issue-created');
    expect((await postWebhook(server, `sentry?project_id=${project}`, sentry, loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.sentry!)).status).toBe(202);
    const fp = unique('fp');
    await fire(server, project, fp, minutesAgo(3));
    await feed.take(1);
    await feed.quiet();
    expect(feed.items.map((g) => [g.provider, g.fingerprint])).toEqual([['alertmanager', fp]]);
  });

  it('resumes with `after`: what changed while away arrives once per group, in change order, then live changes', async () => {
    const project = unique('rl');
    const [fpA, fpB] = [unique('fpA'), unique('fpB')];
    const token = await server.token('viewer');
    const first = recurrenceWs(server, token, { filter: { projectId: project }, after: '0' });
    await fire(server, project, fpA, minutesAgo(30));
    const [seen] = await first.take(1);
    first.stop();
    await delay(100);

    // While away: A recurs twice, B appears.
    await fire(server, project, fpA, minutesAgo(20));
    await fire(server, project, fpA, minutesAgo(10));
    await fire(server, project, fpB, minutesAgo(5));
    expect(first.items).toHaveLength(1);

    const resumed = recurrenceWs(server, token, { filter: { projectId: project }, after: seen!.changeSeq });
    const replay = await resumed.take(2);
    expect(replay.map((g) => [g.fingerprint, g.occurrenceTotal])).toEqual([
      [fpA, 3],
      [fpB, 1],
    ]);
    expect(BigInt(replay[0]!.changeSeq)).toBeGreaterThan(BigInt(seen!.changeSeq));
    await fire(server, project, fpB, minutesAgo(1));
    const live = await resumed.take(3);
    await resumed.quiet();
    expect(resumed.items).toHaveLength(3);
    expect([live[2]!.fingerprint, live[2]!.occurrenceTotal]).toEqual([fpB, 2]);

    // A cursor that is not a changeSeq is refused for that subscription.
    const bad = recurrenceWs(server, token, { filter: { projectId: project }, after: 'UmVjdXJyZW5jZUdyb3VwOjE=' });
    await bad.ended();
    expect(bad.items).toEqual([]);
    expect(bad.results[0]?.errors?.[0]?.extensions?.code, JSON.stringify(bad.results)).toBe('BAD_USER_INPUT');
  });

  it('a silence and a work-item entry made through the ORM move the change_seq and are delivered', async () => {
    const project = unique('rl');
    const fp = unique('fp');
    const feed = recurrenceWs(server, await server.token('ops'), { filter: { projectId: project }, after: '0' });
    await fire(server, project, fp, minutesAgo(2));
    const [counted] = await feed.take(1);
    expect(counted!.silence).toBeNull();

    const em = server.orm.em.fork();
    const group = await em.findOneOrFail(RecurrenceGroup, { uuid: counted!.workItemId });
    group.silencedUntil = new Date(Date.now() + 3_600_000);
    group.silenceReason = 'known noise during the migration';
    await em.flush();
    const [, silenced] = await feed.take(2);
    expect(silenced!.workItemId).toBe(counted!.workItemId);
    expect(silenced!.lifecycle).toBe('silenced');
    expect(silenced!.silence).toEqual({ reason: 'known noise during the migration', active: true });
    expect(BigInt(silenced!.changeSeq)).toBeGreaterThan(BigInt(counted!.changeSeq));

    // A history entry alone changes no column of the group; it is still sent again.
    await em.fork().transactional(async (tx) => {
      tx.create(RecurrenceWorkItemEntry, { group: tx.getReference(RecurrenceGroup, group.id), kind: 'dry_run', mode: 'auto', data: { test: true } });
    });
    const [, , noted] = await feed.take(3);
    expect(noted!.workItemId).toBe(counted!.workItemId);
    expect(BigInt(noted!.changeSeq)).toBeGreaterThan(BigInt(silenced!.changeSeq));
    await feed.quiet();
    expect(feed.items).toHaveLength(3);
  });

  it('silenceRecurrenceGroup and unsilenceRecurrenceGroup (mutations) are each delivered once, with the silence as it is', async () => {
    const project = unique('rl');
    const fp = unique('fp');
    const feed = recurrenceWs(server, await server.token('viewer'), { filter: { projectId: project }, after: '0' });
    await fire(server, project, fp, minutesAgo(2));
    const [counted] = await feed.take(1);

    const silence = await server.gql(
      `mutation S($id: String!, $until: DateTime!) {
        silenceRecurrenceGroup(workItemId: $id, until: $until, reason: "maintenance window") { __typename ... on Error { message } }
      }`,
      { id: counted!.workItemId, until: new Date(Date.now() + 3_600_000).toISOString() },
      { as: 'ops' },
    );
    expect(silence.data?.silenceRecurrenceGroup.__typename, JSON.stringify(silence)).toBe('RecurrenceGroup');
    const [, silenced] = await feed.take(2);
    expect([silenced!.workItemId, silenced!.lifecycle, silenced!.silence]).toEqual([
      counted!.workItemId,
      'silenced',
      { reason: 'maintenance window', active: true },
    ]);

    const lifted = await server.gql(
      `mutation U($id: String!) { unsilenceRecurrenceGroup(workItemId: $id) { __typename } }`,
      { id: counted!.workItemId },
      { as: 'ops' },
    );
    expect(lifted.data?.unsilenceRecurrenceGroup.__typename, JSON.stringify(lifted)).toBe('RecurrenceGroup');
    const [, , unsilenced] = await feed.take(3);
    await feed.quiet();
    expect(feed.items).toHaveLength(3);
    expect([unsilenced!.lifecycle, unsilenced!.silence]).toEqual(['new', null]);
    expect(BigInt(unsilenced!.changeSeq)).toBeGreaterThan(BigInt(silenced!.changeSeq));
  });

  it('a change that commits after a later-numbered one was sent is still sent (change_seq is taken before commit)', async () => {
    const project = unique('rl');
    const [fpA, fpB] = [unique('fpA'), unique('fpB')];
    const feed = recurrenceWs(server, await server.token('ops'), { filter: { projectId: project }, after: '0' });
    await fire(server, project, fpA, minutesAgo(9));
    await fire(server, project, fpB, minutesAgo(9));
    const [a] = await feed.take(2);

    await server.orm.em.fork().transactional(async (tx) => {
      // Like silences.ts: the writer takes the next change_seq in its own update, then holds it
      // uncommitted while B's next event takes a higher one and commits (and is sent).
      const group = await tx.findOneOrFail(RecurrenceGroup, { uuid: a!.workItemId });
      group.silencedUntil = new Date(Date.now() + 600_000);
      group.silenceReason = 'held open across a later change';
      group.changeSeq = raw<number>("nextval('recurrence_change_seq')");
      await tx.flush();
      // Two reads while it is open: the second must not take the first's change_seq as settled.
      await fire(server, project, fpB, minutesAgo(8));
      await feed.take(3);
      await fire(server, project, fpB, minutesAgo(7));
      const [, , , b] = await feed.take(4);
      expect([b!.fingerprint, b!.occurrenceTotal]).toEqual([fpB, 3]);
    });
    const [, , , b, late] = await feed.take(5);
    await feed.quiet();
    expect(feed.items).toHaveLength(5);
    expect([late!.fingerprint, late!.silence?.reason]).toEqual([fpA, 'held open across a later change']);
    expect(BigInt(late!.changeSeq)).toBeLessThan(BigInt(b!.changeSeq));
  });

  it('over SSE: the same feed; without a token it is UNAUTHENTICATED', async () => {
    const project = unique('rl');
    const fp = unique('fp');
    const feed = recurrenceSse(await server.token('viewer'), { filter: { projectId: project }, after: '0' });
    await fire(server, project, fp, minutesAgo(4));
    await fire(server, project, fp, minutesAgo(3));
    await feed.take(2);
    expect(feed.items.map((g) => [g.fingerprint, g.occurrenceTotal])).toEqual([
      [fp, 1],
      [fp, 2],
    ]);

    const anonymous = recurrenceSse(null, { filter: { projectId: project }, after: '0' });
    await anonymous.ended();
    expect(anonymous.items).toEqual([]);
    expect(anonymous.results[0]?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('without `after` starts from now: earlier changes are not replayed', async () => {
    const project = unique('rl');
    const [old, fresh] = [unique('fp-old'), unique('fp-new')];
    await fire(server, project, old, minutesAgo(9));
    const feed = recurrenceWs(server, await server.token('viewer'), { filter: { projectId: project } });
    // The protocol does not acknowledge a subscribe: repeat new firings until one arrives.
    for (let n = 0; feed.items.length === 0 && n < 40; n++) {
      await fire(server, project, fresh, minutesAgo(8 - n / 10));
      await delay(150);
    }
    await feed.quiet();
    expect(feed.items.length).toBeGreaterThan(0);
    expect(feed.items.every((g) => g.fingerprint === fresh)).toBe(true);
  });
});

describe('recurrenceChanged across instances (REDIS_URL)', () => {
  it('a webhook ingested by instance B reaches a subscriber on instance A', async () => {
    const [a, b] = await Promise.all([startTestServer({ REDIS_URL }), startTestServer({ REDIS_URL })]);
    cleanups.push(() => a.close());
    cleanups.push(() => b.close());
    const project = unique('rl-redis');
    const fp = unique('fp');
    const feed = recurrenceWs(a, await a.token('viewer'), { filter: { projectId: project }, after: '0' });
    await fire(b, project, fp, minutesAgo(6));
    await feed.take(1);
    // Now live: this one can only reach A through Redis.
    await fire(b, project, fp, minutesAgo(5));
    const items = await feed.take(2);
    expect(items.map((g) => [g.fingerprint, g.occurrenceTotal])).toEqual([
      [fp, 1],
      [fp, 2],
    ]);
  });
});
