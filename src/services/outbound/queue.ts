import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * What the outbound services need from the job queue (src/workers/outbound-queue.ts is pg-boss).
 * One job delivers one outbound_deliveries row; retries, backoff and dead-lettering are the
 * queue's business.
 */
export interface OutboundQueue {
  /**
   * Enqueues delivery `deliveryId` inside the caller's transaction, so the job exists exactly when
   * the delivery row commits. At most one live (queued, retrying or running) job exists per
   * delivery: enqueueing one that already has a live job does nothing.
   */
  enqueue(em: EntityManager, deliveryId: number): Promise<void>;
}
