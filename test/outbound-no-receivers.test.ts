import { expect, it } from 'vitest';
import { dispatchPending } from '../src/services/outbound/dispatcher.ts';
import { scratchDatabaseForFile } from './helpers/scratch-database.ts';

/*
 * With no webhook enabled, the outbox dispatcher only stamps the timeline entries an alert storm
 * writes: it reads none of them, locks no chamado and waits for none. In a database of its own:
 * in the shared one other files' webhooks are enabled.
 */

const scratch = scratchDatabaseForFile();

it('stamps pending entries oldest first, up to its limit, even of a chamado a command holds, and delivers none', async () => {
  const { orm } = scratch();
  const sql = <T>(text: string, params: unknown[] = []) => orm.em.fork().getConnection().execute<T[]>(text, params);
  const [chamado] = await sql<{ id: number }>(
    `insert into chamados (public_id, origin, title, created_at, updated_at) values ('CH-NR-1', 'wazuh', 'storm', now(), now()) returning id`,
  );
  await sql(
    `insert into timeline_entries (chamado_id, kind, event_type, source, summary, created_at)
     select ?, 'event', 'wazuh.alert', 'wazuh', 'alert ' || n, now() from generate_series(1, 5) n`,
    [chamado!.id],
  );
  const stampedInOrder = async () =>
    (
      await sql<{ stamped: boolean }>('select outbound_at is not null as stamped from timeline_entries where chamado_id = ? order by id', [
        chamado!.id,
      ])
    ).map((e) => e.stamped);
  const enqueued: number[] = [];
  const queue = { enqueue: async (_em: unknown, id: number) => void enqueued.push(id) };

  // A command holding the chamado (a claim, a status change) until the dispatcher is done.
  const holder = orm.em.fork();
  await holder.begin();
  try {
    await holder.execute('select id from chamados where id = ? for update', [chamado!.id]);
    expect(await dispatchPending(orm.em, queue, 3)).toEqual({ entries: 3, deliveries: 0 });
    expect(await stampedInOrder()).toEqual([true, true, true, false, false]);
    expect(await dispatchPending(orm.em, queue, 3)).toEqual({ entries: 2, deliveries: 0 });
    expect(await dispatchPending(orm.em, queue, 3)).toEqual({ entries: 0, deliveries: 0 });
  } finally {
    await holder.rollback();
  }
  expect(await stampedInOrder()).toEqual([true, true, true, true, true]);
  expect(enqueued).toEqual([]);
  expect(await sql<{ n: number }>('select count(*)::int as n from outbound_deliveries')).toEqual([{ n: 0 }]);
});
