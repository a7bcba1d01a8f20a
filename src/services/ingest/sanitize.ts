import { createHash } from 'node:crypto';
import type { NormalizedEvent } from './normalized-event.ts';

/**
 * What happens to a normalized event before it is stored: secrets leave the payload, columns fit
 * their documented sizes, and the recurrence key is derived (DOMAIN.md, "Recurrence key").
 */

/** Stored with each redacted payload so a later, stricter redaction can find what it must redo. */
export const REDACTION_VERSION = 'r1';
export const REDACTED = '[redacted]';

/** Keys (normalized to snake_case, lowercase) whose whole value is a secret. */
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'api_key',
  'apikey',
  'authorization',
  'proxy_authorization',
  'cookie',
  'set_cookie',
  'private_key',
  'client_secret',
  'access_key',
  'secret_key',
  'credentials',
]);
const SECRET_SUFFIXES = ['_token', '_secret', '_password', '_passwd', '_api_key', '_apikey', '_private_key', '_access_key'];

/** Secrets written inside strings: logged headers, query strings, `key=value` log lines, URLs. */
const SECRET_IN_TEXT: [RegExp, string][] = [
  // `Authorization: <scheme> <credentials>` as a logged header, whatever the scheme.
  [/(authorization["']?\s*[:=]\s*["']?)(?!\[redacted\])[A-Za-z]+\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1${REDACTED}`],
  // password=…, db_password: …, "api_key":"…", token: Bearer … (a prefix like `db_` is kept).
  [
    /([A-Za-z0-9_-]*(?:password|passwd|pwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key)["']?\s*[=:]\s*["']?)(?!\[redacted\])(?:(?:Bearer|Basic)\s+)?[^\s"'&,;]+/gi,
    `$1${REDACTED}`,
  ],
  // A bare bearer token; eight characters at least so prose ("bearer of") is left alone.
  [/\b(Bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1${REDACTED}`],
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)(?!\[redacted\]@)[^\s@/]+@/gi, `$1${REDACTED}@`],
];

export interface RedactOptions {
  /** More key names to treat as secret (matched like the built-in ones). */
  extraKeys?: readonly string[];
  /** Called with the dotted path of each redacted value (for counts and `has_redacted_content`). */
  onRedact?: (path: string) => void;
}

/** `clientSecret`, `X-Api-Key`, `client secret` → `client_secret`, `x_api_key`. */
function normalizeKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-\s.]+/g, '_');
}

/** JSON objects (and null-prototype ones); class instances such as Date are kept as they are. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function redactText(text: string): string {
  return SECRET_IN_TEXT.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}

/**
 * A deep copy of JSON-like data with secrets replaced by `[redacted]`: the whole value of a
 * secret-bearing key (whatever its type), and secrets embedded in any string. Key names are matched
 * case-insensitively and across camelCase/kebab-case. The input is never modified.
 */
export function redact<T>(value: T, opts: RedactOptions = {}): T {
  const extra = new Set((opts.extraKeys ?? []).map(normalizeKey));
  const isSecretKey = (key: string): boolean => {
    const k = normalizeKey(key);
    return SECRET_KEYS.has(k) || extra.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
  };
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') {
      const r = redactText(v);
      if (r !== v) opts.onRedact?.(path);
      return r;
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, path ? `${path}.${i}` : String(i)));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(v)) {
        const innerPath = path ? `${path}.${key}` : key;
        if (isSecretKey(key)) {
          out[key] = REDACTED;
          opts.onRedact?.(innerPath);
        } else {
          out[key] = walk(inner, innerPath);
        }
      }
      return out;
    }
    return v;
  };
  return walk(value, '') as T;
}

/** Column sizes, in characters (code points, as PostgreSQL counts them). */
export const FIELD_LIMITS = {
  eventType: 128,
  providerEventId: 200,
  domain: 253,
  sessionId: 128,
  ruleId: 64,
  agent: 200,
  summary: 2000,
  fingerprint: 128,
  alertname: 200,
  namespace: 200,
  targetResource: 200,
  title: 500,
  wizardStep: 128,
  wizardStepLabel: 200,
  email: 254,
  sourceSeverity: 64,
} as const satisfies Partial<Record<keyof NormalizedEvent, number>>;

/**
 * Cuts over-long fields to their limits instead of refusing the event (nothing accepted is lost);
 * each cut is reported so the receiver can record it with the event.
 */
export function truncateFields(event: NormalizedEvent): { event: NormalizedEvent; warnings: string[] } {
  const out: NormalizedEvent = { ...event };
  const warnings: string[] = [];
  for (const [field, limit] of Object.entries(FIELD_LIMITS) as [keyof typeof FIELD_LIMITS, number][]) {
    const value = out[field];
    if (typeof value !== 'string') continue;
    const chars = Array.from(value);
    if (chars.length <= limit) continue;
    out[field] = chars.slice(0, limit).join('');
    warnings.push(`${field} truncated from ${chars.length} to ${limit} characters`);
  }
  return { event: out, warnings };
}

type RecurrenceFacts = Pick<NormalizedEvent, 'source' | 'fingerprint' | 'alertname' | 'ruleId' | 'namespace' | 'targetResource'>;

/**
 * The recurrence group of an event (DOMAIN.md): the provider's fingerprint when there is one, else a
 * stable hash of what names the problem and where. Null when nothing names the problem — such events
 * (onboarding funnel steps, most support/audit events) do not recur in groups.
 */
export function recurrenceKey(event: RecurrenceFacts): string | null {
  if (event.fingerprint) return `${event.source}:fp:${event.fingerprint}`;
  const name = event.alertname ?? event.ruleId;
  if (!name) return null;
  const basis = JSON.stringify([event.source, name, event.namespace, event.targetResource]);
  return createHash('sha256').update(basis).digest('hex').slice(0, 32);
}
