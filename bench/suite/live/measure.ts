import { loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Measurement, RunningServer } from '../types.ts';
import { sharedClockMs } from './messages.ts';
import type { Publish } from './publishers.ts';
import { assertServerDescriptors, openSubscribers, type SubscriberSpec } from './subscribers.ts';
import { latencySummary } from './stats.ts';

const WARM_UP_TIMEOUT_MS = 120_000;
/**
 * After the last publish, receipts are awaited while they keep coming: a server that is behind is
 * slow, not lossy. Missing ones count as lost once nothing arrived for QUIET_MS (or at DRAIN_MS).
 */
const QUIET_MS = 15_000;
const DRAIN_MS = 180_000;

export interface LiveSide {
  server: RunningServer;
  publish: Publish;
  subscribers: Omit<SubscriberSpec, 'url'>;
  eventsPerSecond: number;
  seconds: number;
  log(line: string): void;
}

/**
 * One side of one round: RSS of the idle server, N subscribers opened and proven live (warm-up
 * events until each has received one), RSS again, then events published at the rate and the
 * latency from just before each publish to its receipt at every subscriber.
 */
export async function measureLiveSide(side: LiveSide): Promise<Measurement> {
  const { server, publish, eventsPerSecond, seconds } = side;
  const count = side.subscribers.count;
  assertServerDescriptors(server.pid, count);
  // The first event loads the publish path's code, so the RSS difference is the subscribers'.
  await publish();
  await delay(500);
  const rssBefore = server.rssBytes();
  const opened = performance.now();
  const subscribers = await openSubscribers({ ...side.subscribers, url: server.url });
  try {
    const openSeconds = (performance.now() - opened) / 1000;
    const warmUpEvents = await warmUp(subscribers.status, publish, count);
    // Stragglers of the last warm-up event arrive before the measured ones start.
    await delay(500);
    const rssWith = server.rssBytes();
    const before = await subscribers.status();

    const sentAt = new Map<number, number>();
    /** How long each publish took to be answered: the server's ingest, before any fan-out. */
    const acks: number[] = [];
    /** Publish order of each event id, to say which events some subscriber missed. */
    const position = new Map<number, number>();
    let failedPublishes = 0;
    const posts: Promise<void>[] = [];
    const events = Math.max(1, Math.round(eventsPerSecond * seconds));
    const started = performance.now();
    for (let e = 0; e < events; e++) {
      const wait = started + (e * 1000) / eventsPerSecond - performance.now();
      if (wait > 0) await delay(wait);
      const t0 = sharedClockMs();
      posts.push(
        publish().then(
          (id) => {
            acks.push(sharedClockMs() - t0);
            sentAt.set(id, t0);
            position.set(id, e + 1);
          },
          (error: unknown) => {
            failedPublishes++;
            side.log(`publish failed: ${error instanceof Error ? error.message : String(error)}`);
          },
        ),
      );
    }
    await Promise.all(posts);
    const publishSeconds = (performance.now() - started) / 1000;
    const expected = sentAt.size * count;
    const drainStarted = Date.now();
    const drainBy = drainStarted + DRAIN_MS;
    let last = before.received;
    let lastChange = Date.now();
    for (;;) {
      const { received } = await subscribers.status();
      if (received !== last) [last, lastChange] = [received, Date.now()];
      if (received - before.received >= expected || Date.now() - lastChange > QUIET_MS || Date.now() > drainBy) break;
      await delay(50);
    }
    const trailingSeconds = (lastChange - drainStarted) / 1000;
    // Anything doubled shows up in this extra moment too.
    await delay(300);

    const { receipts, duplicates } = await subscribers.collect([...sentAt.keys()]);
    const latencies: number[] = [];
    /** Each event's earliest receipt: what the server did before its fan-out began, and one frame. */
    const firstReceipts: number[] = [];
    const incomplete: string[] = [];
    for (const [id, times] of receipts) {
      if (times.length < count) incomplete.push(`#${position.get(id)}/${events}: ${times.length}`);
      for (const at of times) latencies.push(at - sentAt.get(id)!);
      if (times.length > 0) firstReceipts.push(Math.min(...times) - sentAt.get(id)!);
    }
    const summary = latencySummary(latencies);
    const rssPerSubscriber = (rssWith - rssBefore) / count;
    return {
      requestsPerSecond: latencies.length / publishSeconds,
      latencyMs: summary,
      errors: failedPublishes,
      extra: {
        subscribers: count,
        events: sentAt.size,
        deliveriesExpected: expected,
        deliveriesReceived: latencies.length,
        lost: expected - latencies.length,
        // Which published events (by order) reached fewer than every subscriber, and how many got them.
        incompleteEvents: incomplete.join(', ') || 'none',
        duplicates,
        // The median's two parts: until the first subscriber has the event, then the fan-out.
        firstReceiptP50Ms: latencySummary(firstReceipts).p50,
        publishAckP50Ms: latencySummary(acks).p50,
        rssBeforeMiB: round(rssBefore / 2 ** 20),
        rssWithSubscribersMiB: round(rssWith / 2 ** 20),
        rssPerSubscriberKiB: round(rssPerSubscriber / 1024),
        openSeconds: round(openSeconds),
        warmUpEvents,
        trailingSeconds: round(Math.max(0, trailingSeconds)),
        loadAverage1m: round(loadavg()[0]!),
      },
    };
  } finally {
    await subscribers.close();
  }
}

/** Publishes an event a second until every subscriber has received one; returns how many it took. */
async function warmUp(status: () => Promise<{ withAny: number }>, publish: Publish, count: number): Promise<number> {
  const deadline = Date.now() + WARM_UP_TIMEOUT_MS;
  for (let events = 1; ; events++) {
    await publish();
    const waitUntil = Date.now() + 1000;
    while (Date.now() < waitUntil) {
      if ((await status()).withAny === count) return events;
      await delay(25);
    }
    if (Date.now() > deadline) {
      throw new Error(`only ${(await status()).withAny} of ${count} subscribers had received an event after ${WARM_UP_TIMEOUT_MS / 1000} s`);
    }
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
