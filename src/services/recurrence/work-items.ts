import type { EntityManager } from '@mikro-orm/postgresql';
import { OPEN_STATUSES, type ChamadoStatus } from '../../../entities/chamado-status.ts';
import { Chamado } from '../../../entities/chamado.entity.ts';
import { selectList, type RowOf } from '../../../entities/column-facts.ts';
import { RecurrenceGroup } from '../../../entities/recurrence-group.entity.ts';
import {
  RecurrenceWorkItemEntry,
  RecurrenceWorkItemEntrySchema,
  type HandoffKind,
  type WorkItemEntryKind,
  type WorkItemMode,
} from '../../../entities/recurrence-work-item-entry.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { anyOf, arrayOf } from '../../db/sql.ts';
import { NotFoundError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { groupWorkItemState, runsByGroupIds, runsOf } from './group-runs.ts';
import { groupsByUuids, type RecurrenceGroupRow } from './reads.ts';
import { workItemPlan, type PlanPurpose, type WorkItemPlan, type WorkItemSituation } from './work-item-plan.ts';

/*
 * Work-item actions (spec 002): preview writes nothing; a dry run records its pre-flight checks;
 * a hand-off records a ticket proposal or a manual takeover. None of them touches a chamado, an
 * approval, an execution, a timeline or an outbound delivery: the one row they write is the
 * group's history entry.
 */

/** The resource name of an unknown work item: REST answers `{"detail": "recurrence_work_item_not_found"}`. */
export const WORK_ITEM_RESOURCE = 'recurrence_work_item';

export interface WorkItemLookup {
  workItemId: string;
  /** When given, the group must belong to this project (else: not found). */
  projectId?: string | null;
  /** When given, the group's provider must be this one (else: not found). */
  provider?: string | null;
}

export async function findWorkItem(em: EntityManager, lookup: WorkItemLookup): Promise<RecurrenceGroupRow> {
  const [group] = await groupsByUuids(em, [lookup.workItemId]);
  if (!group || (lookup.projectId != null && group.projectId !== lookup.projectId) || (lookup.provider != null && group.provider !== lookup.provider)) {
    throw new NotFoundError(WORK_ITEM_RESOURCE, lookup.workItemId);
  }
  return group;
}

export interface OpenChamadoOfGroup {
  id: number;
  publicId: string;
  status: ChamadoStatus;
}

/** The newest open, unmerged chamado among the group's (params: group id, open-status condition). */
const OPEN_CHAMADO_SQL = `select json_build_object('id', c.id, 'publicId', c.public_id, 'status', c.status)
  from recurrence_group_chamados gc join chamados c on c.id = gc.chamado_id
  where gc.group_id = ? and ? and c.merged_into_id is null
  order by c.created_at desc, c.id desc limit 1`;

/** What the plan needs besides the group: its runs, its newest open chamado, a pending proposal. */
export async function workItemSituation(em: EntityManager, group: RecurrenceGroupRow): Promise<WorkItemSituation & { openChamado: OpenChamadoOfGroup | null }> {
  const runs = await runsByGroupIds(em, [group.id]);
  const [row] = await em.execute<{ openChamado: OpenChamadoOfGroup | null; pendingProposalId: string | null }[]>(
    `select (${OPEN_CHAMADO_SQL}) as "openChamado",
       (select w.uuid from recurrence_work_item_entries w
        where w.group_id = ? and w.kind = 'handoff' and w.handoff_kind = 'ticket_proposal' and w.status = 'proposed'
        order by w.id desc limit 1) as "pendingProposalId"`,
    [group.id, anyOf('c.status', OPEN_STATUSES, 'text'), group.id],
  );
  return { group, runs: runsOf(runs, group.id), openChamado: row?.openChamado ?? null, pendingProposalId: row?.pendingProposalId ?? null };
}

export async function openChamadoOfGroup(em: EntityManager, groupId: number): Promise<OpenChamadoOfGroup | null> {
  const [row] = await em.execute<{ chamado: OpenChamadoOfGroup | null }[]>(`select (${OPEN_CHAMADO_SQL}) as chamado`, [
    groupId,
    anyOf('c.status', OPEN_STATUSES, 'text'),
  ]);
  return row?.chamado ?? null;
}

export interface PlannedWorkItem {
  group: RecurrenceGroupRow;
  plan: WorkItemPlan;
}

async function planned(em: EntityManager, lookup: WorkItemLookup, mode: WorkItemMode, purpose: PlanPurpose): Promise<PlannedWorkItem> {
  const group = await findWorkItem(em, lookup);
  return { group, plan: workItemPlan(await workItemSituation(em, group), mode, purpose, new Date()) };
}

/** The plan, read-only: no statement here writes. */
export function previewWorkItem(em: EntityManager, lookup: WorkItemLookup, mode: WorkItemMode): Promise<PlannedWorkItem> {
  return planned(em, lookup, mode, 'preview');
}

/** The plan, recorded as the group's pre-flight history (one `dry_run` entry) and nothing else. */
export async function dryRunWorkItem(
  em: EntityManager,
  actor: Actor,
  lookup: WorkItemLookup,
  mode: WorkItemMode,
): Promise<PlannedWorkItem & { entryId: number }> {
  const result = await planned(em, lookup, mode, 'dry_run');
  const entry = recordEntry(em, result.group.id, actor, { kind: 'dry_run', mode, workItemState: result.plan.state, data: { plan: result.plan } });
  await em.flush();
  return { ...result, entryId: entry.id };
}

/**
 * Records a hand-off: a ticket proposal (status `proposed` until acceptRecurrenceTicketProposal)
 * or a manual takeover. Nothing else changes: accepting the proposal is a separate, explicit step.
 */
export async function handOffWorkItem(
  em: EntityManager,
  actor: Actor,
  lookup: WorkItemLookup,
  mode: WorkItemMode,
  handoffKind: HandoffKind,
): Promise<PlannedWorkItem & { entryId: number }> {
  const result = await planned(em, lookup, mode, 'handoff');
  const entry = recordEntry(em, result.group.id, actor, {
    kind: 'handoff',
    mode,
    handoffKind,
    status: handoffKind === 'ticket_proposal' ? 'proposed' : null,
    workItemState: result.plan.state,
    data: { plan: result.plan },
  });
  await em.flush();
  return { ...result, entryId: entry.id };
}

export interface EntryFields {
  kind: WorkItemEntryKind;
  mode?: WorkItemMode | null;
  handoffKind?: HandoffKind | null;
  status?: string | null;
  workItemState?: string | null;
  chamadoId?: number | null;
  data: Record<string, unknown>;
}

/** Adds one entry to a group's work-item history (persisted on the next flush). */
export function recordEntry(em: EntityManager, groupId: number, actor: Actor | null, fields: EntryFields): RecurrenceWorkItemEntry {
  return em.create(RecurrenceWorkItemEntry, {
    group: em.getReference(RecurrenceGroup, groupId),
    kind: fields.kind,
    mode: fields.mode ?? null,
    handoffKind: fields.handoffKind ?? null,
    status: fields.status ?? null,
    workItemState: fields.workItemState ?? null,
    actor: actor ? em.getReference(User, actor.id) : null,
    chamado: fields.chamadoId != null ? em.getReference(Chamado, fields.chamadoId) : null,
    data: fields.data,
    createdAt: new Date(),
  });
}

/** The group's work item state now, for entries recorded by silences and thresholds. */
export async function currentWorkItemState(em: EntityManager, group: RecurrenceGroupRow): Promise<string> {
  return groupWorkItemState(group, runsOf(await runsByGroupIds(em, [group.id]), group.id)).state;
}

/* Read side of the history: plain rows, batched for DataLoaders. */

const ENTRY_PROPS = ['id', 'uuid', 'kind', 'mode', 'handoffKind', 'status', 'workItemState', 'data', 'createdAt'] as const;
const ENTRY_REFS = ['group', 'actor', 'chamado'] as const;
export type WorkItemEntryRow = RowOf<RecurrenceWorkItemEntry, (typeof ENTRY_PROPS)[number], (typeof ENTRY_REFS)[number]>;
const ENTRY_COLUMNS = selectList('w', RecurrenceWorkItemEntrySchema, ENTRY_PROPS, ENTRY_REFS);

export async function entriesByIds(em: EntityManager, ids: readonly number[]): Promise<WorkItemEntryRow[]> {
  if (ids.length === 0) return [];
  return em.execute<WorkItemEntryRow[]>(`select ${ENTRY_COLUMNS} from recurrence_work_item_entries w where ?`, [anyOf('w.id', ids, 'int')]);
}

/** Entries kept per group by the history read (the newest ones). */
export const MAX_HISTORY = 200;

/** Each group's newest MAX_HISTORY entries, newest first. */
export async function entriesByGroupIds(em: EntityManager, groupIds: readonly number[]): Promise<WorkItemEntryRow[]> {
  if (groupIds.length === 0) return [];
  return em.execute<WorkItemEntryRow[]>(
    `select h.* from unnest(?) as g(id) cross join lateral (
       select ${ENTRY_COLUMNS} from recurrence_work_item_entries w where w.group_id = g.id order by w.id desc limit ?
     ) h order by h."groupId", h.id desc`,
    [arrayOf(groupIds, 'int'), MAX_HISTORY],
  );
}
