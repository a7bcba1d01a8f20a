import { z } from 'zod';
import { PayloadSchemaError, type NormalizedEvent } from '../normalized-event.ts';

/**
 * What every source normalizer needs: parse a vendor body without being brittle, and start an event
 * with every optional column empty so each source only states what it knows.
 */

/** Parses a body with a source schema; a mismatch becomes a PayloadSchemaError naming each path. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new PayloadSchemaError(
    result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message })),
  );
}

/**
 * An optional vendor field we read as text. Numbers are accepted (ids and ports come either way); a
 * blank or wrongly typed value becomes undefined instead of rejecting a delivery we can still use.
 */
export const optionalText = z
  .union([z.string(), z.number()])
  .transform((v) => {
    const s = String(v).trim();
    return s === '' ? undefined : s;
  })
  .optional()
  .catch(undefined);

/** A required id that some vendors send as a number and others as a string. */
export const requiredId = z.union([z.string().trim().min(1), z.number()]).transform(String);

/** An optional nested object; a wrong type is dropped rather than failing the delivery. */
export function optionalObject<T extends z.ZodRawShape>(shape: T) {
  return z.looseObject(shape).optional().catch(undefined);
}

/**
 * Timestamps never reject a delivery: anything unparseable is null and the receiver uses its receipt
 * time. Accepts ISO strings, Wazuh's `+0000` offsets, and epoch seconds or milliseconds. Go's zero
 * time (`0001-01-01T00:00:00Z`, Alertmanager's endsAt of a firing alert) means "no time".
 */
export function parseTimestamp(value: unknown): Date | null {
  let date: Date;
  if (typeof value === 'number' && Number.isFinite(value)) {
    date = new Date(value < 1e11 ? value * 1000 : value);
  } else if (typeof value === 'string' && value.trim() !== '') {
    date = new Date(value.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  } else {
    return null;
  }
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() <= 1) return null;
  return date;
}

/** Lowercased and trimmed; blank is null. For fields the sender states to be a domain. */
export function normalizeDomain(value: string | null | undefined): string | null {
  const d = value?.trim().toLowerCase().replace(/\.$/, '');
  return d ? d : null;
}

const DOMAIN_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** For fields that only *may* hold a domain (a Wazuh hostname): keep it only if it reads as one. */
export function domainIfLooksLikeOne(value: string | null | undefined): string | null {
  const d = normalizeDomain(value);
  return d !== null && DOMAIN_PATTERN.test(d) ? d : null;
}

/** The parsed JSON body as the event's payload (zod already proved it is an object). */
export function asPayload(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Drops empty values so `sourceRefs` only lists links that exist. */
export function definedRefs(refs: Record<string, string | null | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(refs).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
}

/** Observables from (tipo, value) pairs, skipping absent values and repeats. */
export function observablesFrom(pairs: [string, string | null | undefined][]): NormalizedEvent['observables'] {
  const seen = new Set<string>();
  const out: NormalizedEvent['observables'] = [];
  for (const [tipo, valor] of pairs) {
    if (!valor || seen.has(`${tipo}\u0000${valor}`)) continue;
    seen.add(`${tipo}\u0000${valor}`);
    out.push({ tipo, valor });
  }
  return out;
}

type EventCore = Pick<NormalizedEvent, 'source' | 'eventType' | 'title' | 'payload'>;

/** An event with every optional column empty; each normalizer spreads in what its source knows. */
export function event(fields: EventCore & Partial<NormalizedEvent>): NormalizedEvent {
  return {
    providerEventId: null,
    domain: null,
    sessionId: null,
    severity: null,
    ruleId: null,
    agent: null,
    summary: null,
    fingerprint: null,
    alertname: null,
    namespace: null,
    targetResource: null,
    alertStatus: null,
    sourceSeverity: null,
    occurredAt: null,
    sourceRefs: {},
    observables: [],
    wizardStep: null,
    wizardStepLabel: null,
    email: null,
    chamadoPublicId: null,
    ...fields,
  };
}
