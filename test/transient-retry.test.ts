import { randomBytes } from 'node:crypto';
import { DeadlockException } from '@mikro-orm/core';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ormOptions } from '../src/db/orm.ts';

/**
 * Deadlock victims are retried: two transactions that lock two rows in opposite orders deadlock
 * on a real PostgreSQL; with the project's EntityManager both complete (the victim ran again),
 * with MikroORM's plain one the victim's request fails — so the test can tell the difference.
 */

const table = `retry_probe_${randomBytes(3).toString('hex')}`;
let orm: MikroORM;
let plain: MikroORM;

beforeAll(async () => {
  orm = await MikroORM.init(ormOptions(inject('databaseUrl')));
  plain = await MikroORM.init({ ...ormOptions(inject('databaseUrl')), entityManager: undefined });
  await orm.em.getConnection().execute(`create table ${table} (id int primary key, n int not null default 0)`);
});
afterAll(async () => {
  await orm?.em.getConnection().execute(`drop table if exists ${table}`);
  await orm?.close(true);
  await plain?.close(true);
});

/** Two transactions taking rows 1 and 2 in opposite orders, each waiting for the other's first lock. */
async function deadlockPair(on: MikroORM): Promise<{ results: PromiseSettledResult<void>[]; attempts: number }> {
  await on.em.getConnection().execute(`delete from ${table}; insert into ${table} (id) values (1), (2)`);
  let attempts = 0;
  let firstLocks = 0;
  let bothLocked!: () => void;
  const barrier = new Promise<void>((resolve) => (bothLocked = resolve));
  const pair = ([first, second]: [number, number]) =>
    (on.em.fork() as EntityManager).transactional(async (tx) => {
      attempts++;
      await tx.execute(`update ${table} set n = n + 1 where id = ?`, [first]);
      if (++firstLocks === 2) bothLocked();
      await barrier;
      await tx.execute(`update ${table} set n = n + 1 where id = ?`, [second]);
    });
  const results = await Promise.allSettled([pair([1, 2]), pair([2, 1])]);
  return { results, attempts };
}

describe('deadlock and serialization victims', () => {
  it('are retried: both transactions complete, the victim having run twice', async () => {
    const { results, attempts } = await deadlockPair(orm);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(attempts).toBe(3);
    const rows = await orm.em.getConnection().execute<{ n: number }[]>(`select n from ${table} order by id`);
    expect(rows.map((r) => r.n)).toEqual([2, 2]);
  }, 20_000);

  it('fail the request without the retry (the control)', async () => {
    const { results, attempts } = await deadlockPair(plain);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(DeadlockException);
    expect(attempts).toBe(2);
  }, 20_000);
});
