import { setTimeout as delay } from 'node:timers/promises';
import { isDatabaseUnavailable } from '../../db/unavailable.ts';

/**
 * Many subscribers react to the same poke with the same read (same ids, same filter): the first
 * one's query is shared by the rest, so fan-out to thousands of subscribers costs one statement
 * per poke and distinct filter, not one per subscriber. Reads are shared per poke (every listener
 * of a topic receives the same payload object, in process and from Redis alike), never across
 * pokes: the next poke for the same ids means the rows changed again and must be read again.
 */
const reads = new WeakMap<object, Map<string, Promise<unknown>>>();

export function sharedRead<T>(poke: object, key: string, read: () => Promise<T>): Promise<T> {
  let byKey = reads.get(poke);
  if (!byKey) reads.set(poke, (byKey = new Map()));
  let pending = byKey.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = readWhileUnavailable(read);
    byKey.set(key, pending);
    pending.catch(() => byKey.delete(key));
  }
  return pending;
}

/** Backoff before each retry; their sum (~10 s) is how long a feed waits for the database. */
export const LIVE_READ_BACKOFF_MS = [100, 200, 400, 800, 1600, 3200, 3200] as const;

/**
 * A poke names rows already committed, so a read that finds the database unavailable for a moment
 * (its pool exhausted under a burst, a restart) is retried: failing it would end the stream of
 * every subscriber sharing it, and they would miss the very rows they were poked for.
 */
export async function readWhileUnavailable<T>(read: () => Promise<T>, backoffMs: readonly number[] = LIVE_READ_BACKOFF_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const wait = backoffMs[attempt];
      if (wait === undefined || !isDatabaseUnavailable(error)) throw error;
      await delay(wait);
    }
  }
}
