import { LRUCache } from 'lru-cache';

/**
 * Many subscribers react to the same poke with the same read (same event ids, same filter):
 * the first one's query is shared by the rest for a few seconds, so fan-out to thousands of
 * subscribers costs one statement per distinct filter, not one per subscriber.
 */
const cache = new LRUCache<string, Promise<unknown>>({ max: 5000, ttl: 5000 });

export function sharedRead<T>(key: string, read: () => Promise<T>): Promise<T> {
  let pending = cache.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = read();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}
