import type { EntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';
import { PgBoss, type Job, type Queue, type SendOptions } from 'pg-boss';
import type { Logger } from '../logger.ts';

/*
 * The pg-boss plumbing every queue shares: one way to open the boss, create a queue, send a job
 * inside our transaction and consume jobs one at a time. The queues themselves (runbooks,
 * outbound) only say what their jobs are and what a job does.
 *
 * Why pg-boss: it keeps jobs in the same PostgreSQL (no new engine), survives restarts, retries
 * with limits, detects dead workers through heartbeats, routes exhausted jobs to a dead-letter
 * queue, dedups with singleton keys and — what makes enqueueing exact — can insert a job inside
 * our own transaction. graphile-worker is as solid but only reclaims a crashed worker's job after
 * a fixed 4-hour lock timeout.
 */

export interface BossSettings {
  connectionString: string;
  monitorIntervalSeconds: number;
}

export async function openBoss(settings: BossSettings, log: Logger): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: settings.connectionString,
    schema: 'pgboss',
    monitorIntervalSeconds: settings.monitorIntervalSeconds,
    // Jobs whose heartbeat lapsed are failed (and so retried) only in the supervise pass, which
    // pg-boss runs every 60 s by default: without this a lost worker's job waited up to a minute
    // more than heartbeatSeconds says.
    superviseIntervalSeconds: settings.monitorIntervalSeconds,
    max: 4,
  });
  boss.on('error', (err) => log.error({ err }, 'job queue error'));
  await boss.start();
  return boss;
}

export type QueuePolicyOptions = Omit<Queue, 'name' | 'deadLetter'>;

/**
 * Creates `name` and, when given, its dead-letter queue (idempotent), then applies `options` to
 * the queue as it exists: createQueue leaves an existing queue as it was first created, so a
 * changed retry limit or heartbeat would otherwise be ignored after the first start.
 */
export async function ensureQueue(boss: PgBoss, name: string, options: QueuePolicyOptions, deadLetter?: string): Promise<void> {
  if (deadLetter) await boss.createQueue(deadLetter).catch(ignoreExisting);
  await boss.createQueue(name, { ...options, ...(deadLetter ? { deadLetter } : {}) }).catch(ignoreExisting);
  // The policy and partitioning are fixed at creation; everything else can follow the config.
  const { policy: _policy, partition: _partition, ...updatable } = options;
  await boss.updateQueue(name, { ...updatable, ...(deadLetter ? { deadLetter } : {}) });
}

function ignoreExisting(err: unknown): void {
  if (!(err instanceof Error && /already exists/i.test(err.message))) throw err;
}

/** Sends a job through the MikroORM transaction of `em`, so the job commits (or not) with our rows. */
export function sendInTransaction<T extends object>(
  boss: PgBoss,
  em: EntityManager,
  name: string,
  data: T,
  options: Omit<SendOptions, 'db'>,
): Promise<string | null> {
  return boss.send(name, data, { ...options, db: transactionDb(em) });
}

function transactionDb(em: EntityManager) {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const result = await em.getKysely().executeQuery(CompiledQuery.raw(text, values));
      return { rows: result.rows as unknown[] };
    },
  };
}

export interface ConsumeOptions {
  /** Jobs in flight at once in this process. Default 1. */
  concurrency?: number;
  /** How often an idle worker polls (≥ 0.5). Default 1. */
  pollingIntervalSeconds?: number;
}

/**
 * Consumes `name` one job per handler call; a handler that throws fails the attempt (pg-boss
 * retries or dead-letters it). Returns the function that stops consuming.
 */
export async function consumeEach<T extends object>(
  boss: PgBoss,
  name: string,
  options: ConsumeOptions,
  handler: (job: Job<T>) => Promise<void>,
): Promise<() => Promise<void>> {
  await boss.work<T>(
    name,
    { batchSize: 1, localConcurrency: options.concurrency ?? 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 },
    async ([job]) => {
      if (job) await handler(job);
    },
  );
  return () => boss.offWork(name).catch(() => undefined);
}
