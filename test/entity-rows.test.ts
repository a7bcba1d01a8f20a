import { randomUUID } from 'node:crypto';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Chamado, ChamadoSchema, type ChamadoOrigin } from '../entities/chamado.entity.ts';
import { Event, EventSchema } from '../entities/event.entity.ts';
import { TimelineEntry, TimelineEntrySchema } from '../entities/timeline-entry.entity.ts';
import { insertEntitiesCte, updateEntitiesCte } from '../src/db/entity-rows.ts';
import { ormOptions } from '../src/db/orm.ts';

/*
 * src/db/entity-rows.ts writes ingest's events and timeline entries without the unit of work. Its
 * columns come from the entities' metadata; a row it writes must be the row the unit of work
 * writes for the same entity, column for column, or a column added to an entity later would be
 * silently left empty on the hot path.
 */

let orm: MikroORM;
beforeAll(async () => {
  orm = await MikroORM.init(ormOptions(inject('databaseUrl')));
});
afterAll(async () => {
  await orm?.close(true);
});

const em = () => orm.em.fork() as EntityManager;

async function nextEventId(): Promise<number> {
  const [row] = await em().execute<{ id: string }[]>(`select nextval(pg_get_serial_sequence('events', 'id')) as id`);
  return Number(row!.id);
}

/** Every column of the row but the ones that must differ between two writes of one entity. */
async function rowOf(table: string, id: number, except: string[]): Promise<Record<string, unknown>> {
  const [row] = await em().execute<{ row: Record<string, unknown> }[]>(`select to_jsonb(t) as row from ${table} t where id = ?`, [id]);
  expect(row, `${table} ${id} was written`).toBeDefined();
  return Object.fromEntries(Object.entries(row!.row).filter(([column]) => !except.includes(column)));
}

/** One entity's data, as ingest fills it in: nullable columns left null, defaults left to the entity. */
function eventData(chamado: Chamado, duplicateOf: Event, receivedAt: Date) {
  return {
    source: 'alertmanager',
    eventType: 'alert.firing',
    providerEventId: 'fp-1',
    domain: null,
    sessionId: null,
    severity: 4,
    agent: 'node-7',
    summary: 'disk full on /var — 99 %, "quoted" \\ backslash',
    fingerprint: 'abc',
    alertname: 'DiskFull',
    namespace: 'prod',
    targetResource: null,
    recurrenceKey: 'rk-1',
    alertStatus: 'firing',
    sourceSeverity: 'critical',
    deliveryId: 'delivery-1',
    payload: { labels: { a: 'ü', nested: [1, null, { b: true }] }, empty: {} },
    redactionVersion: '3',
    contentSha256: 'f'.repeat(64),
    contentLength: 1234,
    sourceRefs: { alertmanager: 'http://am/#/alerts' },
    observables: [{ tipo: 'host', valor: 'node-7' }],
    warnings: null,
    chamado,
    isDuplicate: true,
    duplicateOf,
    correlation: { decision: 'duplicate', rule: 'exact', key: 'k', duplicate_of: 1, chamado_public_id: null },
    occurredAt: new Date('2026-12-01T10:11:12.345Z'),
    receivedAt,
  };
}

/** A chamado written by the unit of work, for the rows to reference; with the entity manager that holds it. */
async function storedChamado(origin: ChamadoOrigin): Promise<{ setup: EntityManager; chamado: Chamado }> {
  const setup = em();
  const chamado = setup.create(Chamado, {
    publicId: `ENTROWS-${randomUUID().slice(0, 8)}`,
    projectId: 'default',
    origin,
    title: `entity rows from ${origin}`,
    sources: [],
    eventCount: 0,
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  await setup.flush();
  return { setup, chamado };
}

describe('insertEntitiesCte', () => {
  it("writes an event's row exactly as the unit of work writes it, every column, defaults and references included", async () => {
    const { setup, chamado } = await storedChamado('alertmanager');
    const receivedAt = new Date();
    const original = setup.getReference(Event, 42);

    const byUnitOfWork = em();
    const viaOrm = byUnitOfWork.create(Event, {
      ...eventData(byUnitOfWork.getReference(Chamado, chamado.id), original, receivedAt),
      id: await nextEventId(),
      uuid: randomUUID(),
    });
    await byUnitOfWork.flush();

    const byStatement = em();
    const viaCte = byStatement.create(
      Event,
      { ...eventData(byStatement.getReference(Chamado, chamado.id), original, receivedAt), id: await nextEventId(), uuid: randomUUID() },
      { persist: false },
    );
    // The one default an ingest entity leaves unset: written as the entity declares it.
    const defaulted = byStatement.create(
      Event,
      {
        ...eventData(chamado, original, receivedAt),
        id: await nextEventId(),
        uuid: randomUUID(),
        projectId: undefined,
        isDuplicate: undefined,
      },
      { persist: false },
    );
    await byStatement.execute('with ? select 1', [insertEntitiesCte('written', EventSchema, [viaCte, defaulted])]);

    const same = ['id', 'uuid'];
    expect(await rowOf('events', viaCte.id, same)).toEqual(await rowOf('events', viaOrm.id, same));
    const fallback = await rowOf('events', defaulted.id, same);
    expect(fallback.project_id).toBe('default');
    expect(fallback.is_duplicate).toBe(false);
    // The generated column is PostgreSQL's to fill, from the columns written.
    const [search] = await em().execute<{ search: string }[]>('select search::text from events where id = ?', [viaCte.id]);
    expect(search!.search).toContain("'diskfull'");
  });

  it('leaves an autoincrement key the entities do not carry to its sequence, and refuses a reference with no id yet', async () => {
    const { chamado } = await storedChamado('wazuh');
    const tx = em();
    const entry = (summary: string, on: Chamado, eventId: number) =>
      tx.create(
        TimelineEntry,
        {
          chamado: on,
          kind: 'event',
          eventType: 'alert',
          source: 'wazuh',
          summary,
          event: tx.getReference(Event, eventId),
          data: { n: summary },
        },
        { persist: false },
      );
    await tx.execute('with ? select 1', [
      insertEntitiesCte('written', TimelineEntrySchema, [entry('first', chamado, 7), entry('second', chamado, 8)]),
    ]);
    const rows = await em().execute<{ id: string; summary: string; event_id: string; created_at: Date; data: unknown }[]>(
      'select id, summary, event_id, created_at, data from timeline_entries where chamado_id = ? order by id',
      [chamado.id],
    );
    expect(rows.map((r) => [r.summary, Number(r.event_id), r.data])).toEqual([
      ['first', 7, { n: 'first' }],
      ['second', 8, { n: 'second' }],
    ]);
    expect(Number(rows[1]!.id)).toBe(Number(rows[0]!.id) + 1);
    // createdAt's onCreate hook gives the time when the entity leaves it unset.
    expect(Math.abs(new Date(rows[0]!.created_at).getTime() - Date.now())).toBeLessThan(60_000);

    const unsaved = tx.create(
      Chamado,
      { publicId: 'never', projectId: 'default', origin: 'wazuh', title: 'x', sources: [], eventCount: 0 },
      { persist: false },
    );
    expect(() => insertEntitiesCte('written', TimelineEntrySchema, [entry('third', unsaved, 9)])).toThrow(
      /chamado: the referenced row has no id yet/,
    );
  });
});

describe('updateEntitiesCte', () => {
  it("writes a changed entity back as the unit of work's update does, every column, and moves its version once", async () => {
    const changes = (c: Chamado, at: Date) => {
      c.eventCount = 3;
      c.sources = ['alertmanager', 'wazuh'];
      c.maxSeverity = 4;
      c.wizardStep = 'dns';
      c.wizardStepAt = at;
      c.updatedAt = at;
    };
    const at = new Date('2026-12-01T10:11:12.345Z');
    const { chamado: a } = await storedChamado('alertmanager');
    const { chamado: b } = await storedChamado('alertmanager');

    const byUnitOfWork = em();
    const viaOrm = await byUnitOfWork.findOneOrFail(Chamado, a.id);
    changes(viaOrm, at);
    await byUnitOfWork.flush();

    const byStatement = em();
    const viaCte = await byStatement.findOneOrFail(Chamado, b.id);
    changes(viaCte, at);
    const [row] = await byStatement.execute<{ rows: Record<string, unknown>[] }[]>(
      'with ? select (select jsonb_agg(row) from written) as rows',
      [updateEntitiesCte('written', ChamadoSchema, [viaCte], { returning: 'to_jsonb(t) as row' })],
    );

    const same = ['id', 'public_id', 'title', 'created_at', 'updated_at'];
    const written = await rowOf('chamados', b.id, same);
    expect(written).toEqual(await rowOf('chamados', a.id, same));
    expect(written.version).toBe(2);
    // updatedAt's onUpdate hook decides it, as in the unit of work's update: the time of the write.
    const [stamps] = await em().execute<{ orm: Date; cte: Date }[]>(
      'select (select updated_at from chamados where id = ?) as orm, (select updated_at from chamados where id = ?) as cte',
      [a.id, b.id],
    );
    for (const stamp of [stamps!.orm, stamps!.cte]) expect(Math.abs(new Date(stamp).getTime() - Date.now())).toBeLessThan(60_000);
    // What it returns is the row as stored, for the entity manager to take as the entity's state.
    expect(row!.rows).toHaveLength(1);
    expect(row!.rows[0]).toMatchObject({ id: b.id, version: 2, event_count: 3 });
  });

  it('reaches the rows it writes by their keys, not by hashing the table, however many rows the table holds', async () => {
    // Every ingest batch that joins a chamado writes it back through this statement; joined on the
    // rows' JSON alone (counted 100 by the planner) it scanned every chamado, per batch.
    const { chamado } = await storedChamado('wazuh');
    const planned = em().transactional(async (tx) => {
      await tx.execute(
        `insert into chamados (public_id, origin, title, created_at, updated_at)
         select 'PLAN-' || g || '-' || ?, 'wazuh', 'plan', now(), now() from generate_series(1, 5000) g`,
        [randomUUID().slice(0, 8)],
      );
      await tx.execute('analyze chamados');
      const viaCte = await tx.findOneOrFail(Chamado, chamado.id);
      viaCte.eventCount = 9;
      const plan = await tx.execute<{ 'QUERY PLAN': string }[]>('explain with ? select (select count(*) from written)', [
        updateEntitiesCte('written', ChamadoSchema, [viaCte], { returning: 'to_jsonb(t) as row' }),
      ]);
      const text = plan.map((line) => line['QUERY PLAN']).join('\n');
      expect(text).not.toMatch(/Seq Scan on chamados/);
      expect(text).toMatch(/Index Scan using chamados_pkey/);
      // Rolled back: the rows and the statistics taken over them.
      throw new RolledBack();
    });
    await expect(planned).rejects.toBeInstanceOf(RolledBack);
  });
});

class RolledBack extends Error {}
