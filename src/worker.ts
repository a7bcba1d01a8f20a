// A standalone runbook worker process (`npm run worker`): the same job consumers the API runs
// in-process when RUNBOOK_WORKER is on, for deployments that scale workers separately.
import { exitOnSignals, loadConfigOrExit, openAll, openCore, SHUTDOWN_DEADLINE_MS, startConsumers } from './bootstrap.ts';
import { createLogger } from './logger.ts';

const config = loadConfigOrExit();
if (!config.databaseUrl) {
  process.stderr.write('DATABASE_URL is required for a standalone worker (it joins an existing database)\n');
  process.exit(1);
}
const log = createLogger(config.logLevel).child({ component: 'worker' });
let resources;
try {
  ({ resources } = await openAll(log, async (resources) => {
    const core = await openCore(config, log, resources);
    await startConsumers(core, config, log, resources, { runbooks: true, outbound: true });
  }));
} catch (err) {
  log.fatal({ err }, 'worker could not start');
  process.exit(1);
}
log.info({ pid: process.pid }, 'runbook worker ready');

// Running jobs get most of the deadline to finish; what is left is for closing the pool.
exitOnSignals(log, () => resources.close({ graceful: true, graceMs: SHUTDOWN_DEADLINE_MS - 5_000 }), 'worker stopping: finishing running jobs');
