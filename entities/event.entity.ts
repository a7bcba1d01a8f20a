import { defineEntity, p } from '@mikro-orm/core';
import { Chamado } from './chamado.entity.ts';

/**
 * A received delivery (the Discover feed). Every authenticated delivery is a row, duplicates
 * included; the hot read paths read these rows through the query builder, never as entities.
 */
const EventSchema = defineEntity({
  name: 'Event',
  tableName: 'events',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    source: p.string().length(32),
    eventType: p.string().length(128),
    /** The provider's own id of the delivery (exact-redelivery dedup key with source). */
    providerEventId: p.string().length(200).nullable(),
    domain: p.string().length(253).nullable(),
    sessionId: p.string().length(128).nullable(),
    severity: p.integer().nullable(),
    ruleId: p.string().length(64).nullable(),
    agent: p.string().length(200).nullable(),
    summary: p.text().nullable(),
    fingerprint: p.string().length(128).nullable(),
    payload: p.json<Record<string, unknown>>(),
    chamado: () => p.manyToOne(Chamado).nullable(),
    isDuplicate: p.boolean().default(false),
    duplicateOf: () => p.manyToOne(Event).nullable(),
    /** Why ingestion treated the event as it did (dedup / opening / correlation rule). */
    correlation: p.json<Record<string, unknown>>().nullable(),
    occurredAt: p.datetime().nullable(),
    receivedAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [
    { properties: ['receivedAt', 'id'] },
    { properties: ['source', 'receivedAt'] },
    { properties: ['domain'] },
    { properties: ['sessionId'] },
    { properties: ['chamado'] },
    { properties: ['fingerprint'] },
  ],
});

export class Event extends EventSchema.class {}
EventSchema.setClass(Event);
export { EventSchema };
