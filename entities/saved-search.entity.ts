import { defineEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.ts';

/** A named Discover search an operator keeps (query text plus structured filters). */
const SavedSearchSchema = defineEntity({
  name: 'SavedSearch',
  tableName: 'saved_searches',
  properties: {
    id: p.integer().primary().autoincrement(),
    owner: () => p.manyToOne(User),
    name: p.string().length(100),
    query: p.text().default(''),
    filter: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  uniques: [{ name: 'saved_searches_owner_name_unique', properties: ['owner', 'name'] }],
});

export class SavedSearch extends SavedSearchSchema.class {}
SavedSearchSchema.setClass(SavedSearch);
export { SavedSearchSchema };
