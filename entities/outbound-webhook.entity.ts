import { defineEntity, p } from '@mikro-orm/core';
import { Chamado } from './chamado.entity.ts';
import { TimelineEntry } from './timeline-entry.entity.ts';
import { User } from './user.entity.ts';

/**
 * An admin-registered receiver of chamado changes. `filter` narrows which timeline entries it
 * gets (kinds, event types, sources, chamado); the secret signs deliveries and is never returned.
 */
const OutboundWebhookSchema = defineEntity({
  name: 'OutboundWebhook',
  tableName: 'outbound_webhooks',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().length(100),
    url: p.string().length(2000),
    secret: p.string().length(200).hidden().lazy(),
    filter: p.json<Record<string, unknown>>().default('{}'),
    enabled: p.boolean().default(true),
    createdBy: () => p.manyToOne(User),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export class OutboundWebhook extends OutboundWebhookSchema.class {}
OutboundWebhookSchema.setClass(OutboundWebhook);

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

/** One change sent (or being sent) to one outbound webhook: the delivery log operators query. */
const OutboundDeliverySchema = defineEntity({
  name: 'OutboundDelivery',
  tableName: 'outbound_deliveries',
  properties: {
    id: p.integer().primary().autoincrement(),
    webhook: () => p.manyToOne(OutboundWebhook).index(),
    timelineEntry: () => p.manyToOne(TimelineEntry).nullable(),
    chamado: () => p.manyToOne(Chamado).nullable(),
    /** Standard Webhooks `webhook-id`: the same on every retry so the receiver can dedup. */
    messageId: p.string().length(100),
    eventType: p.string().length(128),
    payload: p.json<Record<string, unknown>>(),
    status: p.enum(DELIVERY_STATUSES).default('pending').index(),
    attempts: p.integer().default(0),
    lastStatusCode: p.integer().nullable(),
    lastError: p.text().nullable(),
    lastAttemptAt: p.datetime().nullable(),
    deliveredAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ name: 'outbound_deliveries_webhook_entry_unique', properties: ['webhook', 'timelineEntry'] }],
});

export class OutboundDelivery extends OutboundDeliverySchema.class {}
OutboundDeliverySchema.setClass(OutboundDelivery);
export { OutboundWebhookSchema, OutboundDeliverySchema };
