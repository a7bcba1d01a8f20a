import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { openDatabase } from '../src/db/orm.ts';

export interface ThrowawayDatabase {
  name: string;
  url: string;
  orm: MikroORM;
  /** Closes the pool and drops the database (unless `keep`). */
  dispose(keep: boolean): Promise<void>;
}

/**
 * A new, migrated database on the PostgreSQL server at `serverUrl` (benches, and tests that need
 * a database of their own), named `<prefix>_<time>_<hex>` so a leftover is recognizable.
 */
export async function createThrowawayDatabase(serverUrl: string, prefix: string): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = await MikroORM.init({ clientUrl: serverUrl, entities: [], discovery: { warnWhenNoEntities: false } });
  await admin.em.getConnection().execute(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let orm: MikroORM;
  try {
    orm = await openDatabase(url.toString());
  } catch (error) {
    await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
    await admin.close(true);
    throw error;
  }
  return {
    name,
    url: url.toString(),
    orm,
    async dispose(keep) {
      await orm.close(true);
      if (!keep) await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
      await admin.close(true);
    },
  };
}
