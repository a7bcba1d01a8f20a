import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { Chamado } from '../../../entities/chamado.entity.ts';
import { Event } from '../../../entities/event.entity.ts';
import { TimelineEntry } from '../../../entities/timeline-entry.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { ForbiddenActionError, NotFoundError, ValidationError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { absorbEvent, addObservables, recomputeEventSummary } from '../chamados/absorb-events.ts';
import { observablesOfEvent } from '../chamados/observables.ts';
import { linkGroupsOfEvents, linkMergedChamado } from '../recurrence/maintain.ts';
import { parseInput } from '../validation.ts';

/*
 * Operators correcting what correlation decided: take an event off a chamado, move it to another,
 * or merge two chamados. Each is a timeline entry; the event's `correlation` keeps a record of
 * the correction so receipts stay explainable. Chamados are always locked in id order so two
 * corrections touching the same pair cannot deadlock.
 */

const nota = z.string().trim().max(10_000).nullish();

async function lockChamados(em: EntityManager, ids: number[]): Promise<Map<number, Chamado>> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const map = new Map<number, Chamado>();
  for (const id of sorted) map.set(id, await em.findOneOrFail(Chamado, id, { lockMode: LockMode.PESSIMISTIC_WRITE }));
  return map;
}

async function chamadoIdByPublicId(em: EntityManager, publicId: string): Promise<number> {
  const [row] = await em.execute<{ id: number }[]>('select id from chamados where public_id = ?', [publicId]);
  if (!row) throw new NotFoundError('chamado', publicId);
  return row.id;
}

function entry(em: EntityManager, chamado: Chamado, actor: Actor, kind: TimelineEntry['kind'], summary: string, data: Record<string, unknown>) {
  em.create(TimelineEntry, {
    chamado,
    kind,
    eventType: `chamado.${kind}`,
    source: 'ops',
    summary,
    actor: em.getReference(User, actor.id),
    data,
  });
}

function noteCorrection(event: Event, correction: Record<string, unknown>): void {
  const previous = event.correlation ?? {};
  const corrections = Array.isArray(previous.corrections) ? previous.corrections : [];
  event.correlation = { ...previous, corrections: [...corrections, correction] };
}

async function loadEvent(em: EntityManager, eventId: number): Promise<Event> {
  const event = await em.findOne(Event, eventId);
  if (!event) throw new NotFoundError('event', String(eventId));
  if (event.isDuplicate) throw new ForbiddenActionError('duplicates follow their original event; regroup the original instead');
  return event;
}

/** Removes the event from its chamado's timeline and counters. Returns the chamado it left. */
export async function detachEvent(em: EntityManager, actor: Actor, input: { eventId: number; nota?: string | null }): Promise<Chamado> {
  const text = parseInput(nota, input.nota, 'nota');
  return em.transactional(async (tx) => {
    const event = await loadEvent(tx, input.eventId);
    if (!event.chamado) throw new ValidationError(`event ${event.id} is not on any chamado`);
    const chamados = await lockChamados(tx, [event.chamado.id]);
    const from = chamados.get(event.chamado.id)!;
    await takeOff(tx, event, from);
    event.chamado = null;
    noteCorrection(event, { action: 'detached', from: from.publicId, by: actor.username, at: new Date().toISOString() });
    entry(tx, from, actor, 'detach', `Evento #${event.id} (${event.eventType}) retirado${text ? `: ${text}` : ''}`, {
      eventId: event.id,
      nota: text,
    });
    await tx.flush();
    await recomputeEventSummary(tx, from);
    from.updatedAt = new Date();
    return from;
  });
}

async function takeOff(em: EntityManager, event: Event, from: Chamado): Promise<void> {
  await em.execute('delete from timeline_entries where chamado_id = ? and event_id = ?', [from.id, event.id]);
}

async function putOn(em: EntityManager, actor: Actor, event: Event, to: Chamado, summary: string): Promise<void> {
  event.chamado = to;
  absorbEvent(to, event);
  em.create(TimelineEntry, {
    chamado: to,
    kind: 'event',
    eventType: event.eventType,
    source: event.source,
    summary: event.summary,
    severity: event.severity,
    event,
    actor: em.getReference(User, actor.id),
    data: { movedBy: actor.username, note: summary },
  });
}

/** Moves the event to another chamado (from its current one, if any). Returns the target. */
export async function moveEvent(
  em: EntityManager,
  actor: Actor,
  input: { eventId: number; toPublicId: string; nota?: string | null },
): Promise<Chamado> {
  const text = parseInput(nota, input.nota, 'nota');
  return em.transactional(async (tx) => {
    const event = await loadEvent(tx, input.eventId);
    const toId = await chamadoIdByPublicId(tx, input.toPublicId);
    const fromId = event.chamado?.id ?? null;
    if (fromId === toId) throw new ValidationError(`event ${event.id} is already on ${input.toPublicId}`);
    const chamados = await lockChamados(tx, fromId ? [fromId, toId] : [toId]);
    const to = chamados.get(toId)!;
    if (to.mergedInto) throw new ValidationError(`${to.publicId} was merged; move the event to the chamado it was merged into`);
    const from = fromId ? chamados.get(fromId)! : null;
    const now = new Date();
    if (from) {
      await takeOff(tx, event, from);
      entry(tx, from, actor, 'move', `Evento #${event.id} movido para ${to.publicId}${text ? `: ${text}` : ''}`, {
        eventId: event.id,
        to: to.publicId,
        nota: text,
      });
    }
    await putOn(tx, actor, event, to, from ? `movido de ${from.publicId}` : 'anexado por correção');
    entry(tx, to, actor, 'move', `Evento #${event.id} recebido${from ? ` de ${from.publicId}` : ''}${text ? `: ${text}` : ''}`, {
      eventId: event.id,
      from: from?.publicId ?? null,
      nota: text,
    });
    noteCorrection(event, { action: 'moved', from: from?.publicId ?? null, to: to.publicId, by: actor.username, at: now.toISOString() });
    to.updatedAt = now;
    await tx.flush();
    const facts = [...observablesOfEvent(event), ...(event.observables ?? []).map((o) => ({ ...o, fonte: event.source }))];
    await addObservables(tx, to.id, facts, event.id);
    await linkGroupsOfEvents(tx, to.id, [event.id], now);
    if (from) {
      await recomputeEventSummary(tx, from);
      from.updatedAt = now;
    }
    return to;
  });
}

/**
 * Merges `source` into `target`: events, timeline and observables move to the target, the source
 * is closed and points at the survivor, and later events correlating to the source (by session,
 * fingerprint …) follow that pointer to the survivor.
 */
export async function mergeChamados(
  em: EntityManager,
  actor: Actor,
  input: { sourcePublicId: string; targetPublicId: string; nota?: string | null },
): Promise<Chamado> {
  const text = parseInput(nota, input.nota, 'nota');
  if (input.sourcePublicId === input.targetPublicId) throw new ValidationError('a chamado cannot be merged into itself');
  return em.transactional(async (tx) => {
    const sourceId = await chamadoIdByPublicId(tx, input.sourcePublicId);
    const targetId = await chamadoIdByPublicId(tx, input.targetPublicId);
    const chamados = await lockChamados(tx, [sourceId, targetId]);
    const source = chamados.get(sourceId)!;
    const target = chamados.get(targetId)!;
    if (source.mergedInto) throw new ValidationError(`${source.publicId} was already merged`);
    if (target.mergedInto) throw new ValidationError(`${target.publicId} was merged; merge into the chamado it was merged into`);
    const now = new Date();
    // An event on both timelines keeps the target's entry; then the rest of the timeline moves over.
    await tx.execute(
      `delete from timeline_entries s using timeline_entries t
       where s.chamado_id = ? and t.chamado_id = ? and s.event_id is not null and s.event_id = t.event_id`,
      [sourceId, targetId],
    );
    await tx.execute('update timeline_entries set chamado_id = ? where chamado_id = ?', [targetId, sourceId]);
    await tx.execute('update events set chamado_id = ? where chamado_id = ?', [targetId, sourceId]);
    await linkMergedChamado(tx, sourceId, targetId, now);
    await tx.execute(
      `insert into observables (chamado_id, tipo, valor, fonte, event_id, created_at)
       select ?, tipo, valor, fonte, event_id, created_at from observables where chamado_id = ?
       on conflict (chamado_id, tipo, valor, fonte) do nothing`,
      [targetId, sourceId],
    );
    source.mergeInto(target, now); // checked above: neither side was merged
    source.updatedAt = now;
    target.updatedAt = now;
    target.sources = [...new Set([...target.sources, ...source.sources])].sort();
    entry(tx, target, actor, 'merge', `${source.publicId} unido a este chamado${text ? `: ${text}` : ''}`, {
      merged: source.publicId,
      nota: text,
    });
    entry(tx, source, actor, 'merge', `Unido a ${target.publicId}${text ? `: ${text}` : ''}`, { into: target.publicId, nota: text });
    await tx.flush();
    await recomputeEventSummary(tx, target);
    target.sources = [...new Set([...target.sources, ...source.sources])].sort();
    await recomputeEventSummary(tx, source);
    return target;
  });
}
