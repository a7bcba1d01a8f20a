import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../../errors.ts';

/**
 * A delivery id (`webhook-id`, …) that already names a different body. Standard Webhooks makes
 * the id the message's identity: a sender's retry repeats it with the same body (an exact
 * redelivery, stored as a duplicate), so the same id over other bytes is a replay of the id, not a
 * retry, and is refused before anything is stored.
 */
export class DeliveryIdReusedError extends DomainError {
  readonly code = 'DELIVERY_ID_REUSED';
  constructor(deliveryId: string) {
    super(
      `delivery id ${deliveryId} was already used for a different body or project: a retry repeats the body byte for byte to the same URL, a new message needs a new id`,
    );
  }
}

/**
 * Binds `deliveryId` (per source) to the body and project first stored under it, in the
 * transaction that stores `eventId`, and throws DeliveryIdReusedError when it is already bound to
 * another body or project (the caller's transaction then rolls back: nothing is stored). The
 * project counts because a signature covers the body, not the URL: without it a captured delivery
 * could be replayed into another project (`?project_id=`), where it would be no one's duplicate. The primary key of
 * event_dedup_keys serialises concurrent claims, so of two bodies sent at once under one id
 * exactly one is stored.
 */
export async function bindDeliveryId(
  em: EntityManager,
  binding: { eventId: number; source: string; projectId: string; deliveryId: string; contentSha256: string },
): Promise<void> {
  const key = `${binding.source}:delivery:${binding.deliveryId}`;
  const won = await em.execute<{ key: string }[]>(
    'insert into event_dedup_keys (key, event_id, created_at) values (?, ?, now()) on conflict (key) do nothing returning key',
    [key, binding.eventId],
  );
  if (won.length > 0) return;
  const [holder] = await em.execute<{ content_sha256: string | null; project_id: string }[]>(
    'select e.content_sha256, e.project_id from event_dedup_keys k join events e on e.id = k.event_id where k.key = ?',
    [key],
  );
  if (holder && (holder.content_sha256 !== binding.contentSha256 || holder.project_id !== binding.projectId)) {
    throw new DeliveryIdReusedError(binding.deliveryId);
  }
}
