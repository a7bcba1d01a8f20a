import type { MikroORM } from '@mikro-orm/postgresql';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import { expireApprovals } from '../services/runbooks/approvals.ts';
import { markExecutionLost, runExecution } from '../services/runbooks/run-execution.ts';
import type { RunbookSettings } from '../services/runbooks/settings.ts';
import { consumeEach } from './boss.ts';
import { RUNBOOK_DEAD_QUEUE, RUNBOOK_QUEUE, type RunbookJob } from './pg-boss-queue.ts';

const EXPIRY_SWEEP_MS = 30_000;

/**
 * Consumes runbook jobs: one execution per job, up to `concurrency` at once per process. Any
 * number of processes may run this (API instances with RUNBOOK_WORKER on, or `npm run worker`);
 * pg-boss hands each job to one of them and, when a worker dies, to another after the heartbeat
 * lapses.
 */
export async function startRunbookWorker(boss: PgBoss, orm: MikroORM, settings: RunbookSettings, log: Logger): Promise<() => Promise<void>> {
  const env = { commandDir: settings.commandDir, httpSecret: settings.hmacSecret, maxOutputBytes: settings.maxOutputBytes };
  const stopJobs = await consumeEach<RunbookJob>(boss, RUNBOOK_QUEUE, { concurrency: settings.concurrency }, async (job) => {
    log.info({ execId: job.data.execId, jobId: job.id, retry: job.retryCount }, 'runbook job started');
    await runExecution(orm.em, job.data.execId, env, job.signal);
  });
  const stopDead = await consumeEach<RunbookJob>(boss, RUNBOOK_DEAD_QUEUE, {}, async (job) => {
    log.warn({ execId: job.data.execId }, 'runbook job exhausted its retries');
    await markExecutionLost(orm.em, job.data.execId, 'o worker parou durante a execução e as novas tentativas esgotaram-se');
  });
  const sweep = setInterval(() => {
    expireApprovals(orm.em.fork()).catch((err: unknown) => log.error({ err }, 'approval expiry sweep failed'));
  }, EXPIRY_SWEEP_MS);
  sweep.unref();
  return async () => {
    clearInterval(sweep);
    await stopJobs();
    await stopDead();
  };
}
