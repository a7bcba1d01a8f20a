import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { ormOptions } from '../src/db/orm.ts';
import { ingestPayload } from '../src/services/ingest/ingest-payload.ts';
import { withIds } from './helpers/factories.ts';
import { RoundTripCounter } from './helpers/round-trip-counter.ts';

/*
 * What one delivery waits for is round trips to PostgreSQL, and its batch holds its correlation
 * locks for most of them. Counted by a proxy (helpers/round-trip-counter.ts) on a pool of one
 * connection: BEGIN goes with the first statement (src/db/transaction-control.ts), and what the
 * turns read goes with the statement that takes the locks (store-batch.ts), as a statement of its
 * own right after it, and the chamados those reads found, locked, as a third, and COMMIT goes right behind the write (BatchView.write, which checks its
 * claims itself). ingest-correlation.test.ts counts the statements of the same deliveries.
 */

const settings = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused' }).ingest;
let counter: RoundTripCounter;
let orm: MikroORM;

beforeAll(async () => {
  counter = await RoundTripCounter.start(new URL(inject('databaseUrl')));
  orm = await MikroORM.init(ormOptions(counter.url, { pool: { min: 0, max: 1 } }));
  // Connected before counting: opening a connection is round trips of its own.
  await orm.em.getConnection().execute('select 1');
});
afterAll(async () => {
  await orm?.close(true);
  counter?.close();
});

async function roundTrips(source: string, body: Record<string, unknown>, decision: string): Promise<number> {
  await counter.reset();
  const outcome = await ingestPayload(orm.em.fork(), settings, { source, body, deliveryId: null }, 'reject');
  expect(outcome.status).toBe('ingested');
  expect(outcome.status === 'ingested' && outcome.receipts[0]!.correlation).toMatchObject({ decision });
  return counter.bursts;
}

it('a delivery waits for two round trips when it opens nothing or joins a chamado, three when it opens one', async () => {
  const lone = withIds('wazuh-brute-force', {}, { prefix: 'rt' });
  lone.body.rule.level = 3;
  const opening = withIds('onboard-account-created', {}, { prefix: 'rt' });
  const joining = withIds('onboard-account-created', { session: opening.ids.session, domain: opening.ids.domain }, { prefix: 'rt' });
  joining.body.event = 'dns.applied';

  const counts = {
    // BEGIN with ids/holders/locks and the rules' reads; the write with COMMIT.
    stored: await roundTrips('wazuh', lone.body, 'stored'),
    // … and the chamado's number and id before the write.
    opened: await roundTrips('onboard', opening.body, 'opened'),
    // The chamado, found and locked by a statement behind the rules' reads: no round trip of its own.
    attached: await roundTrips('onboard', joining.body, 'attached'),
    // The same event again: nothing to lock.
    duplicate: await roundTrips('onboard', opening.body, 'duplicate'),
  };
  expect(counts).toEqual({ stored: 2, opened: 3, attached: 2, duplicate: 2 });
  // Committed, not merely answered: another connection sees every event.
  const seen = await orm.em
    .fork()
    .getConnection()
    .execute<{ n: number }[]>(`select count(*)::int as n from events where session_id = ?`, [opening.ids.session]);
  expect(seen[0]!.n).toBe(3);
});

it('the write checks its own claims: a key it did not get is a serialization failure, naming the key, and nothing of it stays', async () => {
  const conn = orm.em.fork().getConnection();
  expect(await conn.execute(`select opsgraph_claims_held(array['a', 'b'], array['b', 'a']) as held`)).toEqual([{ held: ['a', 'b'] }]);
  expect(await conn.execute(`select opsgraph_claims_held(array[]::text[], array[]::text[]) as held`)).toEqual([{ held: [] }]);
  const key = `rt-claim-${Date.now()}`;
  const failed = await orm.em
    .fork()
    .transactional(async (tx) => {
      await tx.execute(
        `with claimed as (insert into event_dedup_keys (key, event_id, created_at) values (?, 1, now()) returning key)
         select opsgraph_claims_held(array(select key from claimed), array[?, ?])`,
        [key, key, `${key}-taken`],
      );
    })
    .catch((err: { code?: string; message: string }) => err);
  expect(failed).toMatchObject({ code: '40001', message: expect.stringContaining(`${key}-taken`) });
  expect(await conn.execute(`select count(*)::int as n from event_dedup_keys where key = ?`, [key])).toEqual([{ n: 0 }]);
});
