import type { EntityManager } from '@mikro-orm/postgresql';
import { Chamado } from '../../../../entities/chamado.entity.ts';
import { openingThreshold } from '../../recurrence/opening-hold.ts';
import type { Correlation } from '../ingest.ts';
import { openingRule } from '../rules.ts';
import type { IngestSettings } from '../settings.ts';
import { factsOf, joinChamado, newChamado } from '../place-event.ts';
import { isRuledResolutionTurn } from './chamado-alerts.ts';
import { earlyResolutionKey, scopedKey } from './prefetch.ts';
import type { BatchTurn } from './turn.ts';
import type { BatchView } from './view.ts';

/** Why a turn is decided alone (the `reason` of opsgraph_ingest_turns_total{path="alone"}). */
export type AloneReason = 'reopening' | 'threshold' | 'held_occurrences' | 'alert_resolution' | 'early_resolution' | 'every_turn_alone';

/** What a turn decided; its receipt is made once the batch's chamados have their numbers. */
export interface Placed {
  correlation: Correlation;
  chamado: Chamado | null;
}

/**
 * place-event.ts's placeEvent over the batch's view, without a statement: the same decisions, in
 * memory. Returns why not — before changing anything — for the turns whose outcome depends on
 * what the view does not hold: a reopening, an opening threshold above one, held occurrences to
 * attach, an alert resolution that may resolve its chamado, an early resolution to adopt. The
 * caller then stores what the view holds and runs placeEvent for that turn.
 */
export function fastTurn(tx: EntityManager, view: BatchView, settings: IngestSettings, turn: BatchTurn, now: Date): Placed | AloneReason {
  const { delivery, normalized: ev, recurrenceKey: recKey, entity: event } = turn.staged;
  if (turn.duplicate) return placeDuplicate(tx, view, turn);

  const opening = delivery.synthetic ? null : openingRule(ev, settings.rules);
  const match = delivery.synthetic ? null : view.correlate(turn, settings.correlationWindowMs);
  let target: Chamado | null = null;
  if (match) {
    const closed = match.chamado.status === 'resolvido' || match.chamado.status === 'fechado';
    if (!closed) target = match.chamado;
    else if (match.includesClosed && opening) {
      const endedAt = match.chamado.closedAt ?? match.chamado.resolvedAt ?? match.chamado.updatedAt;
      if (now.getTime() - endedAt.getTime() <= settings.reopenWindowMs) return 'reopening';
    } else if (match.includesClosed && (match.rule === 'explicit' || match.rule === 'session')) target = match.chamado;
  }
  const groupBefore = recKey ? view.groups.get(delivery.projectId, recKey) : undefined;
  let silenced: string | null = null;
  if (!target && opening && recKey) {
    const until = groupBefore?.snapshot?.silencedUntil;
    if (until && until.getTime() > now.getTime()) silenced = `recurrence group silenced until ${until.toISOString()}: ${groupBefore.snapshot!.silenceReason ?? 'no reason given'}`;
    else if (openingThreshold(groupBefore?.snapshot ?? { openThreshold: null, openWindowMinutes: null }, settings.recurrence).occurrences > 1) return 'threshold';
    else if (view.data.heldKeys.has(scopedKey(delivery.projectId, recKey))) return 'held_occurrences';
  }
  const joins = Boolean(target || (opening && !silenced));
  // A resolution that may end its chamado's last firing alert goes to alert-resolution.ts (a
  // resolution never opens a chamado: it joins `target`).
  if (joins && isRuledResolutionTurn(turn, settings.rules.autoResolveSources) && (!target || view.mayEndLastAlert(target, turn))) return 'alert_resolution';
  const early = joins ? earlyResolutionKey(turn.staged) : null;
  if (early && (view.data.earlyResolutions.has(early) || view.resolutionsOnNoChamado.has(early))) return 'early_resolution';

  // Decided: from here on the turn only changes the view.
  const group = recKey ? view.groups.touch(delivery.projectId, recKey, ev, event.id, false) : null;
  if (delivery.synthetic) return stored(turn, view, { decision: 'stored', reason: delivery.synthetic });
  if (silenced) return stored(turn, view, { decision: 'stored', reason: silenced, held_by: 'silence' });
  if (!target && !opening) return stored(turn, view, { decision: 'stored', reason: 'no opening rule matched and no open chamado correlates' });

  let chamado: Chamado;
  let correlation: Extract<Correlation, { decision: 'attached' | 'opened' }>;
  if (target) {
    chamado = target;
    correlation = { decision: 'attached', rule: match!.rule, key: match!.key, chamado_public_id: '', reopened: false, opening_rule: opening?.rule ?? null };
  } else {
    chamado = openChamado(tx, turn, now);
    view.opened(chamado);
    correlation = { decision: 'opened', rule: opening!.rule, detail: opening!.detail, chamado_public_id: '' };
  }
  view.namesChamado(correlation, chamado);
  view.writesTimelineEntry(joinChamado(tx, chamado, event, ev, correlation, now));
  view.joined(chamado, turn);
  view.addObservables(chamado, factsOf(ev), event.id);
  if (group) {
    const known = view.isOpenedHere(chamado) ? null : { id: chamado.id, lastRun: view.data.chamadoLastRun.get(chamado.id) ?? null };
    view.groups.link(group, () => chamado.id, known);
  }
  return { correlation, chamado };
}

function placeDuplicate(tx: EntityManager, view: BatchView, turn: BatchTurn): Placed {
  const { delivery, normalized: ev, recurrenceKey: recKey, entity: event } = turn.staged;
  const duplicate = turn.duplicate!;
  const original = view.originalOf(duplicate.originalId);
  const correlation: Correlation = {
    decision: 'duplicate',
    rule: duplicate.rule,
    key: duplicate.key,
    duplicate_of: duplicate.originalId,
    chamado_public_id: null,
  };
  // Shown under the same chamado in Discover; counters ignore duplicates.
  if (original.chamado) {
    event.chamado = original.chamado;
    view.namesChamado(correlation, original.chamado);
  } else if (original.chamadoId !== null) {
    event.chamado = tx.getReference(Chamado, original.chamadoId);
    correlation.chamado_public_id = original.publicId;
  }
  event.correlation = correlation;
  if (recKey) view.groups.touch(delivery.projectId, recKey, ev, event.id, true);
  return { correlation, chamado: null };
}

function stored(turn: BatchTurn, view: BatchView, correlation: Correlation): Placed {
  const { normalized: ev, recurrenceKey, delivery, entity } = turn.staged;
  entity.correlation = correlation;
  if (ev.alertStatus === 'resolved' && ev.providerEventId && recurrenceKey) {
    view.resolutionsOnNoChamado.add(scopedKey(delivery.projectId, `${ev.source}\u0000${recurrenceKey}\u0000${ev.providerEventId}`));
  }
  return { correlation, chamado: null };
}

function openChamado(tx: EntityManager, turn: BatchTurn, now: Date): Chamado {
  const { normalized: ev, recurrenceKey, delivery } = turn.staged;
  // Numbered, given its id and written when the batch is stored (BatchView.write), in opening order.
  const data = { ...newChamado(ev, recurrenceKey, delivery.projectId, now), publicId: `pending-${turn.staged.entity.id}` };
  return tx.create(Chamado, data, { persist: false });
}
