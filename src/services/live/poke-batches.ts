const NOT_YET = Symbol('not yet');

/**
 * Pokes in batches: each batch is a poke and every poke that had already arrived by then. A feed
 * that reads once per poke falls further behind with every poke that comes while it reads (its
 * reads wait for the database like the writes that poke it); reading once per batch, it catches
 * up in one read however many pokes queued.
 */
export async function* pokeBatches<P>(pokes: AsyncIterable<P>): AsyncGenerator<P[]> {
  const source = pokes[Symbol.asyncIterator]();
  // A feed that stops (its subscriber left) stops listening too, as `for await` over the pokes did.
  try {
    yield* batchesOf(source);
  } finally {
    await source.return?.();
  }
}

async function* batchesOf<P>(source: AsyncIterator<P>): AsyncGenerator<P[]> {
  let pending: Promise<IteratorResult<P>> | null = null;
  for (;;) {
    const first = await (pending ?? source.next());
    pending = null;
    if (first.done) return;
    const batch = [first.value];
    for (;;) {
      const next = source.next();
      // What arrived already resolves before the next turn of the event loop; what has not is the next batch's first.
      const ready = await Promise.race([next, new Promise<typeof NOT_YET>((resolve) => setImmediate(resolve, NOT_YET))]);
      if (ready === NOT_YET) {
        pending = next;
        break;
      }
      if (ready.done) {
        yield batch;
        return;
      }
      batch.push(ready.value);
    }
    yield batch;
  }
}
