import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlPart, whereAll } from '../../db/sql.ts';
import { GROUP_COLUMNS, type RecurrenceGroupRow } from '../recurrence/reads.ts';
import { sharedRead } from './shared-reads.ts';

/*
 * The recurrenceChanged feed: groups in the order their change_seq moved (ingest's upsert, and
 * change-collector.ts for changes made through the unit of work). Like the other feeds it replays
 * from the client's cursor, then re-reads on every poke of its project.
 *
 * change_seq comes from a sequence, taken inside the writer's transaction: transactions commit in
 * another order than they took their numbers (ingest takes it early, then correlates), so a
 * group with change_seq 10 can become visible after one with 11 was already sent. A plain
 * "change_seq > last sent" would skip it for good. So the feed keeps two marks: `settled`, below
 * which nothing new can appear, and what it sent above it (group → change_seq, so nothing is sent
 * twice). A read's highest change_seq becomes settled once every transaction that was running at
 * that read has finished — the read's snapshot xmax is at or below a later snapshot's xmin (xids
 * of PostgreSQL's pg_current_snapshot(), which is the reading statement's own snapshot). A
 * transaction that starts after a read takes a higher change_seq than anything that read saw.
 */

export interface RecurrenceFeedFilter {
  projectId?: string | null;
  provider?: string | null;
}

/** Groups per read: a long replay, or a burst, comes in several reads. */
export const RECURRENCE_FEED_BATCH = 200;

/**
 * A read counts as settled after this long even if a transaction running at it has not finished
 * (an idle session holding a transaction open would otherwise make every poke re-read all that
 * changed since it began). Writers of change_seq commit within milliseconds.
 */
const SETTLE_AFTER_MS = 30_000;

interface ChangedPage {
  rows: RecurrenceGroupRow[];
  /** The highest change_seq the read could see, of any group (matching the filter or not). */
  top: number;
  /** The reading statement's snapshot: oldest xid still running, first xid not yet started. */
  xmin: bigint;
  xmax: bigint;
}

/** Up to a batch of matching groups whose change_seq is above `from`, lowest first, with the read's snapshot. */
async function changedAfter(em: EntityManager, filter: RecurrenceFeedFilter, from: number): Promise<ChangedPage> {
  const where = whereAll([
    sqlPart('g.change_seq > ?', from),
    filter.projectId != null && sqlPart('g.project_id = ?', filter.projectId),
    filter.provider != null && sqlPart('g.provider = ?', filter.provider),
  ]);
  const rows = await em.execute<(RecurrenceGroupRow & { snapTop: number; snapXmin: string; snapXmax: string })[]>(
    `select s.top as "snapTop", s.xmin as "snapXmin", s.xmax as "snapXmax", r.*
     from (select (select coalesce(max(change_seq), 0) from recurrence_groups)::int as top,
             pg_snapshot_xmin(pg_current_snapshot())::text as xmin, pg_snapshot_xmax(pg_current_snapshot())::text as xmax) s
     left join lateral (
       select ${GROUP_COLUMNS} from recurrence_groups g ? order by g.change_seq limit ${RECURRENCE_FEED_BATCH}
     ) r on true
     order by r."changeSeq"`,
    [where],
  );
  const [first] = rows;
  return {
    rows: rows.filter((r) => r.id !== null).map(({ snapTop: _t, snapXmin: _x, snapXmax: _y, ...row }) => row as RecurrenceGroupRow),
    top: first!.snapTop,
    xmin: BigInt(first!.snapXmin),
    xmax: BigInt(first!.snapXmax),
  };
}

/** The highest change_seq given so far: where a feed without a cursor starts. */
async function latestChangeSeq(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ seq: number | null }[]>('select max(change_seq)::int as seq from recurrence_groups');
  return row?.seq ?? 0;
}

/**
 * Changed groups matching the filter. With `after` (a change_seq), first every matching group
 * changed after it; without, from now. Each group is sent as it is when read (a group that changed
 * twice between two reads is sent once, as it is after both).
 */
export async function* recurrenceChanged(
  em: EntityManager,
  filter: RecurrenceFeedFilter,
  after: number | null,
  pokes: AsyncIterable<{ projectIds: string[] }>,
): AsyncGenerator<RecurrenceGroupRow> {
  const filterKey = JSON.stringify([filter.projectId ?? null, filter.provider ?? null]);
  let settled = after ?? (await latestChangeSeq(em));
  /** Sent groups whose change_seq is above `settled` (a re-read must not send them again). */
  const sent = new Map<number, number>();
  /** Reads not settled yet: the highest change_seq they could see, their snapshot's xmax, when. Ascending. */
  const unsettled: { seq: number; xmax: bigint; at: number }[] = [];

  async function* catchUp(read: (from: number) => Promise<ChangedPage>): AsyncGenerator<RecurrenceGroupRow> {
    let page = await read(settled);
    const horizon = page.xmin;
    for (;;) {
      for (const row of page.rows) {
        if ((sent.get(row.id) ?? -1) >= row.changeSeq) continue;
        sent.set(row.id, row.changeSeq);
        yield row;
      }
      if (page.rows.length < RECURRENCE_FEED_BATCH) break;
      page = await read(page.rows.at(-1)!.changeSeq);
    }
    // Every transaction running at those earlier reads had finished before this one's first page,
    // which read from `settled` on: it showed all they committed.
    const now = Date.now();
    while (unsettled.length && (unsettled[0]!.xmax <= horizon || now - unsettled[0]!.at > SETTLE_AFTER_MS)) {
      settled = Math.max(settled, unsettled.shift()!.seq);
    }
    if (page.top > settled) {
      const last = unsettled.at(-1);
      if (last && last.xmax === page.xmax) last.seq = Math.max(last.seq, page.top);
      else unsettled.push({ seq: page.top, xmax: page.xmax, at: now });
    }
    for (const [id, seq] of sent) if (seq <= settled) sent.delete(id);
  }

  // The replay (and the first read without a cursor) reads alone: its cursor is its own.
  yield* catchUp((from) => changedAfter(em, filter, from));
  for await (const poke of pokes) {
    if (filter.projectId != null && !poke.projectIds.includes(filter.projectId)) continue;
    // Subscribers of one filter that are caught up read from the same mark: one read for all.
    yield* catchUp((from) => sharedRead(poke, `recurrence|${filterKey}|${from}`, () => changedAfter(em.fork(), filter, from)));
  }
}
