import { setTimeout as delay } from 'node:timers/promises';
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { Context } from '../src/context.ts';
import { REPLAY_ARGUMENTS, sharedSubscription, VIEWER_SPECIFIC } from '../src/edge/transports/shared-key.ts';
import { schema } from '../resolvers/index.ts';
import { pokeBatches } from '../src/services/live/poke-batches.ts';
import { liveFeeds, until, type Feed } from './helpers/live-feed.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';
import { sendWazuhAlert } from './helpers/wazuh-alert.ts';

/*
 * Issue 12: a subscription asked for by many sockets with the same operation, variables and role
 * runs once per event and is broadcast (src/edge/transports/subscription-hubs.ts). Observed from
 * outside: /metrics counts the shared executions and their subscribers, and the SQL statements an
 * event costs do not grow with the subscribers (discoverFeed's `payload` field is read through a
 * per-execution DataLoader: one statement per execution and event).
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ WS_AUTH_RECHECK: '60s' });
});
afterAll(() => server.close());

const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.wazuh!;
const FEED = 'subscription Feed($filter: EventFilter, $after: ID) { discoverFeed(filter: $filter, after: $after) { id eventId agent payload } }';
const { wsClient, subscribeWs } = liveFeeds({ timeoutMs: 10_000 });

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`/metrics has no ${name}`);
  return Number(line.split(' ')[1]);
}

const shared = async () => ({ executions: await metric('opsgraph_live_shared_executions'), subscribers: await metric('opsgraph_live_shared_subscribers') });

/** Subscribes and leaves are not acknowledged: waits (up to 5 s) for /metrics to show `expected`. */
async function expectShared(expected: { executions: number; subscribers: number }): Promise<void> {
  let now = await shared();
  for (let deadline = Date.now() + 5000; Date.now() < deadline && (now.executions !== expected.executions || now.subscribers !== expected.subscribers); ) {
    await delay(20);
    now = await shared();
  }
  expect(now).toEqual(expected);
}

/** One socket per subscriber, as the consoles open them. */
async function feeds(users: TestUser[], agent: string, variables: Record<string, unknown> = {}): Promise<Feed[]> {
  const filter = { source: 'wazuh', q: `agent:"${agent}"` };
  return Promise.all(users.map(async (as) => subscribeWs(wsClient(server, await server.token(as)), 'discoverFeed', FEED, { filter, ...variables })));
}

/** Posts alerts until every feed got one (a subscribe is not acknowledged), then waits for quiet. */
async function prime(all: Feed[], agent: string): Promise<void> {
  for (let attempt = 0; attempt < 40 && !all.every((f) => f.items.length > 0); attempt++) {
    await sendWazuhAlert(server.url, SECRET, agent, 'prime');
    await delay(150);
  }
  expect(all.map((f) => f.items.length > 0)).not.toContain(false);
  await Promise.all(all.map((f) => f.quiet()));
}

/** Posts `count` alerts and waits until every feed has them; returns their event ids. */
async function deliver(all: Feed[], agent: string, count: number): Promise<number[]> {
  const before = all.map((f) => f.items.length);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push((await sendWazuhAlert(server.url, SECRET, agent, `event ${i}`)).event_id);
  await Promise.all(all.map((f, n) => f.take(before[n]! + count)));
  await Promise.all(all.map((f) => f.quiet()));
  for (const [n, f] of all.entries()) expect(f.items.slice(before[n]!).map((e) => e.eventId)).toEqual(ids);
  return ids;
}

/** SQL statements the server sent while `run` ran. */
async function statementsDuring(run: () => Promise<unknown>): Promise<number> {
  const before = await metric('opsgraph_sql_statements_total');
  await run();
  return (await metric('opsgraph_sql_statements_total')) - before;
}

describe('shared subscription execution over graphql-ws', () => {
  it('many sockets with the same operation, variables and role: one execution, one read per event, whoever the user', async () => {
    const agent = `vm-${unique('shared')}`;
    const one = await feeds(['viewer'], `${agent}-one`);
    await prime(one, `${agent}-one`);
    const alone = await statementsDuring(() => deliver(one, `${agent}-one`, 5));
    one[0]!.stop();

    // lead and lead2 are two users of one role: they share.
    const many = await feeds(['lead', 'lead2', 'lead', 'lead2', 'lead', 'lead2', 'lead', 'lead2', 'lead', 'lead2', 'lead', 'lead2'], agent);
    await prime(many, agent);
    await expectShared({ executions: 1, subscribers: 12 });
    const BATCHES = 'opsgraph_ingest_batch_seconds_count{outcome="committed"}';
    const [fanOuts, frames, batches] = [
      await metric('opsgraph_live_fanout_seconds_count'),
      await metric('opsgraph_live_shared_frames_total'),
      await metric(BATCHES),
    ];
    const together = await statementsDuring(() => deliver(many, agent, 5));
    // Run once per subscriber, the payload alone would cost 11 × 5 statements more.
    expect(together - alone).toBeLessThan(10);
    // /metrics: one fan-out per event, each handing it to the twelve subscribers.
    expect((await metric('opsgraph_live_fanout_seconds_count')) - fanOuts).toBe(5);
    expect((await metric('opsgraph_live_shared_frames_total')) - frames).toBe(60);
    // The alerts were posted one after another: each was a batch of its own.
    expect((await metric(BATCHES)) - batches).toBe(5);
    expect(many.map((f) => f.errors)).toEqual(many.map(() => []));
    expect(many[0]!.items.at(-1)!.payload).toMatchObject({ agent: { name: agent } });
  });

  it('different roles or variables run separately; each gets only its own', async () => {
    const agent = `vm-${unique('split')}`;
    const [viewer, ops, ops2] = await feeds(['viewer', 'ops', 'ops'], agent);
    const [other] = await feeds(['viewer'], `${agent}-other`);
    await prime([viewer!, ops!, ops2!], agent);
    await prime([other!], `${agent}-other`);
    await expectShared({ executions: 3, subscribers: 4 });
    await deliver([viewer!, ops!, ops2!], agent, 2);
    expect(other!.items.every((e) => e.agent === `${agent}-other`)).toBe(true);
  });

  it('a subscriber leaving does not end the others; the last one leaving ends the execution', async () => {
    const agent = `vm-${unique('leave')}`;
    const all = await feeds(['viewer', 'viewer', 'viewer'], agent);
    await prime(all, agent);
    // The first subscriber started the execution: it leaves first.
    all[0]!.stop();
    await expectShared({ executions: 1, subscribers: 2 });
    await deliver(all.slice(1), agent, 2);
    expect(all.slice(1).map((f) => f.done)).toEqual([false, false]);
    all[1]!.stop();
    all[2]!.stop();
    await expectShared({ executions: 0, subscribers: 0 });
    // A newcomer starts afresh and is served.
    const [late] = await feeds(['viewer'], agent);
    await prime([late!], agent);
    await expectShared({ executions: 1, subscribers: 1 });
  });

  it('a resume with `after` runs on its own (its replay is its own), then gets the live events too', async () => {
    const agent = `vm-${unique('replay')}`;
    const [live] = await feeds(['viewer'], agent);
    await prime([live!], agent);
    const [missed] = await deliver([live!], agent, 1);
    const [resumed] = await feeds(['viewer'], agent, { after: live!.items[0]!.id });
    expect((await resumed!.take(1)).map((e) => e.eventId)).toEqual([missed]);
    await expectShared({ executions: 1, subscribers: 1 });
    const later = await deliver([live!], agent, 1);
    await resumed!.take(2);
    expect(resumed!.items.map((e) => e.eventId)).toEqual([missed, ...later]);
  });

  it('a failure to start ends every subscriber of the execution with it', async () => {
    const query = 'subscription Missing($publicId: String!) { chamadoLive(publicId: $publicId) { __typename } }';
    const publicId = 'CH-1999-00001';
    const all = await Promise.all([1, 2, 3].map(async () => subscribeWs(wsClient(server, await server.token('viewer')), 'chamadoLive', query, { publicId })));
    await Promise.all(all.map((f) => f.ended()));
    for (const f of all) expect(f.errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    await expectShared({ executions: 0, subscribers: 0 });
  });

  it('sends each result as the graphql-ws `next` message of its own operation id', async () => {
    const agent = `vm-${unique('frame')}`;
    const [peer] = await feeds(['viewer'], agent);
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: string[] = [];
    socket.on('message', (data) => messages.push(String(data)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${await server.token('viewer')}` } }));
    const id = 'x","payload":"a client id that looks like a message end';
    try {
      await until(() => messages.length > 0, 'connection_ack');
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: FEED, variables: { filter: { source: 'wazuh', q: `agent:"${agent}"` } } } }));
      await prime([peer!], agent);
      const [eventId] = await deliver([peer!], agent, 1);
      await until(() => messages.some((m) => m.includes(`"eventId":${eventId}`)), 'the raw frame');
      const frame = JSON.parse(messages.find((m) => m.includes(`"eventId":${eventId}`))!);
      expect(frame).toEqual({ id, type: 'next', payload: { data: { discoverFeed: peer!.items.at(-1) } } });
    } finally {
      socket.close();
    }
  });
});

describe('which subscriptions may be shared (src/edge/transports/shared-key.ts)', () => {
  const viewer = (id: number, role: 'viewer' | 'ops') => ({ viewer: { id, username: `u${id}`, role }, operator: { status: 'missing' } }) as unknown as Context;

  it('every Subscription argument is known to replay history or not', () => {
    const notReplaying = ['filter', 'publicId'];
    const args = Object.values(schema.getSubscriptionType()!.getFields()).flatMap((f) => f.args.map((a) => a.name));
    expect(args.filter((name) => !REPLAY_ARGUMENTS.includes(name) && !notReplaying.includes(name))).toEqual([]);
  });

  it('keys on the operation, canonical variables and role; a replay or a query is not shared', () => {
    const document = parse(FEED);
    const key = (variables: Record<string, unknown>, ctx: Context) => sharedSubscription(schema, document, FEED, 'Feed', variables, ctx)?.key ?? null;
    expect(key({ filter: { source: 'a', q: 'b' } }, viewer(1, 'viewer'))).toBe(key({ filter: { q: 'b', source: 'a' } }, viewer(2, 'viewer')));
    expect(key({ filter: { source: 'a' } }, viewer(1, 'viewer'))).not.toBe(key({ filter: { source: 'a' } }, viewer(1, 'ops')));
    expect(key({ filter: { source: 'a' } }, viewer(1, 'viewer'))).not.toBe(key({ filter: { source: 'b' } }, viewer(1, 'viewer')));
    expect(key({ after: '5' }, viewer(1, 'viewer'))).toBeNull();
    const defaulted = 'subscription D($after: ID = "5") { discoverFeed(after: $after) { id } }';
    expect(sharedSubscription(schema, parse(defaulted), defaulted, 'D', {}, viewer(1, 'viewer'))).toBeNull();
    const query = 'query Q { me { id } }';
    expect(sharedSubscription(schema, parse(query), query, 'Q', {}, viewer(1, 'viewer'))).toBeNull();
  });

  it('a selection of a viewer-specific field is shared only by that user; otherwise the shared execution sees no identity', () => {
    const Mine = new GraphQLObjectType({
      name: 'Mine',
      fields: { mine: { type: GraphQLString, extensions: { [VIEWER_SPECIFIC]: true } }, count: { type: GraphQLInt } },
    });
    const test = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
      subscription: new GraphQLObjectType({ name: 'Subscription', fields: { feed: { type: Mine } } }),
    });
    const perUser = 'subscription P { feed { count mine } }';
    const common = 'subscription C { feed { count } }';
    const share = (text: string, ctx: Context) => sharedSubscription(test, parse(text), text, null, {}, ctx)!;
    expect(share(perUser, viewer(1, 'viewer')).key).not.toBe(share(perUser, viewer(2, 'viewer')).key);
    expect(share(perUser, viewer(1, 'viewer')).context(viewer(1, 'viewer')).viewer!.id).toBe(1);
    expect(share(common, viewer(1, 'viewer')).key).toBe(share(common, viewer(2, 'viewer')).key);
    const sharedViewer = share(common, viewer(1, 'viewer')).context(viewer(1, 'viewer')).viewer!;
    expect(sharedViewer.role).toBe('viewer');
    expect(() => sharedViewer.id).toThrow(/viewer's identity/);
  });
});

describe('pokes read in batches (src/services/live/poke-batches.ts)', () => {
  it('a poke to a waiting feed is read alone; those that arrive during its read are read together next', async () => {
    async function* pokes() {
      yield 1;
      await delay(10);
      yield 2;
      yield 3;
      await delay(150);
      yield 4;
    }
    const batches: number[][] = [];
    for await (const batch of pokeBatches(pokes())) {
      batches.push(batch);
      await delay(50); // the feed's read of the batch
    }
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });
});
