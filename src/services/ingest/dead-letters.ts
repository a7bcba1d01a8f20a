import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DeadLetter } from '../../../entities/dead-letter.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { ForbiddenActionError, NotFoundError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import type { Receipt } from './ingest.ts';
import { ingestPayload } from './ingest-payload.ts';
import type { IngestSettings } from './settings.ts';

/** The letter, row-locked until the caller's transaction ends; only a pending one may be acted on. */
async function lockPendingLetter(tx: EntityManager, id: number): Promise<DeadLetter> {
  const letter = await tx.findOne(DeadLetter, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!letter) throw new NotFoundError('dead letter', String(id));
  if (letter.status !== 'pending') throw new ForbiddenActionError(`dead letter ${letter.id} is already ${letter.status}`);
  return letter;
}

/**
 * Runs a dead letter through its source's normalizer again — as stored, or with a corrected body
 * from the operator — and ingests it. The letter is marked replayed with the events it produced.
 * It stays locked while its events are ingested (each in its own transaction): two operators
 * replaying or discarding it at once cannot both act, the second waits and finds it done.
 */
export async function replayDeadLetter(
  em: EntityManager,
  settings: IngestSettings,
  actor: Actor,
  input: { id: number; correctedBody?: unknown },
): Promise<{ letter: DeadLetter; receipts: Receipt[] }> {
  return em.transactional(async (tx) => {
    const letter = await lockPendingLetter(tx, input.id);
    const { receipts } = await ingestPayload(
      tx,
      settings,
      { source: letter.source, body: input.correctedBody ?? letter.content, deliveryId: letter.deliveryId ?? null, projectId: letter.projectId },
      'reject',
    );
    letter.status = 'replayed';
    letter.replayedAt = new Date();
    letter.replayedBy = tx.getReference(User, actor.id);
    letter.replayEventIds = receipts.map((r) => r.eventId);
    return { letter, receipts };
  });
}

export async function discardDeadLetter(em: EntityManager, actor: Actor, id: number): Promise<DeadLetter> {
  return em.transactional(async (tx) => {
    const letter = await lockPendingLetter(tx, id);
    letter.status = 'discarded';
    letter.replayedBy = tx.getReference(User, actor.id);
    letter.replayedAt = new Date();
    return letter;
  });
}
