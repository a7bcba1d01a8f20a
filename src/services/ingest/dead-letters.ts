import type { EntityManager } from '@mikro-orm/postgresql';
import { DeadLetter } from '../../../entities/dead-letter.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { ForbiddenActionError, NotFoundError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import type { Receipt } from './ingest.ts';
import { ingestPayload } from './ingest-payload.ts';
import type { IngestSettings } from './settings.ts';

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
  const { receipts } = await ingestPayload(
    em,
    settings,
    { source: letter.source, body: input.correctedBody ?? letter.content, deliveryId: letter.deliveryId ?? null },
    'reject',
  );
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
