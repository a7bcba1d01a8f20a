import type { EntityManager } from '@mikro-orm/postgresql';
import { Counter, Histogram } from 'prom-client';
import { Event } from '../../../entities/event.entity.ts';
import { correlationLockKeys, lockCorrelationKeys } from './correlate.ts';
import { claimDedupKeysInOrder, dedupKeys } from './dedup.ts';
import { bindDeliveryIds, DeliveryIdReusedError, type DeliveryBinding } from './delivery-id-binding.ts';
import type { Delivery, DeliveryOutcome, Receipt } from './ingest.ts';
import { fastTurn } from './batch/fast-turn.ts';
import { prefetch } from './batch/prefetch.ts';
import type { BatchTurn } from './batch/turn.ts';
import { BatchView } from './batch/view.ts';
import { placeEvent, receipt, type StagedEvent } from './place-event.ts';
import { recurrenceKey, redact, REDACTION_VERSION, truncateFields } from './sanitize.ts';
import type { IngestSettings } from './settings.ts';

export interface BatchOptions {
  /**
   * Every event decided alone by placeEvent, the reference the in-memory turns must agree with
   * (test/ingest-batches.test.ts compares the two).
   */
  everyTurnAlone?: boolean;
}

const turnsTaken = new Counter({
  name: 'opsgraph_ingest_turns_total',
  help: "Events placed by ingest batches, by path: in memory over the batch's view, or alone (placeEvent) when the view could not decide",
  labelNames: ['path'] as const,
});
const batchSizes = new Histogram({
  name: 'opsgraph_ingest_batch_events',
  help: 'Events per ingest batch (one transaction)',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
});

/**
 * The body of a batch's transaction. What is the same for every event is done for all of them
 * at once — the rows inserted in one statement, delivery ids bound and dedup keys claimed in one
 * or two, the correlation keys of all of them locked in one — and then each event takes its turn
 * in the batch's order, seeing exactly what it would have seen had the events arrived one by one.
 */
export async function storeBatch(
  tx: EntityManager,
  settings: IngestSettings,
  deliveries: readonly Delivery[],
  options: BatchOptions = {},
): Promise<DeliveryOutcome[]> {
  const now = new Date();
  batchSizes.observe(deliveries.reduce((n, d) => n + d.events.length, 0));
  const staged = deliveries.flatMap((delivery, deliveryIndex) =>
    delivery.events.map((event, indexInDelivery) => stage(tx, delivery, deliveryIndex, indexInDelivery, event, now)),
  );
  await tx.flush();

  const refused = await refuseReusedDeliveryIds(tx, staged);
  const live = staged.filter((s) => !refused.has(s.deliveryIndex));

  const verdicts = await claimDedupKeysInOrder(
    tx,
    live.map((s) => ({ eventId: s.entity.id, keys: dedupKeys(s.normalized, s.delivery.deliveryId, s.indexInDelivery, s.delivery.projectId) })),
  );
  // Marked before any turn: a later copy must not count towards an earlier event's threshold.
  for (const s of live) {
    const duplicate = verdicts.get(s.entity.id);
    if (!duplicate) continue;
    s.entity.isDuplicate = true;
    s.entity.duplicateOf = tx.getReference(Event, duplicate.originalId);
  }
  await tx.flush();
  // A duplicate locks its recurrence key too: it counts in that group's row, and two batches must
  // reach the rows they share in one order (the keys'), or they deadlock.
  await lockCorrelationKeys(
    tx,
    live.flatMap((s) =>
      verdicts.get(s.entity.id)
        ? s.recurrenceKey ? correlationLockKeys({ event: {}, recurrenceKey: s.recurrenceKey }) : []
        : correlationLockKeys({ event: s.normalized, recurrenceKey: s.recurrenceKey }),
    ),
  );

  const turns: BatchTurn[] = live.map((staged) => ({ staged, duplicate: verdicts.get(staged.entity.id)! }));
  const outcomes = await takeTurns(tx, settings, turns, now, options);
  const receipts = deliveries.map((): Receipt[] => []);
  turns.forEach((turn, i) => receipts[turn.staged.deliveryIndex]!.push(outcomes[i]!()));
  return deliveries.map((delivery, index) => (refused.has(index) ? { error: new DeliveryIdReusedError(delivery.deliveryId!) } : { receipts: receipts[index]! }));
}

/**
 * Each event in the batch's order, in memory over a view read at once (batch/fast-turn.ts); a
 * turn the view cannot decide stores what the view holds, runs placeEvent alone, and the view is
 * read again for the turns after it. Returns each turn's receipt, made once numbers are taken.
 */
async function takeTurns(tx: EntityManager, settings: IngestSettings, turns: BatchTurn[], now: Date, options: BatchOptions): Promise<(() => Receipt)[]> {
  const batchEvents = new Map(turns.map((t) => [t.staged.entity.id, t.staged.entity]));
  const ids = turns.map((t) => t.staged.entity.id);
  const outcomes: (() => Receipt)[] = [];
  let view: BatchView | null = null;
  for (const [i, turn] of turns.entries()) {
    if (!options.everyTurnAlone) view ??= new BatchView(await prefetch(tx, turns.slice(i), settings, now), settings.recurrence, now, batchEvents);
    const placed = view ? fastTurn(tx, view, settings, turn, now) : 'one-by-one';
    turnsTaken.inc({ path: placed === 'one-by-one' ? 'alone' : 'view' });
    if (placed !== 'one-by-one') {
      const { entity, warnings } = turn.staged;
      outcomes.push(() => receipt(entity, placed.correlation, warnings, placed.chamado?.publicId));
      continue;
    }
    await view?.write(tx);
    view = null;
    const alone = await placeEvent(tx, settings, turn.staged, { duplicate: turn.duplicate, now, pendingIds: ids.slice(i + 1) });
    // The next turn reads what this one wrote with plain SQL, which does not flush by itself.
    await tx.flush();
    outcomes.push(() => alone);
  }
  if (view) await view.write(tx);
  return outcomes;
}

/** Sanitizes an event (vendor text redacted, fields cut to their columns) and creates its row. */
function stage(tx: EntityManager, delivery: Delivery, deliveryIndex: number, indexInDelivery: number, raw: Delivery['events'][number], now: Date): StagedEvent {
  // Summary and title are built from vendor text (error messages …): redact them like the payload.
  const { event: ev, warnings } = truncateFields({ ...raw, summary: redact(raw.summary), title: redact(raw.title) });
  const recKey = recurrenceKey(ev);
  const entity = tx.create(Event, {
    projectId: delivery.projectId,
    source: ev.source,
    eventType: ev.eventType,
    providerEventId: ev.providerEventId,
    deliveryId: delivery.deliveryId,
    domain: ev.domain,
    sessionId: ev.sessionId,
    severity: ev.severity,
    ruleId: ev.ruleId,
    agent: ev.agent,
    summary: ev.summary,
    fingerprint: ev.fingerprint,
    alertname: ev.alertname,
    namespace: ev.namespace,
    targetResource: ev.targetResource,
    recurrenceKey: recKey,
    alertStatus: ev.alertStatus,
    sourceSeverity: ev.sourceSeverity,
    payload: redact(ev.payload) as Record<string, unknown>,
    redactionVersion: REDACTION_VERSION,
    contentSha256: delivery.contentSha256,
    contentLength: delivery.contentLength,
    sourceRefs: ev.sourceRefs,
    observables: ev.observables,
    warnings: warnings.length ? warnings : null,
    occurredAt: ev.occurredAt,
    receivedAt: now,
  });
  return { delivery, deliveryIndex, indexInDelivery, normalized: ev, recurrenceKey: recKey, warnings, entity };
}

/**
 * Binds the delivery ids of the batch (once per delivery, before anything else is claimed) and
 * removes every event of a delivery whose id was refused: a refused reuse leaves nothing behind.
 * Returns the refused deliveries' positions.
 */
async function refuseReusedDeliveryIds(tx: EntityManager, staged: readonly StagedEvent[]): Promise<Set<number>> {
  const bindings = new Map<DeliveryBinding, number>();
  for (const s of staged) {
    const { delivery } = s;
    if (s.indexInDelivery !== 0 || !delivery.deliveryId) continue;
    const binding = {
      eventId: s.entity.id,
      source: s.normalized.source,
      projectId: delivery.projectId,
      deliveryId: delivery.deliveryId,
      contentSha256: delivery.contentSha256,
    };
    bindings.set(binding, s.deliveryIndex);
  }
  const refused = new Set([...(await bindDeliveryIds(tx, [...bindings.keys()]))].map((b) => bindings.get(b)!));
  if (refused.size === 0) return refused;
  for (const s of staged) if (refused.has(s.deliveryIndex)) tx.remove(s.entity);
  await tx.flush();
  return refused;
}
