import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ormOptions } from '../src/db/orm.ts';
import { executePipelined, executePrepared, MAX_STATEMENTS } from '../src/db/prepared-statements.ts';
import { requestSqlScope } from '../src/db/sql-metrics.ts';
import { arrayOf, sqlPart, whereAll, type Sql } from '../src/db/sql.ts';

/*
 * src/db/prepared-statements.ts: a fragment run as a named prepared statement gives what
 * em.execute gives for it, on the entity manager's own transaction; what has no `$n` form is run
 * the usual way, and anything past the statement cap unnamed. One pooled connection, so the
 * statements prepared on it can be read back from pg_prepared_statements.
 */

let orm: MikroORM;
beforeAll(async () => {
  orm = await MikroORM.init(ormOptions(inject('databaseUrl'), { pool: { min: 0, max: 1 } }));
});
afterAll(async () => {
  await orm?.close(true);
});

const em = () => orm.em.fork() as EntityManager;
const preparedTexts = async () =>
  (await orm.em.getConnection().execute<{ statement: string }[]>('select statement from pg_prepared_statements')).map((r) => r.statement);

/** Runs `statement` both ways; the prepared run must give exactly the rows of the usual one. */
async function bothWays(statement: Sql): Promise<unknown[]> {
  const usual = await em().execute<unknown[]>(statement);
  const prepared = await executePrepared(em(), statement);
  expect(prepared).toEqual(usual);
  return prepared;
}

describe('executePrepared', () => {
  it('gives the rows em.execute gives, for every kind of value the fragments carry', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    const rows = await bothWays(
      sqlPart(
        `select ?::int as n, ?::text as s, ?::timestamptz as at, ?::bigint[] as ids, ?::text[] as keys, ?::jsonb as doc,
                ?::text as nothing, ?::boolean as yes, (select count(*)::int from unnest(?::int[]) x ?) as filtered, '\\?' as mark`,
        41,
        "it's ? not a placeholder",
        at,
        arrayOf([9007199254740991, 2], 'bigint'),
        arrayOf(['a', "b'c", 'd"e'], 'text'),
        { held_by: 'threshold', n: [1, 2] },
        null,
        true,
        arrayOf([], 'int'),
        whereAll([sqlPart('x > ?', 0)]),
      ),
    );
    expect(rows).toEqual([
      {
        n: 41,
        s: "it's ? not a placeholder",
        // MikroORM's type parsers leave timestamps as PostgreSQL writes them, prepared or not.
        at: '2026-03-04 05:06:07.089+00',
        ids: ['9007199254740991', '2'],
        keys: ['a', "b'c", 'd"e'],
        doc: { held_by: 'threshold', n: [1, 2] },
        nothing: null,
        yes: true,
        filtered: 0,
        mark: '?',
      },
    ]);
    expect(await preparedTexts()).toContainEqual(expect.stringContaining('$1::int as n'));
  });

  it("runs on the entity manager's transaction: it sees what that transaction wrote, and nothing it wrote outlives a rollback", async () => {
    await orm.em.getConnection().execute('create table if not exists prepared_statements_probe (id int primary key)');
    await expect(
      em().transactional(async (tx) => {
        await tx.execute('insert into prepared_statements_probe (id) values (7)');
        expect(await executePrepared(tx as EntityManager, sqlPart('select id from prepared_statements_probe where id = ?', 7))).toEqual([
          { id: 7 },
        ]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await executePrepared(em(), sqlPart('select id from prepared_statements_probe where id = ?', 7))).toEqual([]);
    await orm.em.getConnection().execute('drop table prepared_statements_probe');
  });

  it('runs the usual way what has no `$n` form: a list outside array[?], an identifier', async () => {
    const before = await preparedTexts();
    await bothWays(sqlPart('select 1 as one where 2 in (?)', [1, 2, 3]));
    await bothWays(sqlPart('select ?? from (select 5 as five) t', 'five'));
    expect(await preparedTexts()).toEqual(before);
  });

  it('runs statements sent together in order, each its own, each counted; the first failure is what is thrown', async () => {
    await orm.em.getConnection().execute('create table if not exists pipelined_probe (id int primary key)');
    try {
      const scope = { statements: 0 };
      const [inserted, counted] = await requestSqlScope.run(scope, () =>
        em().transactional((tx) =>
          executePipelined<[{ id: number }, { n: number }]>(tx as EntityManager, [
            sqlPart('insert into pipelined_probe (id) values (?) returning id', 1),
            // A statement of its own, after the first: it sees the row the first wrote.
            sqlPart('select count(*)::int as n from pipelined_probe where id = ?', 1),
          ]),
        ),
      );
      expect({ inserted, counted }).toEqual({ inserted: [{ id: 1 }], counted: [{ n: 1 }] });
      // BEGIN, the two statements, COMMIT.
      expect(scope.statements).toBe(4);

      // The second fails only because the first did (the transaction is aborted): the first's error is thrown.
      await expect(
        em().transactional((tx) =>
          executePipelined(tx as EntityManager, [sqlPart('insert into pipelined_probe (id) values (?)', 1), sqlPart('select ?::int as n', 2)]),
        ),
      ).rejects.toMatchObject({ code: '23505' });
      await expect(
        em().transactional((tx) =>
          executePipelined(tx as EntityManager, [sqlPart('insert into pipelined_probe (id) values (?)', 2), sqlPart('select 1 / ?::int', 0)]),
        ),
      ).rejects.toMatchObject({ code: '22012' });
      expect(await em().execute('select id from pipelined_probe order by id')).toEqual([{ id: 1 }]);
    } finally {
      await orm.em.getConnection().execute('drop table pipelined_probe');
    }
  });

  it('runs statements one after another when one of them has no `$n` form', async () => {
    expect(await executePipelined(em(), [sqlPart('select 1 as one where 2 in (?)', [1, 2, 3]), sqlPart('select ?::int as n', 4)])).toEqual([
      [{ one: 1 }],
      [{ n: 4 }],
    ]);
  });

  it('prepares MAX_STATEMENTS texts at most, and runs the ones after unnamed', async () => {
    const past = MAX_STATEMENTS + 4;
    for (let i = 0; i < past; i++) await bothWays(sqlPart(`select ?::int + ${i} as n`, i));
    const texts = await preparedTexts();
    expect(texts.length).toBe(MAX_STATEMENTS);
    // The prepared ones are run again by name; a text past the cap is still answered.
    expect(await executePrepared(em(), sqlPart('select ?::int + 0 as n', 5))).toEqual([{ n: 5 }]);
    expect(await executePrepared(em(), sqlPart(`select ?::int + ${past - 1} as n`, 5))).toEqual([{ n: 5 + past - 1 }]);
    expect(await preparedTexts()).toEqual(texts);
  });
});
