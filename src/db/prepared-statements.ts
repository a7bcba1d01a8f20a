import { createHash } from 'node:crypto';
import { isRaw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PgClient, PgPool } from './pg-pool-types.ts';
import { pipelining } from './pipeline-mode.ts';
import { COMMIT_BEHIND } from './transaction-control.ts';
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
 * MikroORM sends is the statement (or several, executePipelined's) behind a marker naming them,
 * and the pool's connections (`preparedStatementClients`) run a marked text as the named
 * statements it stands for.
 */

const MARK = '/*prepared:';

/**
 * The hot paths' statements prepared at most, per process (the DataLoaders' reads have a cap of
 * their own, batched-reads.ts): their texts come from code, so a few dozen is the norm (ingest's
 * reads take 2–4; each Discover feed filter's shape one; a Discover page's id span and rows one
 * each per time-range shape, up to four). Each costs every pool connection its plan, ~450 KB for
 * ingest's widest read over eleven months, far less for the others.
 */
export const MAX_STATEMENTS = 32;

/**
 * The names one family of statements may take, up to a cap; a text past it runs unnamed (parsed
 * and planned each time, as em.execute would, still in the same round trip). Families have their
 * own caps so that one whose texts vary with what clients ask (the DataLoaders', by the fields a
 * query selects) can never take the names of the hot paths' few texts.
 */
export class StatementNames {
  readonly #names = new Map<string, string>();
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** The text's name, or undefined past the cap. */
  nameOf(text: string): string | undefined {
    const known = this.#names.get(text);
    if (known !== undefined || this.#names.size >= this.max) return known;
    const name = `og_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    this.#names.set(text, name);
    return name;
  }
}

/** The hot paths' statements (events, ingest, Discover). */
const HOT_PATHS = new StatementNames(MAX_STATEMENTS);

interface Prepared {
  /** Empty: an unnamed statement (its family's cap was reached). */
  name: string;
  text: string;
  values: unknown[];
}

/** Statements waiting for their connection to run them (and whether to commit behind them), by the id in their marker. */
const waiting = new Map<string, { statements: Prepared[]; thenCommit: boolean }>();
let sequence = 0;

/**
 * Runs `statement` (a fragment as src/db/sql.ts builds them) as a named prepared statement on
 * `em`'s connection or transaction; the way em.execute would run it when one of its values has
 * no `$n` form, and unnamed once the statement cap is reached.
 */
export async function executePrepared<T>(em: EntityManager, statement: Sql, options: PipelineOptions = {}): Promise<T[]> {
  const [rows] = await executePipelined<[T]>(em, [statement], options);
  return rows;
}

export interface PipelineOptions {
  /**
   * The statements are their transaction's last: its COMMIT is written right behind them
   * (transaction-control.ts' COMMIT_BEHIND), and the transaction has ended, committed, when they
   * answer — or rolled back, when one of them failed. Only for a caller that owns the transaction
   * and has nothing left to decide or write in it; its COMMIT then finds nothing open. When the
   * statements cannot be prepared they run the usual way, and the caller's COMMIT commits.
   */
  thenCommit?: boolean;
  /** The family whose names the statements take (StatementNames); the hot paths' by default. */
  names?: StatementNames;
}

/**
 * Runs independent statements in one round trip, in order, each as executePrepared runs one:
 * written together on the connection (pg's pipeline mode), each still a statement of its own —
 * with its own snapshot, so one that reads after another's locks sees what they protect. Inside a
 * transaction a failing statement fails the ones after it; the first failure is what is thrown.
 * Statements that cannot all be written with `$n` values run one after another instead.
 */
export async function executePipelined<T extends unknown[]>(
  em: EntityManager,
  statements: Sql[],
  { thenCommit = false, names = HOT_PATHS }: PipelineOptions = {},
): Promise<{ [K in keyof T]: T[K][] }> {
  const prepared = statements.map((statement) => toPrepared(statement, names));
  if (prepared.every((p) => p !== null))
    return (await runMarked(em, prepared, thenCommit && em.isInTransaction())) as { [K in keyof T]: T[K][] };
  const results: unknown[][] = [];
  for (const [i, statement] of statements.entries()) {
    const one = prepared[i];
    results.push(one ? (await runMarked(em, [one], false))[0]! : await em.execute<unknown[]>(statement));
  }
  return results as { [K in keyof T]: T[K][] };
}

/** Sends the statements' marked text through MikroORM (counted, logged, on `em`'s transaction). */
async function runMarked(em: EntityManager, statements: Prepared[], thenCommit: boolean): Promise<unknown[][]> {
  const id = String(++sequence);
  waiting.set(id, { statements, thenCommit });
  try {
    const text = `${MARK}${id}:${statements.map((p) => p.name).join(',')}*/ ${statements.map((p) => p.text).join(';\n')}`;
    const rows = await em.execute<unknown[]>(text);
    return statements.length === 1 ? [rows] : (rows[0] as { results: unknown[][] }).results;
  } finally {
    waiting.delete(id);
  }
}

function toPrepared(statement: Sql, names: StatementNames): Prepared | null {
  const values: unknown[] = [];
  const text = parameterised(statement, values);
  return text === null ? null : { name: names.nameOf(text) ?? '', text, values };
}

/** How many statements a text MikroORM sends stands for: those behind a marker, else one. */
export function statementsIn(sql: string): number {
  if (!sql.startsWith(MARK)) return 1;
  const namesFrom = sql.indexOf(':', MARK.length) + 1;
  return sql.slice(namesFrom, sql.indexOf('*/', namesFrom)).split(',').length;
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

/**
 * Makes each new connection of `pool` run a marked text (executePipelined's) as the named
 * statements it stands for: pg parses a name once per connection and reuses it after. Several
 * are written at once and answered as one row, `{ results: [rows of each] }`.
 */
export function preparedStatementClients(pool: PgPool): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<{ rows: unknown[]; command?: string }>;
    client.query = (...args) => {
      const sql = args[0];
      const marked =
        typeof sql === 'string' && sql.startsWith(MARK) ? waiting.get(sql.slice(MARK.length, sql.indexOf(':', MARK.length))) : undefined;
      if (!marked) return query(...args);
      const { statements, thenCommit } = marked;
      const run = ({ name, text, values }: Prepared) => query(name ? { name, text, values } : { text, values });
      if (statements.length === 1 && !thenCommit) return run(statements[0]!);
      pipelining(client);
      const sent = inOneWrite(client, () => [...statements.map(run), ...(thenCommit ? [query(COMMIT_BEHIND)] : [])]);
      return firstFailure(sent).then((results) => {
        // PostgreSQL answers a COMMIT of a failed transaction with ROLLBACK; a failed statement is thrown before this.
        if (thenCommit && results.at(-1)!.command !== 'COMMIT') throw new Error('the transaction was rolled back at its COMMIT');
        if (statements.length === 1) return results[0];
        return { command: 'SELECT', rowCount: 1, rows: [{ results: results.slice(0, statements.length).map((r) => r.rows) }], fields: [] };
      });
    };
  });
}

/**
 * pg writes each query to the socket as it is queued, corking only that query's own messages;
 * corked around them all, the queries of a pipeline leave in one write (one system call, one
 * wake-up of the server) instead of one each.
 */
function inOneWrite<T>(client: PgClient, queue: () => T): T {
  const stream = client.connection.stream;
  stream.cork();
  try {
    return queue();
  } finally {
    stream.uncork();
  }
}

/** Every result in order, or the first failure in order once all have settled (none is left unhandled). */
async function firstFailure<T>(pending: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
