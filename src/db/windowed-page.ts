import type { EntityManager } from '@mikro-orm/postgresql';
import { LRUCache } from 'lru-cache';
import { executePrepared } from './prepared-statements.ts';
import { anyOf, sqlPart, whereAll, type Sql } from './sql.ts';
import { isoTimestamp } from './timestamps.ts';
import type { PagedQuery, PagedRows } from './paged-rows.ts';

/*
 * A page with a bounded count (PagedQuery.countBound: the events feed), its matches read newest
 * first in id ranges when the query has them (PagedQuery.recentWindows: full-text conditions,
 * whose selectivity the planner cannot know) or in one range when not. Over a partitioned table,
 * what such a page costs PostgreSQL is mostly planning: every statement is planned over every
 * month and each month's 16 indexes, about 0.16 ms per table a statement reads. One statement
 * holding the id span, each range's ways and the page's rows read `events` nine times, and at 1M
 * events it spent ~7 ms planning and ~3 ms more for the span's, against 3–6 ms running. So the page
 * is read in statements that each pay for what they do:
 *
 * 1. the id span, a named statement (prepared-statements.ts): planned once per connection, and
 *    kept for a second (see recentSpan);
 * 2. the newest range, planned with its bounds as constants so the planner weighs them (walked in
 *    id order, or through an index within the range, whichever its statistics favour);
 * 3. only when the newest range found too few: the older rows, walked or through the other indexes
 *    by the density the newest range found (chosen here, so that its statement is a named one);
 * 4. the page's rows by id, a named statement.
 *
 * A page after a cursor (or past the counted ids) reads 2–3 for its own start as well. The
 * statements are bounded (at most six), whatever the page size or the number of matches. Each
 * reads in its own snapshot; the page's rows are the counted ids, so the count and the page agree.
 */

/**
 * What fetching one match through the GIN index costs, in rows walked in id order: the walk reads
 * rows that lie together on the heap, the index one page per match (4 µs a walked row against
 * 50 µs a fetched match, measured over the 1M-event bench dataset).
 */
const INDEX_FETCH_ROWS = 12;

interface IdSpan {
  first: number;
  last: number;
}

/** A matching row as a range found it: its id, and its PagedQuery.storedAt value when the query names one. */
interface Found {
  id: number;
  at?: string | Date | null;
}

export async function windowedPage<T extends object>(
  em: EntityManager,
  query: PagedQuery & { table: string },
  bound: number,
  page: { limit: number; offset: number; afterId: number | null },
): Promise<PagedRows<T>> {
  const take = bound + 1;
  const pageTake = page.limit + 1 + page.offset;
  const span = await recentSpan(em, query);
  if (!span) return { rows: [], total: 0, hasNextPage: false, totalIsEstimate: false };
  const counted = await newestIds(em, query, span, null, take);
  // A first page no longer than the count's ids is their newest part: read once.
  const pageIds =
    page.afterId === null && pageTake <= take ? counted.slice(0, pageTake) : await newestIds(em, query, span, page.afterId, pageTake);
  const kept = await rowsOf<T>(em, query, pageIds.slice(page.offset));
  const rows = { rows: kept.slice(0, page.limit), hasNextPage: kept.length > page.limit };
  const found = counted.length;
  if (found <= bound) return { ...rows, total: found, totalIsEstimate: false };
  // Past the bound, the matches are assumed as dense below the lowest id found as above it.
  const last = Math.max(span.last, counted[0]!.id);
  const lowest = counted.at(-1)!.id;
  const estimate = Math.round((found * (last - span.first + 1)) / (last - lowest + 1));
  return { ...rows, total: Math.max(take, estimate), totalIsEstimate: true };
}

/**
 * The id span as read at most a second ago, per table and bounds. It only places the ranges (and
 * scales an estimate): the newest range has no upper end, so rows newer than the span are read all
 * the same, and a span a second old costs that range those rows at most. A table with no rows in
 * the bounds is read again each time, so the first rows show at once.
 */
export const ID_SPAN_KEPT_MS = 1_000;
const recentSpans = new LRUCache<string, IdSpan>({ max: 256, ttl: ID_SPAN_KEPT_MS });

/** Forgets the spans read so far: the next page of each reads its own (for tests that count a page's statements). */
export function forgetIdSpans(): void {
  recentSpans.clear();
}

async function recentSpan(em: EntityManager, query: PagedQuery & { table: string }): Promise<IdSpan | null> {
  const key = JSON.stringify([query.table, query.id, (query.bounds ?? []).filter(Boolean).map((b) => [(b as Sql).sql, (b as Sql).params])]);
  const known = recentSpans.get(key);
  if (known) return known;
  const span = await idSpan(em, query);
  if (span) recentSpans.set(key, span);
  return span;
}

/** The table's lowest and highest id within the query's bounds (two index ends); null when none. */
async function idSpan(em: EntityManager, query: PagedQuery & { table: string }): Promise<IdSpan | null> {
  const bounds = whereAll(query.bounds ?? []);
  const [row] = await executePrepared<{ first: string | null; last: string | null }>(
    em,
    sqlPart(
      `select (select min(${query.id}) from ${query.table} ?) as "first", (select max(${query.id}) from ${query.table} ?) as "last"`,
      bounds,
      bounds,
    ),
  );
  return row?.first != null && row.last != null ? { first: Number(row.first), last: Number(row.last) } : null;
}

/**
 * PostgreSQL estimates a full-text phrase as if its words were independent: a rare phrase of
 * common words looks common (the planner then walks the id index through every row: 400 ms over
 * 1M events for a phrase that matches nothing), and a phrase whose words always come together
 * looks rare (it then fetches every match through the GIN index: 700 ms for 19 000 matches). So
 * the ids below `before` (or from the newest) are read in id ranges, newest first, and the way
 * each older range is read is chosen on what the ranges before found rather than on the planner's
 * estimate. The newest range is the planner's (either way it reads at most that range). An older
 * range is read only while fewer than `take` were found, in one of two ways, whichever the density
 * found so far makes cheaper: walked in id order, its conditions hidden from the other indexes
 * (`(…) is true`; the walk stops when it has the rows missing), or through the other indexes (the
 * GIN index), ordered by `id + 0` so that the walk is no option, its id range hidden in turn (the
 * range is most of the table: a bitmap of it costs more than it saves). The newest range is
 * planned with its values; an older range's way is fixed here, so it is a named statement whose
 * one plan serves every value (1 ms against 3–4 ms planned each time, at 1M events).
 */
async function newestIds(em: EntityManager, query: PagedQuery, span: IdSpan, before: number | null, take: number): Promise<Found[]> {
  const windows = query.recentWindows ?? [];
  const below = before ?? span.last + 1;
  const given = query.where.filter((c): c is Sql => Boolean(c));
  const selected = query.storedAt ? `${query.id} as id, ${query.storedAt} as at` : `${query.id} as id`;
  const ids: Found[] = [];
  for (let i = 0; i <= windows.length && ids.length < take; i++) {
    const newer = i > 0 ? below - windows[i - 1]! : below;
    if (newer <= span.first) break; // nothing older is left
    // From the newest (no cursor), the first range has no upper end: rows newer than the span count too.
    const upper = i > 0 || before !== null ? sqlPart(`${query.id} < ?`, newer) : null;
    const range = [upper, i < windows.length && sqlPart(`${query.id} >= ?`, below - windows[i]!)];
    const missing = take - ids.length;
    let statement: Sql;
    if (i === 0) {
      statement = sqlPart(`select ${selected} ${query.from} ? order by ${query.id} desc limit ?`, whereAll([...given, ...range]), missing);
    } else if (!walkIsCheaper(missing, ids.length, Math.min(windows[i - 1]!, below - span.first), below - span.first)) {
      statement = sqlPart(
        `select ${selected} ${query.from} ? order by ${query.id} + 0 desc limit ?`,
        whereAll([...given, hiddenAll(range)]),
        missing,
      );
    } else {
      statement = sqlPart(
        `select ${selected} ${query.from} ? order by ${query.id} desc limit ?`,
        whereAll([...range, ...(query.bounds ?? []), hiddenAll(given)]),
        missing,
      );
    }
    // The newest range planned with its values; an older one by the plan of its named statement.
    type Row = { id: string; at?: string | Date | null };
    const rows = i === 0 ? await em.execute<Row[]>(statement) : await executePrepared<Row>(em, statement);
    for (const row of rows) ids.push({ id: Number(row.id), at: row.at });
  }
  return ids;
}

/** Conditions PostgreSQL checks on each row but uses no index for (`(…) is true`); null when none. */
function hiddenAll(conditions: readonly (Sql | null | undefined | false)[]): Sql | null {
  const given = conditions.filter((c): c is Sql => Boolean(c));
  return given.length ? sqlPart(`(${given.map(() => '(?)').join(' and ')}) is true`, ...given) : null;
}

/**
 * At the density found so far (found / read), walking to the missing rows reads missing × read /
 * found rows; the index fetches every match (found × all / read), each costing as much as
 * INDEX_FETCH_ROWS walked rows. Walk when that is cheaper: missing × read² ≤ cost × found² × all.
 */
function walkIsCheaper(missing: number, found: number, read: number, all: number): boolean {
  return missing * Math.max(1, read) ** 2 <= INDEX_FETCH_ROWS * found ** 2 * Math.max(1, all);
}

/**
 * The page's rows, newest first, by id: a named statement, whatever ids it is given. With
 * PagedQuery.storedAt, also within the times the ranges found those rows stored at, so that
 * PostgreSQL reads only the partitions holding them (pruned as the statement starts, from its
 * values) rather than looking each id up in every month.
 */
async function rowsOf<T extends object>(em: EntityManager, query: PagedQuery, found: Found[]): Promise<T[]> {
  if (found.length === 0) return [];
  const stored = query.storedAt ? storedWithin(found) : null;
  const within = stored ? [sqlPart(`${query.storedAt} >= ?`, stored.from), sqlPart(`${query.storedAt} < ?`, stored.to)] : [];
  const ids = anyOf(
    query.id,
    found.map((f) => f.id),
    'bigint',
  );
  const where = whereAll([ids, ...within, ...(query.bounds ?? [])]);
  return executePrepared<T>(em, sqlPart(`select ${query.columns} ${query.from} ? order by ${query.id} desc`, where));
}

/**
 * The times the rows were stored within, to the millisecond: from the earliest (cut to its
 * millisecond) to just after the latest; null when one is unknown.
 */
function storedWithin(found: Found[]): { from: Date; to: Date } | null {
  let from = Infinity;
  let to = -Infinity;
  for (const { at } of found) {
    if (at == null) return null;
    const ms = Date.parse(isoTimestamp(at));
    if (Number.isNaN(ms)) return null;
    from = Math.min(from, ms);
    to = Math.max(to, ms);
  }
  return { from: new Date(from), to: new Date(to + 1) };
}
