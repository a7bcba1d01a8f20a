import type { PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import type { RunbookQueue } from '../services/runbooks/queue.ts';
import { ensureQueue, openBoss, sendInTransaction, type BossSettings } from './boss.ts';

export const RUNBOOK_QUEUE = 'runbook-execution';
/** Jobs that used up their retries land here; its worker marks the execution failed, visibly. */
export const RUNBOOK_DEAD_QUEUE = 'runbook-execution-dead';

export type RunbookJob = { execId: number };

export interface QueueSettings extends BossSettings {
  /** Seconds without a heartbeat after which a running job counts as lost and is retried. */
  heartbeatSeconds: number;
  /** Retries after a lost or failed attempt before the job is dead-lettered. */
  retryLimit: number;
}

/** Starts pg-boss and makes sure the runbook queue exists with the configured retry policy. */
export async function startBoss(settings: QueueSettings, log: Logger): Promise<PgBoss> {
  const boss = await openBoss(settings, log);
  await ensureQueue(
    boss,
    RUNBOOK_QUEUE,
    { retryLimit: settings.retryLimit, retryDelay: 1, heartbeatSeconds: settings.heartbeatSeconds },
    RUNBOOK_DEAD_QUEUE,
  );
  return boss;
}

export function pgBossRunbookQueue(boss: PgBoss): RunbookQueue {
  return {
    enqueue(em, execId, timeoutMs) {
      return sendInTransaction<RunbookJob>(boss, em, RUNBOOK_QUEUE, { execId }, {
        singletonKey: `exec-${execId}`,
        // The executor enforces the runbook's own timeout; this bounds a job that hangs anyway.
        expireInSeconds: Math.ceil(timeoutMs / 1000) + 60,
      });
    },
    async cancel(jobId) {
      await boss.cancel(RUNBOOK_QUEUE, jobId).catch(() => undefined);
    },
  };
}
