import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadConfig } from '../src/config.ts';
import { settleRecurrenceClock } from '../src/services/recurrence/clock.ts';
import { postWebhook, withIds } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * What changes with time alone: an escalation ends after a quiet hour, a silence runs out. Reads
 * show both at once; the clock sweep stores the first and moves change_seq for both, so the
 * recurrenceChanged feed (which follows change_seq) announces them.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.alertmanager!;
const sql = <T>(query: string, params: unknown[] = []) => server.orm.em.fork().execute<T[]>(query, params);

/** A group of its own in `project`; returns its id. */
async function newGroup(project: string): Promise<number> {
  const res = await postWebhook(server, `alertmanager?project_id=${project}`, withIds('alertmanager-firing', {}, { singleAlert: true }).body, SECRET);
  expect(res.status).toBe(202);
  const [row] = await sql<{ id: number }>(
    'select g.id from recurrence_groups g join events e on e.project_id = g.project_id and e.recurrence_key = g.recurrence_key where e.id = ?',
    [res.body.event_id],
  );
  return row!.id;
}

const state = async (id: number) =>
  (await sql<{ lifecycle: string; reason: string; seq: string }>('select lifecycle, lifecycle_reason as reason, change_seq as seq from recurrence_groups where id = ?', [id]))[0]!;

it('ends an escalation after a quiet hour and announces silences that ran out since the last sweep, and nothing else', async () => {
  const project = unique('clock');
  const [escalated, stillEscalating, expired, expiredEarlier] = [await newGroup(project), await newGroup(project), await newGroup(project), await newGroup(project)];
  const now = new Date();
  const since = new Date(now.getTime() - 60_000);
  await sql(`update recurrence_groups set lifecycle = 'escalating', latest_occurrence_at = ? where id = ?`, [new Date(now.getTime() - 2 * 3_600_000), escalated]);
  await sql(`update recurrence_groups set lifecycle = 'escalating', latest_occurrence_at = ? where id = ?`, [new Date(now.getTime() - 10 * 60_000), stillEscalating]);
  await sql(`update recurrence_groups set silenced_until = ?, silence_reason = 'maintenance' where id = ?`, [new Date(now.getTime() - 1_000), expired]);
  await sql(`update recurrence_groups set silenced_until = ?, silence_reason = 'maintenance' where id = ?`, [new Date(since.getTime() - 1_000), expiredEarlier]);
  const before = Object.fromEntries(await Promise.all([escalated, stillEscalating, expired, expiredEarlier].map(async (id) => [id, await state(id)])));

  await settleRecurrenceClock(server.orm.em.fork() as EntityManager, since, now);

  const after = async (id: number) => state(id);
  expect(await after(escalated)).toMatchObject({ lifecycle: 'ongoing', reason: 'an hour without occurrences after escalating' });
  expect(Number((await after(escalated)).seq)).toBeGreaterThan(Number(before[escalated].seq));
  expect(Number((await after(expired)).seq)).toBeGreaterThan(Number(before[expired].seq));
  expect(await after(stillEscalating)).toEqual(before[stillEscalating]);
  expect(await after(expiredEarlier)).toEqual(before[expiredEarlier]);
});
