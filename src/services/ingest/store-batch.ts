import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Counter, Histogram } from 'prom-client';
import { OneRoundTrip } from '../../db/one-round-trip.ts';
import { Event } from '../../../entities/event.entity.ts';
import { correlationLockKeys, lockCorrelationKeys } from './correlate.ts';
import { dedupInOrder, dedupKeys } from './dedup.ts';
import { bindInOrder, deliveryKeyOf, DeliveryIdReusedError, type DeliveryBinding } from './delivery-id-binding.ts';
import { insertClaims, readHolders } from './key-claims.ts';
import type { Delivery, DeliveryOutcome, Receipt } from './ingest.ts';
import { fastTurn } from './batch/fast-turn.ts';
import { prefetch, queueFirstReads, type FirstReads } from './batch/prefetch.ts';
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
  /**
   * The batch owns its transaction (ingestDeliveries): its last statement, when it is the view's
   * write, has the COMMIT written right behind it (BatchView.write), one round trip sooner.
   */
  commitWithLastWrite?: boolean;
}

const turnsTaken = new Counter({
  name: 'opsgraph_ingest_turns_total',
  help: "Events placed by ingest batches, by path: in memory over the batch's view, or alone (placeEvent) when the view could not decide, and why",
  labelNames: ['path', 'reason'] as const,
});
const batchSizes = new Histogram({
  name: 'opsgraph_ingest_batch_events',
  help: 'Events per ingest batch (one transaction)',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
});

/**
 * The body of a batch's transaction. What is the same for every event is done for all of them
 * at once — ids taken, the holders of every dedup key and delivery id read and the correlation
 * keys locked in one statement, written together with what the turns read and the chamados
 * those reads pick, locked (two statements behind it, batch/prefetch.ts) — then each event takes its turn in the batch's order,
 * seeing exactly what it would have seen had the events arrived one by one, and the rows are
 * written once, as decided.
 */
export async function storeBatch(
  tx: EntityManager,
  settings: IngestSettings,
  deliveries: readonly Delivery[],
  options: BatchOptions = {},
): Promise<DeliveryOutcome[]> {
  const now = new Date();
  const staged = deliveries.flatMap((delivery, deliveryIndex) =>
    delivery.events.map((event, indexInDelivery) => stage(tx, delivery, deliveryIndex, indexInDelivery, event, now)),
  );
  batchSizes.observe(staged.length);
  const bindings = new Map<DeliveryBinding, number>();
  const read = new OneRoundTrip();
  const ids = read.query<{ id: number }>(`select nextval(pg_get_serial_sequence('events', 'id')) as id from generate_series(1, ?)`, [
    staged.length,
  ]);
  const holders = readHolders(read, [
    ...staged.flatMap((s) =>
      s.indexInDelivery === 0 && s.delivery.deliveryId
        ? [
            deliveryKeyOf({
              source: s.normalized.source,
              deliveryId: s.delivery.deliveryId,
            }),
          ]
        : [],
    ),
    ...staged.flatMap((s) => s.dedupKeys.map((k) => k.key)),
  ]);
  // Every event's keys, as if none were a duplicate: which ones are is known only from the holders
  // read in this very statement, and a duplicate counts in its recurrence group's row, so it must
  // hold that key too; two batches then reach the rows they share in one order (the keys').
  lockCorrelationKeys(
    read,
    staged.flatMap((s) => correlationLockKeys({ event: s.normalized, recurrenceKey: s.recurrenceKey })),
  );
  // What the turns read goes out with it, as a statement of its own right after it: it then reads
  // under the locks this one takes, and the batch waits for one round trip instead of two.
  const turnsRead = new OneRoundTrip();
  // And the chamados those reads pick, locked by a third statement behind them: no second round trip.
  const survivorsRead = new OneRoundTrip();
  const firstReads = options.everyTurnAlone ? undefined : queueFirstReads(turnsRead, survivorsRead, staged, settings, now);
  await OneRoundTrip.sendInOrder(tx, [read, turnsRead, survivorsRead]);
  // Ids in the batch's order, as one by one would have given them.
  const taken = (await ids).map((r) => Number(r.id)).sort((a, b) => a - b);
  staged.forEach((s, i) => (s.entity.id = taken[i]!));
  const earlier = await holders;

  for (const s of staged) {
    if (s.indexInDelivery !== 0 || !s.delivery.deliveryId) continue;
    const binding = {
      eventId: s.entity.id,
      source: s.normalized.source,
      projectId: s.delivery.projectId,
      deliveryId: s.delivery.deliveryId,
      contentSha256: s.delivery.contentSha256,
    };
    bindings.set(binding, s.deliveryIndex);
  }
  const bound = bindInOrder([...bindings.keys()], earlier);
  const refused = new Set([...bound.refused].map((b) => bindings.get(b)!));
  const live = staged.filter((s) => !refused.has(s.deliveryIndex));
  const { verdicts, holders: dedupHolders } = dedupInOrder(
    live.map((s) => ({ eventId: s.entity.id, keys: s.dedupKeys })),
    earlier,
  );
  for (const s of live) {
    const duplicate = verdicts.get(s.entity.id);
    if (!duplicate) continue;
    s.entity.isDuplicate = true;
    s.entity.duplicateOf = tx.getReference(Event, duplicate.originalId);
  }
  const turns: BatchTurn[] = live.map((staged) => ({
    staged,
    duplicate: verdicts.get(staged.entity.id)!,
  }));
  const claims = new Map([...bound.holders, ...dedupHolders]);
  const outcomes = await takeTurns(tx, settings, turns, now, claims, options, firstReads);
  const receipts = deliveries.map((): Receipt[] => []);
  turns.forEach((turn, i) => receipts[turn.staged.deliveryIndex]!.push(outcomes[i]!()));
  return deliveries.map((delivery, index) =>
    refused.has(index) ? { error: new DeliveryIdReusedError(delivery.deliveryId!) } : { receipts: receipts[index]! },
  );
}

/**
 * Each event in the batch's order, in memory over a view read at once (batch/fast-turn.ts); a
 * turn the view cannot decide stores what the view holds, runs placeEvent alone, and the view is
 * read again for the turns after it. An event's row is written when its turn is stored, with what
 * was decided (never inserted, then updated), and the keys it holds right after it. Returns each
 * turn's receipt, made once numbers are taken.
 */
async function takeTurns(
  tx: EntityManager,
  settings: IngestSettings,
  turns: BatchTurn[],
  now: Date,
  claims: ReadonlyMap<string, number>,
  options: BatchOptions,
  firstReads: Promise<FirstReads> | undefined,
): Promise<(() => Receipt)[]> {
  const placedEvents = new Map<number, Event>();
  const outcomes: (() => Receipt)[] = [];
  const unclaimed = new Map(claims);
  // The keys of the events placed so far (their rows are written with them), taken once.
  const dueClaims = () => {
    const due = new Map([...unclaimed].filter(([, eventId]) => placedEvents.has(eventId)));
    for (const key of due.keys()) unclaimed.delete(key);
    return due;
  };
  let view: BatchView | null = null;
  for (const [i, turn] of turns.entries()) {
    if (!options.everyTurnAlone)
      view ??= new BatchView(
        await prefetch(tx, turns.slice(i), settings, now, i === 0 ? firstReads : undefined),
        settings.recurrence,
        now,
        placedEvents,
      );
    const placed = view ? fastTurn(tx, view, settings, turn, now) : 'every_turn_alone';
    if (typeof placed !== 'string') {
      turnsTaken.inc({ path: 'view', reason: '' });
      view!.writesEvent(turn.staged.entity);
      placedEvents.set(turn.staged.entity.id, turn.staged.entity);
      const { entity, warnings } = turn.staged;
      outcomes.push(() => receipt(entity, placed.correlation, warnings, placed.chamado?.publicId));
      continue;
    }
    turnsTaken.inc({ path: 'alone', reason: placed });
    await view?.write(tx, dueClaims());
    view = null;
    // Alone, the event is a row before anything is decided (a threshold counts it, groups name it).
    tx.persist(turn.staged.entity);
    await tx.flush();
    placedEvents.set(turn.staged.entity.id, turn.staged.entity);
    await insertClaims(tx, dueClaims());
    const alone = await placeEvent(tx, settings, turn.staged, { duplicate: turn.duplicate, now });
    // The next turn reads what this one wrote with plain SQL, which does not flush by itself.
    await tx.flush();
    outcomes.push(() => alone);
  }
  await view?.write(tx, dueClaims(), { commit: options.commitWithLastWrite === true });
  return outcomes;
}

/** Sanitizes an event (vendor text redacted, fields cut to their columns) into its entity, not yet persisted. */
function stage(
  tx: EntityManager,
  delivery: Delivery,
  deliveryIndex: number,
  indexInDelivery: number,
  raw: Delivery['events'][number],
  now: Date,
): StagedEvent {
  // Summary and title are built from vendor text (error messages …): redact them like the payload.
  const { event: ev, warnings } = truncateFields({
    ...raw,
    summary: redact(raw.summary),
    title: redact(raw.title),
  });
  const recKey = recurrenceKey(ev);
  // Persisted at its turn: a refused delivery's events are never written.
  const entity = tx.create(
    Event,
    {
      uuid: randomUUID(),
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
    },
    { persist: false },
  );
  return {
    delivery,
    deliveryIndex,
    indexInDelivery,
    normalized: ev,
    recurrenceKey: recKey,
    dedupKeys: dedupKeys(ev, delivery.deliveryId, indexInDelivery, delivery.projectId),
    warnings,
    entity,
  };
}
