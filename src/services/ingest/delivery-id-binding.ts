import { DomainError } from '../../errors.ts';
import type { EarlierHolder } from './key-claims.ts';

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

/** The first event of a delivery that names a delivery id. */
export interface DeliveryBinding {
  eventId: number;
  source: string;
  projectId: string;
  deliveryId: string;
  contentSha256: string;
}

export const deliveryKeyOf = (b: Pick<DeliveryBinding, 'source' | 'deliveryId'>) => `${b.source}:delivery:${b.deliveryId}`;

/**
 * Binds each delivery id (per source) to the body and project first stored under it and returns
 * the bindings refused because the id already names another body or project — earlier in the
 * database (`earlier`) or earlier in this batch — with the keys the accepted ones hold (claimed
 * with the batch's dedup keys, in the same transaction). The caller stores nothing of a refused
 * delivery. The project counts because a signature covers the body, not the URL: without it a
 * captured delivery could be replayed into another project (`?project_id=`), where it would be no
 * one's duplicate. The primary key of event_dedup_keys serialises concurrent claims, so of two
 * bodies sent at once under one id exactly one is stored.
 */
export function bindInOrder(
  bindings: readonly DeliveryBinding[],
  earlier: ReadonlyMap<string, EarlierHolder>,
): { refused: Set<DeliveryBinding>; holders: Map<string, number> } {
  const boundInBatch = new Map<string, DeliveryBinding>();
  const refused = new Set<DeliveryBinding>();
  for (const binding of bindings) {
    const key = deliveryKeyOf(binding);
    const bound = earlier.get(key) ?? boundInBatch.get(key) ?? binding;
    if (bound.contentSha256 !== binding.contentSha256 || bound.projectId !== binding.projectId) refused.add(binding);
    else if (!earlier.has(key) && !boundInBatch.has(key)) boundInBatch.set(key, binding);
  }
  return { refused, holders: new Map([...boundInBatch].map(([key, b]) => [key, b.eventId])) };
}
