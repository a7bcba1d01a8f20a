import { Counter } from 'prom-client';
import type { Sql } from '../../db/sql.ts';
import { eventsMatchingStatement, type EventFilter, type EventRow } from '../events/reads.ts';

/*
 * The Discover feeds' read of new events, run by the writer that stores them. A feed re-reads the
 * events a poke names (feeds.ts), and a live event waited for that read's round trip after the
 * commit. The ingest batch knows the ids before it writes, so it runs the reads of the feeds
 * listening now in its own transaction, right behind its write and before its COMMIT (one round
 * trip for all): each sees the rows as they are committed, and the rows go with the poke that
 * announces the commit. In this process only — a poke that came through Redis, or whose ids are
 * not what the writer read (a transaction that wrote in several steps), is read by the feed as
 * before. A rolled-back transaction publishes no poke, so its reads are never seen.
 */

const discoverReads = new Counter({
  name: 'opsgraph_live_discover_reads_total',
  help: 'Discover feed reads of new events, by who ran them: a writer behind its write (one per listening filter) or a feed after its poke',
  labelNames: ['by'] as const,
});

/** A feed read new events itself (the writer had not, or not those). */
export const countFeedRead = (): void => discoverReads.inc({ by: 'feed' });

/** The filters of the Discover feeds listening now (one per shared execution), by filter key. */
const listening = new Map<string, { filter: EventFilter; feeds: number }>();

/** At most this many feeds' reads go with a write: each is a statement in the writer's transaction. */
const MAX_PREFETCHED_FEEDS = 4;

/** The key a feed's read of these new events goes by: its shared read's, and its prefetched rows'. */
export function discoverReadKey(filterKey: string, ids: readonly number[], receivedFrom: Date | null): string {
  return `events|${filterKey}|${ids.join(',')}|${receivedFrom?.getTime() ?? ''}`;
}

/** A feed listening for new events with this filter, until the function returned is called. */
export function listenForPrefetch(filterKey: string, filter: EventFilter): () => void {
  const entry = listening.get(filterKey) ?? { filter, feeds: 0 };
  entry.feeds++;
  listening.set(filterKey, entry);
  let listens = true;
  return () => {
    if (!listens) return;
    listens = false;
    if (--entry.feeds === 0) listening.delete(filterKey);
  };
}

export interface FeedRead {
  key: string;
  statement: Sql;
}

/**
 * The reads the listening feeds (up to MAX_PREFETCHED_FEEDS) would make of these new events, once
 * the poke that announces them comes: their ids in this order, from the earliest received_at
 * (none when one of them has none), as change-collector.ts' poke says them.
 */
export function feedReadsFor(events: readonly { id: number; receivedAt?: Date }[]): FeedRead[] {
  if (events.length === 0 || listening.size === 0) return [];
  const ids = events.map((e) => e.id);
  const receivedFrom = earliestReceived(events);
  const reads: FeedRead[] = [];
  for (const [filterKey, { filter }] of listening) {
    if (reads.length === MAX_PREFETCHED_FEEDS) break;
    reads.push({ key: discoverReadKey(filterKey, ids, receivedFrom), statement: eventsMatchingStatement(filter, ids, receivedFrom) });
  }
  if (reads.length > 0) discoverReads.inc({ by: 'writer' }, reads.length);
  return reads;
}

/** Rows a writer read for the feeds, kept with the poke object that announces its events. */
const prefetched = new WeakMap<object, ReadonlyMap<string, EventRow[]>>();

export function attachPrefetched(poke: object, rows: ReadonlyMap<string, EventRow[]>): void {
  if (rows.size > 0) prefetched.set(poke, rows);
}

/** What the writer read under `key` for the feeds this poke wakes, if it did. */
export function prefetchedRows(poke: object, key: string): EventRow[] | undefined {
  return prefetched.get(poke)?.get(key);
}

function earliestReceived(events: readonly { receivedAt?: Date }[]): Date | null {
  let earliest: number | null = null;
  for (const { receivedAt } of events) {
    const at = receivedAt instanceof Date ? receivedAt.getTime() : NaN;
    if (Number.isNaN(at)) return null;
    earliest = Math.min(earliest ?? at, at);
  }
  return earliest === null ? null : new Date(earliest);
}
