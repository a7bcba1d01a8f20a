import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlPart, whereAll, type Sql } from './sql.ts';
import { windowedPage } from './windowed-page.ts';

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
 * matches and extrapolates past it (windowed-page.ts, which reads such a page), and `recentWindows`
 * pages conditions whose selectivity the planner cannot know (full-text phrases) in id ranges,
 * newest first (windowed-page.ts).
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
   * misjudges (windowed-page.ts); the count then reads the same ranges. Only with `countBound`.
   */
  recentWindows?: readonly number[];
  /**
   * Conditions on `table` alone that every matching row meets (a time range), repeated from
   * `where`: the id span reads only the rows they allow and the walked ranges keep them in sight of
   * the planner, so a partitioned table plans only the partitions they name.
   */
  bounds?: readonly (Sql | null | undefined | false)[];
  /**
   * The column of `table` its partitions are ranged by (a time), with `countBound`: the page's rows
   * are then read within the times their ids were found at, so only the partitions holding them.
   */
  storedAt?: string;
}

/** A page size within 1 and MAX_PAGE_ROWS, whatever the caller asked (the API layers validate before this). */
export function clampPageLimit(limit: number): number {
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_PAGE_ROWS);
}

export async function pagedRows<T extends object>(em: EntityManager, query: PagedQuery, page: PageRequest): Promise<PagedRows<T>> {
  const limit = clampPageLimit(page.limit);
  const offset = Math.max(page.offset ?? 0, 0);
  const afterId = page.afterId || null;
  if (query.countBound != null) {
    if (!query.table) throw new Error('PagedQuery.table is required with countBound');
    return windowedPage<T>(em, { ...query, table: query.table }, query.countBound, { limit, offset, afterId });
  }
  const { rows, total } = await pageWithTotal<T>(em, query, limit + 1, offset, afterId);
  return { rows: rows.slice(0, limit), total, hasNextPage: rows.length > limit, totalIsEstimate: false };
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
