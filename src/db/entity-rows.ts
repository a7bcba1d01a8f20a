import { ReferenceKind, type EntityProperty, type EntitySchema } from '@mikro-orm/core';
import { columnName } from '../../entities/column-facts.ts';
import { sqlPart, type Sql } from './sql.ts';

type Schema<T> = EntitySchema<T, any, any>;

interface Column {
  prop: string;
  name: string;
  /** A many-to-one: written as the referenced row's id. */
  reference: boolean;
  /** What an unset property is written as: its onCreate hook's value, else its declared default, else null. */
  fallback: (entity: object) => unknown;
  autoincrement: boolean;
}

const columnsOf = new WeakMap<object, Column[]>();

/** The entity's stored columns, read from its metadata once: the generated ones left out. */
function columns<T>(schema: Schema<T>): Column[] {
  const known = columnsOf.get(schema);
  if (known) return known;
  const found = Object.entries(schema.meta.properties as Record<string, EntityProperty>)
    .filter(([, prop]) => !prop.generated && prop.persist !== false && (prop.kind ?? ReferenceKind.SCALAR) !== ReferenceKind.ONE_TO_MANY)
    .map(([prop, meta]) => ({
      prop,
      name: columnName(schema, prop as keyof T & string),
      reference: meta.kind === ReferenceKind.MANY_TO_ONE,
      fallback: meta.onCreate ? (entity: object) => meta.onCreate!(entity, undefined as never) : () => meta.default ?? null,
      autoincrement: Boolean(meta.primary && meta.autoincrement),
    }));
  columnsOf.set(schema, found);
  return found;
}

/**
 * `name as (insert into <table> (…) select … from jsonb_populate_recordset(null::<table>, ?))`:
 * entities the unit of work never manages (made with `persist: false`), written as one common
 * table expression of a larger statement. The columns and each value's form come from the
 * entity's metadata, so a column added to the entity is written here too; the rows travel as one
 * JSON parameter whatever their number, so the text never changes and stays one prepared
 * statement. An autoincrement key is written when the entities carry it (taken ahead from its
 * sequence), else left to its default.
 */
export function insertEntitiesCte<T extends object>(name: string, schema: Schema<T>, entities: readonly T[]): Sql {
  const table = schema.meta.tableName;
  const withKeys = entities.length > 0 && entities.every((e) => keyOf(schema, e) !== undefined);
  const written = columns(schema).filter((c) => !c.autoincrement || withKeys);
  const rows = entities.map((entity) => {
    const row: Record<string, unknown> = {};
    for (const column of written) row[column.name] = valueOf(entity as Record<string, unknown>, column);
    return row;
  });
  const list = written.map((c) => c.name).join(', ');
  return sqlPart(
    `${name} as (insert into ${table} (${list}) select ${list} from jsonb_populate_recordset(null::${table}, ?::jsonb))`,
    JSON.stringify(rows),
  );
}

function keyOf<T>(schema: Schema<T>, entity: T): unknown {
  const key = columns(schema).find((c) => c.autoincrement);
  return key ? (entity as Record<string, unknown>)[key.prop] : null;
}

function valueOf(entity: Record<string, unknown>, column: Column): unknown {
  const value = entity[column.prop];
  if (value === undefined) return column.fallback(entity);
  if (value === null) return null;
  if (!column.reference) return value;
  const id = (value as { id?: unknown }).id;
  // A referenced row written by the same unit of work has its id once that was flushed.
  if (id === undefined || id === null) throw new Error(`${column.prop}: the referenced row has no id yet`);
  return id;
}
