import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OPEN_STATUSES } from '../../../entities/chamado-status.ts';
import { Chamado, CHAMADO_ORIGINS, ChamadoSchema, type ChamadoOrigin } from '../../../entities/chamado.entity.ts';
import { columnLimits, cutToLength } from '../../../entities/column-facts.ts';
import { Event } from '../../../entities/event.entity.ts';
import { RecurrenceWorkItemEntry } from '../../../entities/recurrence-work-item-entry.entity.ts';
import { TimelineEntry } from '../../../entities/timeline-entry.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { isUuid } from '../../db/sql.ts';
import { NotFoundError, ProposalClosedError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { putEventsOnTimeline } from '../chamados/absorb-events.ts';
import { nextChamadoPublicId } from '../chamados/public-ids.ts';
import { linkGroupChamado } from './maintain.ts';
import { groupsByIds, type RecurrenceGroupRow } from './reads.ts';
import { currentWorkItemState, openChamadoOfGroup, recordEntry } from './work-items.ts';

/** At most this many of the group's events (the newest) are attached on acceptance. */
const ACCEPT_ATTACH_CAP = 500;

const TITLE_LIMIT = columnLimits(ChamadoSchema).title!;

export interface AcceptedProposal {
  entryId: number;
  chamadoId: number;
  attachedEventCount: number;
  /** True when the group already had an open chamado and the events went there. */
  linked: boolean;
}

/**
 * Accepts a ticket proposal (a hand-off of kind ticket_proposal): the group's open chamado takes
 * its events, or a new chamado opens with them. One transaction that locks the proposal (so two
 * operators accepting it at once make one chamado: the second finds it accepted) and then the
 * group row in the order ingest takes it (so an event arriving meanwhile either sees the new
 * chamado or is already among the events attached).
 */
export async function acceptTicketProposal(em: EntityManager, actor: Actor, proposalId: string): Promise<AcceptedProposal> {
  if (!isUuid(proposalId)) throw new NotFoundError('recurrence_ticket_proposal', proposalId);
  return em.transactional(async (tx) => {
    const proposal = await tx.findOne(RecurrenceWorkItemEntry, { uuid: proposalId.toLowerCase() }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!proposal || proposal.kind !== 'handoff' || proposal.handoffKind !== 'ticket_proposal') {
      throw new NotFoundError('recurrence_ticket_proposal', proposalId);
    }
    if (proposal.status !== 'proposed') throw new ProposalClosedError(proposal.status ?? 'closed');
    // NO KEY UPDATE, like ingest's upsert: it serializes with ingest but not with the foreign-key
    // checks of rows that merely reference the group (those take KEY SHARE).
    await tx.execute('select id from recurrence_groups where id = ? for no key update', [proposal.group.id]);
    const [group] = await groupsByIds(tx, [proposal.group.id]);
    const now = new Date();

    const open = await openChamadoOfGroup(tx, group!.id);
    const locked = open ? await tx.findOneOrFail(Chamado, open.id, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
    const linked = locked !== null && OPEN_STATUSES.includes(locked.status) && !locked.isMerged();
    const chamado = linked ? locked! : await openForGroup(tx, actor, group!, proposalId, now);

    const { events, eligible } = await eventsToAttach(tx, group!, chamado.id);
    const placed = await putEventsOnTimeline(tx, chamado, events, {
      actorId: actor.id,
      data: { attachedBy: actor.username, recurrenceProposal: proposalId },
      at: now,
    });
    if (placed.length) chamado.updatedAt = now;
    await linkGroupChamado(tx, group!.id, chamado.id, now);

    proposal.status = 'accepted';
    const entry = recordEntry(tx, group!.id, actor, {
      kind: 'accepted',
      mode: proposal.mode,
      handoffKind: 'ticket_proposal',
      workItemState: await currentWorkItemState(tx, group!),
      chamadoId: chamado.id,
      data: {
        proposalId,
        chamadoPublicId: chamado.publicId,
        linked,
        attachedEventCount: placed.length,
        eligibleEventCount: eligible,
        // Only the newest ACCEPT_ATTACH_CAP are attached; the rest stay in Discover.
        capped: eligible > ACCEPT_ATTACH_CAP ? { cap: ACCEPT_ATTACH_CAP, left: eligible - ACCEPT_ATTACH_CAP } : null,
      },
    });
    await tx.flush();
    return { entryId: entry.id, chamadoId: chamado.id, attachedEventCount: placed.length, linked };
  });
}

/** The chamado a proposal opens: named after the group, keyed on its recurrence key like ingest's. */
async function openForGroup(tx: EntityManager, actor: Actor, group: RecurrenceGroupRow, proposalId: string, now: Date): Promise<Chamado> {
  const origin: ChamadoOrigin = (CHAMADO_ORIGINS as readonly string[]).includes(group.provider) ? (group.provider as ChamadoOrigin) : 'manual';
  const title = cutToLength(recurrenceTitle(group), TITLE_LIMIT).value;
  const chamado = tx.create(Chamado, {
    publicId: await nextChamadoPublicId(tx, now),
    projectId: group.projectId,
    origin,
    title,
    // Later events of the group correlate to it by this key (ingest's fingerprint rule).
    fingerprint: group.recurrenceKey,
    sources: origin === 'manual' ? ['manual'] : [],
    eventCount: 0,
    createdBy: tx.getReference(User, actor.id),
    createdAt: now,
    updatedAt: now,
  });
  tx.create(TimelineEntry, {
    chamado,
    kind: 'created',
    eventType: 'chamado.criado',
    source: origin,
    summary: title,
    actor: tx.getReference(User, actor.id),
    data: { recurrence: { workItemId: group.uuid, proposalId } },
    createdAt: now,
  });
  await tx.flush();
  return chamado;
}

/** `[recurrence] <alertname or rule> <namespace>/<target>`, leaving out what the group lacks. */
function recurrenceTitle(g: Pick<RecurrenceGroupRow, 'alertname' | 'ruleId' | 'fingerprint' | 'recurrenceKey' | 'namespace' | 'targetResource'>): string {
  const what = g.alertname ?? (g.ruleId ? `rule ${g.ruleId}` : null) ?? g.fingerprint ?? g.recurrenceKey;
  const where = [g.namespace, g.targetResource].filter(Boolean).join('/');
  return `[recurrence] ${what}${where ? ` ${where}` : ''}`;
}

/** The group's non-duplicate events not yet on the chamado's timeline: the newest ACCEPT_ATTACH_CAP. */
async function eventsToAttach(tx: EntityManager, group: RecurrenceGroupRow, chamadoId: number): Promise<{ events: Event[]; eligible: number }> {
  const rows = await tx.execute<{ id: string; eligible: number }[]>(
    `select e.id, (count(*) over ())::int as eligible from events e
     where e.project_id = ? and e.recurrence_key = ? and not e.is_duplicate
       and not exists (select 1 from timeline_entries t where t.chamado_id = ? and t.event_id = e.id)
     order by e.id desc limit ?`,
    [group.projectId, group.recurrenceKey, chamadoId, ACCEPT_ATTACH_CAP],
  );
  if (rows.length === 0) return { events: [], eligible: 0 };
  const events = await tx.find(Event, { id: { $in: rows.map((r) => Number(r.id)) } }, { orderBy: { id: 'asc' } });
  return { events, eligible: rows[0]!.eligible };
}
