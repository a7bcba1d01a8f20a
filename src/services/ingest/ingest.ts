import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Chamado } from '../../../entities/chamado.entity.ts';
import { Event } from '../../../entities/event.entity.ts';
import { TimelineEntry } from '../../../entities/timeline-entry.entity.ts';
import type { IngestSettings } from './settings.ts';
import { absorbEvent, addObservables } from '../chamados/absorb-events.ts';
import { resolveWhenAlertsEnd } from '../chamados/alert-resolution.ts';
import { observablesOfEvent } from '../chamados/observables.ts';
import { nextChamadoPublicId } from '../chamados/public-ids.ts';
import { findCorrelation, lockCorrelationKeys, type CorrelationMatch } from './correlate.ts';
import { claimDedupKeys, dedupKeys } from './dedup.ts';
import { bindDeliveryId } from './delivery-id-binding.ts';
import { adoptEarlyResolutions } from './early-resolutions.ts';
import type { NormalizedEvent } from './normalized-event.ts';
import { openingRule, type OpeningRule } from './rules.ts';
import { recurrenceKey, redact, REDACTION_VERSION, truncateFields } from './sanitize.ts';
import { linkGroupChamado, touchRecurrenceGroup } from '../recurrence/maintain.ts';
import { attachHeldOccurrences, openingHold } from '../recurrence/opening-hold.ts';

/** One authenticated, well-formed delivery: its events plus what describes the whole body. */
export interface Delivery {
  events: NormalizedEvent[];
  deliveryId: string | null;
  /** Tenant (spec 002); DEFAULT_PROJECT_ID when the sender named none. */
  projectId: string;
  /**
   * Set for synthetic events (provider heartbeats), saying why they are only stored: counted in
   * their recurrence group, they never open, join or reopen a chamado, so nothing downstream
   * (timeline, approvals, outbound deliveries) ever sees them.
   */
  synthetic?: string;
  contentSha256: string;
  contentLength: number;
}

/**
 * Why the event was treated as it was (stored on the event, returned to the sender, shown in the
 * graph and on the timeline). snake_case because it is served as JSON as it is.
 */
export type Correlation =
  | { decision: 'duplicate'; rule: 'exact' | 'onboarding'; key: string; duplicate_of: number; chamado_public_id: string | null }
  | { decision: 'opened'; rule: string; detail: string; chamado_public_id: string }
  | {
      decision: 'attached';
      rule: CorrelationMatch['rule'];
      key: string;
      chamado_public_id: string;
      reopened: boolean;
      opening_rule: string | null;
    }
  | { decision: 'stored'; reason: string; held_by?: 'threshold' | 'silence' };

export interface Receipt {
  status: 'accepted' | 'duplicate';
  eventId: number;
  eventUuid: string;
  chamadoPublicId: string | null;
  duplicateOf: number | null;
  correlation: Correlation;
  warnings: string[];
}

/** Stores and correlates each event of a delivery, each in its own short transaction. */
export async function ingestDelivery(em: EntityManager, settings: IngestSettings, delivery: Delivery): Promise<Receipt[]> {
  const receipts: Receipt[] = [];
  for (const [index, event] of delivery.events.entries()) {
    receipts.push(await ingestOne(em.fork(), settings, delivery, event, index));
  }
  return receipts;
}

async function ingestOne(
  em: EntityManager,
  settings: IngestSettings,
  delivery: Delivery,
  raw: NormalizedEvent,
  index: number,
): Promise<Receipt> {
  // Summary and title are built from vendor text (error messages …): redact them like the payload.
  const { event: ev, warnings } = truncateFields({ ...raw, summary: redact(raw.summary), title: redact(raw.title) });
  const recKey = recurrenceKey(ev);
  return em.transactional(async (tx) => {
    const now = new Date();
    const event = tx.create(Event, {
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
    await tx.flush();
    // Once per delivery, before anything else is written: a refused reuse leaves nothing behind.
    if (index === 0 && delivery.deliveryId) {
      await bindDeliveryId(tx, {
        eventId: event.id,
        source: ev.source,
        projectId: delivery.projectId,
        deliveryId: delivery.deliveryId,
        contentSha256: delivery.contentSha256,
      });
    }
    const groupTouch = { projectId: delivery.projectId, recurrenceKey: recKey!, event: ev, eventId: event.id, at: now };

    const duplicate = await claimDedupKeys(tx, event.id, dedupKeys(ev, delivery.deliveryId, index, delivery.projectId));
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
      event.isDuplicate = true;
      event.duplicateOf = tx.getReference(Event, duplicate.originalId);
      // Shown under the same chamado in Discover; counters ignore duplicates.
      if (original?.chamado_id) event.chamado = tx.getReference(Chamado, original.chamado_id);
      event.correlation = correlation;
      if (recKey) await touchRecurrenceGroup(tx, settings.recurrence, { ...groupTouch, duplicate: true });
      return receipt(event, correlation, warnings);
    }

    await lockCorrelationKeys(tx, { event: ev, recurrenceKey: recKey });
    const group = recKey ? await touchRecurrenceGroup(tx, settings.recurrence, { ...groupTouch, duplicate: false }) : null;
    if (delivery.synthetic) {
      const correlation: Correlation = { decision: 'stored', reason: delivery.synthetic };
      event.correlation = correlation;
      return receipt(event, correlation, warnings);
    }
    const opening = openingRule(ev, settings.rules);
    const match = await findCorrelation(tx, { event: ev, recurrenceKey: recKey, windowMs: settings.correlationWindowMs, projectId: delivery.projectId });
    const target = match ? await joinableChamado(tx, match, opening, settings.reopenWindowMs, now) : null;
    const hold = !target && opening && group ? await openingHold(tx, settings.recurrence, group, { projectId: delivery.projectId, recurrenceKey: recKey!, now }) : null;

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
      correlation = { decision: 'stored', reason: hold.reason, held_by: hold.by };
      event.correlation = correlation;
      return receipt(event, correlation, warnings);
    } else if (opening) {
      chamado = await openChamado(tx, ev, recKey, delivery.projectId, now);
      correlation = { decision: 'opened', rule: opening.rule, detail: opening.detail, chamado_public_id: chamado.publicId };
    } else {
      correlation = { decision: 'stored', reason: 'no opening rule matched and no open chamado correlates' };
      event.correlation = correlation;
      return receipt(event, correlation, warnings);
    }

    event.chamado = chamado;
    event.correlation = correlation;
    absorbEvent(chamado, ev);
    if (ev.wizardStep && ev.wizardStep !== chamado.wizardStep) {
      chamado.wizardStep = ev.wizardStep;
      chamado.wizardStepLabel = ev.wizardStepLabel;
      chamado.wizardStepAt = ev.occurredAt ?? now;
    }
    chamado.updatedAt = now;
    tx.create(TimelineEntry, {
      chamado,
      kind: 'event',
      eventType: ev.eventType,
      source: ev.source,
      summary: ev.summary,
      severity: ev.severity,
      event,
      data: { correlation },
      createdAt: now,
    });
    await tx.flush();
    const facts = [...observablesOfEvent(ev), ...ev.observables.map((o) => ({ ...o, fonte: ev.source }))];
    await addObservables(tx, chamado.id, facts, event.id);
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
  });
}

function receipt(event: Event, correlation: Correlation, warnings: string[], chamadoPublicId?: string): Receipt {
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
  return em.create(Chamado, {
    publicId: await nextChamadoPublicId(em, now),
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
  });
}
