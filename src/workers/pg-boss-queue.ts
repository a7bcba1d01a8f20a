import type { EntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';
import { PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import type { RunbookQueue } from '../services/runbooks/queue.ts';

export const RUNBOOK_QUEUE = 'runbook-execution';
/** Jobs that used up their retries land here; its worker marks the execution failed, visibly. */
export const RUNBOOK_DEAD_QUEUE = 'runbook-execution-dead';

/**
 * Why pg-boss: it keeps jobs in the same PostgreSQL (no new engine), survives restarts, retries
 * with limits, detects dead workers through heartbeats, routes exhausted jobs to a dead-letter
 * queue, dedups with singleton keys and — what makes enqueueing exact — can insert a job inside
 * our own transaction. graphile-worker is as solid but only reclaims a crashed worker's job after
 * a fixed 4-hour lock timeout.
 */
export interface QueueSettings {
  connectionString: string;
  /** Seconds without a heartbeat after which a running job counts as lost and is retried. */
  heartbeatSeconds: number;
  /** Retries after a lost or failed attempt before the job is dead-lettered. */
  retryLimit: number;
  monitorIntervalSeconds: number;
}

export async function startBoss(settings: QueueSettings, log: Logger): Promise<PgBoss> {
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
  await boss.createQueue(RUNBOOK_DEAD_QUEUE).catch(ignoreExisting);
  const runbookQueue = {
    retryLimit: settings.retryLimit,
    retryDelay: 1,
    heartbeatSeconds: settings.heartbeatSeconds,
    deadLetter: RUNBOOK_DEAD_QUEUE,
  };
  await boss.createQueue(RUNBOOK_QUEUE, runbookQueue).catch(ignoreExisting);
  // createQueue leaves an existing queue as it was created: without this, a changed
  // RUNBOOK_HEARTBEAT_SECONDS or RUNBOOK_RETRY_LIMIT would be silently ignored after the first start.
  await boss.updateQueue(RUNBOOK_QUEUE, runbookQueue);
  return boss;
}

function ignoreExisting(err: unknown): void {
  if (!(err instanceof Error && /already exists/i.test(err.message))) throw err;
}

/** Runs pg-boss's SQL on the MikroORM transaction of `em`, so the job commits with our rows. */
function transactionDb(em: EntityManager) {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const result = await em.getKysely().executeQuery(CompiledQuery.raw(text, values));
      return { rows: result.rows as unknown[] };
    },
  };
}

export function pgBossRunbookQueue(boss: PgBoss): RunbookQueue {
  return {
    async enqueue(em, execId, timeoutMs) {
      return boss.send(
        RUNBOOK_QUEUE,
        { execId },
        {
          singletonKey: `exec-${execId}`,
          // The executor enforces the runbook's own timeout; this bounds a job that hangs anyway.
          expireInSeconds: Math.ceil(timeoutMs / 1000) + 60,
          db: transactionDb(em),
        },
      );
    },
    async cancel(jobId) {
      await boss.cancel(RUNBOOK_QUEUE, jobId).catch(() => undefined);
    },
  };
}
