import { createHash } from 'node:crypto';
import { isRaw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Sql } from './sql.ts';

/*
 * Named prepared statements for the hot reads over `events`. Events are partitioned by month, and
 * a statement PostgreSQL has to plan afresh is planned over every month and each month's indexes:
 * ingest's reads spent ~10 ms per batch planning for ~1 ms of work, the Discover feed's read
 * ~2 ms for 0.1 ms. A named statement is planned once per connection and its plan kept (a generic
 * plan: orm.ts sets plan_cache_mode; months a value rules out are still left out, at execution).
 *
 * MikroORM formats every value into the SQL text (its query log and statement counter need that),
 * so it never sends one text twice. This turns a fragment (src/db/sql.ts) into `$n` text plus
 * values instead, and hands both to the pg client through MikroORM's own `execute`, so the
 * statement still runs on the entity manager's transaction, is counted and is logged: the text
 * MikroORM sends is the statement behind a marker naming it, and the pool's connections
 * (`preparedStatementClients`) run a marked text as the named statement it stands for.
 */

const MARK = '/*prepared:';

/**
 * Statements prepared at most, per process: their texts come from code, so a handful is the norm
 * (ingest's reads take 2–4; each Discover feed filter's shape one). Each costs every pool
 * connection its plan, ~450 KB for ingest's widest read over eleven months.
 */
const MAX_STATEMENTS = 16;

interface Prepared {
  name: string;
  text: string;
  values: unknown[];
}

/** Statements waiting for their connection to run them, by the id in their marker. */
const waiting = new Map<string, Prepared>();
/** Statement name per text; a text beyond MAX_STATEMENTS is run the usual way instead. */
const names = new Map<string, string>();
let sequence = 0;

/**
 * Runs `statement` (a fragment as src/db/sql.ts builds them) as a named prepared statement on
 * `em`'s connection or transaction; the way em.execute would run it when one of its values has
 * no `$n` form or the statement cap is reached.
 */
export async function executePrepared<T>(em: EntityManager, statement: Sql): Promise<T[]> {
  const values: unknown[] = [];
  const text = parameterised(statement, values);
  const name = text === null ? undefined : nameOf(text);
  if (text === null || name === undefined) return em.execute<T[]>(statement);
  const id = String(++sequence);
  waiting.set(id, { name, text, values });
  try {
    return await em.execute<T[]>(`${MARK}${id}:${name}*/ ${text}`);
  } finally {
    waiting.delete(id);
  }
}

function nameOf(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined || names.size >= MAX_STATEMENTS) return known;
  const name = `og_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  names.set(text, name);
  return name;
}

const ARRAY_OF = /^array\[\?\]::(\w+)\[\]$/;

/**
 * The fragment's text with `$n` for each value (pushed onto `values`), nested fragments written
 * in place; null when a value has no `$n` form here (an identifier, a list outside `array[?]`).
 */
function parameterised(fragment: Sql, values: unknown[]): string | null {
  // src/db/sql.ts's arrayOf: one array value, sent as a PostgreSQL array.
  const array = ARRAY_OF.exec(fragment.sql);
  if (array && fragment.params.length === 1 && Array.isArray(fragment.params[0])) {
    values.push(fragment.params[0]);
    return `$${values.length}::${array[1]}[]`;
  }
  let text = '';
  let from = 0;
  let next = 0;
  for (let at = fragment.sql.indexOf('?'); at !== -1; at = fragment.sql.indexOf('?', from)) {
    if (fragment.sql[at - 1] === '\\') {
      text += fragment.sql.slice(from, at - 1) + '?';
      from = at + 1;
      continue;
    }
    if (fragment.sql[at + 1] === '?') return null;
    const value = fragment.params[next++];
    let piece: string | null;
    if (isRaw(value)) piece = parameterised(value as Sql, values);
    else if (value === undefined || Array.isArray(value) || Buffer.isBuffer(value)) piece = null;
    else {
      values.push(value instanceof Date ? value.toISOString() : isPlainObject(value) ? JSON.stringify(value) : value);
      piece = `$${values.length}`;
    }
    if (piece === null) return null;
    text += fragment.sql.slice(from, at) + piece;
    from = at + 1;
  }
  return text + fragment.sql.slice(from);
}

const isPlainObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** The part of pg's client this needs (pg ships no types; @types/pg is not installed). */
interface PgClient {
  query: (...args: unknown[]) => Promise<unknown>;
}

/**
 * Makes each new connection of `pool` run a marked text (executePrepared's) as its named
 * statement: pg parses a name once per connection and reuses it after.
 */
export function preparedStatementClients(pool: { on(event: 'connect', listener: (client: PgClient) => void): unknown }): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client);
    client.query = (...args) => {
      const sql = args[0];
      if (typeof sql === 'string' && sql.startsWith(MARK)) {
        const prepared = waiting.get(sql.slice(MARK.length, sql.indexOf(':', MARK.length)));
        if (prepared) return query({ name: prepared.name, text: prepared.text, values: prepared.values });
      }
      return query(...args);
    };
  });
}
