import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Chamado } from '../entities/chamado.entity.ts';
import { generateStream } from '../scripts/stream.ts';
import { loadConfig } from '../src/config.ts';
import { arrayOf } from '../src/db/sql.ts';
import type { Delivery, Receipt } from '../src/services/ingest/ingest.ts';
import { ingestPayload } from '../src/services/ingest/ingest-payload.ts';
import { storeBatch } from '../src/services/ingest/store-batch.ts';
import { scratchDatabaseForFile } from './helpers/scratch-database.ts';

/*
 * A batch writes the chamados it opens and joins in its own statement (batch/view.ts), not through
 * the unit of work: each row once per batch, its version moved once as the unit of work moves it,
 * and the entity manager left holding every one of them exactly as stored, with nothing for a
 * later flush to write (a stale version there would fail the next update's check, a dirty one
 * would write the row twice).
 */

const settings = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused' }).ingest;

const scratch = scratchDatabaseForFile();

/** Funnels, Wazuh agents, Sentry issues and tickets: no alert resolution, so no turn is decided alone. */
async function deliveries(orm: MikroORM, count: number): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (const d of generateStream(count, { seed: 7, duplicateRatio: 0.2, runId: 'cw' })) {
    if (d.segment === 'alertmanager' || d.segment === 'signoz') continue;
    const body = { source: d.segment, body: JSON.parse(d.body), raw: d.body, deliveryId: d.webhookId };
    await ingestPayload(orm.em.fork(), settings, body, 'reject', async (delivery) => {
      out.push(delivery);
      return [];
    });
  }
  return out;
}

async function turnsAlone(): Promise<number> {
  const metric = await register.getSingleMetric('opsgraph_ingest_turns_total')!.get();
  return metric.values.filter((v) => v.labels.path === 'alone').reduce((sum, v) => sum + v.value, 0);
}

/** The chamados the receipts name, as stored now, by public id. */
async function storedRows(em: EntityManager, publicIds: string[]): Promise<Map<string, Record<string, unknown>>> {
  const rows = await em.execute<{ row: Record<string, unknown> }[]>('select to_jsonb(c) as row from chamados c where public_id = any(?)', [
    arrayOf(publicIds, 'text'),
  ]);
  return new Map(rows.map(({ row }) => [String(row.public_id), row]));
}

function named(receipts: Receipt[]): { all: string[]; opened: Set<string> } {
  const all = [...new Set(receipts.flatMap((r) => (r.chamadoPublicId && r.status === 'accepted' ? [r.chamadoPublicId] : [])))];
  const opened = new Set(receipts.flatMap((r) => (r.correlation.decision === 'opened' ? [r.correlation.chamado_public_id] : [])));
  return { all, opened };
}

/** Stores one batch; inside its transaction, checks the entity manager holds each chamado as stored. */
async function storeAndCheck(orm: MikroORM, batch: Delivery[]): Promise<Receipt[]> {
  return orm.em.fork().transactional(async (tx) => {
    const outcomes = await storeBatch(tx, settings, batch);
    const receipts = outcomes.flatMap((o) => ('receipts' in o ? o.receipts : []));
    expect(receipts).toHaveLength(batch.reduce((n, d) => n + d.events.length, 0));

    const uow = tx.getUnitOfWork();
    uow.computeChangeSets();
    expect(uow.getChangeSets().filter((cs) => cs.meta.className === 'Chamado')).toEqual([]);

    const { all } = named(receipts);
    expect(all.length).toBeGreaterThan(0);
    const rows = await storedRows(tx, all);
    for (const publicId of all) {
      const held = tx.getUnitOfWork().getById(Chamado, Number(rows.get(publicId)!.id));
      expect(held, `${publicId} is managed`).toBeDefined();
      const row = rows.get(publicId)!;
      expect({
        publicId: held!.publicId,
        version: held!.version,
        eventCount: held!.eventCount,
        sources: held!.sources,
        maxSeverity: held!.maxSeverity,
        wizardStep: held!.wizardStep,
        updatedAt: held!.updatedAt.getTime(),
      }).toEqual({
        publicId: row.public_id,
        version: row.version,
        eventCount: row.event_count,
        sources: row.sources,
        maxSeverity: row.max_severity,
        wizardStep: row.wizard_step,
        updatedAt: new Date(String(row.updated_at)).getTime(),
      });
    }
    return receipts;
  });
}

describe("a batch's chamado writes", () => {
  it('opens and joins chamados in its own statement: one version step per batch, the entity manager left clean', async () => {
    const stream = await deliveries(scratch().orm, 80);
    const first = stream.slice(0, Math.floor(stream.length / 2));
    const second = stream.slice(first.length);
    const aloneBefore = await turnsAlone();

    const firstReceipts = await storeAndCheck(scratch().orm, first);
    const afterFirst = await storedRows(scratch().orm.em.fork(), named(firstReceipts).all);
    // Opened here and joined again by later turns of the same batch: still inserted once.
    for (const publicId of named(firstReceipts).opened) expect(afterFirst.get(publicId)!.version, publicId).toBe(1);

    const secondReceipts = await storeAndCheck(scratch().orm, second);
    const { all, opened } = named(secondReceipts);
    const joinedAgain = all.filter((id) => afterFirst.has(id));
    expect(joinedAgain.length, 'the second batch joins chamados of the first').toBeGreaterThan(0);
    const afterSecond = await storedRows(scratch().orm.em.fork(), all);
    for (const publicId of all) {
      const expected = opened.has(publicId) ? 1 : Number(afterFirst.get(publicId)!.version) + 1;
      expect(afterSecond.get(publicId)!.version, publicId).toBe(expected);
    }
    expect(await turnsAlone(), 'every turn was decided in memory').toBe(aloneBefore);
  });
});
