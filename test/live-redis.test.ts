import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { liveFeeds, type Feed, type Json } from './helpers/live-feed.ts';
import { unique } from './helpers/server.ts';
import { sendWazuhAlert } from './helpers/wazuh-alert.ts';

/*
 * Live updates across instances: two real server processes share PostgreSQL and Redis; a
 * subscriber on instance A hears what is written through instance B (a note through B's REST
 * API, a webhook ingested by B). The control runs two processes without REDIS_URL: there A's
 * subscriber hears its own instance but not B within 2 s, which shows the first test measures
 * the Redis path and not something else (a shared poll, the database).
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const WEBHOOK_SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.wazuh!;
const TIMEOUT = 60_000;

interface Instance {
  url: string;
  child: ChildProcess;
  output: string[];
}

const children: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(children.map(stopChild));
});

const { cleanups, wsClient, subscribeWs } = liveFeeds({ timeoutMs: 10_000 });

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.listen(0, '127.0.0.1', resolve).once('error', reject));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** `node src/server.ts` as its own process; resolves once /health answers 200. */
async function startInstance(redis: boolean): Promise<Instance> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RUNBOOK_WORKER: 'false',
    SEED_DEMO: '0',
  };
  if (redis) env.REDIS_URL = REDIS_URL;
  else delete env.REDIS_URL;
  const child = spawn(process.execPath, ['src/server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const output: string[] = [];
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output.join('')}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server on ${port} not healthy in 30 s: ${output.join('')}`);
    await delay(100);
  }
  return { url, child, output };
}

async function gql(instance: Instance, query: string, variables: Json = {}, token?: string): Promise<Json> {
  const res = await fetch(`${instance.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Json;
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data as Json;
}

async function login(instance: Instance, user: string): Promise<string> {
  const data = await gql(
    instance,
    'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { ... on LoginPayload { token } ... on Error { code } } }',
    { u: user, p: `opsgraph-${user}` },
  );
  expect(data.login.token, JSON.stringify(data)).toEqual(expect.any(String));
  return data.login.token as string;
}

/** A chamado created through the instance: public id, numeric id, and its first timeline entry. */
async function newChamado(instance: Instance, token: string): Promise<{ publicId: string; dbId: number; createdEntryId: string }> {
  const data = await gql(
    instance,
    `mutation Create($input: CreateChamadoInput!) {
      createChamado(input: $input) { ... on Chamado { id publicId timeline { id eventType } } ... on Error { code message } }
    }`,
    { input: { title: 'Live across instances', domain: `${unique('redis')}.example.com` } },
    token,
  );
  const c = data.createChamado as Json;
  expect(c.publicId, JSON.stringify(data)).toMatch(/^CH-/);
  expect(c.timeline.map((t: Json) => t.eventType)).toEqual(['chamado.criado']);
  return { publicId: c.publicId, dbId: Number(decodeGlobalID(c.id).id), createdEntryId: c.timeline[0].id };
}

async function note(instance: Instance, token: string, publicId: string, texto: string): Promise<Json> {
  const res = await fetch(`${instance.url}/api/v1/chamados/${encodeURIComponent(publicId)}/notas`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ texto }),
  });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

const wazuh = (instance: Instance, agent: string): Promise<Json> => sendWazuhAlert(instance.url, WEBHOOK_SECRET, agent, 'redis live test');

/** `field` over graphql-ws on a socket of its own to the instance. */
const subscribe = (instance: Instance, token: string, field: string, query: string, variables: Json): Feed =>
  subscribeWs(wsClient(instance, token), field, query, variables);

const CHAMADO_LIVE = `subscription Live($publicId: String!, $after: ID) {
  chamadoLive(publicId: $publicId, after: $after) { __typename ... on TimelineEntry { id eventType summary actor { username } } }
}`;

const DISCOVER_FEED = `subscription Feed($filter: EventFilter) {
  discoverFeed(filter: $filter) { eventId source agent }
}`;

describe('live updates across two server processes', () => {
  it(
    'with REDIS_URL: a note and a webhook through instance B reach subscribers on instance A',
    async () => {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
      cleanups.push(() => redis.quit());
      await redis.connect();
      /** Subscribers Redis counts on a channel (graphql-yoga's Redis target uses the topic as channel). */
      const subscribers = async (channel: string) => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);

      const [a, b] = await Promise.all([startInstance(true), startInstance(true)]);
      const [tokenA, tokenB] = await Promise.all([login(a, 'viewer'), login(b, 'ops')]);

      // chamadoLive on A, note through B's REST API.
      const chamado = await newChamado(b, tokenB);
      const channel = `chamado:${chamado.dbId}`;
      expect(await subscribers(channel)).toBe(0);
      const live = subscribe(a, tokenA, 'chamadoLive', CHAMADO_LIVE, { publicId: chamado.publicId, after: chamado.createdEntryId });
      const deadline = Date.now() + 10_000;
      while ((await subscribers(channel)) < 1 && Date.now() < deadline) await delay(20);
      expect(await subscribers(channel)).toBe(1);
      const texto = `across instances ${unique('n')}`;
      const posted = await note(b, tokenB, chamado.publicId, texto);
      await live.take(1);
      await delay(300);
      expect([live.failure, live.errors]).toEqual([undefined, []]);
      expect(live.items).toEqual([{ __typename: 'TimelineEntry', id: posted.id, eventType: 'nota', summary: texto, actor: { username: 'ops' } }]);

      // discoverFeed on A, webhook ingested by B.
      const agent = `vm-${unique('redis')}`;
      const before = await subscribers('events');
      const feed = subscribe(a, tokenA, 'discoverFeed', DISCOVER_FEED, { filter: { source: 'wazuh', q: `agent:"${agent}"` } });
      const feedDeadline = Date.now() + 10_000;
      while ((await subscribers('events')) <= before && Date.now() < feedDeadline) await delay(20);
      expect(await subscribers('events')).toBe(before + 1);
      await wazuh(b, `${agent}-other`);
      const receipt = await wazuh(b, agent);
      await feed.take(1);
      await delay(300);
      expect([feed.failure, feed.errors]).toEqual([undefined, []]);
      expect(feed.items).toEqual([{ eventId: receipt.event_id, source: 'wazuh', agent }]);

      // When A's subscribers leave, A unsubscribes from Redis.
      for (const fn of cleanups.splice(1).reverse()) await fn();
      const leaveDeadline = Date.now() + 5000;
      while ((await subscribers(channel)) > 0 && Date.now() < leaveDeadline) await delay(20);
      expect(await subscribers(channel)).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'control, without REDIS_URL: A hears its own writes but not a note written through B (2 s)',
    async () => {
      const [a, b] = await Promise.all([startInstance(false), startInstance(false)]);
      const [tokenA, tokenB] = await Promise.all([login(a, 'ops'), login(b, 'ops')]);
      const chamado = await newChamado(a, tokenA);
      const live = subscribe(a, tokenA, 'chamadoLive', CHAMADO_LIVE, { publicId: chamado.publicId, after: chamado.createdEntryId });
      // A's own write arrives: the subscription is up.
      const own = await note(a, tokenA, chamado.publicId, 'through A');
      await live.take(1);
      expect(live.items.map((i) => i.id)).toEqual([own.id]);

      const other = await note(b, tokenB, chamado.publicId, 'through B');
      await delay(2000);
      expect([live.failure, live.errors]).toEqual([undefined, []]);
      expect(live.items.map((i) => i.id)).toEqual([own.id]);

      // It was only unheard, not lost: A's next poke catches up with it, in order.
      const next = await note(a, tokenA, chamado.publicId, 'through A again');
      await live.take(3);
      expect(live.items.map((i) => i.id)).toEqual([own.id, other.id, next.id]);
    },
    TIMEOUT,
  );
});
