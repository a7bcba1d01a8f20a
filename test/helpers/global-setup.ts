import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { MikroORM } from '@mikro-orm/postgresql';
import { openDatabase } from '../../src/db/orm.ts';
import { ensureUser } from '../../src/services/auth/accounts.ts';
import { DEMO_USERS, seedRunbooks } from '../../src/demo/demo-seed.ts';
import { loadConfig } from '../../src/config.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One throwaway database per test run on the machine's PostgreSQL (TEST_DATABASE_URL names the
 * server; the database is created here, migrated, given the demo users, and dropped at the end).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `opsgraph_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = await MikroORM.init({ clientUrl: serverUrl.toString(), entities: [], discovery: { warnWhenNoEntities: false } });
  await admin.em.getConnection().execute(`create database "${name}"`);
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${name}`;

  const orm = await openDatabase(databaseUrl.toString());
  for (const u of DEMO_USERS) {
    await ensureUser(orm.em.fork(), { ...u, password: `opsgraph-${u.username}`, email: `${u.username}@opsgraph.test` });
  }
  await ensureUser(orm.em.fork(), { username: 'disabled', password: 'opsgraph-disabled', fullName: 'Disabled User', role: 'ops' });
  await orm.em.getConnection().execute(`update users set disabled = true where username = 'disabled'`);
  await seedRunbooks(orm.em.fork(), loadConfig({ NODE_ENV: 'test' }));
  await orm.close(true);
  project.provide('databaseUrl', databaseUrl.toString());

  return async () => {
    if (process.env.KEEP_TEST_DB !== '1') {
      await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
    }
    await admin.close(true);
  };
}
