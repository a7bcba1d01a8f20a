import type { EntityManager } from '@mikro-orm/postgresql';
import { Counter, Histogram } from 'prom-client';
import { isDatabaseUnavailable } from '../../db/unavailable.ts';
import type { CorrelationMatch } from './correlate.ts';
import type { NormalizedEvent } from './normalized-event.ts';
import type { IngestSettings } from './settings.ts';
import { storeBatch, type BatchOptions } from './store-batch.ts';

/** One authenticated, well-formed delivery: its events plus what describes the whole body. */
export interface Delivery {
  events: NormalizedEvent[];
  deliveryId: string | null;
  /** Tenant (spec 002); DEFAULT_PROJECT_ID when the sender named none. */
  projectId: string;
  /**
   * Set for synthetic events (provider heartbeats), saying why they are only stored: counted in
   * their recurrence group, they never open, join or reopen a chamado, so nothing downstream
   * (timeline, approvals, outbound deliveries) ever sees them.
   */
  synthetic?: string;
  contentSha256: string;
  contentLength: number;
}

/**
 * Why the event was treated as it was (stored on the event, returned to the sender, shown in the
 * graph and on the timeline). snake_case because it is served as JSON as it is.
 */
export type Correlation =
  | { decision: 'duplicate'; rule: 'exact' | 'onboarding'; key: string; duplicate_of: number; chamado_public_id: string | null }
  | { decision: 'opened'; rule: string; detail: string; chamado_public_id: string }
  | {
      decision: 'attached';
      rule: CorrelationMatch['rule'];
      key: string;
      chamado_public_id: string;
      reopened: boolean;
      opening_rule: string | null;
    }
  | { decision: 'stored'; reason: string; held_by?: 'threshold' | 'silence' };

export interface Receipt {
  status: 'accepted' | 'duplicate';
  eventId: number;
  eventUuid: string;
  chamadoPublicId: string | null;
  duplicateOf: number | null;
  correlation: Correlation;
  warnings: string[];
}

/** One delivery's result in a batch: its receipts, or why none of it was stored. */
export type DeliveryOutcome = { receipts: Receipt[] } | { error: Error };

const batchesRetriedAlone = new Counter({
  name: 'opsgraph_ingest_batches_retried_alone_total',
  help: 'Ingest batches that failed as a whole and whose deliveries were then stored one by one',
});

/**
 * How long a batch's transaction takes, BEGIN to COMMIT: what every sender in it waits for, and
 * how long its correlation locks are held (a batch is a chain of round trips).
 */
const batchSeconds = new Histogram({
  name: 'opsgraph_ingest_batch_seconds',
  help: "Duration of ingest batches' transactions, by outcome (committed, or failed and retried or refused)",
  labelNames: ['outcome'] as const,
  buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

/** Stores and correlates the events of one delivery in one transaction; throws what refused it. */
export async function ingestDelivery(em: EntityManager, settings: IngestSettings, delivery: Delivery): Promise<Receipt[]> {
  const outcome = (await ingestDeliveries(em, settings, [delivery]))[0]!;
  if ('error' in outcome) throw outcome.error;
  return outcome.receipts;
}

/**
 * Stores a batch of deliveries in one transaction (a group commit: one set of multi-row claims,
 * one commit), deciding each event as if they had arrived one after another, in this order. A
 * delivery refused on its own (a reused delivery id) is refused alone. When the batch fails as a
 * whole (a deadlock with another batch after its retries, a fault one delivery provokes), each
 * delivery is tried again alone, so one cannot cost the others theirs; an unavailable database
 * fails them all at once instead.
 */
export async function ingestDeliveries(
  em: EntityManager,
  settings: IngestSettings,
  deliveries: readonly Delivery[],
  options: BatchOptions = {},
): Promise<DeliveryOutcome[]> {
  const timer = batchSeconds.startTimer();
  try {
    // Its own transaction unless `em` is in one already: then that one's owner commits.
    const owned = { ...options, commitWithLastWrite: !em.isInTransaction() };
    const outcomes = await em.fork().transactional((tx) => storeBatch(tx, settings, deliveries, owned));
    timer({ outcome: 'committed' });
    return outcomes;
  } catch (err) {
    timer({ outcome: 'failed' });
    if (deliveries.length === 1 || isDatabaseUnavailable(err)) return deliveries.map(() => ({ error: err as Error }));
    batchesRetriedAlone.inc();
    const outcomes: DeliveryOutcome[] = [];
    for (const delivery of deliveries) outcomes.push(...(await ingestDeliveries(em, settings, [delivery], options)));
    return outcomes;
  }
}
