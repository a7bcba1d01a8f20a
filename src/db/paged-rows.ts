import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlPart, whereAll, type Sql } from './sql.ts';

/*
 * The one SQL-side paging helper (resolvers/pagination.ts checks the arguments and builds the
 * connection): newest first by id, `limit + 1` rows to learn whether there is a next page, and the
 * total in the same statement through a window count.
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
}

/** A page size within 1 and MAX_PAGE_ROWS, whatever the caller asked (the API layers validate before this). */
export function clampPageLimit(limit: number): number {
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_PAGE_ROWS);
}

export async function pagedRows<T extends object>(em: EntityManager, query: PagedQuery, page: PageRequest): Promise<PagedRows<T>> {
  const limit = clampPageLimit(page.limit);
  const offset = Math.max(page.offset ?? 0, 0);
  const afterId = page.afterId || null;
  const filter = whereAll(query.where);
  const rows = await em.execute<(T & { total: string })[]>(
    `select ${query.columns}, count(*) over () as total ${query.from} ? order by ${query.id} desc limit ? offset ?`,
    [whereAll([...query.where, afterId !== null && sqlPart(`${query.id} < ?`, afterId)]), limit + 1, offset],
  );
  // The window count runs before LIMIT/OFFSET, so it is the filter's total unless a cursor
  // narrowed the rows or the page came back empty past the first row; only then is a separate
  // count needed (an empty first page without a cursor means the filter matches nothing).
  let total: number;
  if (rows.length > 0 && afterId === null) {
    total = Number(rows[0]!.total);
  } else if (rows.length === 0 && afterId === null && offset === 0) {
    total = 0;
  } else {
    const [counted] = await em.execute<{ total: string }[]>(`select count(*) as total ${query.from} ?`, [filter]);
    total = Number(counted?.total ?? 0);
  }
  return {
    rows: rows.slice(0, limit).map(({ total: _total, ...row }) => row as unknown as T),
    total,
    hasNextPage: rows.length > limit,
  };
}
