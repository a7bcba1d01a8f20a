import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlPart, whereAll, type Sql } from './sql.ts';

/*
 * The one SQL-side paging helper (resolvers/pagination.ts checks the arguments and builds the
 * connection): newest first by id, `limit + 1` rows to learn whether there is a next page, and the
 * exact total in the same statement, as a subquery of its own the page is joined to (see
 * pageWithTotal). A window count over the page's rows looked cheaper, but it makes PostgreSQL join
 * and count every matching row before the LIMIT (700 ms over 100k events against 0.4 ms for the
 * page); counted in its own subquery, a left join that selects nothing is dropped by the planner
 * and the count reads one index.
 *
 * Two options for big tables (the events feed): `countBound` stops counting after that many
 * matches and extrapolates past it, in the page's own statement (boundedPage), and `recentWindows`
 * pages conditions whose selectivity the planner cannot know (full-text phrases) in id ranges,
 * newest first; see windowedIds.
 */

/** Upper bound on a page, whatever the caller asked (the API layers validate before this). */
export const MAX_PAGE_ROWS = 200;

export interface PageRequest {
  limit: number;
  /** Keyset cursor: only rows with an id below it (ids only grow, so pages never shift). */
  afterId?: number | null;
  /** For the legacy REST paths. */
  offset?: number | null;
}

export interface PagedRows<T> {
  rows: T[];
  total: number;
  hasNextPage: boolean;
  /** `total` was extrapolated (more than `countBound` rows match); absent or false: exact. */
  totalIsEstimate?: boolean;
}

export interface PagedQuery {
  /** Select list (constant SQL text). */
  columns: string;
  /** `from …` with its joins (constant SQL text). */
  from: string;
  /** The id column that orders the rows and that the cursor compares with, e.g. `c.id`. */
  id: string;
  /** The filter's conditions (src/db/sql.ts); falsy entries are skipped. */
  where: readonly (Sql | null | undefined | false)[];
  /**
   * The table of `id` with its alias (`events e`), for the id bounds the two options below read:
   * `min` over `from` with its joins would not read the index's end but every row.
   */
  table?: string;
  /**
   * Count at most this many matches; past it `total` is an estimate (`totalIsEstimate`): the
   * matches per id among the newest `countBound + 1`, times the table's id span. Unset: exact.
   */
  countBound?: number;
  /**
   * Id ranges, as distances below the newest id the page may show, that split the search: the
   * first is read as the planner likes, each later one (only when the ones before found too few
   * rows) walked or through the other indexes, by the density found. For conditions the planner
   * misjudges (see windowedIds); the count then reads the same ranges.
   */
  recentWindows?: readonly number[];
  /**
   * Conditions on `table` alone that every matching row meets (a time range), repeated from
   * `where`: the id span reads only the rows they allow and the walked ranges keep them in sight of
   * the planner, so a partitioned table plans only the partitions they name.
   */
  bounds?: readonly (Sql | null | undefined | false)[];
}

/** A page size within 1 and MAX_PAGE_ROWS, whatever the caller asked (the API layers validate before this). */
export function clampPageLimit(limit: number): number {
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_PAGE_ROWS);
}

export async function pagedRows<T extends object>(em: EntityManager, query: PagedQuery, page: PageRequest): Promise<PagedRows<T>> {
  const limit = clampPageLimit(page.limit);
  const offset = Math.max(page.offset ?? 0, 0);
  const afterId = page.afterId || null;
  if (query.countBound != null) return boundedPage<T>(em, query, query.countBound, { limit, offset, afterId });
  const { rows, total } = await pageWithTotal<T>(em, query, limit + 1, offset, afterId);
  return { rows: rows.slice(0, limit), total, hasNextPage: rows.length > limit, totalIsEstimate: false };
}

interface IdSpan {
  first: number;
  last: number;
}

/** The table's lowest and highest id (two index ends); null when it is empty. */
async function idSpan(em: EntityManager, query: PagedQuery): Promise<IdSpan | null> {
  const [row] = await em.execute<{ first: string | null; last: string | null }[]>('select ?', [idSpanColumns(query)]);
  return row?.first != null && row.last != null ? { first: Number(row.first), last: Number(row.last) } : null;
}

function idSpanColumns(query: PagedQuery, first = 'first', last = 'last'): Sql {
  if (!query.table) throw new Error('PagedQuery.table is required with countBound or recentWindows');
  const bounds = whereAll(query.bounds ?? []);
  return sqlPart(
    `(select min(${query.id}) from ${query.table} ?) as "${first}", (select max(${query.id}) from ${query.table} ?) as "${last}"`,
    bounds,
    bounds,
  );
}

/** Names of the two columns pageWithTotal adds to the page's; chosen not to clash with a row field. */
interface PageExtras {
  pagedKey: number | null;
  pagedTotal: string;
}

/**
 * The page and the exact total as one statement, one round trip less per list. The count is a
 * subquery of its own (computed once, over the page's conditions without its cursor) and the page a lateral
 * subquery joined to it, so an empty page still answers one row, which carries the total and
 * nulls. The page's order is restated outside, on the id it carries as `pagedKey`.
 */
async function pageWithTotal<T extends object>(
  em: EntityManager,
  query: PagedQuery,
  take: number,
  offset: number,
  afterId: number | null,
): Promise<{ rows: T[]; total: number }> {
  const found = await em.execute<(T & PageExtras)[]>(
    `select p.*, n.total as "pagedTotal" from (select count(*) as total ${query.from} ?) n
     left join lateral (select ${query.columns}, ${query.id} as "pagedKey" ${query.from} ? order by ${query.id} desc limit ? offset ?) p on true
     order by p."pagedKey" desc`,
    [whereAll(query.where), whereAll([...query.where, afterId !== null && sqlPart(`${query.id} < ?`, afterId)]), take, offset],
  );
  const total = Number(found[0]?.pagedTotal ?? 0);
  const rows: T[] = [];
  for (const { pagedKey, pagedTotal: _total, ...row } of found) if (pagedKey !== null) rows.push(row as unknown as T);
  return { rows, total };
}

/** What the bounded page's statement adds to each row (stripped before the rows are returned). */
interface BoundedPageExtras {
  pagedFound: string;
  pagedLowest: string | null;
  pagedFirst: string | null;
  pagedLast: string | null;
  /** The row's id, null on the one row of an empty page (the count still comes on it). */
  pagedKey: string | null;
}

/**
 * The page and its bounded count in one statement: the newest `bound + 1` matching ids, in the
 * page's own access path (so it costs what the page costs). At most `bound` found: the exact total.
 * Otherwise the ids are assumed to match as densely below the lowest one found as they did above
 * it, down to the table's first id. A first page no longer than the count's ids is their newest
 * part, so the newest matches are planned and read once (a statement apart cost ~5 ms of
 * PostgreSQL CPU per Discover request at 1M events, mostly planning over the partitions); a later
 * page (cursor, or past the count) walks from its own start beside it. The rows come after a left
 * join on the one-row count, so an empty page still brings its count.
 */
async function boundedPage<T extends object>(
  em: EntityManager,
  query: PagedQuery,
  bound: number,
  page: { limit: number; offset: number; afterId: number | null },
): Promise<PagedRows<T>> {
  const take = bound + 1;
  const pageTake = page.limit + 1 + page.offset;
  const windows = query.recentWindows ?? [];
  // Read first, so that the ranges are constants the planner can weigh.
  const span = windows.length ? await idSpan(em, query) : null;
  if (windows.length && !span) return { rows: [], total: 0, hasNextPage: false, totalIsEstimate: false };
  const fromCounted = page.afterId === null && pageTake <= take;
  const counted = span
    ? windowedIds(query, windows, span, span.last + 1, take)
    : sqlPart(`select ${query.id} as id ${query.from} ? order by ${query.id} desc limit ?`, whereAll(query.where), take);
  const pageIds = fromCounted
    ? sqlPart('select id from counted order by id desc limit ?', pageTake)
    : span
      ? windowedIds(query, windows, span, page.afterId ?? span.last + 1, pageTake)
      : null;
  const pageRows = pageIds
    ? sqlPart(
        `select ${query.columns}, ${query.id} as "pagedKey" ${query.from} ?`,
        whereAll([sqlPart(`${query.id} in (?)`, pageIds), ...(query.bounds ?? [])]),
      )
    : sqlPart(
        `select ${query.columns}, ${query.id} as "pagedKey" ${query.from} ? order by ${query.id} desc limit ? offset ?`,
        whereAll([...query.where, page.afterId !== null && sqlPart(`${query.id} < ?`, page.afterId)]),
        page.limit + 1,
        page.offset,
      );
  // The windowed page read the span already; otherwise it comes with the count (two index ends).
  const rows = await em.execute<(T & BoundedPageExtras)[]>(
    'with counted as materialized (?), page as materialized (?) ' +
      'select s.*, p.* from (select count(*) as "pagedFound", min(id) as "pagedLowest"? from counted) s left join page p on true order by p."pagedKey" desc',
    [counted, pageRows, span ? sqlPart('') : sqlPart(', ?', idSpanColumns(query, 'pagedFirst', 'pagedLast'))],
  );
  const summary = rows[0];
  const found = Number(summary?.pagedFound ?? 0);
  // Id pages read their offset's rows too (the ranges have no OFFSET); the direct page skipped them.
  const kept = rows
    .filter((r) => r.pagedKey != null)
    .slice(pageIds ? page.offset : 0)
    .map(stripExtras<T>);
  const rowsOf = { rows: kept.slice(0, page.limit), hasNextPage: kept.length > page.limit };
  if (found <= bound || summary?.pagedLowest == null) return { ...rowsOf, total: found, totalIsEstimate: false };
  const first = span?.first ?? Number(summary.pagedFirst);
  const last = span?.last ?? Number(summary.pagedLast);
  const lowest = Number(summary.pagedLowest);
  return { ...rowsOf, total: Math.max(take, Math.round((found * (last - first + 1)) / (last - lowest + 1))), totalIsEstimate: true };
}

function stripExtras<T extends object>(row: T & BoundedPageExtras): T {
  const { pagedFound: _f, pagedLowest: _l, pagedFirst: _a, pagedLast: _b, pagedKey: _k, ...rest } = row;
  return rest as unknown as T;
}

/**
 * PostgreSQL estimates a full-text phrase as if its words were independent: a rare phrase of
 * common words looks common (the planner then walks the id index through every row: 400 ms over
 * 1M events for a phrase that matches nothing), and a phrase whose words always come together
 * looks rare (it then fetches every match through the GIN index: 700 ms for 19 000 matches). So
 * the rows below `below` are read in id ranges, newest first, and the choice is made on what the
 * ranges already read found rather than on the planner's estimate. The newest range is the
 * planner's (either way it reads at most that range). Each older range is read only if the ones
 * before found fewer than `take` rows, and then in one of two ways, whichever the density found
 * so far makes cheaper: walked in id order, its conditions hidden from the other indexes
 * (`(…) is true`; the walk stops when it has the rows missing), or through the other indexes
 * (the GIN index), ordered by `id + 0` so that the walk is no option. Each way is a
 * materialized CTE whose LIMIT is 0 unless it is the one chosen: one statement, and PostgreSQL
 * never starts a plan under a LIMIT 0 (a WHERE on those counts would still launch its parallel
 * workers, 20 ms). The ranges select ids only; the page's columns are read for the rows kept.
 */
/**
 * What fetching one match through the GIN index costs, in rows walked in id order: the walk reads
 * rows that lie together on the heap, the index one page per match (4 µs a walked row against
 * 50 µs a fetched match, measured over the 1M-event bench dataset).
 */
const INDEX_FETCH_ROWS = 12;

function windowedIds(query: PagedQuery, windows: readonly number[], span: IdSpan, below: number, take: number): Sql {
  const ctes: Sql[] = [];
  const names: string[] = [];
  const given = query.where.filter((c): c is Sql => Boolean(c));
  const hidden = given.length ? [sqlPart(`(${given.map(() => '(?)').join(' and ')}) is true`, ...given)] : [];
  const bounds = query.bounds ?? [];
  for (let i = 0; i <= windows.length; i++) {
    const range = [
      sqlPart(`${query.id} < ?`, below),
      i < windows.length && sqlPart(`${query.id} >= ?`, below - windows[i]!),
      i > 0 && sqlPart(`${query.id} < ?`, below - windows[i - 1]!),
    ];
    if (i === 0) {
      ctes.push(
        sqlPart(
          `w0 as materialized (select ${query.id} as id ${query.from} ? order by ${query.id} desc limit ?)`,
          whereAll([...query.where, ...range]),
          take,
        ),
      );
      names.push('w0');
      continue;
    }
    // At the density found so far (found / read), walking to the missing rows reads missing × read
    // / found rows; the index fetches every match (found × all / read), each costing as much as
    // INDEX_FETCH_ROWS walked rows. Walk when that is cheaper: missing × read² ≤ cost × found² × all.
    const read = Math.max(1, Math.min(windows[i - 1]!, below - span.first));
    const all = Math.max(1, below - span.first);
    const found = `(${names.map((n) => `(select count(*) from ${n})`).join(' + ')})`;
    const walk = `(${take} - ${found}) * ${read}::bigint * ${read} <= ${INDEX_FETCH_ROWS} * ${found} * ${found} * ${all}::bigint`;
    const dense = `${found} < ${take} and ${walk}`;
    const sparse = `${found} < ${take} and not (${walk})`;
    ctes.push(
      sqlPart(
        `w${i}walk as materialized (select ${query.id} as id ${query.from} ? order by ${query.id} desc limit case when ${dense} then ? else 0 end)`,
        whereAll([...range, ...bounds, ...hidden]),
        take,
      ),
      sqlPart(
        `w${i}index as materialized (select ${query.id} as id ${query.from} ? order by ${query.id} + 0 desc limit case when ${sparse} then ? else 0 end)`,
        whereAll([...query.where, ...range]),
        take,
      ),
    );
    names.push(`w${i}walk`, `w${i}index`);
  }
  return sqlPart(
    `with ${ctes.map(() => '?').join(', ')} select u.id from (${names.map((n) => `select id from ${n}`).join(' union all ')}) u order by u.id desc limit ?`,
    ...ctes,
    take,
  );
}
