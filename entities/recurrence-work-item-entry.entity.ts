import { defineEntity, p } from '@mikro-orm/core';
import { Chamado } from './chamado.entity.ts';
import { RecurrenceGroup } from './recurrence-group.entity.ts';
import { User } from './user.entity.ts';

/**
 * What operators did with a group's work item: dry runs (pre-flight history), hand-offs (ticket
 * proposals, manual takeovers), acceptances, silences and threshold changes. Append-only, except
 * that a ticket proposal's `status` moves to `accepted` when it is accepted.
 */
export const WORK_ITEM_ENTRY_KINDS = ['dry_run', 'handoff', 'accepted', 'silenced', 'unsilenced', 'threshold'] as const;
export type WorkItemEntryKind = (typeof WORK_ITEM_ENTRY_KINDS)[number];

export const WORK_ITEM_MODES = ['auto', 'repair', 'ticket', 'manual'] as const;
export type WorkItemMode = (typeof WORK_ITEM_MODES)[number];

export const HANDOFF_KINDS = ['ticket_proposal', 'manual_takeover'] as const;
export type HandoffKind = (typeof HANDOFF_KINDS)[number];

const RecurrenceWorkItemEntrySchema = defineEntity({
  name: 'RecurrenceWorkItemEntry',
  tableName: 'recurrence_work_item_entries',
  properties: {
    id: p.integer().primary().autoincrement(),
    uuid: p.uuid().unique().defaultRaw('gen_random_uuid()'),
    group: () => p.manyToOne(RecurrenceGroup),
    kind: p.enum(WORK_ITEM_ENTRY_KINDS),
    mode: p.enum(WORK_ITEM_MODES).nullable(),
    handoffKind: p.enum(HANDOFF_KINDS).nullable(),
    /** For ticket proposals: `proposed` until accepted. */
    status: p.string().length(16).nullable(),
    /** The work item state when it was recorded (verified_repair, automation_gap …). */
    workItemState: p.string().length(32).nullable(),
    actor: () => p.manyToOne(User).nullable(),
    chamado: () => p.manyToOne(Chamado).nullable(),
    /** What was shown or decided: next step, pre-flight checks, reason. */
    data: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['group', 'id'] }],
});

export class RecurrenceWorkItemEntry extends RecurrenceWorkItemEntrySchema.class {}
RecurrenceWorkItemEntrySchema.setClass(RecurrenceWorkItemEntry);
export { RecurrenceWorkItemEntrySchema };
