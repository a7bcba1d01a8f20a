import { defineEntity, p } from '@mikro-orm/core';
import { Chamado } from './chamado.entity.ts';
import { Event } from './event.entity.ts';
import { User } from './user.entity.ts';

/**
 * What can appear on a chamado's timeline. `event` entries point at a received event; the others
 * are operator or system actions. Later kinds (runbook steps, merges) are added here.
 */
export const TIMELINE_KINDS = ['created', 'event', 'claim', 'status', 'note', 'attach', 'detach', 'move', 'merge', 'wizard', 'runbook'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

const TimelineEntrySchema = defineEntity({
  name: 'TimelineEntry',
  tableName: 'timeline_entries',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    chamado: () => p.manyToOne(Chamado),
    kind: p.enum(TIMELINE_KINDS),
    /** For `event` entries the event's type; for actions a stable name such as `status.resolvido`. */
    eventType: p.string().length(128),
    source: p.string().length(32),
    summary: p.text().nullable(),
    severity: p.integer().nullable(),
    actor: () => p.manyToOne(User).nullable(),
    // A soft reference: no foreign key into the partitioned events (see event.entity.ts).
    event: () => p.manyToOne(Event).nullable().createForeignKeyConstraint(false),
    /** Kind-specific details (previous status, note text, override flag …). */
    data: p.json<Record<string, unknown>>().nullable(),
    /**
     * When the outbound dispatcher matched this entry against the registered webhooks. Null means
     * not yet: the timeline itself is the outbox, so a change committed is a change delivered.
     */
    outboundAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [
    { properties: ['chamado', 'id'] },
    { name: 'timeline_entries_outbound_pending_index', properties: ['id'], where: 'outbound_at is null' },
  ],
  // An event appears on a chamado's timeline at most once: attaching is idempotent per event.
  uniques: [{ name: 'timeline_entries_chamado_event_unique', properties: ['chamado', 'event'] }],
});

export class TimelineEntry extends TimelineEntrySchema.class {}
TimelineEntrySchema.setClass(TimelineEntry);
export { TimelineEntrySchema };
