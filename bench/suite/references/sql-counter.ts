import type pg from 'pg';

/**
 * Counts every statement a pg Pool's connections send, whoever sends it (PostGraphile's
 * adaptor, our own transactions), the way OpsGraph's /metrics counts MikroORM's: one per
 * `client.query` call, BEGIN and COMMIT included.
 */
export function countStatements(pool: pg.Pool): () => number {
  let statements = 0;
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      statements += 1;
      return query(...args);
    };
  });
  return () => statements;
}
