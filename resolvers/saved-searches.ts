import type { SavedSearch } from '../entities/saved-search.entity.ts';
import { builder } from '../src/builder.ts';
import { NotFoundError, ValidationError } from '../src/errors.ts';
import { deleteSavedSearch, listSavedSearches, saveSearch, type SavedSearchRow } from '../src/services/events/saved-searches.ts';
import { EventFilterInput } from './events.ts';

const SavedSearchRef = builder.objectRef<SavedSearchRow>('SavedSearch').implement({
  description: "A named Discover search of the viewer's.",
  fields: (t) => ({
    id: t.exposeInt('id'),
    name: t.exposeString('name'),
    query: t.exposeString('query'),
    filter: t.expose('filter', { type: 'JSON', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const DeletedRef = builder.objectRef<{ id: number }>('DeletedSavedSearch').implement({
  fields: (t) => ({ id: t.exposeInt('id') }),
});

const toRow = (s: SavedSearch): SavedSearchRow => ({
  id: s.id,
  name: s.name,
  query: s.query,
  filter: s.filter ?? null,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

builder.queryField('savedSearches', (t) =>
  t.field({
    type: [SavedSearchRef],
    authScopes: { authenticated: true },
    resolve: (_, __, ctx) => listSavedSearches(ctx.em, ctx.viewer!.id),
  }),
);

builder.mutationFields((t) => ({
  saveSearch: t.field({
    type: SavedSearchRef,
    description: 'Saves a search under a name (replacing one of the same name).',
    authScopes: { authenticated: true },
    errors: { types: [ValidationError] },
    args: {
      name: t.arg.string(),
      query: t.arg.string({ required: false, defaultValue: '' }),
      filter: t.arg({ type: EventFilterInput, required: false }),
    },
    resolve: async (_, args, ctx) =>
      toRow(await saveSearch(ctx.em, ctx.viewer!, { name: args.name, query: args.query ?? '', filter: args.filter ?? null })),
  }),
  deleteSavedSearch: t.field({
    type: DeletedRef,
    authScopes: { authenticated: true },
    errors: { types: [NotFoundError] },
    args: { id: t.arg.int() },
    resolve: async (_, { id }, ctx) => ({ id: await deleteSavedSearch(ctx.em, ctx.viewer!, id) }),
  }),
}));
