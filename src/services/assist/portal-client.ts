import CircuitBreaker from 'opossum';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';

/**
 * Client for the onboarding portal's "Assist" endpoint (VM112, LAN only; contract 019,
 * `GET /api/onboarding/session/{session_id}/ops-status` with `X-Ops-Secret`). The secret is a
 * server-to-server credential: this module runs in the API/worker, never in the browser.
 *
 * The portal is a nice-to-have for the ops console, so `assistFor` never throws and never fails the
 * caller: every outcome is `{ assist, status, reason }` and the chamado renders without the block.
 *
 * - Timeout: an AbortSignal per request (`timeoutMs`), so the socket really closes; opossum's own
 *   timer is disabled (it would only stop waiting, not abort).
 * - Circuit breaker (opossum): timeouts, connection errors, 401/403, 5xx, non-JSON bodies and
 *   other unexpected answers are failures; 404 (`not_found`) is a normal answer. Once open, calls
 *   answer `circuit_open` without touching the network until `resetTimeoutMs` has passed; then one
 *   trial request is let through (half-open) and its outcome closes or re-opens the circuit.
 * - Cache: `ok` and `not_found` answers are kept per session id for `cacheTtlMs` (LRU, bounded by
 *   `cacheMaxEntries`); failures are never cached, the breaker is what protects the portal then.
 * - Concurrent calls for the same session id share one in-flight request.
 * - Redirects are not followed (`redirect: 'manual'` → `bad_response`): a redirect to another host
 *   would otherwise carry the secret header along.
 * - Reasons are written here (status codes, error codes), never copied from the portal's body, and
 *   any occurrence of the secret is masked as a last line of defence.
 *
 * Accepted portal JSON (one object; everything optional and lenient, unknown keys ignored):
 *   time_on_step_sec | timeOnStepSec          number ≥ 0 or numeric string → rounded seconds
 *   last_error | lastError                    string, or { message } / { error } object
 *   planned_email | plannedEmail              string
 *   wizard_step | step | wizardStep            string
 *   wizard_step_label | step_label | wizardStepLabel | stepLabel   string
 * The object may also come wrapped as `{ "data": {...} }`, `{ "assist": {...} }` or
 * `{ "ops_status": {...} }`. Strings are trimmed, empty ones become null, and they are capped
 * in length. A field with a wrong type becomes null instead of rejecting the whole answer. A body
 * that is not JSON, not an object, or an object with none of the keys above is `bad_response`.
 */

export type AssistStatus =
  | 'ok'
  | 'not_configured'
  | 'not_found'
  | 'timeout'
  | 'unreachable'
  | 'unauthorized'
  | 'bad_response'
  | 'circuit_open';

export interface AssistInfo {
  timeOnStepSec: number | null;
  lastError: string | null;
  plannedEmail: string | null;
  wizardStep: string | null;
  wizardStepLabel: string | null;
}

export interface AssistResult {
  /** Present only when `status` is `ok`. */
  assist: AssistInfo | null;
  status: AssistStatus;
  /** A human explanation for anything but `ok`; never contains the secret. */
  reason: string | null;
  /** When the portal answered (for `ok`/`not_found`, also when served from cache); null otherwise. */
  fetchedAt: Date | null;
  cached: boolean;
}

export type BreakerState = 'closed' | 'open' | 'half_open' | 'off';

export interface PortalAssistStats {
  enabled: boolean;
  breaker: BreakerState;
  /** HTTP requests actually sent to the portal. */
  requests: number;
  cacheHits: number;
  cacheSize: number;
  inFlight: number;
  /** Answers given by `assistFor`, per status (cache hits included). */
  byStatus: Record<AssistStatus, number>;
  lastFailure: { status: AssistStatus; reason: string; at: Date } | null;
}

export interface PortalAssistClient {
  assistFor(sessionId: string): Promise<AssistResult>;
  stats(): PortalAssistStats;
  /** Stops the breaker's timers (tests, graceful shutdown). Later calls answer `not_configured`. */
  shutdown(): void;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface PortalAssistClientOptions {
  /** PORTAL_URL, e.g. `http://10.10.10.112:3000`; null (or empty) turns the feature off. */
  baseUrl: string | null;
  opsSecret: string;
  /** Per request, connect + headers + body. Default 1500. */
  timeoutMs?: number;
  /** Default 15000. */
  cacheTtlMs?: number;
  /** Default 1000. */
  cacheMaxEntries?: number;
  breaker?: {
    /** Default 50. */
    errorThresholdPercentage?: number;
    /** Default 30000. */
    resetTimeoutMs?: number;
    /** Minimum requests in the rolling window before the circuit may open. Default 5. */
    volumeThreshold?: number;
    /** Rolling statistics window. Default 10000. */
    rollingCountTimeoutMs?: number;
  };
  fetch?: FetchLike;
  /** Clock for the cache and `fetchedAt`, ms since epoch. Default `Date.now`. */
  now?: () => number;
}

const DEFAULTS = {
  timeoutMs: 1500,
  cacheTtlMs: 15_000,
  cacheMaxEntries: 1000,
  errorThresholdPercentage: 50,
  resetTimeoutMs: 30_000,
  volumeThreshold: 5,
  rollingCountTimeoutMs: 10_000,
} as const;

const MAX_BODY_BYTES = 64 * 1024;
const MAX_SESSION_ID_LENGTH = 256;
const MAX_TEXT = { lastError: 2000, plannedEmail: 320, wizardStep: 200, wizardStepLabel: 200 } as const;

// ---------------------------------------------------------------------------------------------
// Parsing the portal's answer

function text(max: number) {
  return z
    .union([z.string(), z.number()])
    .transform((v) => {
      const s = String(v).trim();
      return s.length === 0 ? null : s.slice(0, max);
    })
    .nullish()
    .catch(null);
}

const seconds = z
  .union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?$/).transform(Number)])
  .pipe(z.number().finite().nonnegative())
  .transform((n) => Math.round(n))
  .nullish()
  .catch(null);

const errorText = z
  .union([
    z.string(),
    z.looseObject({ message: z.string() }).transform((o) => o.message),
    z.looseObject({ error: z.string() }).transform((o) => o.error),
  ])
  .transform((v) => {
    const s = v.trim();
    return s.length === 0 ? null : s.slice(0, MAX_TEXT.lastError);
  })
  .nullish()
  .catch(null);

const opsStatusSchema = z.looseObject({
  time_on_step_sec: seconds,
  timeOnStepSec: seconds,
  last_error: errorText,
  lastError: errorText,
  planned_email: text(MAX_TEXT.plannedEmail),
  plannedEmail: text(MAX_TEXT.plannedEmail),
  wizard_step: text(MAX_TEXT.wizardStep),
  wizardStep: text(MAX_TEXT.wizardStep),
  step: text(MAX_TEXT.wizardStep),
  wizard_step_label: text(MAX_TEXT.wizardStepLabel),
  wizardStepLabel: text(MAX_TEXT.wizardStepLabel),
  step_label: text(MAX_TEXT.wizardStepLabel),
  stepLabel: text(MAX_TEXT.wizardStepLabel),
});

const KNOWN_KEYS = Object.keys(opsStatusSchema.shape);
const WRAPPER_KEYS = ['data', 'assist', 'ops_status'] as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasKnownKey(o: Record<string, unknown>): boolean {
  return KNOWN_KEYS.some((k) => Object.hasOwn(o, k));
}

/** The portal's JSON → AssistInfo, or null when it is not an ops-status answer at all. */
export function parseOpsStatus(body: unknown): AssistInfo | null {
  if (!isPlainObject(body)) return null;
  let candidate: Record<string, unknown> | null = hasKnownKey(body) ? body : null;
  if (!candidate) {
    for (const key of WRAPPER_KEYS) {
      const inner = body[key];
      if (isPlainObject(inner) && hasKnownKey(inner)) {
        candidate = inner;
        break;
      }
    }
  }
  if (!candidate) return null;
  const parsed = opsStatusSchema.safeParse(candidate);
  if (!parsed.success) return null; // every field has a .catch, so this is not expected
  const d = parsed.data;
  return {
    timeOnStepSec: d.time_on_step_sec ?? d.timeOnStepSec ?? null,
    lastError: d.last_error ?? d.lastError ?? null,
    plannedEmail: d.planned_email ?? d.plannedEmail ?? null,
    wizardStep: d.wizard_step ?? d.wizardStep ?? d.step ?? null,
    wizardStepLabel: d.wizard_step_label ?? d.wizardStepLabel ?? d.step_label ?? d.stepLabel ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// The HTTP call, wrapped by the breaker

/** Answers the breaker counts as healthy. */
type PortalAnswer = { status: 'ok'; assist: AssistInfo } | { status: 'not_found'; reason: string };

type FailureStatus = 'timeout' | 'unreachable' | 'unauthorized' | 'bad_response';

/** A failed call; the breaker counts it. */
class PortalFailure extends Error {
  readonly status: FailureStatus;
  constructor(status: FailureStatus, reason: string) {
    super(reason);
    this.name = 'PortalFailure';
    this.status = status;
  }
}

class BodyTooLarge extends Error {}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `ECONNREFUSED`, `ENOTFOUND` … from fetch's `TypeError: fetch failed` and its cause chain. */
function networkCode(err: unknown): string | null {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    if (isPlainObject(e) || e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return code;
      e = (e as { cause?: unknown }).cause;
    } else break;
  }
  return null;
}

function describeStatus(status: number): FailureStatus | 'not_found' | 'ok' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  // A proxy in front of the portal saying it cannot reach it.
  if (status === 502 || status === 503 || status === 504) return 'unreachable';
  return 'bad_response';
}

// ---------------------------------------------------------------------------------------------

function emptyCounts(): Record<AssistStatus, number> {
  return {
    ok: 0,
    not_configured: 0,
    not_found: 0,
    timeout: 0,
    unreachable: 0,
    unauthorized: 0,
    bad_response: 0,
    circuit_open: 0,
  };
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

interface CacheEntry {
  answer: PortalAnswer;
  fetchedAt: number;
  expiresAt: number;
}

/**
 * Builds the client. Throws (at start-up, not per call) when `baseUrl` is set but is not an
 * http(s) URL, or when it is set and `opsSecret` is empty.
 */
export function createPortalAssistClient(options: PortalAssistClientOptions): PortalAssistClient {
  const now = options.now ?? Date.now;
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = positive(options.timeoutMs, DEFAULTS.timeoutMs);
  const cacheTtlMs = positive(options.cacheTtlMs, DEFAULTS.cacheTtlMs);
  const secret = options.opsSecret;

  const rawBase = options.baseUrl?.trim() ?? '';
  let baseUrl: string | null = null;
  if (rawBase.length > 0) {
    let parsed: URL;
    try {
      parsed = new URL(rawBase);
    } catch {
      throw new TypeError('portal assist: PORTAL_URL is not a valid URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError('portal assist: PORTAL_URL must be an http(s) URL');
    }
    if (!secret) throw new TypeError('portal assist: the ops secret is empty while PORTAL_URL is set');
    baseUrl = rawBase.replace(/\/+$/, '');
  }

  const counts = emptyCounts();
  let requests = 0;
  let cacheHits = 0;
  let lastFailure: PortalAssistStats['lastFailure'] = null;
  let stopped = false;

  const cache = new LRUCache<string, CacheEntry>({
    max: Math.max(1, Math.floor(positive(options.cacheMaxEntries, DEFAULTS.cacheMaxEntries))),
  });
  const inFlight = new Map<string, Promise<AssistResult>>();

  /** Masks the secret should it ever reach a message (it should not: reasons are ours). */
  const scrub = (reason: string): string => (secret ? reason.split(secret).join('***') : reason);

  async function callPortal(sessionId: string): Promise<PortalAnswer> {
    const url = `${baseUrl}/api/onboarding/session/${encodeURIComponent(sessionId)}/ops-status`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    requests++;
    try {
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'GET',
          headers: { 'X-Ops-Secret': secret, accept: 'application/json' },
          redirect: 'manual',
          signal: controller.signal,
        });
      } catch (err) {
        if (controller.signal.aborted) throw new PortalFailure('timeout', `portal did not answer within ${timeoutMs} ms`);
        const code = networkCode(err);
        throw new PortalFailure('unreachable', `portal unreachable${code ? ` (${code})` : ''}`);
      }

      const kind = describeStatus(res.status);
      if (kind !== 'ok') {
        await res.body?.cancel().catch(() => {});
        if (kind === 'not_found') return { status: 'not_found', reason: 'portal has no onboarding session with this id (404)' };
        if (kind === 'unauthorized') throw new PortalFailure('unauthorized', `portal rejected the ops secret (${res.status})`);
        if (kind === 'unreachable') throw new PortalFailure('unreachable', `portal unavailable behind its proxy (${res.status})`);
        const what = res.status >= 300 && res.status < 400 ? 'redirect, not followed' : 'unexpected status';
        throw new PortalFailure('bad_response', `portal answered ${res.status} (${what})`);
      }

      let body: string;
      try {
        body = await readCapped(res, MAX_BODY_BYTES);
      } catch (err) {
        if (controller.signal.aborted) throw new PortalFailure('timeout', `portal did not finish its answer within ${timeoutMs} ms`);
        if (err instanceof BodyTooLarge) throw new PortalFailure('bad_response', `portal answer larger than ${MAX_BODY_BYTES} bytes`);
        const code = networkCode(err);
        throw new PortalFailure('unreachable', `connection to the portal broke while reading its answer${code ? ` (${code})` : ''}`);
      }

      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        throw new PortalFailure('bad_response', 'portal answered 200 with a body that is not JSON');
      }
      const assist = parseOpsStatus(json);
      if (!assist) throw new PortalFailure('bad_response', 'portal answered JSON without any ops-status field');
      return { status: 'ok', assist };
    } finally {
      clearTimeout(timer);
    }
  }

  const breaker = new CircuitBreaker<[string], PortalAnswer>(callPortal, {
    name: 'portal-assist',
    timeout: false, // the AbortSignal above is the timeout
    errorThresholdPercentage: positive(options.breaker?.errorThresholdPercentage, DEFAULTS.errorThresholdPercentage),
    resetTimeout: positive(options.breaker?.resetTimeoutMs, DEFAULTS.resetTimeoutMs),
    volumeThreshold: Math.max(0, Math.floor(options.breaker?.volumeThreshold ?? DEFAULTS.volumeThreshold)),
    rollingCountTimeout: positive(options.breaker?.rollingCountTimeoutMs, DEFAULTS.rollingCountTimeoutMs),
  });

  function finish(result: AssistResult): AssistResult {
    counts[result.status]++;
    if (result.status !== 'ok' && result.status !== 'not_found' && result.status !== 'not_configured') {
      lastFailure = { status: result.status, reason: result.reason ?? '', at: new Date(now()) };
    }
    return result;
  }

  function fromAnswer(answer: PortalAnswer, fetchedAt: number, cached: boolean): AssistResult {
    return answer.status === 'ok'
      ? { assist: { ...answer.assist }, status: 'ok', reason: null, fetchedAt: new Date(fetchedAt), cached }
      : { assist: null, status: 'not_found', reason: answer.reason, fetchedAt: new Date(fetchedAt), cached };
  }

  function failure(status: AssistStatus, reason: string): AssistResult {
    return { assist: null, status, reason: scrub(reason), fetchedAt: null, cached: false };
  }

  async function load(sessionId: string): Promise<AssistResult> {
    try {
      const answer = await breaker.fire(sessionId);
      const fetchedAt = now();
      cache.set(sessionId, { answer, fetchedAt, expiresAt: fetchedAt + cacheTtlMs });
      return fromAnswer(answer, fetchedAt, false);
    } catch (err) {
      if (err instanceof PortalFailure) return failure(err.status, err.message);
      if ((err as { code?: unknown } | null)?.code === 'EOPENBREAKER') {
        return failure('circuit_open', 'portal calls paused after repeated failures (circuit open)');
      }
      if ((err as { code?: unknown } | null)?.code === 'ESHUTDOWN') {
        return failure('not_configured', 'portal assist client is shut down');
      }
      return failure('unreachable', 'portal call failed unexpectedly');
    }
  }

  async function assistFor(sessionId: string): Promise<AssistResult> {
    try {
      if (!baseUrl) return finish(failure('not_configured', 'portal assist is not configured (PORTAL_URL unset)'));
      if (stopped) return finish(failure('not_configured', 'portal assist client is shut down'));
      const id = typeof sessionId === 'string' ? sessionId.trim() : '';
      if (id.length === 0 || id.length > MAX_SESSION_ID_LENGTH) {
        return finish({ assist: null, status: 'not_found', reason: 'no usable onboarding session id', fetchedAt: null, cached: false });
      }

      const hit = cache.get(id);
      if (hit) {
        if (hit.expiresAt > now()) {
          cacheHits++;
          return finish(fromAnswer(hit.answer, hit.fetchedAt, true));
        }
        cache.delete(id);
      }

      const pending = inFlight.get(id);
      if (pending) return finish(cloneResult(await pending));

      const promise = load(id).finally(() => inFlight.delete(id));
      inFlight.set(id, promise);
      return finish(cloneResult(await promise));
    } catch {
      return finish(failure('unreachable', 'portal call failed unexpectedly'));
    }
  }

  function breakerState(): BreakerState {
    if (!baseUrl || stopped) return 'off';
    if (breaker.halfOpen) return 'half_open';
    if (breaker.opened) return 'open';
    return 'closed';
  }

  return {
    assistFor,
    stats: () => ({
      enabled: baseUrl !== null && !stopped,
      breaker: breakerState(),
      requests,
      cacheHits,
      cacheSize: cache.size,
      inFlight: inFlight.size,
      byStatus: { ...counts },
      lastFailure: lastFailure ? { ...lastFailure, at: new Date(lastFailure.at) } : null,
    }),
    shutdown: () => {
      stopped = true;
      breaker.shutdown();
      cache.clear();
    },
  };
}

function cloneResult(r: AssistResult): AssistResult {
  return {
    ...r,
    assist: r.assist ? { ...r.assist } : null,
    fetchedAt: r.fetchedAt ? new Date(r.fetchedAt) : null,
  };
}
