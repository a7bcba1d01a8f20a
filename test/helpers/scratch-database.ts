import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { inject } from 'vitest';
import { openDatabase } from '../../src/db/orm.ts';

/**
 * A migrated database of its own, beside the run's shared one, for tests of work that takes
 * everything due (the discovery monitor's schedule): in the shared database it would also act on
 * the rows of every other test file.
 */
export async function scratchDatabase(): Promise<{ url: string; orm: MikroORM; drop: () => Promise<void> }> {
  const shared = new URL(inject('databaseUrl'));
  const name = `opsgraph_scratch_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = await MikroORM.init({ clientUrl: shared.toString(), entities: [], discovery: { warnWhenNoEntities: false } });
  await admin.em.getConnection().execute(`create database "${name}"`);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  const orm = await openDatabase(url.toString());
  return {
    url: url.toString(),
    orm,
    drop: async () => {
      await orm.close(true);
      await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
      await admin.close(true);
    },
  };
}
