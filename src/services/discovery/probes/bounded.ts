import pLimit from 'p-limit';

/**
 * Maps `items` through `fn` with at most `concurrency` calls running at once; the results keep the
 * order of `items`. `onResult` runs as each item finishes (so results can be stored as they come and a
 * slow item holds back nobody) and still counts against the bound, which keeps storage from piling up
 * behind fast probes. On the first rejection the returned promise rejects and items not yet started
 * are dropped; those already running finish on their own.
 */
export function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  onResult?: (r: R, item: T, index: number) => void | Promise<void>,
): Promise<R[]> {
  const limit = pLimit(concurrency);
  return Promise.all(
    items.map((item, index) =>
      limit(async () => {
        try {
          const result = await fn(item, index);
          await onResult?.(result, item, index);
          return result;
        } catch (error) {
          limit.clearQueue();
          throw error;
        }
      }),
    ),
  );
}
