import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import { parseResolveInfo, type ResolveTree } from 'graphql-parse-resolve-info';

/**
 * What each GraphQL field of a type reads from its row: the row fields (beyond the key, which is
 * always read). A field missing from the map makes selectedRowFields answer null (read every
 * column), so a field added to the type without a line here costs speed, never correctness.
 */
export type RowFieldsOf<F extends string> = Readonly<Record<string, readonly F[]>>;

/**
 * Per selection (graphql-js and graphql-jit hand every item of a list the same fieldNodes) and per
 * request's variables (an `@include(if: $x)` makes the same selection read other fields).
 */
const fieldsBySelection = new WeakMap<readonly FieldNode[], WeakMap<object, readonly string[] | null>>();

/**
 * The row fields the query selects on the objects of the field being resolved (fragments and
 * aliases included), or on those `path` leads to from it (a connection's `['edges', 'node']`), so
 * a read selects only those columns; null (every column) when a selected field is not in the map.
 * Fragments on other types of an abstract position add their fields too: reading more is safe.
 */
export function selectedRowFields<F extends string>(
  info: GraphQLResolveInfo,
  rowFieldsOf: RowFieldsOf<F>,
  path: readonly string[] = [],
): readonly F[] | null {
  let byVariables = fieldsBySelection.get(info.fieldNodes);
  if (!byVariables) fieldsBySelection.set(info.fieldNodes, (byVariables = new WeakMap()));
  let fields = byVariables.get(info.variableValues);
  if (fields === undefined) byVariables.set(info.variableValues, (fields = rowFieldsOfSelection(info, rowFieldsOf, path)));
  return fields as readonly F[] | null;
}

function rowFieldsOfSelection<F extends string>(
  info: GraphQLResolveInfo,
  rowFieldsOf: RowFieldsOf<F>,
  path: readonly string[],
): readonly F[] | null {
  const tree = parseResolveInfo(info) as ResolveTree | null | undefined;
  if (!tree) return null;
  let level = [tree];
  for (const name of path) level = childrenOf(level).filter((child) => child.name === name);
  const chosen = new Set<F>();
  for (const { name } of childrenOf(level)) {
    const read = Object.hasOwn(rowFieldsOf, name) ? rowFieldsOf[name] : undefined;
    if (!read) return null;
    for (const field of read) chosen.add(field);
  }
  return [...chosen].sort();
}

function childrenOf(trees: readonly ResolveTree[]): ResolveTree[] {
  return trees.flatMap((tree) => Object.values(tree.fieldsByTypeName).flatMap((fields) => Object.values(fields)));
}
