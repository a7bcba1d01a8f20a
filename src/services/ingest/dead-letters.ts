import type { EntityManager } from '@mikro-orm/postgresql';
import { DeadLetter } from '../../../entities/dead-letter.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import type { IngestSettings } from './settings.ts';
import { ForbiddenActionError, NotFoundError, ValidationError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { sha256Hex } from './digest.ts';
import { ingestDelivery, type Receipt } from './ingest.ts';
import { PayloadSchemaError } from './normalized-event.ts';
import { redact } from './sanitize.ts';
import { NORMALIZERS } from './sources/index.ts';

export interface RejectedDelivery {
  source: string;
  reason: string;
  issues: { path: string; message: string }[];
  body: unknown;
  contentSha256: string;
  contentLength: number;
  deliveryId: string | null;
}

/** Keeps an authenticated delivery that failed its schema, redacted, for operators to replay. */
export async function recordDeadLetter(em: EntityManager, rejected: RejectedDelivery): Promise<number> {
  const letter = em.create(DeadLetter, {
    source: rejected.source,
    reason: rejected.reason.slice(0, 4000),
    issues: rejected.issues.slice(0, 50),
    // The column holds JSON but not SQL NULL: a body that is JSON `null` is kept as its raw text.
    content: rejected.body === null ? { raw: 'null' } : redact(rejected.body),
    contentSha256: rejected.contentSha256,
    contentLength: rejected.contentLength,
    deliveryId: rejected.deliveryId,
  });
  await em.flush();
  return letter.id;
}

/**
 * Runs a dead letter through its source's normalizer again — as stored, or with a corrected body
 * from the operator — and ingests it. The letter is marked replayed with the events it produced.
 */
export async function replayDeadLetter(
  em: EntityManager,
  settings: IngestSettings,
  actor: Actor,
  input: { id: number; correctedBody?: unknown },
): Promise<{ letter: DeadLetter; receipts: Receipt[] }> {
  const letter = await em.findOne(DeadLetter, input.id);
  if (!letter) throw new NotFoundError('dead letter', String(input.id));
  if (letter.status !== 'pending') throw new ForbiddenActionError(`dead letter ${letter.id} is already ${letter.status}`);
  const body = input.correctedBody ?? letter.content;
  const normalize = NORMALIZERS[letter.source as keyof typeof NORMALIZERS];
  if (!normalize) throw new ValidationError(`no normalizer for source ${letter.source}`);
  let events;
  try {
    events = normalize(body);
  } catch (err) {
    if (err instanceof PayloadSchemaError) throw new ValidationError(`still does not fit the ${letter.source} schema: ${err.message}`, err.issues);
    throw err;
  }
  const text = JSON.stringify(body);
  const receipts = await ingestDelivery(em, settings, {
    events,
    deliveryId: letter.deliveryId ?? null,
    contentSha256: sha256Hex(text),
    contentLength: Buffer.byteLength(text),
  });
  letter.status = 'replayed';
  letter.replayedAt = new Date();
  letter.replayedBy = em.getReference(User, actor.id);
  letter.replayEventIds = receipts.map((r) => r.eventId);
  await em.flush();
  return { letter, receipts };
}

export async function discardDeadLetter(em: EntityManager, actor: Actor, id: number): Promise<DeadLetter> {
  const letter = await em.findOne(DeadLetter, id);
  if (!letter) throw new NotFoundError('dead letter', String(id));
  if (letter.status !== 'pending') throw new ForbiddenActionError(`dead letter ${letter.id} is already ${letter.status}`);
  letter.status = 'discarded';
  letter.replayedBy = em.getReference(User, actor.id);
  letter.replayedAt = new Date();
  await em.flush();
  return letter;
}
