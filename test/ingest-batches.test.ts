import type { MikroORM } from '@mikro-orm/postgresql';
import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStream } from '../scripts/stream.ts';
import { prng } from '../scripts/prng.ts';
import { loadConfig } from '../src/config.ts';
import { ingestDeliveries, type Delivery } from '../src/services/ingest/ingest.ts';
import { ingestPayload } from '../src/services/ingest/ingest-payload.ts';
import { scratchDatabase } from './helpers/scratch-database.ts';

/*
 * Group commit must not change a single decision: the same stream, stored once delivery by
 * delivery with every event decided by placeEvent (the reference), and once in batches of every
 * size decided in memory over the batch's view (batch/fast-turn.ts), leaves the same events, chamados, timelines,
 * observables and recurrence groups (all but the clock). The stream (scripts/stream.ts) mixes
 * onboarding funnels, Wazuh agents, alerts that fire and resolve (auto-resolution, early
 * resolutions), Sentry issues, support tickets and 20 % exact redeliveries, so every correlation
 * rule and both paths of a batch (in memory, and alone) are taken.
 */

const settings = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused' }).ingest;

type Scratch = Awaited<ReturnType<typeof scratchDatabase>>;
let oneByOne: Scratch;
let batched: Scratch;

beforeAll(async () => {
  // One after the other: a migrate rewrites the schema snapshot, and two at once in one process
  // can read it half-written.
  oneByOne = await scratchDatabase();
  batched = await scratchDatabase();
});
afterAll(async () => {
  await Promise.all([oneByOne?.drop(), batched?.drop()]);
});

/** The stream's deliveries as the receivers hand them to ingest (normalized, not yet stored). */
async function normalizedStream(orm: MikroORM, count: number, seed: number): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  for (const d of generateStream(count, { seed, duplicateRatio: 0.2, runId: `b${seed}` })) {
    await ingestPayload(orm.em.fork(), settings, { source: d.segment, body: JSON.parse(d.body), raw: d.body, deliveryId: d.webhookId }, 'reject', async (delivery) => {
      deliveries.push(delivery);
      return [];
    });
  }
  return deliveries;
}

/** Everything ingest decides, without ids of rows it does not name elsewhere and without clocks. */
async function decisions(orm: MikroORM) {
  const q = <T>(sql: string) => orm.em.fork().execute<T[]>(sql);
  return {
    events: await q(
      `select id, chamado_id, is_duplicate, duplicate_of_id, correlation, recurrence_key, alert_status from events order by id`,
    ),
    chamados: await q(
      `select id, public_id, status, event_count, sources, max_severity, wizard_step, domain, session_id, fingerprint, origin, title
       from chamados order by id`,
    ),
    timeline: await q(
      `select chamado_id, kind, event_type, source, summary, severity, event_id, data - 'reopenedByEvent' as data
       from timeline_entries order by chamado_id, event_id nulls last, kind, event_type, summary`,
    ),
    observables: await q(`select chamado_id, tipo, valor, fonte, event_id from observables order by chamado_id, tipo, valor, fonte`),
    groups: await q(
      `select project_id, recurrence_key, severity, occurrence_total, resolved_total, duplicate_total, source_ref_total,
         missing_source_refs_total, first_event_id, latest_event_id, latest_alert_status, lifecycle, lifecycle_reason,
         (latest_occurrence_at is null) as never_occurred
       from recurrence_groups order by project_id, recurrence_key`,
    ),
    links: await q(`select g.recurrence_key, l.chamado_id from recurrence_group_chamados l join recurrence_groups g on g.id = l.group_id order by 1, 2`),
    hours: await q(`select g.recurrence_key, sum(h.occurrences)::int as n from recurrence_hours h join recurrence_groups g on g.id = h.group_id group by 1 order by 1`),
  };
}

/** Turns decided alone since the process started, for `reason`. */
async function turnsAlone(reason: string): Promise<number> {
  const metric = await register.getSingleMetric('opsgraph_ingest_turns_total')!.get();
  return metric.values.find((v) => v.labels.path === 'alone' && v.labels.reason === reason)?.value ?? 0;
}

describe('group commit', () => {
  let stored = 0;
  let resolutionsAloneBefore = 0;
  beforeAll(async () => {
    resolutionsAloneBefore = await turnsAlone('alert_resolution');
  });

  // Two streams, one after the other on the same databases: the second meets the first's chamados.
  it.each([
    [600, 11],
    [900, 41],
  ])('%i deliveries (seed %i) stored in batches of 1 to 64, decided in memory, decide exactly as one by one with placeEvent', async (count, seed) => {
    const stream = await normalizedStream(oneByOne.orm, count, seed);
    stored += stream.reduce((n, d) => n + d.events.length, 0);
    for (const delivery of stream) {
      const [outcome] = await ingestDeliveries(oneByOne.orm.em, settings, [delivery], { everyTurnAlone: true });
      expect(outcome).not.toHaveProperty('error');
    }
    const random = prng(5);
    for (let at = 0; at < stream.length; ) {
      const size = 1 + Math.floor(random() * 64);
      const outcomes = await ingestDeliveries(batched.orm.em, settings, stream.slice(at, at + size));
      for (const outcome of outcomes) expect(outcome).not.toHaveProperty('error');
      at += size;
    }
    const resolutionsAlone = (await turnsAlone('alert_resolution')) - resolutionsAloneBefore;
    const [expected, actual] = await Promise.all([decisions(oneByOne.orm), decisions(batched.orm)]);
    expect(actual.events.length).toBe(stored);
    // Alert resolutions that joined a chamado: only those that may end its last firing alert go alone.
    const joiningResolutions = expected.events.filter((e) => {
      const { correlation, alert_status: status } = e as { correlation: { decision: string }; alert_status: string | null };
      return status === 'resolved' && correlation.decision === 'attached';
    }).length;
    expect(resolutionsAlone).toBeGreaterThan(0);
    expect(resolutionsAlone).toBeLessThan(joiningResolutions);
    // The stream takes every kind of decision, so the comparison below compares something.
    const kinds = new Set(expected.events.map((e) => (e as { correlation: { decision: string } }).correlation.decision));
    expect([...kinds].sort()).toEqual(['attached', 'duplicate', 'opened', 'stored']);
    expect(expected.timeline.some((t) => (t as { event_type: string }).event_type === 'auto_resolved')).toBe(true);
    expect(actual).toEqual(expected);
  }, 120_000);
});

describe('claims across batches', () => {
  it('two batches storing copies of one delivery at once: one original, one duplicate, both stored', async () => {
    const [delivery] = await normalizedStream(batched.orm, 1, 23);
    const outcomes = await Promise.all([
      ingestDeliveries(batched.orm.em, settings, [delivery!]),
      ingestDeliveries(batched.orm.em, settings, [delivery!]),
    ]);
    const receipts = outcomes.flat().map((o) => {
      if ('error' in o) throw o.error;
      return o.receipts[0]!;
    });
    expect(receipts.map((r) => r.status).sort()).toEqual(['accepted', 'duplicate']);
    const original = receipts.find((r) => r.status === 'accepted')!;
    expect(receipts.find((r) => r.status === 'duplicate')!.duplicateOf).toBe(original.eventId);
  });

  it('one batch holding two bodies under one delivery id stores the first and refuses the second alone', async () => {
    const [first, second] = await normalizedStream(batched.orm, 2, 29);
    const reused = { ...second!, deliveryId: first!.deliveryId };
    const [stored, refused] = await ingestDeliveries(batched.orm.em, settings, [first!, reused]);
    expect(stored).toHaveProperty('receipts');
    expect(refused).toHaveProperty('error.code', 'DELIVERY_ID_REUSED');
    const [row] = await batched.orm.em.fork().execute<{ n: number }[]>(`select count(*)::int as n from events where content_sha256 = ?`, [reused.contentSha256]);
    expect(row!.n).toBe(0);
  });
});
