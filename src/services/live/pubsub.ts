import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';

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
  /** Events were stored (Discover feed). */
  events: [payload: { ids: number[] }];
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

/**
 * In-process pub/sub, or Redis-backed when REDIS_URL is set so a subscriber on one instance hears
 * what another instance changed. Swapping the event target changes no resolver.
 */
export function createLivePubSub(redisUrl: string | undefined): { pubsub: LivePubSub; close: () => Promise<void> } {
  if (!redisUrl) return { pubsub: createPubSub<LiveTopics>(), close: async () => undefined };
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<LiveTopics>({ eventTarget }),
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
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
