import { MikroORM, defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from '../../entities/index.ts';
import { MIGRATIONS } from '../../migrations/index.ts';
import { preparedStatementClients } from './prepared-statements.ts';
import { RetryingEntityManager } from './retrying-entity-manager.ts';
import type { PgPool } from './pg-pool-types.ts';
import { transactionControl } from './transaction-control.ts';
import { CountingLogger } from './sql-metrics.ts';

/** How long PostgreSQL may take before a connection attempt, a statement or an open transaction is given up. */
export interface DatabaseTimeouts {
  connectMs: number;
  statementMs: number;
  idleInTransactionMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectMs: 5_000, statementMs: 30_000, idleInTransactionMs: 60_000 };

/**
 * Options of each pg connection. The server enforces the statement and idle-in-transaction
 * limits (a forgotten transaction must not hold its locks and connection forever); the client's
 * query_timeout catches what the server cannot report — a connection gone silent without a reset.
 * Pool errors (a connection killed while idle or in use) are handled by MikroORM's driver, which
 * logs them and discards the client; the query in flight fails on its own.
 */
/** The session settings of every pooled connection (see connectionOptions for why). */
export const SESSION_OPTIONS = '-c jit=off -c plan_cache_mode=force_generic_plan';

function connectionOptions(timeouts: DatabaseTimeouts) {
  return {
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    // Every statement here is short; JIT compiling one the planner costs high (Discover over 1M
    // events) took 150 ms for a plan that ran in 1 ms. Statements with parameters get a generic
    // plan: prepared-statements.ts's, planned once per connection (left to choose, PostgreSQL
    // planned them at every run, which is what preparing them is to avoid). MikroORM sends none;
    // the others are pg-boss's job inserts in a transaction (boss.ts) and the login limiter's
    // upserts, by key, where a generic plan is the custom one.
    options: SESSION_OPTIONS,
    query_timeout: timeouts.statementMs + 5_000,
    keepAlive: true,
    onPoolCreated: (pool: PgPool) => {
      transactionControl(pool);
      preparedStatementClients(pool);
    },
  };
}

export function ormOptions(clientUrl: string, overrides: Partial<Options> = {}, timeouts: DatabaseTimeouts = DEFAULT_DATABASE_TIMEOUTS): Options {
  return defineConfig({
    clientUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: {
      path: 'migrations',
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: true,
      snapshotName: '.snapshot-opsgraph',
      silent: true,
    },
    loggerFactory: (options) => new CountingLogger(options),
    // Deadlock and serialization victims are retried (src/db/retrying-entity-manager.ts).
    entityManager: RetryingEntityManager,
    debug: process.env.ORM_DEBUG === '1',
    pool: { min: 0, max: 10 },
    driverOptions: connectionOptions(timeouts),
    // Dates cross the driver as UTC, whatever the machine's time zone.
    forceUtcTimezone: true,
    ...overrides,
  });
}

/** Opens the ORM and applies pending migrations (idempotent; safe on every start). */
export async function openDatabase(clientUrl: string, overrides: Partial<Options> = {}, timeouts?: DatabaseTimeouts): Promise<MikroORM> {
  const orm = await MikroORM.init(ormOptions(clientUrl, overrides, timeouts));
  await orm.migrator.up();
  return orm;
}
