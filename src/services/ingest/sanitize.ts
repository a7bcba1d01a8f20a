import { createHash } from 'node:crypto';
import { ChamadoSchema } from '../../../entities/chamado.entity.ts';
import { columnLimits, cutToLength } from '../../../entities/column-facts.ts';
import { DeadLetterSchema } from '../../../entities/dead-letter.entity.ts';
import { EventSchema } from '../../../entities/event.entity.ts';
import { ObservableSchema } from '../../../entities/observable.entity.ts';
import { TimelineEntrySchema } from '../../../entities/timeline-entry.entity.ts';
import { CHAMADO_COLUMN_FIELDS, EVENT_COLUMN_FIELDS, type NormalizedEvent } from './normalized-event.ts';

/**
 * What happens to a normalized event before it is stored: secrets leave the payload, fields fit
 * their columns, and the recurrence key is derived (DOMAIN.md, "Recurrence key").
 */

/** Stored with each redacted payload so a later, stricter redaction can find what it must redo. */
export const REDACTION_VERSION = 'r1';
const REDACTED = '[redacted]';

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
  // password=…, db_password: …, "api_key":"…", token: Bearer … (a prefix like `db_` is kept). The
  // prefix is bounded: unbounded, a long unbroken word made this quadratic (seconds for 20 kB).
  [
    /([A-Za-z0-9_-]{0,64}(?:password|passwd|pwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key)["']?\s*[=:]\s*["']?)(?!\[redacted\])(?:(?:Bearer|Basic)\s+)?[^\s"'&,;]+/gi,
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

/**
 * JSON may carry U+0000 (`"\u0000"`) and lone surrogates (`"\ud800"`), but PostgreSQL's text and
 * jsonb can hold neither: each becomes U+FFFD, in keys and values alike, so such a body is stored
 * instead of failing every retry.
 */
export function storableText<T>(value: T): T {
  // With the u flag a paired surrogate is one code point, so \p{Cs} matches lone ones only.
  const text = (s: string) => s.replace(/[\0\p{Cs}]/gu, '\uFFFD');
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([key, inner]) => [text(key), walk(inner)]));
    return v;
  };
  return walk(value) as T;
}

/*
 * Fields are cut, not refused: nothing accepted is lost, and each cut is reported so the receiver
 * records it with the event. Every limit comes from the entities: a field is as long as the shortest
 * column ingestion writes it to.
 */
const EVENT = columnLimits(EventSchema);
const CHAMADO = columnLimits(ChamadoSchema);
const TIMELINE = columnLimits(TimelineEntrySchema);
const OBSERVABLE = columnLimits(ObservableSchema);

/**
 * Fields with no column length of their own. The summary is `text` but one line of the Discover
 * feed and of the timeline; the email is only kept inside the title and as an observable, so it is
 * held to the longest address SMTP allows (RFC 5321).
 */
const POLICY_LIMITS = { summary: 2000, email: 254 } as const;

function shortest(...limits: (number | undefined)[]): number | undefined {
  const known = limits.filter((n): n is number => n !== undefined);
  return known.length ? Math.min(...known) : undefined;
}

/** Each stored text field's limit, in characters (code points, as PostgreSQL counts them). */
export const FIELD_LIMITS: Partial<Record<keyof NormalizedEvent, number>> = Object.fromEntries(
  [...EVENT_COLUMN_FIELDS, ...CHAMADO_COLUMN_FIELDS, ...(Object.keys(POLICY_LIMITS) as (keyof typeof POLICY_LIMITS)[])].flatMap((field) => {
    const limit = shortest(
      EVENT[field as keyof typeof EVENT],
      CHAMADO[field as keyof typeof CHAMADO],
      TIMELINE[field as keyof typeof TIMELINE],
      POLICY_LIMITS[field as keyof typeof POLICY_LIMITS],
    );
    return limit === undefined ? [] : [[field, limit]];
  }),
);

/**
 * Ids that dedup and correlation match on. Two long ids that share their first `limit` characters
 * must stay two ids, so a cut one ends in a digest of the whole value instead of its tail.
 */
const MATCHED_FIELDS = new Set<keyof NormalizedEvent>(['providerEventId', 'sessionId', 'fingerprint']);
const DIGEST_CHARS = 32;

function cutField(field: keyof NormalizedEvent, value: string, limit: number): { value: string; length: number; cut: boolean } {
  const cut = cutToLength(value, limit);
  if (!cut.cut || !MATCHED_FIELDS.has(field) || limit <= DIGEST_CHARS * 2) return cut;
  const digest = createHash('sha256').update(value).digest('hex').slice(0, DIGEST_CHARS);
  return { ...cut, value: `${cutToLength(value, limit - DIGEST_CHARS - 1).value}~${digest}` };
}

/** The longest delivery id (a header) the events and dead-letter tables can keep. */
export const DELIVERY_ID_LIMIT = shortest(EVENT.deliveryId, columnLimits(DeadLetterSchema).deliveryId)!;

/**
 * Cuts over-long fields to their limits (and the typed facts to the observables table's), one
 * warning `<field> truncated from <n> to <limit> characters` per cut; the input is left intact.
 */
export function truncateFields(event: NormalizedEvent): { event: NormalizedEvent; warnings: string[] } {
  const out: Record<string, unknown> = { ...event };
  const warnings: string[] = [];
  const note = (field: string, length: number, limit: number) => warnings.push(`${field} truncated from ${length} to ${limit} characters`);
  for (const [field, limit] of Object.entries(FIELD_LIMITS) as [keyof NormalizedEvent, number][]) {
    const value = out[field];
    if (typeof value !== 'string') continue;
    const cut = cutField(field, value, limit);
    if (!cut.cut) continue;
    out[field] = cut.value;
    note(field, cut.length, limit);
  }
  out.observables = event.observables.map((fact, i) => {
    // A fact that is also a field (the onboarding email) is held to the field's limit as well.
    const valorLimit = shortest(OBSERVABLE.valor, FIELD_LIMITS[fact.tipo as keyof NormalizedEvent])!;
    const tipo = cutToLength(fact.tipo, OBSERVABLE.tipo!);
    const valor = cutToLength(fact.valor, valorLimit);
    if (tipo.cut) note(`observables.${i}.tipo`, tipo.length, OBSERVABLE.tipo!);
    if (valor.cut) note(`observables.${i}.valor`, valor.length, valorLimit);
    return { tipo: tipo.value, valor: valor.value };
  });
  return { event: out as unknown as NormalizedEvent, warnings };
}

const RECURRENCE_KEY_LIMIT = shortest(EVENT.recurrenceKey, CHAMADO.fingerprint)!;

type RecurrenceFacts = Pick<NormalizedEvent, 'source' | 'fingerprint' | 'alertname' | 'ruleId' | 'namespace' | 'targetResource'>;

/**
 * The recurrence group of an event (DOMAIN.md): the provider's fingerprint when there is one, else a
 * stable hash of what names the problem and where. Null when nothing names the problem — such events
 * (onboarding funnel steps, most support/audit events) do not recur in groups.
 */
export function recurrenceKey(event: RecurrenceFacts): string | null {
  if (event.fingerprint) {
    const key = `${event.source}:fp:${event.fingerprint}`;
    // The key is stored on the event and as the fingerprint of the chamado it opens: a key too long
    // for either keys on a digest of the fingerprint instead (same fingerprint, same key).
    if (Array.from(key).length <= RECURRENCE_KEY_LIMIT) return key;
    return `${event.source}:fp-sha256:${createHash('sha256').update(event.fingerprint).digest('hex').slice(0, DIGEST_CHARS)}`;
  }
  const name = event.alertname ?? event.ruleId;
  if (!name) return null;
  const basis = JSON.stringify([event.source, name, event.namespace, event.targetResource]);
  return createHash('sha256').update(basis).digest('hex').slice(0, DIGEST_CHARS);
}
