import { ReferenceKind, type EntityProperty, type EntitySchema } from '@mikro-orm/core';
import { columnName } from '../../entities/column-facts.ts';
import { arrayOf, sqlPart, type Sql } from './sql.ts';

type Schema<T> = EntitySchema<T, any, any>;

interface Column {
  prop: string;
  name: string;
  /** A many-to-one: written as the referenced row's id. */
  reference: boolean;
  /** What an unset property is written as: its onCreate hook's value, else its declared default, else null. */
  fallback: (entity: object) => unknown;
  autoincrement: boolean;
  primary: boolean;
  /** The optimistic-lock version: 1 when inserted, one more on each update, as the unit of work does. */
  version: boolean;
  /** Its onUpdate hook, which the unit of work lets decide the value of every update it writes. */
  onUpdate: ((entity: object) => unknown) | null;
}

const columnsOf = new WeakMap<object, Column[]>();

/** The entity's stored columns, read from its metadata once: the generated ones left out. */
function columns<T>(schema: Schema<T>): Column[] {
  const known = columnsOf.get(schema);
  if (known) return known;
  const found = Object.entries(schema.meta.properties as Record<string, EntityProperty>)
    .filter(([, prop]) => !prop.generated && prop.persist !== false && (prop.kind ?? ReferenceKind.SCALAR) !== ReferenceKind.ONE_TO_MANY)
    .map(([prop, meta]) => {
      // The version is an integer (`p.integer().version()`) wherever an entity declares one.
      return {
        prop,
        name: columnName(schema, prop as keyof T & string),
        reference: meta.kind === ReferenceKind.MANY_TO_ONE,
        fallback: meta.version
          ? () => 1
          : meta.onCreate
            ? (entity: object) => meta.onCreate!(entity, undefined as never)
            : () => meta.default ?? null,
        autoincrement: Boolean(meta.primary && meta.autoincrement),
        primary: Boolean(meta.primary),
        version: Boolean(meta.version),
        onUpdate: meta.onUpdate ? (entity: object) => meta.onUpdate!(entity, undefined as never) : null,
      };
    });
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
 * sequence; `keysTaken` says so for a list that may be empty), else left to its default.
 * `returning` (code, never input) names what the expression returns, the new row being `t`.
 */
export function insertEntitiesCte<T extends object>(
  name: string,
  schema: Schema<T>,
  entities: readonly T[],
  options: { returning?: string; keysTaken?: boolean } = {},
): Sql {
  const table = schema.meta.tableName;
  // Said by a caller whose list may be empty, so its text is the same with or without rows.
  const withKeys = options.keysTaken ?? (entities.length > 0 && entities.every((e) => keyOf(schema, e) !== undefined));
  if (withKeys && entities.some((e) => keyOf(schema, e) === undefined)) throw new Error(`${table}: an entity has no key taken ahead`);
  const written = columns(schema).filter((c) => !c.autoincrement || withKeys);
  const list = written.map((c) => c.name).join(', ');
  return sqlPart(
    `${name} as (insert into ${table} as t (${list}) select ${list} from jsonb_populate_recordset(null::${table}, ?::jsonb)${returningClause(options.returning)})`,
    rowsOf(written, entities),
  );
}

/**
 * `name as (update <table> t set … from jsonb_populate_recordset(null::<table>, ?) v where t.<key> = v.<key> and t.<key> = any(?))`:
 * entities read earlier in the same transaction, locked (`for update`) and changed in memory,
 * written back whole, every column as the entity now holds it; the version moves by one as the unit
 * of work moves it. The row lock is what makes the unit of work's version check needless here: no
 * other writer can have changed the row since it was read. A column with an onUpdate hook takes the
 * hook's value, as the unit of work writes it (`updatedAt`: the time of the write). The caller
 * hands the written rows back to its entity manager (`returning`, the updated row being `t`), so
 * the unit of work sees them clean.
 */
export function updateEntitiesCte<T extends object>(
  name: string,
  schema: Schema<T>,
  entities: readonly T[],
  options: { returning?: string } = {},
): Sql {
  const table = schema.meta.tableName;
  const all = columns(schema);
  const key = all.filter((c) => c.primary);
  if (key.length !== 1) throw new Error(`${table}: written back by a single-column primary key only`);
  const set = all
    .filter((c) => !c.primary)
    .map((c) => (c.version ? `${c.name} = t.${c.name} + 1` : `${c.name} = v.${c.name}`))
    .join(', ');
  const keyName = key[0]!.name;
  // The keys again, as an array: the plan is generic (orm.ts) and counts 100 rows for any
  // jsonb_populate_recordset, so joined on it alone the table was hashed whole (a sequential scan
  // of every chamado per ingest batch); `= any(keys)` makes it an index scan of the rows written.
  return sqlPart(
    `${name} as (update ${table} t set ${set} from jsonb_populate_recordset(null::${table}, ?::jsonb) v
       where t.${keyName} = v.${keyName} and t.${keyName} = any(?)${returningClause(options.returning)})`,
    rowsOf(all, entities, true),
    arrayOf(
      entities.map((e) => (e as Record<string, unknown>)[key[0]!.prop] as number | string),
      'bigint',
    ),
  );
}

const returningClause = (returning: string | undefined) => (returning ? ` returning ${returning}` : '');

/** The entities as one JSON array of rows, by column name; `updating`: with the onUpdate hooks' values. */
function rowsOf<T extends object>(written: readonly Column[], entities: readonly T[], updating = false): string {
  const rows = entities.map((entity) => {
    const row: Record<string, unknown> = {};
    for (const column of written) {
      row[column.name] = updating && column.onUpdate ? column.onUpdate(entity) : valueOf(entity as Record<string, unknown>, column);
    }
    return row;
  });
  return JSON.stringify(rows);
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
