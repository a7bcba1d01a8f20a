import { IsolationLevel } from '@mikro-orm/core';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ormOptions } from '../src/db/orm.ts';
import { executePipelined } from '../src/db/prepared-statements.ts';
import { sqlPart } from '../src/db/sql.ts';
import { StatementAfterCommitError } from '../src/db/transaction-control.ts';
import { RoundTripCounter } from './helpers/round-trip-counter.ts';

/*
 * A transaction's BEGIN is written together with its first statement (src/db/transaction-control.ts),
 * counted by a proxy in front of PostgreSQL (helpers/round-trip-counter.ts).
 */

const upstream = new URL(inject('databaseUrl'));
const table = `begin_pipelined_${process.pid}`;
let counter: RoundTripCounter;
let orm: MikroORM;
const em = () => orm.em.fork() as EntityManager;

beforeAll(async () => {
  counter = await RoundTripCounter.start(upstream);
  // One connection, so every test sees what the one before it left on it.
  orm = await MikroORM.init(ormOptions(counter.url, { pool: { min: 0, max: 1 } }));
  await em().execute(`create table ${table} (id int primary key)`);
});
afterAll(async () => {
  await em().execute(`drop table if exists ${table}`);
  await orm?.close(true);
  counter?.close();
});

describe('BEGIN written with the first statement', () => {
  it('a transaction of two statements is three round trips: BEGIN and the first, the second, COMMIT', async () => {
    await counter.reset();
    await em().transactional(async (tx) => {
      await tx.execute('select 1');
      await tx.execute('select 2');
    });
    expect(counter.bursts).toBe(3);

    // Without a transaction nothing changes: one statement, one round trip.
    await counter.reset();
    await em().execute('select 1');
    expect(counter.bursts).toBe(1);
  });

  it('statements sent together (executePipelined) go with BEGIN: one round trip, then COMMIT', async () => {
    await counter.reset();
    const rows = await em().transactional((tx) =>
      executePipelined(tx as EntityManager, [sqlPart('select ?::int as n', 1), sqlPart('select ?::int as n', 2)]),
    );
    expect(rows).toEqual([[{ n: 1 }], [{ n: 2 }]]);
    expect(counter.bursts).toBe(2);
  });

  it('a transaction that runs no statement sends nothing', async () => {
    await counter.reset();
    await em().transactional(async () => undefined);
    expect(counter.bursts).toBe(0);
  });

  it('the first statement runs inside the transaction: a later failure undoes it', async () => {
    await expect(
      em().transactional(async (tx) => {
        await tx.execute(`insert into ${table} (id) values (1)`);
        await tx.execute(`insert into ${table} (id) values (1)`);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await em().execute(`select count(*)::int as n from ${table}`)).toEqual([{ n: 0 }]);

    await em().transactional(async (tx) => {
      await tx.execute(`insert into ${table} (id) values (2)`);
      // Its own transaction sees it; another connection would not until COMMIT.
      expect(await tx.execute(`select count(*)::int as n from ${table}`)).toEqual([{ n: 1 }]);
    });
    expect(await em().execute(`select id from ${table}`)).toEqual([{ id: 2 }]);
  });

  it('a failing first statement rolls back, and the connection is idle and out of pipeline mode after', async () => {
    await expect(em().transactional((tx) => tx.execute('select 1 / 0'))).rejects.toMatchObject({ code: '22012' });
    const pool = (await orm.em.getConnection().getNativeClient()) as unknown as {
      connect(): Promise<{ pipeline: boolean; query(sql: string): Promise<{ rows: { status: string }[] }>; release(): void }>;
    };
    const client = await pool.connect();
    try {
      expect(client.pipeline).toBe(false);
      // Not left inside the failed transaction: a statement runs, and now() moves with each one.
      const { rows } = await client.query(
        `select case when now() = statement_timestamp() then 'idle' else 'in a transaction' end as status`,
      );
      expect(rows).toEqual([{ status: 'idle' }]);
    } finally {
      client.release();
    }
  });

  it("keeps the transaction's isolation level and access mode", async () => {
    const level = await em().transactional((tx) => tx.execute(`select current_setting('transaction_isolation') as level`), {
      isolationLevel: IsolationLevel.SERIALIZABLE,
    });
    expect(level).toEqual([{ level: 'serializable' }]);
    await expect(em().transactional((tx) => tx.execute(`insert into ${table} (id) values (3)`), { readOnly: true })).rejects.toMatchObject({
      code: '25006',
    });
  });

  it('a connection lost before its transaction fails that transaction and is replaced, not kept', async () => {
    const [backend] = await em().execute<{ pid: number }[]>('select pg_backend_pid() as pid');
    const admin = await MikroORM.init(ormOptions(upstream.toString()));
    try {
      await admin.em.getConnection().execute(`select pg_terminate_backend(${Number(backend!.pid)})`);
    } finally {
      await admin.close(true);
    }
    await expect(em().transactional((tx) => tx.execute('select 1'))).rejects.toThrow();
    expect(await em().transactional((tx) => tx.execute('select 1 as one'))).toEqual([{ one: 1 }]);
  });
});

describe('COMMIT written behind the last statement (executePipelined thenCommit)', () => {
  const ids = async () => (await em().execute<{ id: number }[]>(`select id from ${table} where id >= 100 order by id`)).map((r) => r.id);
  const insert = (id: number) => sqlPart(`insert into ${table} (id) values (?) returning id`, id);

  it('BEGIN, the statements and COMMIT are one round trip; committed, and the caller’s COMMIT sends nothing', async () => {
    await counter.reset();
    const rows = await em().transactional((tx) => executePipelined(tx as EntityManager, [insert(100), insert(101)], { thenCommit: true }));
    expect(rows).toEqual([[{ id: 100 }], [{ id: 101 }]]);
    expect(counter.bursts).toBe(1);
    expect(await ids()).toEqual([100, 101]);
  });

  it('a failing statement rolls the whole transaction back, and the connection serves the next one', async () => {
    await expect(
      em().transactional(async (tx) => {
        await tx.execute(`insert into ${table} (id) values (110)`);
        await executePipelined(tx as EntityManager, [insert(111), insert(110)], { thenCommit: true });
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await ids()).toEqual([100, 101]);
    await counter.reset();
    await em().transactional((tx) => tx.execute(`insert into ${table} (id) values (112)`));
    expect(counter.bursts).toBe(2);
    expect(await ids()).toEqual([100, 101, 112]);
  });

  it('a statement after it is refused, never run outside the transaction; what was committed stays', async () => {
    await expect(
      em().transactional(async (tx) => {
        await executePipelined(tx as EntityManager, [insert(120)], { thenCommit: true });
        await tx.execute(`insert into ${table} (id) values (121)`);
      }),
    ).rejects.toThrow(new StatementAfterCommitError(`insert into ${table} (id) values (121)`).message);
    expect(await ids()).toEqual([100, 101, 112, 120]);
    expect(await em().execute('select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('outside a transaction there is nothing to commit: the statements run as they would', async () => {
    await counter.reset();
    expect(await executePipelined(em(), [sqlPart('select ?::int as n', 7)], { thenCommit: true })).toEqual([[{ n: 7 }]]);
    expect(counter.bursts).toBe(1);
    expect(await em().execute('select 2 as two')).toEqual([{ two: 2 }]);
  });
});
