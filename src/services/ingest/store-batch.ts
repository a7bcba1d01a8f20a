import type { EntityManager } from '@mikro-orm/postgresql';
import { Event } from '../../../entities/event.entity.ts';
import { correlationLockKeys, lockCorrelationKeys } from './correlate.ts';
import { claimDedupKeysInOrder, dedupKeys } from './dedup.ts';
import { bindDeliveryIds, DeliveryIdReusedError, type DeliveryBinding } from './delivery-id-binding.ts';
import type { Delivery, DeliveryOutcome, Receipt } from './ingest.ts';
import { placeEvent, type StagedEvent } from './place-event.ts';
import { recurrenceKey, redact, REDACTION_VERSION, truncateFields } from './sanitize.ts';
import type { IngestSettings } from './settings.ts';

/**
 * The body of a batch's transaction. What is the same for every event is done for all of them
 * at once — the rows inserted in one statement, delivery ids bound and dedup keys claimed in one
 * or two, the correlation keys of all of them locked in one — and then each event takes its turn
 * in the batch's order, seeing exactly what it would have seen had the events arrived one by one.
 */
export async function storeBatch(tx: EntityManager, settings: IngestSettings, deliveries: readonly Delivery[]): Promise<DeliveryOutcome[]> {
  const now = new Date();
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
  await lockCorrelationKeys(
    tx,
    live.filter((s) => !verdicts.get(s.entity.id)).flatMap((s) => correlationLockKeys({ event: s.normalized, recurrenceKey: s.recurrenceKey })),
  );

  const receipts = deliveries.map((): Receipt[] => []);
  const ids = live.map((s) => s.entity.id);
  for (const [turn, s] of live.entries()) {
    const receipt = await placeEvent(tx, settings, s, { duplicate: verdicts.get(s.entity.id)!, now, pendingIds: ids.slice(turn + 1) });
    // The next turn reads what this one wrote with plain SQL, which does not flush by itself.
    await tx.flush();
    receipts[s.deliveryIndex]!.push(receipt);
  }
  return deliveries.map((delivery, index) => (refused.has(index) ? { error: new DeliveryIdReusedError(delivery.deliveryId!) } : { receipts: receipts[index]! }));
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
