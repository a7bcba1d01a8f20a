import type { MikroORM } from '@mikro-orm/postgresql';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import { deliverOne, markDeliveryFailed } from '../services/outbound/deliver.ts';
import { dispatchPending, requeueStranded } from '../services/outbound/dispatcher.ts';
import type { OutboundQueue } from '../services/outbound/queue.ts';
import type { OutboundRetrySettings, OutboundWorkerSettings } from '../services/outbound/settings.ts';
import { consumeEach, ensureQueue, sendInTransaction } from './boss.ts';

export const OUTBOUND_QUEUE = 'outbound-delivery';
/** Deliveries that used up their retries land here; its worker marks them failed, visibly. */
export const OUTBOUND_DEAD_QUEUE = 'outbound-delivery-dead';

export interface OutboundWorker {
  /** Runs the dispatcher now (or right after the run in progress). */
  nudge: () => void;
  /** Stops the dispatcher loop and the job consumers; waits for the run in progress. */
  stop: () => Promise<void>;
}

const RETRY_DELAY_MAX_SECONDS = 3600;
/** Pending deliveries never attempted this long after creation have lost their job: enqueue again. */
const STRANDED_AFTER_SECONDS = 30;
const STRANDED_SWEEP_MS = 30_000;

type DeliveryJob = { deliveryId: number };

/** The per-job retry policy (also set on each job, so it holds even if the queue predates a config change). */
function jobPolicy(settings: OutboundRetrySettings) {
  return {
    retryLimit: settings.retryLimit,
    retryDelay: Math.max(0, Math.round(settings.retryDelaySeconds)),
    retryBackoff: settings.retryBackoff,
    ...(settings.retryBackoff ? { retryDelayMax: RETRY_DELAY_MAX_SECONDS } : {}),
    // Bounds an attempt whose worker hangs or dies; it then counts as a failed attempt.
    expireInSeconds: Math.ceil(settings.timeoutMs / 1000) + 60,
  };
}

/**
 * Creates the delivery queue and its dead-letter queue (idempotent). `exclusive` policy: at most
 * one queued/retrying/active job per singleton key, and each job's key is its delivery, so
 * enqueueing a delivery twice never sends it twice in parallel.
 */
export async function ensureOutboundQueues(boss: PgBoss, settings: OutboundRetrySettings): Promise<void> {
  await ensureQueue(boss, OUTBOUND_QUEUE, { policy: 'exclusive', ...jobPolicy(settings) }, OUTBOUND_DEAD_QUEUE);
}

export function pgBossOutboundQueue(boss: PgBoss, settings?: OutboundRetrySettings): OutboundQueue {
  const policy = settings ? jobPolicy(settings) : {};
  return {
    async enqueue(em, deliveryId) {
      await sendInTransaction<DeliveryJob>(boss, em, OUTBOUND_QUEUE, { deliveryId }, {
        ...policy,
        singletonKey: `delivery-${deliveryId}`,
        deadLetter: OUTBOUND_DEAD_QUEUE,
      });
    },
  };
}

/**
 * Consumes delivery jobs (up to `concurrency` at once) and runs the outbox dispatcher: every
 * `dispatchIntervalMs` (an unref'd timer, one run at a time per process) and whenever nudge() is
 * called. Any number of processes may run this; SKIP LOCKED and the queue share the work.
 */
export async function startOutboundWorker(boss: PgBoss, orm: MikroORM, settings: OutboundWorkerSettings, log: Logger): Promise<OutboundWorker> {
  await ensureOutboundQueues(boss, settings);
  const queue = pgBossOutboundQueue(boss, settings);
  const pollingIntervalSeconds = settings.pollingIntervalSeconds ?? 1;
  const batch = settings.dispatchBatch ?? 200;

  const stopJobs = await consumeEach<DeliveryJob>(
    boss,
    OUTBOUND_QUEUE,
    { concurrency: settings.concurrency, pollingIntervalSeconds },
    async (job) => {
      try {
        const outcome = await deliverOne(orm.em, job.data.deliveryId, { timeoutMs: settings.timeoutMs, signal: job.signal });
        if (outcome.result === 'skipped') log.debug({ deliveryId: job.data.deliveryId, reason: outcome.reason }, 'outbound delivery skipped');
      } catch (err) {
        log.warn({ deliveryId: job.data.deliveryId, retry: job.retryCount, err }, 'outbound delivery attempt failed');
        throw err;
      }
    },
  );
  const stopDead = await consumeEach<DeliveryJob>(boss, OUTBOUND_DEAD_QUEUE, { pollingIntervalSeconds }, async (job) => {
    if (await markDeliveryFailed(orm.em, job.data.deliveryId)) {
      log.warn({ deliveryId: job.data.deliveryId }, 'outbound delivery failed: retries exhausted');
    }
  });

  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let lastStrandedSweep = 0;

  const runOnce = async (): Promise<void> => {
    do {
      again = false;
      try {
        // A full batch means more may be waiting: keep going until the outbox is drained.
        let full = true;
        while (full && !stopped) full = (await dispatchPending(orm.em, queue, batch)).entries === batch;
        const sweepStranded = Date.now() - lastStrandedSweep >= STRANDED_SWEEP_MS;
        if (sweepStranded) lastStrandedSweep = Date.now();
        if (!stopped) await requeueStranded(orm.em, queue, { unattemptedAfterSeconds: sweepStranded ? STRANDED_AFTER_SECONDS : null });
      } catch (err) {
        log.error({ err }, 'outbound dispatch failed; retrying on the next run');
      }
    } while (again && !stopped);
  };

  const run = (explicit: boolean): void => {
    if (stopped) return;
    if (running) {
      if (explicit) again = true;
      return;
    }
    running = runOnce().finally(() => {
      running = null;
    });
  };

  const timer = setInterval(() => run(false), settings.dispatchIntervalMs ?? 1000);
  timer.unref();
  run(false);

  return {
    nudge: () => run(true),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await stopJobs();
      await stopDead();
    },
  };
}
