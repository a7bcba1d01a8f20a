import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import type { ChamadoStatus } from '../../../entities/chamado-status.ts';
import { Chamado, type ChamadoOrigin } from '../../../entities/chamado.entity.ts';
import { Event } from '../../../entities/event.entity.ts';
import { roleAtLeast } from '../../../entities/roles.ts';
import { TimelineEntry } from '../../../entities/timeline-entry.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import {
  ClaimConflictError,
  ForbiddenActionError,
  InvalidTransitionError,
  NotFoundError,
  UnknownReferenceError,
  VersionConflictError,
} from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { parseInput } from '../validation.ts';
import { nextChamadoPublicId } from './public-ids.ts';
import { addObservables, putEventsOnTimeline } from './absorb-events.ts';

/*
 * The write side of chamados. Each command runs in one transaction that row-locks the chamado
 * (SELECT … FOR UPDATE), so rules are checked against the state that will actually be changed:
 * two consoles claiming at once are serialized and the second sees the first's claim.
 */

const OPS_SOURCE = 'ops';

function invalidTransition(chamado: Chamado, from: ChamadoStatus, to: ChamadoStatus): InvalidTransitionError {
  const why = chamado.isMerged() ? 'it was merged into another chamado, which carries its work on' : undefined;
  return new InvalidTransitionError(from, to, chamado.allowedTransitions(), why);
}

interface Versioned {
  publicId: string;
  /** Optimistic concurrency: when given, the command fails if the chamado moved past it. */
  expectedVersion?: number | null;
}

async function lockChamado(em: EntityManager, { publicId, expectedVersion }: Versioned): Promise<Chamado> {
  // Lock first, then load the assignee: a joined populate would be locked only on `chamados`, and
  // after waiting for a concurrent claim PostgreSQL re-reads the chamado row but not the joined
  // user row, so the new assignee would show up as null and the second claim would win as well.
  const chamado = await em.findOne(Chamado, { publicId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!chamado) throw new NotFoundError('chamado', publicId);
  if (chamado.assignee) await em.populate(chamado, ['assignee']);
  if (expectedVersion != null && chamado.version !== expectedVersion) {
    throw new VersionConflictError(expectedVersion, chamado.version);
  }
  return chamado;
}

function addTimeline(
  em: EntityManager,
  chamado: Chamado,
  actor: Actor | null,
  entry: Pick<TimelineEntry, 'kind' | 'eventType'> & Partial<Pick<TimelineEntry, 'summary' | 'severity' | 'data' | 'source'>>,
): TimelineEntry {
  return em.create(TimelineEntry, {
    chamado,
    source: OPS_SOURCE,
    actor: actor ? em.getReference(User, actor.id) : null,
    ...entry,
  });
}

/** Changes count as changes to the chamado: bump updated_at, which also bumps the version. */
function touch(chamado: Chamado, at: Date): void {
  chamado.updatedAt = at;
}

const noteText = z.string().trim().min(1, 'must not be empty').max(10_000, 'at most 10000 characters');

export interface ClaimInput extends Versioned {
  nota?: string | null;
  override?: boolean | null;
}

export async function claimChamado(em: EntityManager, actor: Actor, input: ClaimInput): Promise<Chamado> {
  const nota = input.nota == null ? null : parseInput(noteText, input.nota, 'nota');
  return em.transactional(async (tx) => {
    const chamado = await lockChamado(tx, input);
    // A merged chamado is terminal: its work goes on in the survivor, which is what to claim.
    if (chamado.isMerged()) throw invalidTransition(chamado, chamado.status, 'assumido');
    const previous = chamado.assignee;
    const now = new Date();
    if (previous && previous.id !== actor.id) {
      if (!input.override) throw new ClaimConflictError(previous.username);
      if (!roleAtLeast(actor.role, 'ops_lead')) {
        throw new ForbiddenActionError('only ops_lead or admin may take over a chamado claimed by someone else');
      }
    }
    if (previous?.id === actor.id && !nota) return chamado; // claiming what you hold changes nothing
    chamado.assignee = tx.getReference(User, actor.id);
    if (chamado.status === 'novo') chamado.transitionTo('assumido', now);
    touch(chamado, now);
    const overridden = previous && previous.id !== actor.id ? previous.username : null;
    addTimeline(tx, chamado, actor, {
      kind: 'claim',
      eventType: 'chamado.assumido',
      summary: overridden ? `Assumido por ${actor.username} (antes: ${overridden})` : `Assumido por ${actor.username}`,
      data: { nota, previousAssignee: previous?.username ?? null, override: Boolean(overridden) },
    });
    return chamado;
  });
}

export interface StatusInput extends Versioned {
  status: ChamadoStatus;
  nota?: string | null;
}

export async function changeChamadoStatus(em: EntityManager, actor: Actor, input: StatusInput): Promise<Chamado> {
  const nota = input.nota == null ? null : parseInput(noteText, input.nota, 'nota');
  return em.transactional(async (tx) => {
    const chamado = await lockChamado(tx, input);
    const from: ChamadoStatus = chamado.status;
    const now = new Date();
    if (from === input.status) {
      // Same status: nothing to transition; a note still lands on the timeline.
      if (nota) {
        addTimeline(tx, chamado, actor, { kind: 'note', eventType: 'nota', summary: nota, data: { texto: nota } });
        touch(chamado, now);
      }
      return chamado;
    }
    if (!chamado.transitionTo(input.status, now)) {
      throw invalidTransition(chamado, from, input.status);
    }
    // Whoever moves a chamado into `assumido` without an assignee takes it.
    if (input.status === 'assumido' && !chamado.assignee) chamado.assignee = tx.getReference(User, actor.id);
    touch(chamado, now);
    addTimeline(tx, chamado, actor, {
      kind: 'status',
      eventType: `status.${input.status}`,
      summary: nota ? `${from} → ${input.status}: ${nota}` : `${from} → ${input.status}`,
      data: { from, to: input.status, nota },
    });
    return chamado;
  });
}

export interface NoteInput extends Versioned {
  texto: string;
}

export async function addChamadoNote(
  em: EntityManager,
  actor: Actor,
  input: NoteInput,
): Promise<{ chamado: Chamado; entry: TimelineEntry }> {
  const texto = parseInput(noteText, input.texto, 'texto');
  return em.transactional(async (tx) => {
    const chamado = await lockChamado(tx, input);
    touch(chamado, new Date());
    const entry = addTimeline(tx, chamado, actor, { kind: 'note', eventType: 'nota', summary: texto, data: { texto } });
    return { chamado, entry };
  });
}

export interface AttachInput extends Versioned {
  eventIds: number[];
}

export interface AttachResult {
  chamado: Chamado;
  attached: number;
  timelineCount: number;
}

/**
 * Puts already-received events on the chamado's timeline. Idempotent per event: an event that is
 * already there is skipped (the unique (chamado, event) constraint makes that race-free), and only
 * newly attached events move the chamado's counters.
 */
export async function attachEvents(em: EntityManager, actor: Actor, input: AttachInput): Promise<AttachResult> {
  const ids = [...new Set(input.eventIds)];
  return em.transactional(async (tx) => {
    const chamado = await lockChamado(tx, input);
    const events = ids.length ? await tx.find(Event, { id: { $in: ids } }) : [];
    const missing = ids.filter((id) => !events.some((e) => e.id === id));
    if (missing.length) throw new UnknownReferenceError('events', missing.map(String));
    const now = new Date();
    const attachedEvents = await putEventsOnTimeline(tx, chamado, events, { actorId: actor.id, data: { attachedBy: actor.username }, at: now });
    if (attachedEvents.length) touch(chamado, now);
    await tx.flush();
    const [count] = await tx.execute<{ n: number }[]>('select count(*)::int as n from timeline_entries where chamado_id = ?', [
      chamado.id,
    ]);
    return { chamado, attached: attachedEvents.length, timelineCount: count?.n ?? 0 };
  });
}

const createSchema = z.object({
  title: z.string().trim().min(3, 'at least 3 characters').max(500),
  description: z.string().trim().max(20_000).nullish(),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, 'not a domain name')
    .nullish(),
  sessionId: z.string().trim().min(1).max(128).nullish(),
  severity: z.number().int().min(0).max(15).nullish(),
  origin: z.enum(['manual', 'support']),
  legacyTicketId: z.number().int().positive().nullish(),
});
export type CreateChamadoInput = z.input<typeof createSchema>;

/** Opens a chamado by hand (an operator, or the support desk); ingestion opens its own. */
export async function createChamado(em: EntityManager, actor: Actor, raw: CreateChamadoInput): Promise<Chamado> {
  const input = parseInput(createSchema, raw);
  return em.transactional(async (tx) => {
    const now = new Date();
    const origin: ChamadoOrigin = input.origin;
    const chamado = tx.create(Chamado, {
      publicId: await nextChamadoPublicId(tx, now),
      origin,
      title: input.title,
      description: input.description ?? null,
      domain: input.domain ?? null,
      sessionId: input.sessionId ?? null,
      maxSeverity: input.severity ?? null,
      sources: [origin],
      legacyTicketId: input.legacyTicketId ?? null,
      createdBy: tx.getReference(User, actor.id),
      createdAt: now,
      updatedAt: now,
    });
    addTimeline(tx, chamado, actor, {
      kind: 'created',
      eventType: 'chamado.criado',
      source: origin,
      summary: input.title,
      severity: input.severity ?? null,
    });
    await tx.flush();
    const facts = [
      input.domain ? { tipo: 'domain', valor: input.domain, fonte: origin } : null,
      input.sessionId ? { tipo: 'session_id', valor: input.sessionId, fonte: origin } : null,
    ].filter((f) => f !== null);
    await addObservables(tx, chamado.id, facts, null);
    return chamado;
  });
}
