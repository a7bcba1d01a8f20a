import { MikroORM, defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from '../../entities/index.ts';
import { MIGRATIONS } from '../../migrations/index.ts';
import { CountingLogger } from './sql-metrics.ts';

export function ormOptions(clientUrl: string, overrides: Partial<Options> = {}): Options {
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
    debug: process.env.ORM_DEBUG === '1',
    pool: { min: 0, max: 10 },
    // Dates cross the driver as UTC, whatever the machine's time zone.
    forceUtcTimezone: true,
    ...overrides,
  });
}

/** Opens the ORM and applies pending migrations (idempotent; safe on every start). */
export async function openDatabase(clientUrl: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(ormOptions(clientUrl, overrides));
  await orm.migrator.up();
  return orm;
}
