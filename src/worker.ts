// A standalone runbook worker process (`npm run worker`): the same job consumer the API runs
// in-process when RUNBOOK_WORKER is on, for deployments that scale workers separately.
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/orm.ts';
import { ChangeCollector } from './services/live/change-collector.ts';
import { createLivePubSub } from './services/live/pubsub.ts';
import { createLogger } from './logger.ts';
import { startBoss } from './workers/pg-boss-queue.ts';
import { startRunbookWorker } from './workers/runbook-worker.ts';
import { startOutboundWorker } from './workers/outbound-queue.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
if (!config.databaseUrl) {
  process.stderr.write('DATABASE_URL is required for a standalone worker (it joins an existing database)\n');
  process.exit(1);
}
const log = createLogger(config.logLevel).child({ component: 'worker' });
// With REDIS_URL, runbook steps this worker records reach live views on every API instance.
const changes = new ChangeCollector();
const orm = await openDatabase(config.databaseUrl, { subscribers: [changes] });
const live = createLivePubSub(config.redisUrl);
changes.publishTo(live.pubsub);
const boss = await startBoss(
  {
    connectionString: config.databaseUrl,
    heartbeatSeconds: config.runbooks.heartbeatSeconds,
    retryLimit: config.runbooks.retryLimit,
    monitorIntervalSeconds: Math.max(1, Math.min(60, Math.floor(config.runbooks.heartbeatSeconds / 2))),
  },
  log,
);
const stop = await startRunbookWorker(boss, orm, config.runbooks, log);
const outbound = await startOutboundWorker(boss, orm, config.outbound, log);
log.info({ pid: process.pid }, 'runbook worker ready');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    log.info({ signal }, 'worker stopping: finishing running jobs');
    await stop();
    await outbound.stop();
    await boss.stop({ graceful: true, timeout: 30_000 });
    await live.close();
    await orm.close(true);
    process.exit(0);
  });
}
