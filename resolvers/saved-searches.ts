import type { SavedSearch } from '../entities/saved-search.entity.ts';
import { builder } from '../src/builder.ts';
import { requireViewer } from '../src/context.ts';
import { NotFoundError, ValidationError } from '../src/errors.ts';
import { deleteSavedSearch, listSavedSearches, saveSearch, type SavedSearchRow } from '../src/services/events/saved-searches.ts';
import { EventFilterInput } from './events.ts';

const SavedSearchRef = builder.objectRef<SavedSearchRow>('SavedSearch').implement({
  description: "A named Discover search of the viewer's.",
  fields: (t) => ({
    id: t.exposeInt('id', { description: 'Numeric id, for deleteSavedSearch.' }),
    name: t.exposeString('name', { description: 'Its name, unique per user.' }),
    query: t.exposeString('query', { description: 'The Discover query text (EventFilter.q syntax); empty for none.' }),
    filter: t.expose('filter', { type: 'JSON', nullable: true, description: 'The other EventFilter criteria, as saved; null for none.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was first saved.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last saved.' }),
  }),
});

const DeletedRef = builder.objectRef<{ id: number }>('DeletedSavedSearch').implement({
  description: 'A saved search was deleted.',
  fields: (t) => ({ id: t.exposeInt('id', { description: 'Id of the deleted search.' }) }),
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
    description: 'The signed-in user’s saved Discover searches.',
    resolve: (_, __, ctx) => listSavedSearches(ctx.em, requireViewer(ctx).id),
  }),
);

builder.mutationFields((t) => ({
  saveSearch: t.field({
    type: SavedSearchRef,
    description: 'Saves a search under a name (replacing one of the same name) for the signed-in user.',
    authScopes: { authenticated: true },
    errors: { types: [ValidationError] },
    args: {
      name: t.arg.string({ description: 'Its name; saving under an existing name replaces that search.' }),
      query: t.arg.string({ required: false, defaultValue: '', description: 'Discover query text (EventFilter.q syntax).' }),
      filter: t.arg({ type: EventFilterInput, required: false, description: 'Other Discover criteria to keep with it.' }),
    },
    resolve: async (_, args, ctx) =>
      toRow(await saveSearch(ctx.em, requireViewer(ctx), { name: args.name, query: args.query ?? '', filter: args.filter ?? null })),
  }),
  deleteSavedSearch: t.field({
    type: DeletedRef,
    description: 'Deletes one of the signed-in user’s saved searches.',
    authScopes: { authenticated: true },
    errors: { types: [NotFoundError] },
    args: { id: t.arg.int({ description: 'The saved search’s id.' }) },
    resolve: async (_, { id }, ctx) => ({ id: await deleteSavedSearch(ctx.em, requireViewer(ctx), id) }),
  }),
}));
