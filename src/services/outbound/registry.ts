import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { signingSecretProblem } from '../../../sdk/standard-webhooks.ts';
import { Chamado } from '../../../entities/chamado.entity.ts';
import { OutboundDelivery, OutboundWebhook, type DELIVERY_STATUSES } from '../../../entities/outbound-webhook.entity.ts';
import { TIMELINE_KINDS } from '../../../entities/timeline-entry.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { clampPageLimit } from '../../db/paged-rows.ts';
import { sqlPart, whereAll } from '../../db/sql.ts';
import type { Actor } from '../actor.ts';
import { parseInput } from '../validation.ts';
import type { OutboundFilter } from './matching.ts';

/*
 * The registry of outbound webhooks (admins only; the schema's scopes check that) and the read side
 * of webhooks and of the delivery log. The signing secret is write-only: reads never select it,
 * they give `secretHint` (its last 4 characters) so admins can tell which secret is configured.
 */

/** The strength rule is the protocol module's, so senders, receivers and this registry agree on it. */
const secretSchema = z
  .string()
  .max(200, 'at most 200 characters')
  .superRefine((secret, ctx) => {
    const problem = signingSecretProblem(secret);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const eventTypePattern = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'at most 128 characters')
  .regex(/^[^*]*\*?$/, 'an exact event type, or a prefix ending in * (status.*)');

const list = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item)
    .min(1, 'give at least one value, or leave the criterion out')
    .max(max, `at most ${max} values`)
    .transform((values) => [...new Set(values)]);

const filterSchema = z
  .object({
    kinds: list(z.enum(TIMELINE_KINDS), TIMELINE_KINDS.length).nullish(),
    eventTypes: list(eventTypePattern, 50).nullish(),
    sources: list(z.string().trim().min(1, 'must not be empty').max(32, 'at most 32 characters'), 50).nullish(),
    chamadoPublicId: z.string().trim().min(1, 'must not be empty').max(32, 'at most 32 characters').nullish(),
  })
  .strict()
  // Stored without the criteria left out (GraphQL sends them as null).
  .transform((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v != null)) as OutboundFilter);

const registerSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters'),
  url: z
    .string()
    .trim()
    .max(2000, 'at most 2000 characters')
    .pipe(z.url({ protocol: /^https?$/, message: 'an http:// or https:// URL' }))
    .refine((u) => {
      const parsed = new URL(u);
      return parsed.username === '' && parsed.password === '';
    }, 'must not contain credentials (user:password@)'),
  secret: secretSchema,
  filter: filterSchema.nullish().transform((f) => f ?? {}),
  enabled: z.boolean().nullish().transform((e) => e ?? true),
});
export type RegisterWebhookInput = z.input<typeof registerSchema>;

const patchSchema = z.object({
  name: registerSchema.shape.name.nullish(),
  url: registerSchema.shape.url.nullish(),
  secret: secretSchema.nullish(),
  /** Replaces the whole filter; `{}` receives everything. */
  filter: filterSchema.nullish(),
  enabled: z.boolean().nullish(),
});
export type UpdateWebhookInput = z.input<typeof patchSchema>;

/** A filter naming a chamado must name one that exists (a typo would silently receive nothing). */
async function checkChamado(em: EntityManager, filter: OutboundFilter | null | undefined): Promise<void> {
  if (!filter?.chamadoPublicId) return;
  if ((await em.count(Chamado, { publicId: filter.chamadoPublicId })) === 0) {
    throw new ValidationError(`filter.chamadoPublicId: no chamado ${filter.chamadoPublicId}`, [
      { path: 'filter.chamadoPublicId', message: `no chamado ${filter.chamadoPublicId}` },
    ]);
  }
}

/** Registers a webhook. It receives changes made from now on (never the history before it). */
export async function registerWebhook(em: EntityManager, actor: Actor, raw: RegisterWebhookInput): Promise<number> {
  const input = parseInput(registerSchema, raw);
  await checkChamado(em, input.filter);
  const webhook = em.create(OutboundWebhook, {
    name: input.name,
    url: input.url,
    secret: input.secret,
    filter: input.filter as Record<string, unknown>,
    enabled: input.enabled,
    createdBy: em.getReference(User, actor.id),
  });
  await em.flush();
  return webhook.id;
}

/**
 * Changes a webhook. A new URL or secret applies to every later attempt, including retries of
 * deliveries already queued; a new filter applies to changes not yet dispatched. Disabling stops
 * new deliveries, and deliveries still pending fail (visibly, and can be redelivered).
 */
export async function updateWebhook(em: EntityManager, id: number, raw: UpdateWebhookInput): Promise<number> {
  const patch = parseInput(patchSchema, raw);
  await checkChamado(em, patch.filter);
  const webhook = await em.findOne(OutboundWebhook, id);
  if (!webhook) throw new NotFoundError('outbound webhook', String(id));
  if (patch.name != null) webhook.name = patch.name;
  if (patch.url != null) webhook.url = patch.url;
  if (patch.secret != null) webhook.secret = patch.secret;
  if (patch.filter != null) webhook.filter = patch.filter as Record<string, unknown>;
  if (patch.enabled != null) webhook.enabled = patch.enabled;
  webhook.updatedAt = new Date();
  await em.flush();
  return webhook.id;
}

/**
 * Removes a webhook and its delivery log. The row lock makes a concurrent dispatcher (which holds
 * a key-share lock on the webhooks it fans out to) finish first or skip it; jobs still queued for
 * the removed deliveries find no row and end quietly.
 */
export async function deleteWebhook(em: EntityManager, id: number): Promise<{ id: number; deletedDeliveries: number }> {
  return em.transactional(async (tx) => {
    const webhook = await tx.findOne(OutboundWebhook, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!webhook) throw new NotFoundError('outbound webhook', String(id));
    const deletedDeliveries = await tx.nativeDelete(OutboundDelivery, { webhook: id });
    await tx.nativeDelete(OutboundWebhook, { id });
    return { id, deletedDeliveries };
  });
}

/* ---------------------------------------------------------------- reads (plain rows) */

export interface WebhookRow {
  id: number;
  name: string;
  url: string;
  /** The last 4 characters of the secret; the secret itself is never read back. */
  secretHint: string;
  filter: OutboundFilter;
  enabled: boolean;
  createdById: number;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryRow {
  id: number;
  webhookId: number;
  webhookName: string;
  timelineEntryId: number | null;
  chamadoPublicId: string | null;
  messageId: string;
  eventType: string;
  payload: Record<string, unknown>;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

const WEBHOOK_COLUMNS = `w.id, w.name, w.url, right(w.secret, 4) as "secretHint", w.filter, w.enabled,
  w.created_by_id as "createdById", w.created_at as "createdAt", w.updated_at as "updatedAt"`;

const DELIVERY_COLUMNS = `d.id, d.webhook_id as "webhookId", w.name as "webhookName", d.timeline_entry_id::int as "timelineEntryId",
  c.public_id as "chamadoPublicId", d.message_id as "messageId", d.event_type as "eventType", d.payload, d.status, d.attempts,
  d.last_status_code as "lastStatusCode", d.last_error as "lastError", d.last_attempt_at as "lastAttemptAt",
  d.delivered_at as "deliveredAt", d.created_at as "createdAt"`;

const DELIVERY_FROM = `from outbound_deliveries d join outbound_webhooks w on w.id = d.webhook_id left join chamados c on c.id = d.chamado_id`;

export async function listWebhooks(em: EntityManager): Promise<WebhookRow[]> {
  return em.execute<WebhookRow[]>(`select ${WEBHOOK_COLUMNS} from outbound_webhooks w order by w.id`);
}

export async function webhookById(em: EntityManager, id: number): Promise<WebhookRow | null> {
  const [row] = await em.execute<WebhookRow[]>(`select ${WEBHOOK_COLUMNS} from outbound_webhooks w where w.id = ?`, [id]);
  return row ?? null;
}

export interface DeliveryFilter {
  webhookId?: number | null;
  status?: DeliveryStatus | null;
  limit: number;
}

/** The delivery log, newest first. */
export async function listDeliveries(em: EntityManager, filter: DeliveryFilter): Promise<DeliveryRow[]> {
  const where = whereAll([
    filter.webhookId != null && sqlPart('d.webhook_id = ?', filter.webhookId),
    !!filter.status && sqlPart('d.status = ?', filter.status),
  ]);
  return em.execute<DeliveryRow[]>(
    `select ${DELIVERY_COLUMNS} ${DELIVERY_FROM} ? order by d.id desc limit ?`,
    [where, clampPageLimit(filter.limit)],
  );
}

export async function deliveryById(em: EntityManager, id: number): Promise<DeliveryRow | null> {
  const [row] = await em.execute<DeliveryRow[]>(`select ${DELIVERY_COLUMNS} ${DELIVERY_FROM} where d.id = ?`, [id]);
  return row ?? null;
}
