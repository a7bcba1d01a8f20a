import { DELIVERY_STATUSES } from '../entities/outbound-webhook.entity.ts';
import { builder } from '../src/builder.ts';
import type { Context } from '../src/context.ts';
import { NotFoundError, ValidationError } from '../src/errors.ts';
import { requeueDelivery } from '../src/services/outbound/dispatcher.ts';
import type { OutboundFilter } from '../src/services/outbound/matching.ts';
import {
  deleteWebhook,
  deliveryById,
  listDeliveries,
  listWebhooks,
  registerWebhook,
  updateWebhook,
  webhookById,
  type DeliveryRow,
  type WebhookRow,
} from '../src/services/outbound/registry.ts';
import { TimelineKindEnum } from './timeline.ts';
import { UserRef } from './users.ts';

/*
 * Outbound webhooks: admins register receivers of chamado changes; operators (ops_lead+) read the
 * delivery log. The secret is an input only: no output type has a field that could carry it.
 */

const DeliveryStatusEnum = builder.enumType('OutboundDeliveryStatus', {
  description: 'pending (queued or retrying), delivered (a 2xx answer), failed (retries used up).',
  values: DELIVERY_STATUSES,
});

const FilterRef = builder.objectRef<OutboundFilter>('OutboundWebhookFilter').implement({
  description: 'Which changes a webhook receives: every criterion given must hold; within a list any value may match.',
  fields: (t) => ({
    kinds: t.field({ type: [TimelineKindEnum], nullable: true, resolve: (f) => f.kinds ?? null }),
    eventTypes: t.stringList({
      nullable: true,
      description: 'Exact event types, or prefixes ending in * (status.*).',
      resolve: (f) => f.eventTypes ?? null,
    }),
    sources: t.stringList({ nullable: true, description: '`ops` for operator actions, or event sources.', resolve: (f) => f.sources ?? null }),
    chamadoPublicId: t.string({ nullable: true, resolve: (f) => f.chamadoPublicId ?? null }),
  }),
});

const WebhookRef = builder.objectRef<WebhookRow>('OutboundWebhook').implement({
  description: 'A receiver of chamado changes, signed with Standard Webhooks headers. The secret is never returned.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    name: t.exposeString('name'),
    url: t.exposeString('url'),
    secretHint: t.exposeString('secretHint', { description: 'The last 4 characters of the signing secret.' }),
    filter: t.field({ type: FilterRef, resolve: (w) => w.filter ?? {} }),
    enabled: t.exposeBoolean('enabled'),
    createdBy: t.field({ type: UserRef, nullable: true, resolve: (w, _, ctx) => ctx.loaders.user.load(w.createdById) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const DeliveryRef = builder.objectRef<DeliveryRow>('OutboundDelivery').implement({
  description: 'One change sent (or being sent) to one webhook: the delivery log.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    webhookId: t.exposeInt('webhookId'),
    webhookName: t.exposeString('webhookName'),
    messageId: t.exposeString('messageId', { description: 'The `webhook-id` header: the same on every attempt.' }),
    eventType: t.exposeString('eventType', { description: "The timeline entry's event type (nota, status.resolvido …)." }),
    chamadoPublicId: t.exposeString('chamadoPublicId', { nullable: true }),
    timelineEntryId: t.exposeInt('timelineEntryId', { nullable: true }),
    status: t.expose('status', { type: DeliveryStatusEnum }),
    attempts: t.exposeInt('attempts'),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true, description: 'HTTP status of the last attempt; null when it got no answer.' }),
    lastError: t.exposeString('lastError', { nullable: true }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    payload: t.expose('payload', { type: 'JSON', description: 'The JSON body sent.' }),
  }),
});

const DeletePayload = builder.objectRef<{ id: number; deletedDeliveries: number }>('DeleteOutboundWebhookPayload').implement({
  fields: (t) => ({
    id: t.exposeInt('id'),
    deletedDeliveries: t.exposeInt('deletedDeliveries', { description: 'Delivery log rows removed with it.' }),
  }),
});

const FilterInput = builder.inputType('OutboundWebhookFilterInput', {
  description: 'Leave a criterion out (or null) not to restrict by it.',
  fields: (t) => ({
    kinds: t.field({ type: [TimelineKindEnum], required: false }),
    eventTypes: t.stringList({ required: false, description: 'Exact event types, or prefixes ending in * (status.*).' }),
    sources: t.stringList({ required: false }),
    chamadoPublicId: t.string({ required: false }),
  }),
});

const RegisterInput = builder.inputType('RegisterOutboundWebhookInput', {
  fields: (t) => ({
    name: t.string(),
    url: t.string({ description: 'http:// or https://; redirects are not followed.' }),
    secret: t.string({ description: 'At least 16 characters, or a Standard Webhooks whsec_<base64> secret. Write-only.' }),
    filter: t.field({ type: FilterInput, required: false }),
    enabled: t.boolean({ required: false }),
  }),
});

const PatchInput = builder.inputType('OutboundWebhookPatch', {
  fields: (t) => ({
    name: t.string({ required: false }),
    url: t.string({ required: false }),
    secret: t.string({ required: false, description: 'Rotates the secret (later attempts, retries included, use the new one).' }),
    filter: t.field({ type: FilterInput, required: false, description: 'Replaces the whole filter.' }),
    enabled: t.boolean({ required: false }),
  }),
});

function viewerOf(ctx: Context) {
  if (!ctx.viewer) throw new Error('mutation reached without a viewer');
  return ctx.viewer;
}

const freshWebhook = async (ctx: Context, id: number) => (await webhookById(ctx.em, id))!;

builder.queryFields((t) => ({
  outboundWebhooks: t.field({
    type: [WebhookRef],
    authScopes: { role: 'admin' },
    description: 'Registered outbound webhooks (admins).',
    resolve: (_, __, ctx) => listWebhooks(ctx.em),
  }),
  outboundDeliveries: t.field({
    type: [DeliveryRef],
    authScopes: { role: 'ops_lead' },
    description: 'The outbound delivery log, newest first (ops_lead and admin).',
    args: {
      webhookId: t.arg.int({ required: false }),
      status: t.arg({ type: DeliveryStatusEnum, required: false }),
      limit: t.arg.int({ required: false, defaultValue: 50, description: '1 to 200.' }),
    },
    resolve: (_, args, ctx) =>
      listDeliveries(ctx.em, {
        webhookId: args.webhookId ?? null,
        status: args.status ?? null,
        limit: Math.min(Math.max(args.limit ?? 50, 1), 200),
      }),
  }),
}));

builder.mutationFields((t) => ({
  registerOutboundWebhook: t.field({
    type: WebhookRef,
    description: 'Registers a receiver of chamado changes; it gets the changes made from now on.',
    authScopes: { role: 'admin' },
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: RegisterInput }) },
    resolve: async (_, { input }, ctx) => freshWebhook(ctx, await registerWebhook(ctx.em, viewerOf(ctx), input)),
  }),
  updateOutboundWebhook: t.field({
    type: WebhookRef,
    authScopes: { role: 'admin' },
    errors: { types: [NotFoundError, ValidationError] },
    args: { id: t.arg.int(), patch: t.arg({ type: PatchInput }) },
    resolve: async (_, { id, patch }, ctx) => freshWebhook(ctx, await updateWebhook(ctx.em, id, patch)),
  }),
  deleteOutboundWebhook: t.field({
    type: DeletePayload,
    description: 'Removes a webhook and its delivery log.',
    authScopes: { role: 'admin' },
    errors: { types: [NotFoundError] },
    args: { id: t.arg.int() },
    resolve: (_, { id }, ctx) => deleteWebhook(ctx.em, id),
  }),
  redeliverOutbound: t.field({
    type: DeliveryRef,
    description: 'Sends a failed delivery again (same webhook-id, attempts from zero); it is queued within about a second.',
    authScopes: { role: 'admin' },
    errors: { types: [NotFoundError, ValidationError] },
    args: { deliveryId: t.arg.int() },
    resolve: async (_, { deliveryId }, ctx) => (await deliveryById(ctx.em, await requeueDelivery(ctx.em, deliveryId)))!,
  }),
}));
