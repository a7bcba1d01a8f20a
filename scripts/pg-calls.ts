import type { Options } from '@mikro-orm/postgresql';
import pg from 'pg';

/*
 * What the server hands node-postgres, for the bench and the tests that EXPLAIN it. MikroORM's
 * query log shows a named statement (src/db/prepared-statements.ts) as a marker and `$n` text
 * without its values; here every call is kept as pg receives it, a named one with its name and
 * values, so it can be run again or explained as the server runs it.
 */

export interface PgCall {
  text: string;
  name?: string;
  values?: unknown[];
  /** Which pool connection it was handed to: 1 for the first opened, and so on. */
  connection?: number;
}

/** `options` (from src/db/orm.ts' ormOptions) with each pool connection's calls pushed onto `sink`. */
export function capturingPgCalls(options: Options, sink: PgCall[]): Options {
  const driverOptions = options.driverOptions as { onPoolCreated?: (pool: pg.Pool) => void };
  let connections = 0;
  const onPoolCreated = (pool: pg.Pool) => {
    // Registered before the server's own hooks, which then wrap this: it sees what they hand pg.
    pool.on('connect', (client) => {
      const connection = ++connections;
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const [first] = args;
        if (typeof first === 'string') sink.push({ text: first, connection });
        else if (first && typeof first === 'object' && 'text' in first) {
          const { text, name, values } = first as PgCall;
          sink.push({ text, name, values, connection });
        }
        return query(...args);
      };
    });
    driverOptions.onPoolCreated?.(pool);
  };
  return { ...options, driverOptions: { ...driverOptions, onPoolCreated } };
}

/** A value as SQL text, for EXECUTE's arguments (numbers, text, dates as text, arrays of keys). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return pg.escapeLiteral(`{${value.join(',')}}`);
  return pg.escapeLiteral(String(value));
}

/** `execute <name>(<values>)`: a named call as SQL, on a connection where `name` is prepared. */
export function executeOf(call: PgCall & { name: string }, name = call.name): string {
  const values = call.values ?? [];
  return values.length ? `execute ${name}(${values.map(literal).join(', ')})` : `execute ${name}`;
}
