import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlPart, whereAll, type Sql } from './sql.ts';

/*
 * The one SQL-side paging helper (resolvers/pagination.ts checks the arguments and builds the
 * connection): newest first by id, `limit + 1` rows to learn whether there is a next page, and the
 * total in a statement of its own. A window count in the page's statement looked cheaper, but it
 * makes PostgreSQL join and count every matching row before the LIMIT (700 ms over 100k events
 * against 0.4 ms for the page); counted alone, a left join that selects nothing is dropped by the
 * planner and the count reads one index.
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
  const rows = await em.execute<T[]>(`select ${query.columns} ${query.from} ? order by ${query.id} desc limit ? offset ?`, [
    whereAll([...query.where, afterId !== null && sqlPart(`${query.id} < ?`, afterId)]),
    limit + 1,
    offset,
  ]);
  const [counted] = await em.execute<{ total: string }[]>(`select count(*) as total ${query.from} ?`, [whereAll(query.where)]);
  const total = Number(counted?.total ?? 0);
  return {
    rows: rows.slice(0, limit),
    total,
    hasNextPage: rows.length > limit,
  };
}
