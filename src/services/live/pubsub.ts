import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Logger } from '../../logger.ts';

/**
 * What live views listen to. Messages are pokes that name what changed (ids), never the data:
 * subscribers read the rows themselves, so a message lost in transit or delivered twice costs a
 * re-read, never a wrong or missing timeline entry.
 */
export type LiveTopics = {
  /** One chamado's timeline or fields changed (topic per chamado id). */
  chamado: [chamadoId: number, payload: { chamadoId: number }];
  /** Chamados changed (for list views). */
  chamados: [payload: { ids: number[] }];
  /**
   * Events were stored (Discover feed); `receivedFrom` (ISO time) is at or before every one's
   * received_at, absent when unknown (a poke from an older instance, an event without one).
   */
  events: [payload: { ids: number[]; receivedFrom?: string }];
  /** Approval requests changed. */
  approvals: [payload: { ids: number[] }];
  /**
   * Recurrence groups of these projects changed (their change_seq moved): events counted into
   * them, silences, thresholds, work-item entries, runs on their chamados.
   */
  recurrence: [payload: { projectIds: string[] }];
  /** Discovered resources changed status (new discovery_health_changes rows). */
  resourceHealth: [payload: { ids: number[] }];
};

export type LivePubSub = PubSub<LiveTopics>;

/** How live pokes travel: in this process only (no REDIS_URL), through Redis, or degraded (Redis unreachable). */
export type LiveDelivery = 'in-process' | 'redis' | 'redis-unreachable';

export interface LiveBus {
  pubsub: LivePubSub;
  /** Read by /health: a degraded delivery is reported, not fatal. */
  delivery: () => LiveDelivery;
  close: () => Promise<void>;
}

/** Redis reconnects forever, at most every 2 s: the process outlives any Redis outage. */
const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2000);

/**
 * In-process pub/sub, or Redis-backed when REDIS_URL is set so a subscriber on one instance hears
 * what another instance changed. Swapping the event target changes no resolver.
 */
export function createLivePubSub(redisUrl: string | undefined, log: Logger): LiveBus {
  if (!redisUrl) return { pubsub: createPubSub<LiveTopics>(), delivery: () => 'in-process', close: async () => undefined };
  // A publish while Redis is away fails at once (no offline queue to grow without bound) and is
  // delivered in this process instead; subscriptions wait in the queue and are made on reconnect.
  const publisher = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy });
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy });
  const health = redisHealth([publisher, subscriber], log);
  return {
    pubsub: createPubSub<LiveTopics>({ eventTarget: survivingRedisEventTarget(publisher, subscriber) }),
    delivery: () => (health.reachable() ? 'redis' : 'redis-unreachable'),
    close: async () => {
      health.stop();
      // QUIT would wait in the offline queue for a Redis that may never return.
      await Promise.allSettled([publisher, subscriber].map((c) => (c.status === 'ready' ? c.quit() : c.disconnect())));
    },
  };
}

/**
 * Whether both clients are connected, logged once per change (never once per retry: ioredis
 * emits an 'error' per attempt, and without a listener prints each as an unhandled error).
 */
function redisHealth(clients: Redis[], log: Logger): { reachable: () => boolean; stop: () => void } {
  let reachable: boolean | undefined;
  let lastError = '';
  let stopped = false;
  const update = () => {
    const now = clients.every((c) => c.status === 'ready');
    if (stopped || now === reachable) return;
    // Still connecting at start is not yet a change worth a line.
    if (reachable === undefined && !now && !lastError) return;
    if (now) log.info('live delivery through Redis');
    else log.warn({ error: lastError }, 'Redis unreachable: live updates reach only subscribers of this instance until it returns');
    reachable = now;
  };
  for (const client of clients) {
    client.on('error', (err: Error) => {
      lastError = err.message;
      update();
    });
    for (const event of ['ready', 'close', 'reconnecting', 'end']) client.on(event, update);
  }
  return { reachable: () => reachable === true, stop: () => void (stopped = true) };
}

/**
 * graphql-yoga's Redis event target leaves its commands' rejections unhandled (one
 * MaxRetriesPerRequestError ended the process), so it gets clients whose commands never reject;
 * and a poke that cannot go through Redis now is handed to this instance's own subscribers.
 */
function survivingRedisEventTarget(publisher: Redis, subscriber: Redis): ReturnType<typeof createRedisEventTarget> {
  const ignore = () => undefined;
  let onMessage: (channel: string, message: string) => void = ignore;
  const publishClient = {
    publish(channel: string, message: string) {
      // Our own subscriber would not hear it through Redis now.
      if (subscriber.status !== 'ready') onMessage(channel, message);
      if (publisher.status !== 'ready') return Promise.resolve(0);
      return publisher.publish(channel, message).catch(() => {
        if (subscriber.status === 'ready') onMessage(channel, message);
        return 0;
      });
    },
  };
  const subscribeClient = {
    on(event: 'message', listener: (channel: string, message: string) => void) {
      onMessage = listener;
      subscriber.on(event, listener);
    },
    subscribe: (channel: string) => subscriber.subscribe(channel).catch(ignore),
    unsubscribe: (channel: string) => subscriber.unsubscribe(channel).catch(ignore),
  };
  return createRedisEventTarget({ publishClient: publishClient as unknown as Redis, subscribeClient: subscribeClient as unknown as Redis });
}

/**
 * A live stream fed by pokes. `listen` is called when the stream starts and is listened to at
 * once, before `body` makes its first read, so a change committed while the body replays from
 * the database still pokes it (a pub/sub iterator otherwise only listens from its first `next`).
 * Ending the stream (the client unsubscribes, the socket closes) ends the pokes first, so a body
 * waiting for the next poke finishes now rather than at the next poke: an async generator's
 * `return()` waits for its pending step, which on a quiet topic never comes (the listener, and
 * graphql-ws's per-socket slot, would stay taken).
 */
export function liveStream<P, T>(
  listen: () => AsyncIterator<P>,
  body: (pokes: AsyncIterable<P>) => AsyncGenerator<T>,
): AsyncIterableIterator<T> {
  let running: { stopListening: () => Promise<unknown>; inner: AsyncGenerator<T> } | null = null;
  let ended = false;
  const start = () => {
    if (running) return running;
    const source = listen();
    let first: Promise<IteratorResult<P>> | null = source.next(); // starts listening now
    first.catch(() => undefined);
    const pokes: AsyncIterableIterator<P> = {
      next: () => {
        const pending = first;
        first = null;
        return pending ?? source.next();
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    const stopListening = async () => {
      first = null;
      await source.return?.();
    };
    running = { stopListening, inner: body(pokes) };
    return running;
  };
  const stop = async () => {
    ended = true;
    if (!running) return null;
    await running.stopListening();
    return running.inner;
  };
  return {
    next: () => {
      if (ended) return Promise.resolve({ done: true, value: undefined });
      const { inner, stopListening } = start();
      return inner.next().then(
        (result) => {
          if (result.done) void stopListening();
          return result;
        },
        (err: unknown) => {
          void stopListening();
          throw err;
        },
      );
    },
    return: async (value?: unknown) => {
      const inner = await stop();
      await inner?.return(undefined as never);
      return { done: true, value: value as never };
    },
    throw: async (err?: unknown) => {
      const inner = await stop();
      if (!inner) throw err;
      return inner.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
