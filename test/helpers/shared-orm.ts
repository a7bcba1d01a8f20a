import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, inject } from 'vitest';
import { ormOptions } from '../../src/db/orm.ts';

/** The run's shared database through an ORM of the test file's own: made before its tests, closed after them. */
export function sharedOrmForFile(): () => MikroORM {
  let orm: MikroORM | undefined;
  beforeAll(async () => {
    orm = await MikroORM.init(ormOptions(inject('databaseUrl')));
  });
  afterAll(async () => {
    await orm?.close(true);
  });
  return () => orm!;
}
