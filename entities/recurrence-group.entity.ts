import { defineEntity, p } from '@mikro-orm/core';
import { Chamado } from './chamado.entity.ts';
import { Event } from './event.entity.ts';
import { User } from './user.entity.ts';

/**
 * A group's lifecycle (DOMAIN.md): stored at ingest, except that `silenced` (a silence still
 * running) and the end of `escalating` (a quiet hour) are also read off the clock when served.
 */
export const RECURRENCE_LIFECYCLES = ['new', 'ongoing', 'resolved', 'regressed', 'escalating', 'silenced'] as const;
export type RecurrenceLifecycle = (typeof RECURRENCE_LIFECYCLES)[number];

/** What the recurrence key was made from: the provider's fingerprint, or a hash of labels. */
export const RECURRENCE_BASES = ['fingerprint', 'labels'] as const;
export type RecurrenceBasis = (typeof RECURRENCE_BASES)[number];

/**
 * Events of one project that share a recurrence key, maintained at ingest (one upsert per event,
 * never recomputed from the events): counters, the facts that made the key, and its lifecycle.
 */
const RecurrenceGroupSchema = defineEntity({
  name: 'RecurrenceGroup',
  tableName: 'recurrence_groups',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** Public id: the work item id of the REST paths (`work_item_id`). */
    uuid: p.uuid().unique().defaultRaw('gen_random_uuid()'),
    projectId: p.string().length(64),
    recurrenceKey: p.string().length(160),
    /** Version of the grouping rule that made the key: a new rule makes new groups, never regroups. */
    ruleVersion: p.string().length(16),
    basis: p.enum(RECURRENCE_BASES),
    /** The fields and values the key was made from (why these events are one group). */
    why: p.json<Record<string, string | null>>(),
    provider: p.string().length(32),
    alertname: p.string().length(200).nullable(),
    ruleId: p.string().length(64).nullable(),
    /** The latest occurrence's own severity word or level. */
    severity: p.string().length(32).nullable(),
    namespace: p.string().length(200).nullable(),
    targetResource: p.string().length(200).nullable(),
    fingerprint: p.string().length(128).nullable(),
    /** Non-duplicate events that are not resolutions. */
    occurrenceTotal: p.integer().default(0),
    /** Resolution notifications received (Alertmanager/SigNoz/Sentry `resolved`). */
    resolvedTotal: p.integer().default(0),
    duplicateTotal: p.integer().default(0),
    sourceRefTotal: p.integer().default(0),
    missingSourceRefsTotal: p.integer().default(0),
    sentryRefTotal: p.integer().default(0),
    signozRefTotal: p.integer().default(0),
    alertRefTotal: p.integer().default(0),
    // Soft references: no foreign key into the partitioned events (see event.entity.ts).
    firstEvent: () => p.manyToOne(Event).nullable().createForeignKeyConstraint(false),
    latestEvent: () => p.manyToOne(Event).nullable().createForeignKeyConstraint(false),
    firstReceivedAt: p.datetime(),
    latestReceivedAt: p.datetime(),
    /** The latest non-duplicate, non-resolution event: what "fired again" is measured from. */
    latestOccurrenceAt: p.datetime().nullable(),
    /** `firing` / `resolved` of the latest non-duplicate event (null for sources without it). */
    latestAlertStatus: p.string().length(16).nullable(),
    lifecycle: p.enum(RECURRENCE_LIFECYCLES).default('new'),
    lifecycleChangedAt: p.datetime(),
    /** Why the stored lifecycle is what it is (shown with it). */
    lifecycleReason: p.text().nullable(),
    silencedUntil: p.datetime().nullable(),
    silenceReason: p.string().length(500).nullable(),
    silencedBy: () => p.manyToOne(User).nullable(),
    /** Opening threshold: open a chamado only once this many occurrences fall in the window. */
    openThreshold: p.integer().nullable(),
    openWindowMinutes: p.integer().nullable(),
    /**
     * The next value of sequence `recurrence_change_seq`, taken by every write to the group
     * (maintain.ts, silences): the recurrenceChanged feed resumes from it. Set in SQL rather than
     * as a column default, which the schema differ would rewrite in every new migration.
     */
    changeSeq: p.bigint('number'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  uniques: [{ name: 'recurrence_groups_project_key_unique', properties: ['projectId', 'recurrenceKey'] }],
  indexes: [
    // Newest activity first, for one project or for all of them (recurrenceGroups, the dossier).
    { properties: ['latestReceivedAt', 'id'] },
    { properties: ['projectId', 'latestReceivedAt', 'id'] },
    { properties: ['projectId', 'provider', 'latestReceivedAt'] },
    { properties: ['changeSeq'] },
  ],
});

export class RecurrenceGroup extends RecurrenceGroupSchema.class {}
RecurrenceGroupSchema.setClass(RecurrenceGroup);
export { RecurrenceGroupSchema };

/** Chamados a group's events joined (runs of a group are the executions on these chamados). */
const RecurrenceGroupChamadoSchema = defineEntity({
  name: 'RecurrenceGroupChamado',
  tableName: 'recurrence_group_chamados',
  properties: {
    group: () => p.manyToOne(RecurrenceGroup).primary(),
    chamado: () => p.manyToOne(Chamado).primary().index(),
    linkedAt: p.datetime().onCreate(() => new Date()),
  },
});

export class RecurrenceGroupChamado extends RecurrenceGroupChamadoSchema.class {}
RecurrenceGroupChamadoSchema.setClass(RecurrenceGroupChamado);
export { RecurrenceGroupChamadoSchema };

/** Occurrences per group and hour: sparklines, escalation rates; kept at ingest. */
const RecurrenceHourSchema = defineEntity({
  name: 'RecurrenceHour',
  tableName: 'recurrence_hours',
  properties: {
    group: () => p.manyToOne(RecurrenceGroup).primary(),
    hour: p.datetime().primary(),
    occurrences: p.integer().default(0),
  },
});

export class RecurrenceHour extends RecurrenceHourSchema.class {}
RecurrenceHourSchema.setClass(RecurrenceHour);
export { RecurrenceHourSchema };
