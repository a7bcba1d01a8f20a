import { BigIntType, ReferenceKind, UnderscoreNamingStrategy, type EntityProperty, type EntitySchema } from '@mikro-orm/core';
import { LRUCache } from 'lru-cache';

/*
 * What the rest of the code needs to know about columns, read from the entity definitions so a
 * column's length and name are written once (on the entity): truncation limits, select lists and
 * row types follow them. An alert label longer than a hand-copied limit once answered 500.
 */

type Schema<T> = EntitySchema<T, any, any>;

function properties<T>(schema: Schema<T>): Record<string, EntityProperty> {
  return schema.meta.properties as Record<string, EntityProperty>;
}

/** `varchar(n)` lengths by property name; text, JSON and non-string columns have none. */
export function columnLimits<T>(schema: Schema<T>): Partial<Record<keyof T & string, number>> {
  const limits: Partial<Record<string, number>> = {};
  for (const [name, prop] of Object.entries(properties(schema))) {
    // Before discovery a scalar has no `kind` yet; relations always state theirs.
    if (typeof prop.length === 'number' && (prop.kind ?? ReferenceKind.SCALAR) === ReferenceKind.SCALAR) limits[name] = prop.length;
  }
  return limits;
}

/**
 * Cuts a string to `limit` characters. PostgreSQL counts characters as code points, so a cut never
 * splits a surrogate pair (an emoji) in half.
 */
export function cutToLength(value: string, limit: number): { value: string; length: number; cut: boolean } {
  const chars = Array.from(value);
  return chars.length <= limit ? { value, length: chars.length, cut: false } : { value: chars.slice(0, limit).join(''), length: chars.length, cut: true };
}

// The ORM config keeps MikroORM's default naming strategy; test/column-facts.test.ts compares these
// names with the metadata the ORM discovers, so the two cannot drift apart unnoticed.
const naming = new UnderscoreNamingStrategy();

/** The column a property is stored in: `event_type`, or `chamado_id` for a reference. */
export function columnName<T>(schema: Schema<T>, prop: keyof T & string): string {
  const meta = properties(schema)[prop];
  if (!meta) throw new Error(`${schema.meta.className} has no property ${prop}`);
  if (meta.fieldNames?.[0]) return meta.fieldNames[0];
  const joins = meta.kind === ReferenceKind.MANY_TO_ONE || (meta.kind === ReferenceKind.ONE_TO_ONE && !meta.mappedBy);
  return joins ? naming.joinColumnName(prop) : naming.propertyToColumnName(prop);
}

/**
 * A select list giving each property under its own name: `e.event_type as "eventType"`, and a
 * many-to-one as its id (`e.chamado_id::int as "chamadoId"`). Ids are int8 in some tables; pg returns
 * those as strings, so they are read as int like the rest of the code expects.
 */
export function selectList<T>(alias: string, schema: Schema<T>, props: readonly (keyof T & string)[], refs: readonly (keyof T & string)[] = []): string {
  const scalar = props.map((prop) => {
    const type: unknown = properties(schema)[prop]!.type;
    const column = `${alias}.${columnName(schema, prop)}${type instanceof BigIntType ? '::int' : ''}`;
    return column === `${alias}.${prop}` ? column : `${column} as "${prop}"`;
  });
  const ids = refs.map((ref) => `${alias}.${columnName(schema, ref)}::int as "${ref}Id"`);
  return [...scalar, ...ids].join(', ');
}

/**
 * Select lists of a row type by the fields a query reads (null: every field; `id` is always read),
 * each built once: a handful of distinct selections per process, kept in an LRU so that a client
 * sending ever new selections cannot grow it. `extra` are computed columns (a joined table's),
 * each read when its field is.
 */
export function selectListsByFields<T>(
  alias: string,
  schema: Schema<T>,
  props: readonly (keyof T & string)[],
  refs: readonly (keyof T & string)[],
  extra: Readonly<Record<string, string>> = {},
): (fields: readonly string[] | null) => string {
  const listOf = (wanted: (name: string) => boolean) =>
    [
      selectList(
        alias,
        schema,
        props.filter((prop) => wanted(prop)),
        refs.filter((ref) => wanted(`${ref}Id`)),
      ),
      ...Object.entries(extra)
        .filter(([field]) => wanted(field))
        .map(([, sql]) => sql),
    ].join(', ');
  const every = listOf(() => true);
  const built = new LRUCache<string, string>({ max: 64 });
  return (fields) => {
    if (!fields) return every;
    const key = fields.join(',');
    let list = built.get(key);
    if (list === undefined) {
      const wanted = new Set<string>(['id', ...fields]);
      built.set(key, (list = listOf((name) => wanted.has(name))));
    }
    return list;
  };
}

/**
 * The row a `selectList` of these properties returns: values as stored (null, never undefined), and
 * each many-to-one in `R` as `<name>Id`.
 */
export type RowOf<T, K extends keyof T, R extends keyof T & string = never> = { [P in K]-?: Exclude<T[P], undefined> } & {
  [P in R as `${P}Id`]-?: null extends T[P] ? number | null : undefined extends T[P] ? number | null : number;
};
