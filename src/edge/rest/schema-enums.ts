import { isEnumType } from 'graphql';
import { schema } from '../../../resolvers/index.ts';

/**
 * The wire values of one of the schema's enums. The REST shims check query strings and bodies
 * against what the GraphQL operation will accept, read from the schema rather than from a copy
 * (and rather than from the entities, which REST never touches).
 */
export function schemaEnumValues(name: string): [string, ...string[]] {
  const type = schema.getType(name);
  if (!isEnumType(type)) throw new Error(`${name} is not an enum of the schema`);
  const values = type.getValues().map((v) => v.name);
  if (values.length === 0) throw new Error(`${name} has no values`);
  return values as [string, ...string[]];
}
