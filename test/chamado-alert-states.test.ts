import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { alertsByChamadoIds, alertStatesByChamadoIds } from '../src/services/chamados/alerts.ts';
import { eventRowsRead, executeInTransaction as execute } from './helpers/event-rows-read.ts';
import { scratchDatabaseForFile } from './helpers/scratch-database.ts';

/*
 * A flapping alert keeps joining its chamado: thousands of firings and resolutions of one alert
 * on one chamado. Ingest asks for that chamado's alerts (the latest event of each) on every batch
 * holding a resolution, while the batch holds its locks; alertStatesByChamadoIds must answer what
 * alertsByChamadoIds answers — duplicates, events with no lifecycle and late arrivals included —
 * reading about one index entry per alert, not the pile. Counted with PostgreSQL's per-transaction
 * table statistics. In a database of its own: the pile would show in every other file's Discover.
 */

const FLAPS = 3000;
const scratch = scratchDatabaseForFile();

interface AlertEvent {
  key: string | null;
  status: 'firing' | 'resolved' | null;
  /** When it happened, seconds before now (null: the source gave no time). */
  occurredSecondsAgo: number | null;
  duplicate?: boolean;
}

async function eventOn(em: EntityManager, chamadoId: number, e: AlertEvent): Promise<number> {
  const [row] = await execute<{ id: string }>(
    em,
    `insert into events (source, event_type, summary, payload, chamado_id, recurrence_key, alert_status, is_duplicate, occurred_at, received_at)
     values ('alertmanager', 'alert', 'x', '{}', ?, ?, ?, ?, now() - make_interval(secs => ?), now()) returning id`,
    [chamadoId, e.key, e.status, e.duplicate ?? false, e.occurredSecondsAgo],
  );
  return Number(row!.id);
}

describe("a chamado's alert states", () => {
  it('are the latest event of each alert, as alertsByChamadoIds says, read without the pile of a flapping alert', async () => {
    const { orm } = scratch();
    await orm.em.fork().transactional(async (tx) => {
      const chamado = async (name: string) =>
        (
          await execute<{ id: number }>(
            tx,
            `insert into chamados (public_id, title, origin, created_at, updated_at) values (?, ?, 'alertmanager', now(), now()) returning id`,
            [name, name],
          )
        )[0]!.id;
      const flapping = await chamado('CH-FLAP-1');
      const quiet = await chamado('CH-FLAP-2');
      await execute(
        tx,
        `insert into events (source, event_type, summary, payload, chamado_id, recurrence_key, alert_status, occurred_at, received_at)
         select 'alertmanager', 'alert', 'flap', '{}', ?, 'flapping', case when n % 2 = 0 then 'firing' else 'resolved' end,
           now() - make_interval(secs => ? + n), now()
         from generate_series(1, ?) n`,
        [flapping, 100, FLAPS],
      );
      // The latest firing by when it happened, then a late resolution of an earlier firing (newer
      // id, older time), a duplicate and an event with no lifecycle, none of which is the latest.
      const latestFiring = await eventOn(tx, flapping, { key: 'flapping', status: 'firing', occurredSecondsAgo: 10 });
      await eventOn(tx, flapping, { key: 'flapping', status: 'resolved', occurredSecondsAgo: 50 });
      await eventOn(tx, flapping, { key: 'flapping', status: 'resolved', occurredSecondsAgo: 1, duplicate: true });
      await eventOn(tx, flapping, { key: null, status: null, occurredSecondsAgo: 1 });
      await eventOn(tx, flapping, { key: 'disk', status: 'firing', occurredSecondsAgo: 40 });
      const diskResolved = await eventOn(tx, flapping, { key: 'disk', status: 'resolved', occurredSecondsAgo: 30 });
      // Same time, then the later arrival wins; a source that gave no time counts when it arrived.
      await eventOn(tx, quiet, { key: 'cert', status: 'firing', occurredSecondsAgo: 20 });
      const certTie = await eventOn(tx, quiet, { key: 'cert', status: 'resolved', occurredSecondsAgo: 20 });
      const noTime = await eventOn(tx, quiet, { key: 'latency', status: 'firing', occurredSecondsAgo: null });
      await execute(tx, 'analyze events');

      const before = await eventRowsRead(tx);
      const states = await alertStatesByChamadoIds(tx, [flapping, quiet]);
      const rowsRead = (await eventRowsRead(tx)) - before;

      const brief = (rows: { chamadoId: number; key: string; status: string; lastEventId: number; lastChangeAt: Date }[]) =>
        rows
          .map((r) => ({
            chamadoId: r.chamadoId,
            key: r.key,
            status: r.status,
            lastEventId: r.lastEventId,
            at: new Date(r.lastChangeAt).getTime(),
          }))
          .sort((a, b) => a.chamadoId - b.chamadoId || a.key.localeCompare(b.key));
      expect(brief(states)).toEqual(brief(await alertsByChamadoIds(tx, [flapping, quiet])));
      expect(brief(states).map((s) => [s.key, s.status, s.lastEventId])).toEqual([
        ['disk', 'resolved', diskResolved],
        ['flapping', 'firing', latestFiring],
        ['cert', 'resolved', certTie],
        ['latency', 'firing', noTime],
      ]);
      // Four alerts: about one entry each (and one to find there is no other); the pile is thousands.
      expect(rowsRead).toBeLessThan(20);
    });
  });
});
