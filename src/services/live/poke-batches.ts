/**
 * Pokes in batches, without waiting: a poke that finds the feed waiting is taken at once, and the
 * pokes that arrive while the feed works on a batch (its read waits for the database like the
 * writes that poke it) are gathered and taken together as the next one. A feed that falls behind
 * catches up in one read however many pokes queued, and an idle feed adds no delay to a poke.
 * The source is read as fast as it delivers, into memory: what piles up is only what arrived
 * while one batch was being read.
 */
export async function* pokeBatches<P>(pokes: AsyncIterable<P>): AsyncGenerator<P[]> {
  const source = pokes[Symbol.asyncIterator]();
  const arrived: P[] = [];
  // How the source ended (with the error it threw, if it did), once it has.
  const state: { ended: { error?: unknown } | null } = { ended: null };
  let wake: (() => void) | null = null;
  const woken = () => {
    wake?.();
    wake = null;
  };
  void (async () => {
    try {
      for (let next = await source.next(); !next.done; next = await source.next()) {
        arrived.push(next.value);
        woken();
      }
      state.ended = {};
    } catch (error) {
      state.ended = { error };
    }
    woken();
  })();
  // A feed that stops (its subscriber left) stops listening too, as `for await` over the pokes did.
  try {
    for (;;) {
      if (arrived.length === 0 && !state.ended) await new Promise<void>((resolve) => (wake = resolve));
      if (arrived.length > 0) yield arrived.splice(0);
      else if (state.ended) {
        if ('error' in state.ended) throw state.ended.error;
        return;
      }
    }
  } finally {
    await source.return?.();
  }
}
