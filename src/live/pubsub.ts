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
