// Live fan-out benchmark: N graphql-ws subscriptions to discoverFeed (spread over sockets of
// --per-socket subscriptions each) on a RUNNING OpsGraph, then E webhook events posted over HTTP
// that all of them match; prints one JSON line with delivery counts, the latency from just before
// each POST to its receipt by each subscriber, and the server's RSS before and after.
//
//   npm run bench:live -- [--url http://127.0.0.1:4000] [--subscribers 1000] [--per-socket 50]
//                          [--events 50] [--interval-ms 100] [--user viewer] [--password opsgraph-viewer]
//                          [--secret …] [--drain-ms 60000]
//
// It starts no server. The server caps subscriptions per socket (WS_MAX_SUBSCRIPTIONS, default
// 25): start it with WS_MAX_SUBSCRIPTIONS at least --per-socket, e.g.
//   WS_MAX_SUBSCRIPTIONS=100 PORT=4600 SEED_DEMO=0 LOG_LEVEL=warn DATABASE_URL=… node src/server.ts
// (the viewer user must exist: SEED_DEMO=1 once, or the test users).
//
// Events are low-level Wazuh alerts (stored, no chamado) from an agent name unique to the run, and
// every subscription filters on that agent, so only this run's events are measured. Before
// measuring, warm-up events are posted until every subscription has received one (the protocol
// does not acknowledge a subscribe); warm-up deliveries are not counted.
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { liveBenchAlert, uniqueAgent } from './suite/live/publishers.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.OPSGRAPH_URL ?? 'http://127.0.0.1:4000' },
    subscribers: { type: 'string', default: '1000' },
    'per-socket': { type: 'string', default: '50' },
    events: { type: 'string', default: '50' },
    'interval-ms': { type: 'string', default: '100' },
    user: { type: 'string', default: 'viewer' },
    password: { type: 'string', default: 'opsgraph-viewer' },
    secret: { type: 'string', default: process.env.WEBHOOK_SECRET ?? 'opsgraph-dev-webhook-secret' },
    'drain-ms': { type: 'string', default: '60000' },
    'ready-ms': { type: 'string', default: '60000' },
  },
});

const baseUrl = values.url!.replace(/\/+$/, '');
const subscribers = Number(values.subscribers);
const perSocket = Number(values['per-socket']);
const eventCount = Number(values.events);
const intervalMs = Number(values['interval-ms']);
const drainMs = Number(values['drain-ms']);
const readyMs = Number(values['ready-ms']);
for (const [name, n] of Object.entries({ subscribers, perSocket, eventCount, intervalMs, drainMs, readyMs })) {
  if (!Number.isFinite(n) || n < (name === 'intervalMs' ? 0 : 1)) fail(`--${name} must be a positive number`);
}
const socketCount = Math.ceil(subscribers / perSocket);
const agent = uniqueAgent();

function fail(message: string): never {
  process.stderr.write(`bench:live: ${message}\n`);
  process.exit(1);
}

async function login(): Promise<string> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation L($u: String!, $p: String!) { login(username: $u, password: $p) { ... on LoginPayload { token } ... on Error { code message } } }',
      variables: { u: values.user, p: values.password },
    }),
  });
  const body = (await res.json()) as { data?: { login?: { token?: string; code?: string } } };
  const token = body.data?.login?.token;
  if (!token) fail(`login as ${values.user} failed: ${JSON.stringify(body)}`);
  return token;
}

/** The server's resident set in MiB, from its Prometheus metrics. */
async function serverRssMb(): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('opsgraph_process_resident_memory_bytes '));
  if (!line) fail('GET /metrics has no opsgraph_process_resident_memory_bytes');
  return Math.round((Number(line.split(' ')[1]) / 1024 / 1024) * 10) / 10;
}

/** Posts one matching event; returns its event id (the receipt's). */
async function postEvent(): Promise<number> {
  const res = await fetch(`${baseUrl}/api/v1/webhooks/wazuh`, {
    method: 'POST',
    // A fresh connection each: a kept-alive one can be closed by the server (keepAliveTimeout) while it is
    // busy accepting thousands of sockets, and the POST that reuses it would fail.
    headers: { 'content-type': 'application/json', 'x-webhook-secret': values.secret!, connection: 'close' },
    body: JSON.stringify(liveBenchAlert(agent, 'bench:live')),
  });
  const body = (await res.json()) as { event_id?: number };
  if (res.status !== 202 || typeof body.event_id !== 'number') fail(`webhook answered ${res.status}: ${JSON.stringify(body)}`);
  return body.event_id;
}

// --- subscriptions ------------------------------------------------------------------------------

const token = await login();
const rssBefore = await serverRssMb();

/** Per subscriber: event id → when it arrived (performance.now()). */
const received: Map<number, number>[] = Array.from({ length: subscribers }, () => new Map());
let duplicates = 0;
let failure: string | null = null;
const clients: Client[] = [];
const unsubscribes: (() => void)[] = [];
const query = `subscription Bench($filter: EventFilter) { discoverFeed(filter: $filter) { eventId } }`;

for (let s = 0; s < socketCount; s++) {
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
  clients.push(client);
  for (let i = s * perSocket; i < Math.min(subscribers, (s + 1) * perSocket); i++) {
    const mine = received[i]!;
    unsubscribes.push(
      client.subscribe<{ discoverFeed: { eventId: number } }>(
        { query, variables: { filter: { source: 'wazuh', q: `agent:"${agent}"` } } },
        {
          next: (result) => {
            const at = performance.now();
            const id = result.data?.discoverFeed.eventId;
            if (id === undefined) {
              failure ??= `subscription ${i}: ${JSON.stringify(result.errors)}`;
              return;
            }
            if (mine.has(id)) duplicates++;
            else mine.set(id, at);
          },
          error: (err) => {
            const text = Array.isArray(err) ? JSON.stringify(err) : err instanceof Error ? err.message : JSON.stringify({ code: (err as { code?: number }).code, reason: (err as { reason?: string }).reason });
            failure ??= `subscription ${i}: ${text}`;
          },
          complete: () => {
            failure ??= `subscription ${i} completed early`;
          },
        },
      ),
    );
  }
}

async function shutdown(): Promise<void> {
  for (const stop of unsubscribes) stop();
  await Promise.allSettled(clients.map((c) => c.dispose()));
}

function check(): void {
  if (!failure) return;
  void shutdown();
  fail(
    `${failure}${/TOO_MANY_SUBSCRIPTIONS/.test(failure) ? ` — start the server with WS_MAX_SUBSCRIPTIONS>=${perSocket} or pass a smaller --per-socket` : ''}`,
  );
}

// --- warm-up: until every subscription has received one event ------------------------------------

const warmUp = new Set<number>();
const readyBy = Date.now() + readyMs;
for (;;) {
  warmUp.add(await postEvent());
  const waitUntil = Date.now() + 1000;
  let ready = false;
  while (Date.now() < waitUntil) {
    check();
    ready = received.every((m) => m.size > 0);
    if (ready) break;
    await delay(20);
  }
  if (ready) break;
  if (Date.now() > readyBy) {
    await shutdown();
    fail(`only ${received.filter((m) => m.size > 0).length} of ${subscribers} subscriptions were live after ${readyMs} ms`);
  }
}
// Let the last warm-up event reach everyone before measuring.
await delay(500);

// --- measurement ------------------------------------------------------------------------------------

const sentAt = new Map<number, number>();
const posts: Promise<void>[] = [];
const started = performance.now();
for (let e = 0; e < eventCount; e++) {
  const due = started + e * intervalMs;
  const wait = due - performance.now();
  if (wait > 0) await delay(wait);
  check();
  const t0 = performance.now();
  posts.push(postEvent().then((id) => void sentAt.set(id, t0)));
}
await Promise.all(posts);

const expected = subscribers * eventCount;
const countReceived = () => {
  let n = 0;
  for (const m of received) for (const id of m.keys()) if (sentAt.has(id)) n++;
  return n;
};
const drainBy = Date.now() + drainMs;
while (countReceived() < expected && Date.now() < drainBy) {
  check();
  await delay(50);
}
// Anything late or doubled shows up in this extra moment too.
await delay(300);
check();

const latencies: number[] = [];
for (const m of received) {
  for (const [id, at] of m) {
    const t0 = sentAt.get(id);
    if (t0 !== undefined) latencies.push(at - t0);
  }
}
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!.toFixed(1)) : null;
const rssAfter = await serverRssMb();
await shutdown();

if (duplicates > 0) process.stderr.write(`bench:live: ${duplicates} duplicate deliveries (same event twice to one subscriber)\n`);
console.log(
  JSON.stringify({
    benchmark: 'live',
    subscribers,
    sockets: socketCount,
    events: eventCount,
    deliveries_expected: expected,
    deliveries_received: latencies.length,
    latency_ms: { p50: pct(50), p90: pct(90), p99: pct(99), max: latencies.length ? Number(latencies.at(-1)!.toFixed(1)) : null },
    server_rss_mb_before: rssBefore,
    server_rss_mb_after: rssAfter,
  }),
);
process.exit(0);
