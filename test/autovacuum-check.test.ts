import { Writable } from 'node:stream';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { warnWithoutAutovacuum } from '../src/db/autovacuum-check.ts';
import { ormOptions } from '../src/db/orm.ts';
import { createLogger } from '../src/logger.ts';

/*
 * Start-up tells the operator when PostgreSQL runs without autovacuum, under which ingest slows
 * down by the hour. Checked against the run's own server, whichever way it is set (this machine's
 * CI server has it off; a default server has it on).
 */

let orm: MikroORM;
beforeAll(async () => {
  orm = await MikroORM.init(ormOptions(inject('databaseUrl')));
});
afterAll(async () => {
  await orm?.close(true);
});

it("warns at start-up exactly when the server's autovacuum is off", async () => {
  const lines: string[] = [];
  const log = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const em = orm.em.fork() as EntityManager;
  const [setting] = await em.execute<{ autovacuum: string }[]>(`select current_setting('autovacuum') as autovacuum`);
  const off = setting!.autovacuum === 'off';

  expect(await warnWithoutAutovacuum(em, log)).toBe(off);
  const warned = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.msg.includes('autovacuum = off'));
  expect(warned.map((l) => l.level)).toEqual(off ? [40] : []);
});
