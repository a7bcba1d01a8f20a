import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor } from './cursors.ts';

/*
 * The one paging helper for keyset connections (newest first by id): argument checks, and the
 * connection object with `totalCount`. `offset` exists for the legacy REST paths only.
 */

export const DEFAULT_PAGE = 50;
/**
 * The page size a client may ask for over /graphql (checked before execution, in
 * src/edge/http/argument-bounds.ts). MAX_PAGE is the resolvers' own bound, which the REST shims'
 * documented `limit` (up to 200) reaches; descriptions quote the client's bound.
 */
export const CLIENT_PAGE_MAX = 100;
export const MAX_PAGE = 200;
/**
 * Field extension (`extensions: { [CLIENT_PAGED]: true }`) for a plain list whose `first`/`last`
 * are page sizes: argument-bounds.ts then checks them before execution like a connection's.
 */
export const CLIENT_PAGED = 'clientPaged';

export function badInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 }, ...extensions } });
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  offset?: number | null;
}

export interface Page {
  limit: number;
  afterId: number | null;
  offset: number | null;
}

export function pageOf(kind: string, args: PageArgs): Page {
  const limit = args.first ?? DEFAULT_PAGE;
  if (limit < 1 || limit > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
  if (args.last != null || args.before != null) throw badInput('backward paging is not supported; use first/after');
  if (args.offset != null && args.offset < 0) throw badInput('offset must not be negative');
  const afterId = args.after ? decodeCursor(kind, args.after) : null;
  if (args.after && afterId === null) throw badInput('after is not a valid cursor');
  return { limit, afterId, offset: args.offset ?? null };
}

export function connectionOf<T extends { id: number }>(
  kind: string,
  page: Page,
  result: { rows: T[]; total: number; hasNextPage: boolean },
) {
  const edges = result.rows.map((node) => ({ node, cursor: encodeCursor(kind, node.id) }));
  return {
    edges,
    totalCount: result.total,
    pageInfo: {
      hasNextPage: result.hasNextPage,
      hasPreviousPage: Boolean(page.afterId || page.offset),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
