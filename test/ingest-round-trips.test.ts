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
 * own right after it. ingest-correlation.test.ts counts the statements of the same deliveries.
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

it('a delivery waits for three round trips when it opens nothing, four when it opens or joins a chamado', async () => {
  const lone = withIds('wazuh-brute-force', {}, { prefix: 'rt' });
  lone.body.rule.level = 3;
  const opening = withIds('onboard-account-created', {}, { prefix: 'rt' });
  const joining = withIds('onboard-account-created', { session: opening.ids.session, domain: opening.ids.domain }, { prefix: 'rt' });
  joining.body.event = 'dns.applied';

  const counts = {
    // BEGIN with ids/holders/locks and the rules' reads; the write; COMMIT.
    stored: await roundTrips('wazuh', lone.body, 'stored'),
    // … and the chamado's number and id before the write.
    opened: await roundTrips('onboard', opening.body, 'opened'),
    // … and the chamado, locked, before the write.
    attached: await roundTrips('onboard', joining.body, 'attached'),
    // The same event again: nothing to lock.
    duplicate: await roundTrips('onboard', opening.body, 'duplicate'),
  };
  expect(counts).toEqual({ stored: 3, opened: 4, attached: 4, duplicate: 3 });
});
