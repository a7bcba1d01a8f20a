import { defineEntity, p } from '@mikro-orm/core';
import { Event } from './event.entity.ts';

/**
 * The first event seen for each dedup key (exact redelivery, onboarding duplicate). Ingestion
 * inserts keys with ON CONFLICT DO NOTHING: the primary key makes "first one wins" race-free, and
 * a later copy learns which event it duplicates from the row that won.
 */
const EventDedupKeySchema = defineEntity({
  name: 'EventDedupKey',
  tableName: 'event_dedup_keys',
  properties: {
    key: p.string().length(600).primary(),
    // A soft reference: no foreign key into the partitioned events (see event.entity.ts).
    event: () => p.manyToOne(Event).createForeignKeyConstraint(false),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class EventDedupKey extends EventDedupKeySchema.class {}
EventDedupKeySchema.setClass(EventDedupKey);
export { EventDedupKeySchema };
