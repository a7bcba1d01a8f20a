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
  it('takes a poke that finds the feed waiting at once, before the event loop turns', async () => {
    const source = pushSource<number>();
    const batches = pokeBatches(source.iterable);
    const first = batches.next();
    await nextTurn();
    source.push(1);
    const raced = await Promise.race([first.then((r) => r.value), nextTurn().then(() => 'a turn of the event loop first')]);
    expect(raced).toEqual([1]);
    await batches.return(undefined);
  });

  it('gathers the pokes that arrive while the feed works on a batch into the next one', async () => {
    const source = pushSource<number>();
    const batches = pokeBatches(source.iterable);
    source.push(1);
    expect((await batches.next()).value).toEqual([1]);
    // The feed is busy with [1] (its read): these three arrive meanwhile.
    source.push(2);
    source.push(3);
    await nextTurn();
    source.push(4);
    await nextTurn();
    expect((await batches.next()).value).toEqual([2, 3, 4]);
    const next = batches.next();
    await nextTurn();
    source.push(5);
    expect((await next).value).toEqual([5]);
    await batches.return(undefined);
  });

  it('ends when the source ends, with what it threw', async () => {
    async function* failing() {
      yield 1;
      throw new Error('redis went away');
    }
    const batches = pokeBatches(failing());
    expect((await batches.next()).value).toEqual([1]);
    await expect(batches.next()).rejects.toThrow('redis went away');
    async function* ending() {
      yield 1;
    }
    const finished = pokeBatches(ending());
    expect((await finished.next()).value).toEqual([1]);
    expect((await finished.next()).done).toBe(true);
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
