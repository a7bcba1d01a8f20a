import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createSigner, type Signer } from '../standard-webhooks.ts';

/**
 * Sender side of the OpsGraph webhook receiver (spec 001, tasks T011/T012/T018/T023): what the
 * onboarding portal, or any other sender, imports to deliver an event to
 * `POST /api/v1/webhooks/{source}`.
 *
 * Guarantees:
 * - `emitEvent` never throws and never rejects: every problem (bad payload, network, timeout, HTTP
 *   error, a throwing `fetch`) becomes a `failed` outcome, reported through `onOutcome`/`logger`.
 * - One delivery id (`webhook-id`) per event, reused on every retry of that event, and one body
 *   serialised once, so the receiver deduplicates a retry whose first attempt did arrive.
 * - The secret never appears in an outcome, a log line or an error message.
 *
 * Retry schedule. The spec says "retry 3x (1s, 3s, 9s)": read as one first attempt, then up to three
 * retries waiting 1 s, 3 s and 9 s before each, so at most 4 attempts and about 13 s of waiting
 * (plus up to 4 × `timeoutMs`). `retryDelaysMs` is that list of waits; `[]` means a single attempt.
 */

export type SigningMode = 'standard-webhooks' | 'shared-secret';

/** The body fields the caller states; `event` is the first argument of `emitEvent`. */
export interface EmitPayload {
  /** The portal's wizard session; sent as `""` when absent (spec T018, accepted by the receiver). */
  session_id?: string;
  domain: string;
  data?: Record<string, unknown>;
  /** ISO 8601; defaults to the moment `emitEvent` is called (the same on every retry). */
  occurred_at?: string;
}

export type EmitStatus = 'delivered' | 'duplicate' | 'failed' | 'disabled';

export interface EmitOutcome {
  status: EmitStatus;
  /** HTTP requests made (0 when disabled or when the payload could not be serialised). */
  attempts: number;
  /** Status of the last response, when there was one. */
  httpStatus?: number;
  /** The receiver's `event_id` (its stored event), when it answered with a receipt. */
  eventId?: number;
  /** The receiver's `chamado_public_id`: the ticket the event opened or joined, or null. */
  chamadoPublicId?: string | null;
  /** Why the event was not delivered (last attempt's reason), for `failed`. */
  error?: string;
  /** The `webhook-id` used on every attempt of this event. */
  webhookId: string;
}

/** What `onOutcome` and the logger get besides the outcome: which event it was about. */
export interface EmitContext {
  event: string;
  domain: string;
  sessionId: string;
}

/** Pino-compatible: `logger.warn(fields, message)`. Only failures are logged (spec T012). */
export interface EmitLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface EmitterOptions {
  /** Receiver URL, e.g. `http://opsgraph:4000/api/v1/webhooks/onboard`. Not needed when disabled. */
  url?: string;
  /** `whsec_<base64>` (Standard Webhooks) or any other string, used as raw key bytes. */
  secret?: string;
  /** Default `standard-webhooks` (signed headers); `shared-secret` sends `X-Webhook-Secret`. */
  signing?: SigningMode;
  /** Default true. False: nothing is sent, every call answers `{status: 'disabled'}` (spec T023). */
  enabled?: boolean;
  /** Per attempt, covering the response body too. Default 5000. */
  timeoutMs?: number;
  /** Waits before each retry. Default [1000, 3000, 9000]: at most 4 attempts. */
  retryDelaysMs?: readonly number[];
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Default: real timers. Tests inject one that records the delays. */
  sleep?: (ms: number) => Promise<void>;
  /** Called once per event with its final outcome (every status). Exceptions in it are ignored. */
  onOutcome?: (outcome: EmitOutcome, context: EmitContext) => void;
  /** Receives one warn line per failed event. Default: nothing is logged. */
  logger?: EmitLogger;
  /** Clock for `webhook-timestamp` and the default `occurred_at`. Default: `new Date()`. */
  now?: () => Date;
}

export interface EmitCallOptions {
  /**
   * Reuse a delivery id, e.g. when re-emitting an event stored in an outbox: the receiver then
   * treats it as the same delivery. Default: a fresh `msg_<uuid>`.
   */
  webhookId?: string;
}

export interface Emitter {
  /** Delivers one event with retries; resolves with the outcome, never rejects. */
  emitEvent(event: string, payload: EmitPayload, callOptions?: EmitCallOptions): Promise<EmitOutcome>;
  /**
   * Fire and forget (spec US3: the caller is never blocked): the payload is snapshotted now, the
   * delivery starts after the current task, the outcome goes to `onOutcome`/`logger`. Returns the
   * event's webhook id, for the caller's own logs.
   */
  emitInBackground(event: string, payload: EmitPayload, callOptions?: EmitCallOptions): string;
  /** Resolves when every background delivery started so far has finished (graceful shutdown). */
  drain(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([1000, 3000, 9000]);

const MAX_ERROR_TEXT = 300;

interface Prepared {
  body: string;
  context: EmitContext;
  webhookId: string;
}

type AttemptResult =
  | { kind: 'done'; outcome: Omit<EmitOutcome, 'attempts' | 'webhookId'> }
  | { kind: 'retry'; httpStatus?: number; error: string; retryAfterMs?: number };

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${err.message}: ${code ? `${code} ` : ''}${cause.message}`.trim();
  }
  return err.message;
}

/** Retry-After in whole seconds (the HTTP-date form is ignored); undefined when absent or invalid. */
function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value || !/^\d+$/.test(value)) return undefined;
  return Number(value) * 1000;
}

function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function receiptOf(text: string): { status?: unknown; event_id?: unknown; chamado_public_id?: unknown } | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The receiver's `{error, message}` (or the start of the body) for a failed attempt. */
function httpErrorText(status: number, text: string): string {
  const receipt = receiptOf(text) as { error?: unknown; message?: unknown } | null;
  const detail =
    receipt && typeof receipt.message === 'string'
      ? `${typeof receipt.error === 'string' ? `${receipt.error}: ` : ''}${receipt.message}`
      : text.trim();
  return detail ? `HTTP ${status}: ${detail}` : `HTTP ${status}`;
}

/**
 * Validates options and returns an emitter. The only function here that throws: a misconfigured
 * *enabled* emitter (no URL, no secret, an invalid `whsec_` secret, bad numbers) fails at
 * construction, i.e. at the sender's startup, instead of failing every event later. A disabled
 * emitter needs no URL or secret.
 */
export function createEmitter(options: EmitterOptions): Emitter {
  const enabled = options.enabled ?? true;
  const signing: SigningMode = options.signing ?? 'standard-webhooks';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retryDelaysMs = [...(options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)];
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const now = options.now ?? (() => new Date());
  const secret = options.secret ?? '';

  if (signing !== 'standard-webhooks' && signing !== 'shared-secret') {
    throw new TypeError(`emitter: signing must be 'standard-webhooks' or 'shared-secret'`);
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('emitter: timeoutMs must be a positive number');
  if (retryDelaysMs.some((d) => !Number.isFinite(d) || d < 0)) {
    throw new TypeError('emitter: retryDelaysMs must be non-negative numbers');
  }
  const maxDelayMs = Math.max(0, ...retryDelaysMs);

  let url = '';
  let logUrl = '';
  let signer: Signer | null = null;
  if (enabled) {
    let parsed: URL;
    try {
      parsed = new URL(options.url ?? '');
    } catch {
      throw new TypeError('emitter: url must be an absolute http(s) URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('emitter: url must be http or https');
    if (parsed.username || parsed.password) throw new TypeError('emitter: url must not contain credentials; use secret');
    url = parsed.toString();
    logUrl = `${parsed.origin}${parsed.pathname}`;
    if (secret === '') throw new TypeError('emitter: secret is required when enabled');
    if (signing === 'standard-webhooks') {
      try {
        signer = createSigner(secret);
      } catch {
        throw new TypeError('emitter: secret is not a valid whsec_<base64> Standard Webhooks secret');
      }
    }
  }

  /**
   * Last line of defence: no message we produce may carry the secret, even if a server echoes it.
   * Redacted before it is clipped: a secret cut in two by the clip would no longer match, and its
   * first half would be kept.
   */
  const redact = (text: string): string => {
    const redacted = secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
    return redacted.length > MAX_ERROR_TEXT ? `${redacted.slice(0, MAX_ERROR_TEXT)}…` : redacted;
  };

  const report = (outcome: EmitOutcome, context: EmitContext): EmitOutcome => {
    if (outcome.status === 'failed' && options.logger) {
      try {
        options.logger.warn(
          {
            event: context.event,
            domain: context.domain,
            session_id: context.sessionId,
            webhook_id: outcome.webhookId,
            attempts: outcome.attempts,
            http_status: outcome.httpStatus,
            error: outcome.error,
            url: logUrl,
          },
          'ops webhook delivery failed',
        );
      } catch {
        // a broken logger must not break the sender
      }
    }
    try {
      options.onOutcome?.(outcome, context);
    } catch {
      // same for the hook
    }
    return outcome;
  };

  /** Everything that can go wrong before the network, done synchronously (snapshots the payload). */
  const prepare = (event: string, payload: EmitPayload, callOptions?: EmitCallOptions): Prepared | EmitOutcome => {
    const webhookId = callOptions?.webhookId ?? `msg_${randomUUID()}`;
    const context: EmitContext = {
      event: String(event),
      domain: String(payload?.domain ?? ''),
      sessionId: String(payload?.session_id ?? ''),
    };
    try {
      const body = JSON.stringify({
        event,
        session_id: payload.session_id ?? '',
        domain: payload.domain,
        data: payload.data ?? {},
        occurred_at: payload.occurred_at ?? now().toISOString(),
      });
      return { body, context, webhookId };
    } catch (err) {
      return report(
        { status: 'failed', attempts: 0, webhookId, error: redact(`payload could not be serialised: ${describeError(err)}`) },
        context,
      );
    }
  };

  const headersFor = (webhookId: string, body: string): Record<string, string> => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'opsgraph-emitter/1',
    };
    if (signer) {
      // Timestamped per attempt: a late retry must still be inside the receiver's 5-minute window.
      Object.assign(headers, signer.headers(webhookId, now(), body));
    } else {
      headers['x-webhook-secret'] = secret;
      // Not `webhook-id`: the receiver treats that header as a Standard Webhooks signature attempt.
      // It reads X-Delivery-Id as the delivery id too, so retries are still deduplicated.
      headers['x-delivery-id'] = webhookId;
    }
    return headers;
  };

  const attempt = async (prepared: Prepared): Promise<AttemptResult> => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // Also raced, not only signalled: an injected fetch that ignores the signal still times out.
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error('timeout'));
      }, timeoutMs);
    });
    timedOut.catch(() => undefined);
    try {
      const exchange = async () => {
        const res = await fetchImpl(url, {
          method: 'POST',
          headers: headersFor(prepared.webhookId, prepared.body),
          body: prepared.body,
          signal: controller.signal,
          redirect: 'manual',
        });
        // Still under the timeout: a response whose body stalls is a timeout too.
        return { response: res, text: await res.text() };
      };
      const pending = exchange();
      pending.catch(() => undefined); // if the timeout wins, the aborted exchange rejects unobserved
      const { response, text } = await Promise.race([pending, timedOut]);
      const status = response.status;
      if (status >= 200 && status < 300) {
        const receipt = receiptOf(text);
        const outcome: Omit<EmitOutcome, 'attempts' | 'webhookId'> = {
          status: receipt?.status === 'duplicate' ? 'duplicate' : 'delivered',
          httpStatus: status,
        };
        if (typeof receipt?.event_id === 'number') outcome.eventId = receipt.event_id;
        if (receipt && 'chamado_public_id' in receipt) {
          outcome.chamadoPublicId = typeof receipt.chamado_public_id === 'string' ? receipt.chamado_public_id : null;
        }
        return { kind: 'done', outcome };
      }
      if (status >= 300 && status < 400) {
        // A redirected POST would be replayed as GET by fetch: treat it as a wrong URL, not a retry.
        const location = response.headers.get('location');
        return {
          kind: 'done',
          outcome: { status: 'failed', httpStatus: status, error: redact(`HTTP ${status}: unexpected redirect${location ? ` to ${location}` : ''}`) },
        };
      }
      const error = redact(httpErrorText(status, text));
      if (isRetryableStatus(status)) {
        const after = retryAfterMs(response);
        return after === undefined ? { kind: 'retry', httpStatus: status, error } : { kind: 'retry', httpStatus: status, error, retryAfterMs: after };
      }
      // 400/401/403/404/413/422…: the same request would get the same answer.
      return { kind: 'done', outcome: { status: 'failed', httpStatus: status, error } };
    } catch (err) {
      const error = controller.signal.aborted ? `timed out after ${timeoutMs} ms` : redact(describeError(err));
      return { kind: 'retry', error };
    } finally {
      clearTimeout(timer);
    }
  };

  const deliver = async (prepared: Prepared): Promise<EmitOutcome> => {
    const { webhookId, context } = prepared;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const result = await attempt(prepared);
      if (result.kind === 'done') return report({ ...result.outcome, attempts, webhookId }, context);
      const planned = retryDelaysMs[attempts - 1];
      if (planned === undefined) {
        const outcome: EmitOutcome = { status: 'failed', attempts, webhookId, error: result.error };
        if (result.httpStatus !== undefined) outcome.httpStatus = result.httpStatus;
        return report(outcome, context);
      }
      // Retry-After may lengthen a wait, up to the longest planned delay, never shorten it: the
      // whole schedule stays bounded whatever the server asks for.
      const wait = result.retryAfterMs === undefined ? planned : Math.max(planned, Math.min(result.retryAfterMs, maxDelayMs));
      try {
        await sleep(wait);
      } catch {
        // an injected sleep that fails just means "don't wait"
      }
    }
  };

  const emitEvent = async (event: string, payload: EmitPayload, callOptions?: EmitCallOptions): Promise<EmitOutcome> => {
    try {
      if (!enabled) {
        const webhookId = callOptions?.webhookId ?? `msg_${randomUUID()}`;
        return report(
          { status: 'disabled', attempts: 0, webhookId },
          { event: String(event), domain: String(payload?.domain ?? ''), sessionId: String(payload?.session_id ?? '') },
        );
      }
      const prepared = prepare(event, payload, callOptions);
      return 'body' in prepared ? await deliver(prepared) : prepared;
    } catch (err) {
      // Unreachable by design; kept so that "never throws" does not depend on every branch above.
      return { status: 'failed', attempts: 0, webhookId: callOptions?.webhookId ?? '', error: redact(describeError(err)) };
    }
  };

  const inFlight = new Set<Promise<unknown>>();

  const emitInBackground = (event: string, payload: EmitPayload, callOptions?: EmitCallOptions): string => {
    const webhookId = callOptions?.webhookId ?? `msg_${randomUUID()}`;
    let run: () => Promise<EmitOutcome>;
    try {
      if (!enabled) {
        run = () => emitEvent(event, payload, { webhookId });
      } else {
        const prepared = prepare(event, payload, { webhookId });
        run = 'body' in prepared ? () => deliver(prepared) : () => Promise.resolve(prepared);
      }
    } catch {
      return webhookId;
    }
    const task: Promise<unknown> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(run)
      .catch(() => undefined)
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    return webhookId;
  };

  const drain = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  return { emitEvent, emitInBackground, drain };
}

/**
 * One-shot convenience: `emitEvent(options, event, payload)`. Never throws, not even for invalid
 * options (they become a `failed` outcome, reported through the hooks given in `options`).
 */
export async function emitEvent(options: EmitterOptions, event: string, payload: EmitPayload, callOptions?: EmitCallOptions): Promise<EmitOutcome> {
  let emitter: Emitter;
  try {
    emitter = createEmitter(options);
  } catch (err) {
    const outcome: EmitOutcome = {
      status: 'failed',
      attempts: 0,
      webhookId: callOptions?.webhookId ?? `msg_${randomUUID()}`,
      error: err instanceof Error ? err.message : 'invalid emitter options',
    };
    const context: EmitContext = { event: String(event), domain: String(payload?.domain ?? ''), sessionId: String(payload?.session_id ?? '') };
    try {
      options.logger?.warn({ event: context.event, domain: context.domain, webhook_id: outcome.webhookId, error: outcome.error }, 'ops webhook delivery failed');
    } catch {
      // ignored
    }
    try {
      options.onOutcome?.(outcome, context);
    } catch {
      // ignored
    }
    return outcome;
  }
  return emitter.emitEvent(event, payload, callOptions);
}

/** Fire-and-forget through an existing emitter; returns the event's webhook id immediately. */
export function emitInBackground(emitter: Emitter, event: string, payload: EmitPayload, callOptions?: EmitCallOptions): string {
  try {
    return emitter.emitInBackground(event, payload, callOptions);
  } catch {
    return callOptions?.webhookId ?? '';
  }
}
