import type { EntityManager } from '@mikro-orm/postgresql';
import { createSigner } from '../../../sdk/standard-webhooks.ts';

/*
 * One delivery attempt, run by the queue's worker. The row is claimed (attempt counted) in a short
 * transaction, the HTTP call happens outside any transaction, and its outcome is recorded in
 * another: a slow receiver holds no database connection or lock. A failed attempt is recorded
 * and then THROWN, so the job queue retries it with backoff; when the retries are used up the
 * dead-letter handler marks the delivery failed (markDeliveryFailed).
 */

export const DEFAULT_DELIVERY_TIMEOUT_MS = 5_000;
const USER_AGENT = 'OpsGraph-Webhooks/1.0';
const MAX_ERROR_CHARS = 500;
const SNIPPET_READ_BYTES = 4096;

export interface DeliverOptions {
  /** Per attempt, connection to last byte of the response headers and body read. */
  timeoutMs?: number;
  /** Aborts the attempt (the worker is shutting down or the job expired). */
  signal?: AbortSignal;
  /** For tests: the HTTP client. */
  fetch?: typeof globalThis.fetch;
}

export type DeliveryOutcome =
  | { result: 'delivered'; attempts: number; statusCode: number }
  | { result: 'skipped'; reason: string };

/** A failed attempt: thrown so the queue retries. */
export class DeliveryAttemptError extends Error {
  readonly statusCode: number | null;
  constructor(message: string, statusCode: number | null) {
    super(message);
    this.name = 'DeliveryAttemptError';
    this.statusCode = statusCode;
  }
}

interface Claimed {
  attempts: number;
  messageId: string;
  payload: unknown;
  url: string;
  secret: string;
}

async function claim(em: EntityManager, deliveryId: number): Promise<Claimed | { skipped: string }> {
  return em.fork().transactional(async (tx) => {
    const [row] = await tx.execute<(Claimed & { status: string; enabled: boolean })[]>(
      `select d.status, d.attempts, d.message_id as "messageId", d.payload, w.url, w.secret, w.enabled
       from outbound_deliveries d join outbound_webhooks w on w.id = d.webhook_id
       where d.id = ? for update of d`,
      [deliveryId],
    );
    if (!row) return { skipped: 'the delivery no longer exists' };
    if (row.status !== 'pending') return { skipped: `the delivery is ${row.status}` };
    if (!row.enabled) {
      await tx.execute(
        `update outbound_deliveries set status = 'failed', last_error = 'webhook disabled', last_attempt_at = now() where id = ?`,
        [deliveryId],
      );
      return { skipped: 'the webhook is disabled' };
    }
    const [bumped] = await tx.execute<{ attempts: number }[]>(
      'update outbound_deliveries set attempts = attempts + 1, last_attempt_at = now() where id = ? returning attempts',
      [deliveryId],
    );
    return { ...row, attempts: bumped!.attempts };
  });
}

/** Records the outcome of attempt `attempts`, unless the row moved on meanwhile (redelivered, deleted). */
async function record(
  em: EntityManager,
  deliveryId: number,
  attempts: number,
  outcome: { ok: boolean; statusCode: number | null; error: string | null },
): Promise<void> {
  const delivered = outcome.ok ? `, status = 'delivered', delivered_at = now()` : '';
  await em
    .fork()
    .execute(
      `update outbound_deliveries set last_status_code = ?, last_error = ?${delivered}
       where id = ? and status = 'pending' and attempts = ?`,
      [outcome.statusCode, outcome.error, deliveryId, attempts],
    );
}

function describeFailure(err: unknown, timeoutMs: number, signal: AbortSignal | undefined): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  if (signal?.aborted) return 'attempt aborted (worker stopping or job expired)';
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const detail = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return `request failed: ${detail}`;
}

/** The start of an error answer's body, for the log; never reads more than a few KiB of it. */
async function responseSnippet(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_READ_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // a body that breaks off (or times out) still leaves what arrived
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/**
 * Attempts delivery `deliveryId` once: POSTs its JSON payload, signed with Standard Webhooks
 * headers (`webhook-id` = the delivery's message id, the same on every attempt; a fresh
 * `webhook-timestamp` and signature per attempt). Redirects are not followed; only a 2xx answer
 * counts as delivered. Anything else is recorded on the row and thrown.
 */
export async function deliverOne(em: EntityManager, deliveryId: number, opts: DeliverOptions = {}): Promise<DeliveryOutcome> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const claimed = await claim(em, deliveryId);
  if ('skipped' in claimed) return { result: 'skipped', reason: claimed.skipped };

  const body = JSON.stringify(claimed.payload);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const res = await (opts.fetch ?? globalThis.fetch)(claimed.url, {
      method: 'POST',
      redirect: 'manual',
      signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...createSigner(claimed.secret).headers(claimed.messageId, new Date(), body),
      },
      body,
    });
    statusCode = res.status;
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel().catch(() => undefined);
    } else if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      error = `HTTP ${res.status}: redirect not followed${res.headers.get('location') ? ` (to ${res.headers.get('location')})` : ''}`;
    } else {
      const snippet = await responseSnippet(res);
      error = `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`;
    }
  } catch (err) {
    error = describeFailure(err, timeoutMs, opts.signal);
  }
  // The log is read by operators who may not see the URL (its path is often a credential).
  error = error === null ? null : error.split(claimed.url).join('<webhook url>').slice(0, MAX_ERROR_CHARS);
  await record(em, deliveryId, claimed.attempts, { ok: error === null, statusCode, error });
  if (error !== null) throw new DeliveryAttemptError(`delivery ${deliveryId} attempt ${claimed.attempts}: ${error}`, statusCode);
  return { result: 'delivered', attempts: claimed.attempts, statusCode: statusCode! };
}

/** The dead-letter side: retries are used up, so a still-pending delivery ends `failed`. */
export async function markDeliveryFailed(em: EntityManager, deliveryId: number): Promise<boolean> {
  const rows = await em
    .fork()
    .execute<{ id: number }[]>(
      `update outbound_deliveries set status = 'failed', last_error = coalesce(last_error, 'retries exhausted')
       where id = ? and status = 'pending' returning id`,
      [deliveryId],
    );
  return rows.length > 0;
}
