import { DELIVERY_STATUSES } from '../entities/outbound-webhook.entity.ts';
import { builder } from '../src/builder.ts';
import { requireViewer, type Context } from '../src/context.ts';
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
import { describedValues } from './described.ts';
import { TimelineKindEnum } from './timeline.ts';
import { UserRef } from './users.ts';

/*
 * Outbound webhooks: admins register receivers of chamado changes; operators (ops_lead+) read the
 * delivery log. The secret is an input only: no output type has a field that could carry it.
 */

const DeliveryStatusEnum = builder.enumType('OutboundDeliveryStatus', {
  description: 'pending (queued or retrying), delivered (a 2xx answer), failed (retries used up).',
  values: describedValues(DELIVERY_STATUSES, {
    pending: 'Queued, or waiting for its next retry.',
    delivered: 'The receiver answered 2xx.',
    failed: 'Retries used up (OUTBOUND_RETRY_LIMIT); redeliverOutbound sends it again.',
  }),
});

const FilterRef = builder.objectRef<OutboundFilter>('OutboundWebhookFilter').implement({
  description: 'Which changes a webhook receives: every criterion given must hold; within a list any value may match.',
  fields: (t) => ({
    kinds: t.field({ type: [TimelineKindEnum], nullable: true, description: 'Timeline entry kinds; null for any.', resolve: (f) => f.kinds ?? null }),
    eventTypes: t.stringList({
      nullable: true,
      description: 'Exact event types, or prefixes ending in * (status.*).',
      resolve: (f) => f.eventTypes ?? null,
    }),
    sources: t.stringList({ nullable: true, description: '`ops` for operator actions, or event sources.', resolve: (f) => f.sources ?? null }),
    chamadoPublicId: t.string({ nullable: true, description: 'Only this chamado; null for any.', resolve: (f) => f.chamadoPublicId ?? null }),
  }),
});

const WebhookRef = builder.objectRef<WebhookRow>('OutboundWebhook').implement({
  description: 'A receiver of chamado changes, signed with Standard Webhooks headers. The secret is never returned.',
  fields: (t) => ({
    id: t.exposeInt('id', { description: 'Numeric id, for updateOutboundWebhook and deleteOutboundWebhook.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    url: t.exposeString('url', { description: 'Where changes are POSTed.' }),
    secretHint: t.exposeString('secretHint', { description: 'The last 4 characters of the signing secret.' }),
    filter: t.field({ type: FilterRef, description: 'Which changes it receives.', resolve: (w) => w.filter ?? {} }),
    enabled: t.exposeBoolean('enabled', { description: 'A disabled webhook receives nothing.' }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'The admin who registered it.',
      resolve: (w, _, ctx) => ctx.loaders.user.load(w.createdById),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change to it.' }),
  }),
});

const DeliveryRef = builder.objectRef<DeliveryRow>('OutboundDelivery').implement({
  description: 'One change sent (or being sent) to one webhook: the delivery log.',
  fields: (t) => ({
    id: t.exposeInt('id', { description: 'Numeric id, for redeliverOutbound.' }),
    webhookId: t.exposeInt('webhookId', { description: 'The webhook it goes to.' }),
    webhookName: t.exposeString('webhookName', { description: 'That webhook’s name.' }),
    messageId: t.exposeString('messageId', { description: 'The `webhook-id` header: the same on every attempt.' }),
    eventType: t.exposeString('eventType', { description: "The timeline entry's event type (nota, status.resolvido …)." }),
    chamadoPublicId: t.exposeString('chamadoPublicId', { nullable: true, description: 'The chamado the change is about.' }),
    timelineEntryId: t.exposeInt('timelineEntryId', { nullable: true, description: 'Numeric id of the timeline entry sent.' }),
    status: t.expose('status', { type: DeliveryStatusEnum, description: 'Where it stands.' }),
    attempts: t.exposeInt('attempts', { description: 'Attempts so far.' }),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true, description: 'HTTP status of the last attempt; null when it got no answer.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed, for people.' }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true, description: 'When it was last tried.' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true, description: 'When the receiver accepted it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the change was queued for this webhook.' }),
    payload: t.expose('payload', { type: 'JSON', description: 'The JSON body sent.' }),
  }),
});

const DeletePayload = builder.objectRef<{ id: number; deletedDeliveries: number }>('DeleteOutboundWebhookPayload').implement({
  description: 'A webhook was deleted.',
  fields: (t) => ({
    id: t.exposeInt('id', { description: 'Id of the deleted webhook.' }),
    deletedDeliveries: t.exposeInt('deletedDeliveries', { description: 'Delivery log rows removed with it.' }),
  }),
});

const FilterInput = builder.inputType('OutboundWebhookFilterInput', {
  description: 'Leave a criterion out (or null) not to restrict by it.',
  fields: (t) => ({
    kinds: t.field({ type: [TimelineKindEnum], required: false, description: 'Timeline entry kinds.' }),
    eventTypes: t.stringList({ required: false, description: 'Exact event types, or prefixes ending in * (status.*).' }),
    sources: t.stringList({ required: false, description: '`ops` for operator actions, or event sources.' }),
    chamadoPublicId: t.string({ required: false, description: 'Only this chamado.' }),
  }),
});

const RegisterInput = builder.inputType('RegisterOutboundWebhookInput', {
  description: 'A new receiver of chamado changes.',
  fields: (t) => ({
    name: t.string({ description: 'Display name.' }),
    url: t.string({ description: 'http:// or https://; redirects are not followed.' }),
    secret: t.string({ description: 'At least 16 characters, or a Standard Webhooks whsec_<base64> secret. Write-only.' }),
    filter: t.field({ type: FilterInput, required: false, description: 'Which changes it receives; every change when omitted.' }),
    enabled: t.boolean({ required: false, description: 'Whether it receives changes (default true).' }),
  }),
});

const PatchInput = builder.inputType('OutboundWebhookPatch', {
  description: 'Changes to a webhook; omitted values stay as they are.',
  fields: (t) => ({
    name: t.string({ required: false, description: 'New display name.' }),
    url: t.string({ required: false, description: 'New URL (http:// or https://).' }),
    secret: t.string({ required: false, description: 'Rotates the secret (later attempts, retries included, use the new one).' }),
    filter: t.field({ type: FilterInput, required: false, description: 'Replaces the whole filter.' }),
    enabled: t.boolean({ required: false, description: 'Enable or disable it.' }),
  }),
});

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
      webhookId: t.arg.int({ required: false, description: 'Only this webhook’s deliveries.' }),
      status: t.arg({ type: DeliveryStatusEnum, required: false, description: 'Only deliveries in this state.' }),
      limit: t.arg.int({ required: false, defaultValue: 50, description: '1 to 200.' }),
    },
    resolve: (_, args, ctx) =>
      listDeliveries(ctx.em, {
        webhookId: args.webhookId ?? null,
        status: args.status ?? null,
        limit: args.limit ?? 50,
      }),
  }),
}));

builder.mutationFields((t) => ({
  registerOutboundWebhook: t.field({
    type: WebhookRef,
    description: 'Registers a receiver of chamado changes; it gets the changes made from now on. Admins only.',
    authScopes: { role: 'admin' },
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: RegisterInput, description: 'The receiver.' }) },
    resolve: async (_, { input }, ctx) => freshWebhook(ctx, await registerWebhook(ctx.em, requireViewer(ctx), input)),
  }),
  updateOutboundWebhook: t.field({
    type: WebhookRef,
    description: 'Changes a webhook (URL, secret, filter, name, enabled). Admins only.',
    authScopes: { role: 'admin' },
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      id: t.arg.int({ description: 'The webhook’s id.' }),
      patch: t.arg({ type: PatchInput, description: 'What to change.' }),
    },
    resolve: async (_, { id, patch }, ctx) => freshWebhook(ctx, await updateWebhook(ctx.em, id, patch)),
  }),
  deleteOutboundWebhook: t.field({
    type: DeletePayload,
    description: 'Removes a webhook and its delivery log. Admins only.',
    authScopes: { role: 'admin' },
    errors: { types: [NotFoundError] },
    args: { id: t.arg.int({ description: 'The webhook’s id.' }) },
    resolve: (_, { id }, ctx) => deleteWebhook(ctx.em, id),
  }),
  redeliverOutbound: t.field({
    type: DeliveryRef,
    description: 'Sends a failed delivery again (same webhook-id, attempts from zero); it is queued within about a second. Admins only.',
    authScopes: { role: 'admin' },
    errors: { types: [NotFoundError, ValidationError] },
    args: { deliveryId: t.arg.int({ description: 'The failed delivery’s id (OutboundDelivery.id).' }) },
    resolve: async (_, { deliveryId }, ctx) => (await deliveryById(ctx.em, await requeueDelivery(ctx.em, deliveryId)))!,
  }),
}));
