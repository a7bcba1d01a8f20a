import type { EntityManager } from '@mikro-orm/postgresql';
import { healthChangesAfter, latestHealthChangeId, type HealthChangeFilter, type HealthChangeRow } from '../discovery/history-reads.ts';

const PAGE = 500;

/**
 * Discovered resources' status changes matching the filter, in the order they happened: first
 * every one after the client's cursor (or none: without one the feed starts now), then the new
 * ones on each poke. The cursor is the change's id, so nothing is sent twice or skipped.
 */
export async function* resourceHealthFeed(
  em: EntityManager,
  filter: HealthChangeFilter,
  after: number | null,
  pokes: AsyncIterable<unknown>,
): AsyncGenerator<HealthChangeRow> {
  let cursor = after ?? (await latestHealthChangeId(em));
  async function* catchUp(): AsyncGenerator<HealthChangeRow> {
    for (let page = PAGE; page === PAGE; ) {
      const rows = await healthChangesAfter(em.fork(), filter, cursor, PAGE);
      for (const row of rows) {
        cursor = row.id;
        yield row;
      }
      page = rows.length;
    }
  }
  yield* catchUp();
  for await (const _poke of pokes) yield* catchUp();
}
