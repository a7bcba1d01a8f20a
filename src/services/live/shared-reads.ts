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
    pending = read();
    byKey.set(key, pending);
    pending.catch(() => byKey.delete(key));
  }
  return pending;
}
