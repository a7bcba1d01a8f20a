import type { EntityManager } from '@mikro-orm/postgresql';
import { cutToLength } from '../../../entities/column-facts.ts';
import { DeadLetter } from '../../../entities/dead-letter.entity.ts';
import { ValidationError } from '../../errors.ts';
import { sha256Hex } from './digest.ts';
import { ingestDelivery, type Delivery, type Receipt } from './ingest.ts';
import { DEFAULT_PROJECT_ID } from './project-id.ts';
import { PayloadSchemaError } from './normalized-event.ts';
import { redact, storableText } from './sanitize.ts';
import type { IngestSettings } from './settings.ts';
import { NORMALIZERS, type WebhookSegment } from './sources/index.ts';

/** A body in one receiver's format (`/api/v1/webhooks/{source}`), already parsed. */
export interface Payload {
  source: string;
  body: unknown;
  /** The text as received (webhooks), hashed and measured as it came; otherwise the body's JSON. */
  raw?: string;
  deliveryId: string | null;
  /** Tenant (spec 002); DEFAULT_PROJECT_ID when omitted. */
  projectId?: string;
}

/**
 * What to do with a body that does not fit its format. A sender's delivery is kept as a dead
 * letter for operators to replay (`dead-letter`); an operator's own payload (the ingestEvent
 * mutation, a replay, the demo seed) is refused with a ValidationError and nothing is stored.
 */
export type OnMismatch = 'dead-letter' | 'reject';

export type IngestOutcome =
  | { status: 'ingested'; receipts: Receipt[] }
  | { status: 'dead-lettered'; deadLetterId: number; reason: string; issues: PayloadSchemaError['issues'] };

export function isIngestSource(source: string): source is WebhookSegment {
  return Object.hasOwn(NORMALIZERS, source);
}

type Ingested = Extract<IngestOutcome, { status: 'ingested' }>;

/** `\u0000` or a surrogate escape (a lone one cannot be stored; a pair passes the walk unchanged). */
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f])/i;

/** Normalizes a payload with its source's normalizer and ingests its events: the one way in. */
/** Stores a normalized delivery: in its own transaction unless the caller batches (the webhook receivers). */
export type StoreDelivery = (delivery: Delivery) => Promise<Receipt[]>;

export async function ingestPayload(em: EntityManager, settings: IngestSettings, payload: Payload, onMismatch: 'reject', store?: StoreDelivery): Promise<Ingested>;
export async function ingestPayload(
  em: EntityManager,
  settings: IngestSettings,
  payload: Payload,
  onMismatch: OnMismatch,
  store?: StoreDelivery,
): Promise<IngestOutcome>;
export async function ingestPayload(
  em: EntityManager,
  settings: IngestSettings,
  payload: Payload,
  onMismatch: OnMismatch,
  store: StoreDelivery = (delivery) => ingestDelivery(em, settings, delivery),
): Promise<IngestOutcome> {
  const { source } = payload;
  if (!isIngestSource(source)) throw new ValidationError(`no normalizer for source ${source}`);
  const text = payload.raw ?? JSON.stringify(payload.body);
  // JSON text can only hold U+0000 and surrogates escaped, so most bodies skip the walk; the text is kept as it came.
  const body = UNSTORABLE_ESCAPE.test(text) ? storableText(payload.body) : payload.body;
  const described = { contentSha256: sha256Hex(text), contentLength: Buffer.byteLength(text), deliveryId: payload.deliveryId };
  let events;
  try {
    events = NORMALIZERS[source](body);
  } catch (err) {
    if (!(err instanceof PayloadSchemaError)) throw err;
    if (onMismatch === 'reject') throw new ValidationError(`does not fit the ${source} format: ${err.message}`, err.issues);
    const deadLetterId = await keepDeadLetter(em, source, err, body, { ...described, projectId: payload.projectId ?? DEFAULT_PROJECT_ID });
    return { status: 'dead-lettered', deadLetterId, reason: err.message, issues: err.issues };
  }
  const projectId = payload.projectId ?? DEFAULT_PROJECT_ID;
  return { status: 'ingested', receipts: await store({ events, projectId, ...described }) };
}

/** Keeps an authenticated delivery that failed its schema, redacted, for operators to replay. */
async function keepDeadLetter(
  em: EntityManager,
  source: string,
  err: PayloadSchemaError,
  body: unknown,
  described: { contentSha256: string; contentLength: number; deliveryId: string | null; projectId: string },
): Promise<number> {
  const letter = em.create(DeadLetter, {
    source,
    reason: cutToLength(err.message, 4000).value, // by code point: a cut never splits an emoji from a key name
    issues: err.issues.slice(0, 50),
    // The column holds JSON but not SQL NULL: a body that is JSON `null` is kept as its raw text.
    content: body === null ? { raw: 'null' } : redact(body),
    ...described,
  });
  await em.flush();
  return letter.id;
}
