import { raw, type RawQueryFragment } from '@mikro-orm/core';

/*
 * The one way to put variable parts into raw SQL: the statement text is made of constants only,
 * and everything variable — a value, a batch of ids, a WHERE condition — goes in through a `?`
 * placeholder. Conditions are MikroORM raw fragments (`raw(sql, params)`): `em.execute` formats a
 * fragment passed as a parameter recursively, so fragments nest and carry their own values, and
 * a WHERE clause is assembled from pieces without ever concatenating a value into SQL text.
 *
 * Why MikroORM's fragments and not Kysely's `sql` template (Kysely is a dependency too): Kysely
 * compiles to `$1` placeholders that only its own executor (`em.getKysely().executeQuery`) can run,
 * and that path bypasses MikroORM's query logger — the one place every statement is counted for
 * `/metrics` and `X-Sql-Statements` (src/db/sql-metrics.ts), which the N+1 tests assert on. The
 * fragments go through `em.execute` like every other statement: counted, logged, and on the
 * entity manager's transaction.
 */

export type Sql = RawQueryFragment;

/** A condition (or any piece of SQL) with its own values; `?` placeholders, values in order. */
export function sqlPart(text: string, ...values: unknown[]): Sql {
  return raw<Sql>(text, values);
}

export type KeyType = 'int' | 'bigint' | 'text' | 'uuid';

/**
 * `array[…]::type[]`: the one idiom for binding a batch of keys. The array parameter is expanded
 * into one escaped literal per key; the cast keeps an empty batch valid. `type` comes from code.
 */
export function arrayOf(keys: readonly (number | string)[], type: KeyType): Sql {
  return raw<Sql>(`array[?]::${type}[]`, [keys]);
}

/** `column = any(array[…])`: the row's key is one of these (`column` comes from code, never input). */
export function anyOf(column: string, keys: readonly (number | string)[], type: KeyType): Sql {
  return raw<Sql>(`${column} = any(?)`, [arrayOf(keys, type)]);
}

/** `where (a) and (b) …`, or nothing when no condition is given (falsy entries are skipped). */
export function whereAll(conditions: readonly (Sql | null | undefined | false)[]): Sql {
  const given = conditions.filter((c): c is Sql => Boolean(c));
  if (given.length === 0) return raw<Sql>('', []);
  return raw<Sql>(`where ${given.map(() => '(?)').join(' and ')}`, given);
}

/** A canonical UUID (any case): what a `uuid` column accepts, checked before it reaches SQL. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
