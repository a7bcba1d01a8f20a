import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Chamado } from '../../../entities/chamado.entity.ts';
import { Event } from '../../../entities/event.entity.ts';
import { TimelineEntry } from '../../../entities/timeline-entry.entity.ts';
import { absorbEvent, addObservables } from '../chamados/absorb-events.ts';
import { resolveWhenAlertsEnd } from '../chamados/alert-resolution.ts';
import { observablesOfEvent, type ObservableFact } from '../chamados/observables.ts';
import { nextChamadoPublicId } from '../chamados/public-ids.ts';
import { linkGroupChamado, touchRecurrenceGroup } from '../recurrence/maintain.ts';
import { attachHeldOccurrences, openingHold } from '../recurrence/opening-hold.ts';
import { findCorrelation, type CorrelationMatch } from './correlate.ts';
import type { DedupKey, Duplicate } from './dedup.ts';
import { adoptEarlyResolutions } from './early-resolutions.ts';
import type { Correlation, Delivery, Receipt } from './ingest.ts';
import type { NormalizedEvent } from './normalized-event.ts';
import { openingRule, type OpeningRule } from './rules.ts';
import type { IngestSettings } from './settings.ts';

/** An event of a batch, sanitized and given its id, waiting for its turn (its row is written then). */
export interface StagedEvent {
  delivery: Delivery;
  /** Its delivery's position in the batch. */
  deliveryIndex: number;
  indexInDelivery: number;
  /** The event as stored: redacted and cut to the columns. */
  normalized: NormalizedEvent;
  recurrenceKey: string | null;
  /** The keys that make it a copy of an earlier event (dedup.ts), worked out once when staged. */
  dedupKeys: DedupKey[];
  warnings: string[];
  entity: Event;
}

/** What an event's turn needs besides the event: its dedup verdict and the batch's clock. */
export interface Turn {
  duplicate: Duplicate | null;
  now: Date;
}

/**
 * Decides what a stored event is and puts it there: a duplicate under its original's chamado;
 * else counted in its recurrence group and correlated (DOMAIN.md) — joined to a chamado (reopening
 * it when the rules say so), opening one, held by its group's threshold or silence, or only
 * stored. Runs in the batch's transaction with the batch's correlation keys locked.
 */
export async function placeEvent(tx: EntityManager, settings: IngestSettings, staged: StagedEvent, turn: Turn): Promise<Receipt> {
  const { delivery, normalized: ev, recurrenceKey: recKey, warnings, entity: event } = staged;
  const { duplicate, now } = turn;
  const groupTouch = { projectId: delivery.projectId, recurrenceKey: recKey!, event: ev, eventId: event.id, at: now };

  if (duplicate) {
    const [original] = await tx.execute<{ chamado_id: number | null; public_id: string | null }[]>(
      'select e.chamado_id, c.public_id from events e left join chamados c on c.id = e.chamado_id where e.id = ?',
      [duplicate.originalId],
    );
    const correlation: Correlation = {
      decision: 'duplicate',
      rule: duplicate.rule,
      key: duplicate.key,
      duplicate_of: duplicate.originalId,
      chamado_public_id: original?.public_id ?? null,
    };
    // Shown under the same chamado in Discover; counters ignore duplicates.
    if (original?.chamado_id) event.chamado = tx.getReference(Chamado, original.chamado_id);
    event.correlation = correlation;
    if (recKey) await touchRecurrenceGroup(tx, settings.recurrence, { ...groupTouch, duplicate: true });
    return receipt(event, correlation, warnings);
  }

  const group = recKey ? await touchRecurrenceGroup(tx, settings.recurrence, { ...groupTouch, duplicate: false }) : null;
  if (delivery.synthetic) return stored(event, { decision: 'stored', reason: delivery.synthetic }, warnings);
  const opening = openingRule(ev, settings.rules);
  const match = await findCorrelation(tx, { event: ev, recurrenceKey: recKey, windowMs: settings.correlationWindowMs, projectId: delivery.projectId });
  const target = match ? await joinableChamado(tx, match, opening, settings.reopenWindowMs, now) : null;
  const hold =
    !target && opening && group
      ? await openingHold(tx, settings.recurrence, group, { projectId: delivery.projectId, recurrenceKey: recKey!, now })
      : null;

  let chamado: Chamado;
  let correlation: Correlation;
  if (target) {
    chamado = target.chamado;
    if (target.reopen) reopen(tx, chamado, event, now);
    correlation = {
      decision: 'attached',
      rule: match!.rule,
      key: match!.key,
      chamado_public_id: chamado.publicId,
      reopened: target.reopen,
      opening_rule: opening?.rule ?? null,
    };
  } else if (hold) {
    return stored(event, { decision: 'stored', reason: hold.reason, held_by: hold.by }, warnings);
  } else if (opening) {
    chamado = await openChamado(tx, ev, recKey, delivery.projectId, now);
    correlation = { decision: 'opened', rule: opening.rule, detail: opening.detail, chamado_public_id: chamado.publicId };
  } else {
    return stored(event, { decision: 'stored', reason: 'no opening rule matched and no open chamado correlates' }, warnings);
  }

  tx.persist(joinChamado(tx, chamado, event, ev, correlation, now));
  await tx.flush();
  await addObservables(tx, chamado.id, factsOf(ev), event.id);
  if (group) {
    await linkGroupChamado(tx, group.id, chamado.id, now);
    // A chamado opened once the threshold was reached takes the occurrences that were held.
    if (correlation.decision === 'opened') {
      await attachHeldOccurrences(tx, settings.recurrence, group, chamado, { projectId: delivery.projectId, recurrenceKey: recKey!, exceptEventId: event.id, now });
    }
  }
  // Still under the chamado's row lock taken by joinableChamado (resolutions never open one).
  await resolveWhenAlertsEnd(tx, chamado, event, settings.rules.autoResolveSources, now);
  for (const resolution of await adoptEarlyResolutions(tx, chamado, event, now)) {
    await resolveWhenAlertsEnd(tx, chamado, resolution, settings.rules.autoResolveSources, now);
  }
  return receipt(event, correlation, warnings, chamado.publicId);
}

/**
 * The event joins the chamado (opened for it or correlated): counters, wizard step, and its
 * timeline entry, returned for the caller to write (the unit of work or a batch's own statement).
 */
export function joinChamado(tx: EntityManager, chamado: Chamado, event: Event, ev: NormalizedEvent, correlation: Correlation, now: Date): TimelineEntry {
  event.chamado = chamado;
  event.correlation = correlation;
  absorbEvent(chamado, ev);
  if (ev.wizardStep && ev.wizardStep !== chamado.wizardStep) {
    chamado.wizardStep = ev.wizardStep;
    chamado.wizardStepLabel = ev.wizardStepLabel;
    chamado.wizardStepAt = ev.occurredAt ?? now;
  }
  chamado.updatedAt = now;
  return tx.create(
    TimelineEntry,
    {
      chamado,
      kind: 'event',
      eventType: ev.eventType,
      source: ev.source,
      summary: ev.summary,
      severity: ev.severity,
      event,
      data: { correlation },
      createdAt: now,
    },
    { persist: false },
  );
}

/** The typed facts a joining event adds to its chamado: its own fields' and the normalizer's. */
export function factsOf(ev: NormalizedEvent): ObservableFact[] {
  return [...observablesOfEvent(ev), ...ev.observables.map((o) => ({ ...o, fonte: ev.source }))];
}

function stored(event: Event, correlation: Correlation, warnings: string[]): Receipt {
  event.correlation = correlation;
  return receipt(event, correlation, warnings);
}

export function receipt(event: Event, correlation: Correlation, warnings: string[], chamadoPublicId?: string): Receipt {
  const duplicate = correlation.decision === 'duplicate';
  return {
    status: duplicate ? 'duplicate' : 'accepted',
    eventId: event.id,
    eventUuid: event.uuid,
    chamadoPublicId: chamadoPublicId ?? (duplicate ? correlation.chamado_public_id : null),
    duplicateOf: duplicate ? correlation.duplicate_of : null,
    correlation,
    warnings,
  };
}

/**
 * Whether the correlated chamado takes the event, and whether it reopens: an open chamado always
 * does; a resolved/closed one reopens for a ticket-worthy event inside the reopen window (after
 * it, a new chamado opens instead); for other events only the strong links (explicit, session)
 * still attach to a closed chamado, without reopening it.
 */
async function joinableChamado(
  em: EntityManager,
  match: CorrelationMatch,
  opening: OpeningRule | null,
  reopenWindowMs: number,
  now: Date,
): Promise<{ chamado: Chamado; reopen: boolean } | null> {
  const chamado = await em.findOneOrFail(Chamado, match.chamadoId, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (chamado.status !== 'resolvido' && chamado.status !== 'fechado') return { chamado, reopen: false };
  if (!match.includesClosed) return null;
  if (opening) {
    const endedAt = chamado.closedAt ?? chamado.resolvedAt ?? chamado.updatedAt;
    return now.getTime() - endedAt.getTime() <= reopenWindowMs ? { chamado, reopen: true } : null;
  }
  return match.rule === 'explicit' || match.rule === 'session' ? { chamado, reopen: false } : null;
}

function reopen(em: EntityManager, chamado: Chamado, event: Event, now: Date): void {
  const from = chamado.status;
  chamado.transitionTo('assumido', now);
  em.create(TimelineEntry, {
    chamado,
    kind: 'status',
    eventType: 'status.assumido',
    source: event.source,
    summary: `${from} → assumido: reaberto por novo evento ${event.eventType}`,
    data: { from, to: 'assumido', reopenedByEvent: event.id },
    createdAt: now,
  });
}

async function openChamado(em: EntityManager, ev: NormalizedEvent, recKey: string | null, projectId: string, now: Date): Promise<Chamado> {
  return em.create(Chamado, { ...newChamado(ev, recKey, projectId, now), publicId: await nextChamadoPublicId(em, now) });
}

/** A chamado opened by `ev`, all but its number. */
export function newChamado(ev: NormalizedEvent, recKey: string | null, projectId: string, now: Date) {
  return {
    projectId,
    origin: ev.source,
    title: ev.title,
    domain: ev.domain,
    sessionId: ev.sessionId,
    wizardStep: ev.wizardStep,
    wizardStepLabel: ev.wizardStepLabel,
    wizardStepAt: ev.wizardStep ? (ev.occurredAt ?? now) : null,
    fingerprint: recKey,
    sources: [],
    eventCount: 0,
    createdAt: now,
    updatedAt: now,
  };
}
