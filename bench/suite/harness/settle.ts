import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { autovacuumOn } from '../../../src/db/autovacuum-check.ts';

/**
 * What autovacuum would have done between two measured sides, on a server that runs without it
 * (this machine's CI PostgreSQL sets `autovacuum = off`): ingest updates the same hot rows
 * (recurrence groups, chamados) hundreds of times a second, and without a vacuum their dead
 * versions pile up side after side, so each side would measure a slower database than the one
 * before it — which a production server (autovacuum on, the default) never looks like. The tables
 * vacuumed and analysed are the ones autovacuum would pick with its default thresholds (dead rows
 * above 50 + 20 % of the live ones). A server with autovacuum on is left to it. Returns what it
 * did, for the log.
 */
export function settler(databaseUrl: string): () => Promise<string | null> {
  let autovacuum: Promise<boolean> | null = null;
  return async () => {
    const orm = await MikroORM.init({ clientUrl: databaseUrl, entities: [], discovery: { warnWhenNoEntities: false } });
    try {
      const connection = orm.em.getConnection();
      autovacuum ??= autovacuumOn(orm.em.fork() as EntityManager);
      if (await autovacuum) return null;
      const started = performance.now();
      const due = await connection.execute<{ name: string }[]>(
        `select format('%I.%I', schemaname, relname) as name from pg_stat_user_tables where n_dead_tup > 50 + 0.2 * n_live_tup`,
      );
      // Names from the catalog, quoted by format(%I).
      for (const { name } of due) await connection.execute(`vacuum (analyze) ${name}`);
      return `autovacuum is off on this server: vacuumed ${due.length} tables before the side, as it would have (${Math.round(performance.now() - started)} ms)`;
    } finally {
      await orm.close(true);
    }
  };
}
