import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { liveFeeds, until, type Json } from './helpers/live-feed.ts';
import { unique } from './helpers/server.ts';
import { freePort, killServerProcesses, startServerProcess, type ServerProcess } from './helpers/server-process.ts';
import { sendWazuhAlert } from './helpers/wazuh-alert.ts';

/*
 * REDIS_URL set and Redis away — at start, and again later: the process must stay up, ingest and
 * answer queries, deliver live updates to its own subscribers, say so on /health and in one log
 * line per change (not one per retry), and go back to Redis by itself when it returns. Redis is a
 * real redis-server on a port of the test's own, stopped and started again.
 */

const WEBHOOK_SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.wazuh!;
const { cleanups, wsClient, subscribeWs } = liveFeeds({ timeoutMs: 10_000 });
const redisServers = new Set<ChildProcess>();

afterAll(() => {
  killServerProcesses();
  for (const child of redisServers) child.kill('SIGKILL');
});

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  redisServers.add(child);
  child.once('exit', () => redisServers.delete(child));
  // Answering PING, not just listening: retry a connection until it is ready.
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  for (let i = 0; i < 100 && probe.status !== 'ready'; i++) {
    await probe.connect().catch(() => delay(50));
  }
  expect(probe.status).toBe('ready');
  probe.disconnect();
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function health(server: ServerProcess): Promise<Json> {
  const res = await fetch(`${server.url}/health`);
  return { httpStatus: res.status, ...((await res.json()) as Json) };
}

async function waitForLive(server: ServerProcess, live: string): Promise<Json> {
  let last: Json = {};
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    last = await health(server);
    if (last.live === live) return last;
    await delay(100);
  }
  throw new Error(`/health never said live=${live}: ${JSON.stringify(last)}\n${server.output()}`);
}

const wazuh = (server: ServerProcess, agent: string): Promise<Json> => sendWazuhAlert(server.url, WEBHOOK_SECRET, agent, 'redis fault test');

async function login(server: ServerProcess): Promise<string> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { ... on LoginPayload { token } } }',
      variables: { u: 'viewer', p: 'opsgraph-viewer' },
    }),
  });
  const body = (await res.json()) as Json;
  expect(body.data?.login?.token, JSON.stringify(body)).toEqual(expect.any(String));
  return body.data.login.token as string;
}

const DISCOVER_FEED = `subscription Feed($filter: EventFilter) {
  discoverFeed(filter: $filter) { eventId agent }
}`;

/** The log lines about Redis's state: one per change, never one per retry. */
const redisStateLines = (server: ServerProcess) =>
  server.log().filter((l) => /Redis/.test(l.msg)).map((l) => `${l.level >= 40 ? 'warn' : 'info'}: ${l.msg}`);

describe('Redis unreachable while REDIS_URL is set', () => {
  it('stays up, ingests and answers, degrades visibly, and goes back to Redis by itself', async () => {
    const redisPort = await freePort();
    const server = await startServerProcess({ REDIS_URL: `redis://127.0.0.1:${redisPort}`, RUNBOOK_WORKER: 'false' });

    // Unreachable from the start: up, and saying so.
    expect(await waitForLive(server, 'redis-unreachable')).toMatchObject({ httpStatus: 200, status: 'degraded', db: 'ok' });
    const token = await login(server);
    const agent = `vm-${unique('redis-down')}`;
    const feed = subscribeWs(wsClient(server, token), 'discoverFeed', DISCOVER_FEED, { filter: { source: 'wazuh', q: `agent:"${agent}"` } });
    await delay(500); // the subscription is listening
    // A webhook publishes a poke: the process used to die of the unhandled rejection a moment later.
    const first = await wazuh(server, agent);
    // Its own subscribers still hear it (delivered in-process while Redis is away).
    await feed.take(1);
    expect(feed.items).toEqual([{ eventId: first.event_id, agent }]);
    await delay(2500);
    expect(server.alive(), server.output()).toBe(true);
    expect(redisStateLines(server)).toEqual(['warn: Redis unreachable: live updates reach only subscribers of this instance until it returns']);

    // Redis comes: the subscription made meanwhile is now in Redis, and pokes go through it.
    const redis = await startRedis(redisPort);
    expect(await waitForLive(server, 'redis')).toMatchObject({ httpStatus: 200, status: 'ok' });
    const outside = new Redis(redisPort, '127.0.0.1');
    cleanups.push(() => outside.quit());
    const [, subscribers] = (await outside.pubsub('NUMSUB', 'events')) as [string, number];
    expect(Number(subscribers)).toBeGreaterThanOrEqual(1);
    const listener = new Redis(redisPort, '127.0.0.1');
    cleanups.push(() => listener.quit());
    const heard: string[] = [];
    listener.on('message', (channel: string) => heard.push(channel));
    await listener.subscribe('events');
    const second = await wazuh(server, agent);
    await until(() => heard.includes('events'), 'the poke to go through Redis');
    await feed.take(2);
    expect(feed.items.at(-1)).toEqual({ eventId: second.event_id, agent });

    // Redis goes away again: same story, one more line.
    listener.disconnect();
    outside.disconnect();
    await stopRedis(redis);
    expect(await waitForLive(server, 'redis-unreachable')).toMatchObject({ httpStatus: 200, status: 'degraded' });
    const third = await wazuh(server, agent);
    await feed.take(3);
    expect(feed.items.at(-1)).toEqual({ eventId: third.event_id, agent });
    await delay(2500);
    expect(server.alive(), server.output()).toBe(true);
    expect([feed.failure, feed.errors]).toEqual([undefined, []]);
    expect(redisStateLines(server)).toEqual([
      'warn: Redis unreachable: live updates reach only subscribers of this instance until it returns',
      'info: live delivery through Redis',
      'warn: Redis unreachable: live updates reach only subscribers of this instance until it returns',
    ]);
    // Nothing printed by ioredis itself, no stack.
    expect(server.output()).not.toMatch(/\[ioredis\]|Unhandled|MaxRetriesPerRequestError|^\s+at /m);

    // And it still shuts down cleanly while Redis is away.
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toMatchObject({ code: 0 });
  }, 90_000);
});
