import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { SavedSearch } from '../../../entities/saved-search.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { compileDiscoverQuery, DiscoverQuerySyntaxError } from './discover-query/index.ts';
import { parseInput } from '../validation.ts';

export interface SavedSearchRow {
  id: number;
  name: string;
  query: string;
  filter: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
}

const input = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100),
  query: z.string().max(2000).default(''),
  filter: z.record(z.string(), z.unknown()).nullish(),
});

export async function listSavedSearches(em: EntityManager, ownerId: number): Promise<SavedSearchRow[]> {
  return em.execute<SavedSearchRow[]>(
    `select id, name, query, filter, created_at as "createdAt", updated_at as "updatedAt"
     from saved_searches where owner_id = ? order by name`,
    [ownerId],
  );
}

/** Saves (or replaces, by name) one of the viewer's searches; the query must compile. */
export async function saveSearch(em: EntityManager, actor: Actor, raw: z.input<typeof input>): Promise<SavedSearch> {
  const data = parseInput(input, raw);
  // Both places a query can hide must compile, or the saved search would fail every time it runs.
  const queries: [string, unknown][] = [['query', data.query], ['filter.q', data.filter?.q]];
  for (const [path, q] of queries) {
    if (typeof q !== 'string') continue;
    try {
      compileDiscoverQuery(q);
    } catch (err) {
      if (err instanceof DiscoverQuerySyntaxError) throw new ValidationError(`${path}: ${err.message}`, [{ path, message: err.message }]);
      throw err;
    }
  }
  await em.execute(
    `insert into saved_searches (owner_id, name, query, filter, created_at, updated_at) values (?, ?, ?, ?::jsonb, now(), now())
     on conflict (owner_id, name) do update set query = excluded.query, filter = excluded.filter, updated_at = now()`,
    [actor.id, data.name, data.query, data.filter ? JSON.stringify(data.filter) : null],
  );
  return em.findOneOrFail(SavedSearch, { owner: em.getReference(User, actor.id), name: data.name }, { refresh: true });
}

export async function deleteSavedSearch(em: EntityManager, actor: Actor, id: number): Promise<number> {
  const deleted = await em.nativeDelete(SavedSearch, { id, owner: actor.id });
  if (deleted === 0) throw new NotFoundError('saved search', String(id));
  return id;
}
