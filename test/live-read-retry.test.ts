import { describe, expect, it } from 'vitest';
import { readWhileUnavailable, sharedRead } from '../src/services/live/shared-reads.ts';

/** A read that fails `failures` times with `error`, then answers `value`; counts its calls. */
function flaky<T>(failures: number, error: Error, value: T) {
  let calls = 0;
  return {
    read: async () => {
      calls += 1;
      if (calls <= failures) throw error;
      return value;
    },
    calls: () => calls,
  };
}

const poolTimeout = () => new Error('timeout exceeded when trying to connect');

describe('live reads while the database is briefly unavailable', () => {
  it('retries an unavailable database and answers once it is back', async () => {
    const read = flaky(3, poolTimeout(), ['row']);
    await expect(readWhileUnavailable(read.read, [1, 1, 1, 1])).resolves.toEqual(['row']);
    expect(read.calls()).toBe(4);
  });

  it('gives up after the last backoff, and never retries any other error', async () => {
    const down = flaky(10, poolTimeout(), []);
    await expect(readWhileUnavailable(down.read, [1, 1])).rejects.toThrow(/timeout exceeded/);
    expect(down.calls()).toBe(3);
    const bug = flaky(1, new TypeError('not a database problem'), []);
    await expect(readWhileUnavailable(bug.read, [1, 1])).rejects.toThrow(TypeError);
    expect(bug.calls()).toBe(1);
  });

  it('a shared read is retried once for all its subscribers', async () => {
    const read = flaky(1, poolTimeout(), ['row']);
    const poke = {};
    const answers = await Promise.all([1, 2, 3].map(() => sharedRead(poke, 'k', read.read)));
    expect(answers).toEqual([['row'], ['row'], ['row']]);
    expect(read.calls()).toBe(2);
  });
});
