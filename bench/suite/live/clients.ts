/*
 * The subscribers of the live scenarios, in a process of their own so that receiving thousands of
 * frames does not share an event loop with the publisher or the timing:
 *   node bench/suite/live/clients.ts --url ws://127.0.0.1:4711/graphql --subscribers 5000
 *        --document 'subscription …' [--variables '{…}'] [--concurrency 200]
 * forked with an IPC channel (see messages.ts); BENCH_LIVE_AUTHORIZATION, when set, is sent as
 * connectionParams.authorization (kept off the command line). One graphql-ws socket per
 * subscriber, one subscription on each; receipts are stamped with the clock both processes share (sharedClockMs) as they arrive.
 */
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { sharedClockMs, type Reply, type Request } from './messages.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    subscribers: { type: 'string' },
    document: { type: 'string' },
    variables: { type: 'string', default: '{}' },
    concurrency: { type: 'string', default: '200' },
  },
});
const subscribers = Number(values.subscribers);
const concurrency = Number(values.concurrency);
if (!values.url || !values.document || !(subscribers >= 1) || !(concurrency >= 1) || !process.send) {
  process.stderr.write('clients.ts: --url, --document, --subscribers ≥ 1 and an IPC channel (fork) are required\n');
  process.exit(2);
}
const variables = JSON.parse(values.variables!) as Record<string, unknown>;
const authorization = process.env.BENCH_LIVE_AUTHORIZATION;

const send = (reply: Reply) => process.send!(reply);
let failed = false;
function fail(reason: string): void {
  if (failed) return;
  failed = true;
  send({ type: 'failed', reason });
}

/** Event id → receipt times; per subscriber, the ids it already got (a second copy is a duplicate). */
let receipts = new Map<number, number[]>();
const seen: Set<number>[] = Array.from({ length: subscribers }, () => new Set());
let duplicates = 0;
let received = 0;

/** The event id in a `next` payload: `{ data: { <field>: { eventId } } }` on both servers. */
function eventIdOf(data: Record<string, unknown> | null | undefined): number | undefined {
  const field = data ? Object.values(data)[0] : undefined;
  const id = (field as { eventId?: unknown } | undefined)?.eventId;
  return typeof id === 'number' ? id : typeof id === 'string' && id !== '' ? Number(id) : undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  const close = err as { code?: number; reason?: string };
  return close && typeof close.code === 'number' ? `socket closed ${close.code} ${close.reason ?? ''}`.trim() : JSON.stringify(err);
}

const clients: Client[] = [];

/** Opens subscriber `i`; resolves once its socket is acknowledged (connection_ack). */
function open(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = createClient({
      url: values.url!,
      webSocketImpl: WebSocket,
      connectionParams: authorization ? { authorization } : {},
      lazy: true,
      retryAttempts: 0,
      on: { connected: () => resolve(), closed: (event) => reject(new Error(describe(event))) },
    });
    clients.push(client);
    const mine = seen[i]!;
    client.subscribe<Record<string, unknown>>(
      { query: values.document!, variables },
      {
        next: (result) => {
          const at = sharedClockMs();
          const id = eventIdOf(result.data);
          if (id === undefined) return fail(`subscriber ${i}: ${JSON.stringify(result.errors ?? result)}`);
          if (mine.has(id)) {
            duplicates++;
            return;
          }
          mine.add(id);
          received++;
          let times = receipts.get(id);
          if (!times) receipts.set(id, (times = []));
          times.push(at);
        },
        error: (err) => fail(`subscriber ${i}: ${describe(err)}`),
        complete: () => fail(`subscriber ${i}: the server completed the subscription`),
      },
    );
  });
}

const started = performance.now();
let next = 0;
async function opener(): Promise<void> {
  while (next < subscribers && !failed) await open(next++);
}
try {
  // A bounded number of handshakes in flight: thousands at once overflow the listen backlog.
  await Promise.all(Array.from({ length: Math.min(concurrency, subscribers) }, opener));
  send({ type: 'connected', sockets: clients.length, seconds: (performance.now() - started) / 1000 });
} catch (err) {
  fail(`opening ${subscribers} sockets (${clients.length} so far): ${describe(err)}`);
}

process.on('message', async (request: Request) => {
  if (request.type === 'status') {
    send({ type: 'status', withAny: seen.reduce((n, ids) => n + (ids.size > 0 ? 1 : 0), 0), received });
  } else if (request.type === 'collect') {
    send({ type: 'collected', receipts: request.ids.map((id) => [id, receipts.get(id) ?? []]), duplicates });
    receipts = new Map();
  } else {
    // Closing stops the subscriptions first, so no socket counts its own close as a failure.
    failed = true;
    await Promise.allSettled(clients.map((c) => c.dispose()));
    process.exit(0);
  }
});
// The parent died or let go: nothing else would end this process.
process.on('disconnect', () => process.exit(0));
