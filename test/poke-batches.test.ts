import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { pokeBatches } from '../src/services/live/poke-batches.ts';

/** A poke source the test pushes into, which records whether its listener was released. */
function pushSource<P>() {
  const queued: P[] = [];
  let wake: (() => void) | null = null;
  const state = { returned: false };
  const iterable: AsyncIterable<P> = {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<P>> {
        while (queued.length === 0 && !state.returned) await new Promise<void>((resolve) => (wake = resolve));
        return state.returned ? { done: true, value: undefined } : { done: false, value: queued.shift()! };
      },
      async return(): Promise<IteratorResult<P>> {
        state.returned = true;
        wake?.();
        return { done: true, value: undefined };
      },
    }),
  };
  return { iterable, state, push: (p: P) => (queued.push(p), wake?.()) };
}

describe('pokeBatches', () => {
  it('batches what already arrived, and one poke alone when nothing else waits', async () => {
    const source = pushSource<number>();
    const batches = pokeBatches(source.iterable);
    source.push(1);
    source.push(2);
    source.push(3);
    expect((await batches.next()).value).toEqual([1, 2, 3]);
    const next = batches.next();
    await nextTurn();
    source.push(4);
    expect((await next).value).toEqual([4]);
    await batches.return(undefined);
  });

  it('releases the poke source when the feed stops', async () => {
    const source = pushSource<number>();
    const batches = pokeBatches(source.iterable);
    source.push(1);
    await batches.next();
    await batches.return(undefined);
    expect(source.state.returned).toBe(true);
  });
});
