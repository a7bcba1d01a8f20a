import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BatchedReads, MAX_LOADER_READ_STATEMENTS } from '../src/db/batched-reads.ts';
import { ormOptions } from '../src/db/orm.ts';
import { executePipelined, executePrepared } from '../src/db/prepared-statements.ts';
import { sqlPart } from '../src/db/sql.ts';
import { capturingPgCalls, type PgCall } from '../scripts/pg-calls.ts';

/*
 * src/db/batched-reads.ts: the reads of one turn of the event loop leave together, in one write
 * on one connection, as named statements of their own family; each read keeps its own outcome.
 * A real PostgreSQL and pg's real socket: the writes counted are the socket's own. The same
 * harness shows that executePipelined's COMMIT behind a transaction's last statements leaves in
 * the statements' write.
 */

let orm: MikroORM;
/** What pg was handed, each call with its connection (scripts/pg-calls.ts); never cleared, read from a mark. */
const calls: PgCall[] = [];
/** Writes each connection's socket was asked for (one per write or writev call, as the kernel gets them). */
const socketWrites = new Map<number, number>();
/** Where the current test's calls begin. */
let mark = 0;
const namedTexts = () => new Set(calls.filter((call) => call.name).map((call) => call.text));

beforeAll(async () => {
  const captured = capturingPgCalls(ormOptions(inject('databaseUrl'), { pool: { min: 0, max: 4 } }), calls);
  const driverOptions = captured.driverOptions as { onPoolCreated: (pool: pg.Pool) => void };
  let connections = 0;
  orm = await MikroORM.init({
    ...captured,
    driverOptions: {
      ...driverOptions,
      onPoolCreated: (pool: pg.Pool) => {
        // Registered ahead of capturingPgCalls' listener, so both number the connections alike.
        pool.on('connect', (client) => {
          const connection = ++connections;
          const stream = (client as unknown as { connection: { stream: Record<'_write' | '_writev', (...a: unknown[]) => unknown> } })
            .connection.stream;
          for (const method of ['_write', '_writev'] as const) {
            const original = stream[method].bind(stream);
            stream[method] = (...a: unknown[]) => {
              socketWrites.set(connection, (socketWrites.get(connection) ?? 0) + 1);
              return original(...a);
            };
          }
        });
        driverOptions.onPoolCreated(pool);
      },
    },
  });
});
afterAll(async () => {
  await orm?.close(true);
});

const em = () => orm.em.fork() as EntityManager;

describe('BatchedReads', () => {
  it('sends the reads of one turn in one write on one connection, each a named statement answering its own rows', async () => {
    // Four connections open and idle, so that the batch could spread over them.
    await Promise.all(Array.from({ length: 4 }, () => em().execute('select pg_sleep(0.05)')));
    const reads = new BatchedReads(em());
    mark = calls.length;
    socketWrites.clear();
    const [a, b, c] = await Promise.all([
      reads.execute('select ?::int as n', [1]),
      reads.execute('select x from unnest(?) x order by x', [sqlPart('array[?]::int[]', [3, 2])]),
      reads.execute("select ?::text || 'b' as s", ['a']),
    ]);
    expect({ a, b, c }).toEqual({ a: [{ n: 1 }], b: [{ x: 2 }, { x: 3 }], c: [{ s: 'ab' }] });

    const named = calls.slice(mark).filter((call) => call.name);
    expect(named.map((call) => call.text)).toEqual([
      'select $1::int as n',
      'select x from unnest($1::int[]) x order by x',
      "select $1::text || 'b' as s",
    ]);
    expect(new Set(named.map((call) => call.connection)).size).toBe(1);
    // The marked text MikroORM runs is one call; pg's three queries (parse, bind, execute, sync each) one write.
    expect(socketWrites.get(named[0]!.connection!)).toBe(1);
  });

  it('sends reads of a later turn in a batch of their own', async () => {
    const reads = new BatchedReads(em());
    mark = calls.length;
    const first = await reads.execute('select ?::int as n', [1]);
    const second = await reads.execute('select ?::int as n', [2]);
    expect([first, second]).toEqual([[{ n: 1 }], [{ n: 2 }]]);
    expect(
      calls
        .slice(mark)
        .filter((call) => call.name)
        .map((call) => call.values),
    ).toEqual([[1], [2]]);
  });

  it('fails only the read that failed: the others of its batch still answer', async () => {
    const reads = new BatchedReads(em());
    const outcomes = await Promise.allSettled([
      reads.execute('select ?::int as n', [1]),
      reads.execute('select 1 / ?::int as n', [0]),
      reads.execute('select ?::int as n', [3]),
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: [{ n: 1 }] });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: '22012' } });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: [{ n: 3 }] });
  });

  it('runs on the entity manager’s transaction: it sees what the transaction wrote', async () => {
    await orm.em.getConnection().execute('create table if not exists batched_reads_probe (id int primary key)');
    try {
      await em().transactional(async (tx) => {
        await tx.execute('insert into batched_reads_probe (id) values (7)');
        const reads = new BatchedReads(tx as EntityManager);
        const [seen, count] = await Promise.all([
          reads.execute('select id from batched_reads_probe where id = ?', [7]),
          reads.execute('select count(*)::int as n from batched_reads_probe where id > ?', [0]),
        ]);
        expect({ seen, count }).toEqual({ seen: [{ id: 7 }], count: [{ n: 1 }] });
      });
    } finally {
      await orm.em.getConnection().execute('drop table batched_reads_probe');
    }
  });

  it(`names ${MAX_LOADER_READ_STATEMENTS} texts at most, runs the ones after unnamed, and leaves the hot paths their own names`, async () => {
    mark = calls.length;
    const namedBefore = namedTexts().size;
    const past = MAX_LOADER_READ_STATEMENTS + 4;
    const reads = new BatchedReads(em());
    const answers = await Promise.all(
      Array.from({ length: past }, (_, i) => reads.execute(`select ?::int + ${i} as n /* loader ${i} */`, [1])),
    );
    expect(answers).toEqual(Array.from({ length: past }, (_, i) => [{ n: 1 + i }]));
    const loaderCalls = calls.slice(mark).filter((call) => call.text.includes('/* loader'));
    // The earlier tests' reads took names of the same family.
    expect(loaderCalls.filter((call) => call.name).length).toBe(MAX_LOADER_READ_STATEMENTS - namedBefore);
    expect(loaderCalls.filter((call) => !call.name).length).toBe(4 + namedBefore);
    expect(namedTexts().size).toBe(MAX_LOADER_READ_STATEMENTS);

    // A hot path's statement still gets a name of its own.
    expect(await executePrepared(em(), sqlPart('select ?::int as hot', 5))).toEqual([{ hot: 5 }]);
    expect(calls.slice(mark).some((call) => call.text === 'select $1::int as hot' && call.name)).toBe(true);
  });
});

describe('executePipelined with thenCommit', () => {
  it('writes the statements and the COMMIT behind them in one write', async () => {
    await orm.em.getConnection().execute('create table if not exists commit_behind_probe (id int primary key)');
    try {
      const rows = await em().transactional(async (tx) => {
        await tx.execute('select 1');
        socketWrites.clear();
        mark = calls.length;
        return executePipelined<[{ id: number }, { n: number }]>(
          tx as EntityManager,
          [
            sqlPart('insert into commit_behind_probe (id) values (?) returning id', 1),
            sqlPart('select count(*)::int as n from commit_behind_probe'),
          ],
          { thenCommit: true },
        );
      });
      expect(rows).toEqual([[{ id: 1 }], [{ n: 1 }]]);
      const connection = calls.slice(mark).find((call) => call.name)!.connection!;
      expect(socketWrites.get(connection)).toBe(1);
      expect(await em().execute('select id from commit_behind_probe')).toEqual([{ id: 1 }]);
    } finally {
      await orm.em.getConnection().execute('drop table commit_behind_probe');
    }
  });
});
