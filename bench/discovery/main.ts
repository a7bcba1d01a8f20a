// Discovery monitor benchmark (issue 10, "Scale"): 1,000 resources must complete a monitor cycle
// well inside one interval.
//
//   npm run bench:discovery -- [--sizes 100,1000] [--cycles 3]
//                              [--server-url postgres://postgres@127.0.0.1:5432/postgres] [--keep-db]
//
// It creates a throwaway database on that PostgreSQL server and migrates it. For each size it opens
// that many real listeners on 127.0.0.1 ephemeral ports (see estate.ts for the mix), registers them
// as one installation, and runs the real cycle (runMonitorCycle, the stored default settings)
// `--cycles` times, making every resource due again in between. The first cycle finds no history;
// with the default failuresBeforeDanger (3) the third is the one where the closed ports turn
// `danger` and their status changes go through ingestion as `discovery` events.
//
// One JSON line per cycle on stdout, with its references from the same run: the monitor interval
// (`ratio` = cycleMs / intervalMs) and the same probes with the same concurrency and no database,
// run just before the cycle (`probeOnlyMs`), so the database's cost per check shows. Progress and a
// one-line summary go to stderr. It exits non-zero only when a run is wrong (a resource not checked
// or not stored, a listener judged wrongly, a change not announced, too few file descriptors),
// never because it is slow.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { readMonitorSettings } from '../../src/services/discovery/monitor/settings.ts';
import { defaultProbeKind } from '../../src/services/discovery/probes/port-table.ts';
import type { ProbeTarget } from '../../src/services/discovery/probes/types.ts';
import { openEstate } from './estate.ts';
import { measureCycle, measureProbesOnly } from './measure.ts';
import { descriptorsNeeded, openFileLimit } from './open-files.ts';
import { emit, log } from './output.ts';
import { makeDue, registerEstate, retireEstate } from './register.ts';
import { createThrowawayDatabase } from '../../scripts/throwaway-database.ts';
import { problemsOf, storedSince } from './verify.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000' },
    cycles: { type: 'string', default: '3' },
    'server-url': { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'keep-db': { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes!.split(',').map((s) => Number(s.trim()));
const CYCLES = Number(values.cycles);
if (SIZES.some((s) => !Number.isInteger(s) || s < 10) || !Number.isInteger(CYCLES) || CYCLES < 1) {
  log('--sizes takes whole numbers of at least 10, --cycles a whole number of at least 1');
  process.exit(2);
}

const fileLimit = openFileLimit();
log(`open-file limit (ulimit -n): ${fileLimit ?? 'unknown'}`);

const ingest = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent' }).ingest;
// Errors the cycle logs (a result not stored) go to stderr, away from the result lines.
const monitorLog = createLogger('warn', pino.destination(2));
const database = await createThrowawayDatabase(values['server-url']!, 'opsgraph_bench_discovery');
log(`database ${database.name}`);
const { em } = database.orm;

let failed = false;
const summaries: string[] = [];
try {
  const settings = await readMonitorSettings(em.fork());
  const needed = descriptorsNeeded(Math.max(...SIZES), settings.concurrency);
  emit({
    bench: 'discovery-setup',
    cpus: cpus().length,
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    node: process.version,
    openFileLimit: fileLimit,
    openFilesNeeded: needed,
    settings: { intervalMs: settings.intervalMs, concurrency: settings.concurrency, timeoutMs: settings.probe.timeoutMs, failuresBeforeDanger: settings.failuresBeforeDanger },
  });
  const tooFewFiles = fileLimit !== null && fileLimit < needed;
  if (tooFewFiles) {
    failed = true;
    log(`the open-file limit is ${fileLimit}, ${Math.max(...SIZES)} listeners need about ${needed}: raise it (ulimit -n ${needed}) or run smaller --sizes`);
  }

  for (const size of tooFewFiles ? [] : SIZES) {
    const estate = await openEstate(size);
    try {
      const registered = await registerEstate(em, estate);
      log(`${size} resources: ${JSON.stringify(estate.mix)} registered as ${registered.totvsId}`);
      const targets: ProbeTarget[] = estate.resources.map((r) => ({ host: r.host, port: r.port, kind: r.probe ?? defaultProbeKind(r.port), httpPath: '/' }));
      const cycles: { cycleMs: number; checksPerSecond: number }[] = [];
      let probeOnlyMs = 0;
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        await makeDue(em, registered);
        const reference = await measureProbesOnly(targets, settings.concurrency, settings.probe);
        const since = new Date();
        const measured = await measureCycle(em, { settings, ingest, log: monitorLog });
        const stored = await storedSince(em, registered, since);
        const problems = problemsOf(estate, measured.summary, stored);
        const { summary } = measured;
        const checksPerSecond = Math.round(summary.checked / (measured.cycleMs / 1000));
        emit({
          bench: 'discovery-cycle',
          resources: size,
          cycle,
          cycleMs: measured.cycleMs,
          checksPerSecond,
          checked: summary.checked,
          passed: summary.passed,
          failed: summary.failed,
          statusChanges: summary.statusChanges,
          statuses: stored.statuses,
          statements: measured.statements,
          statementsPerCheck: Number((measured.statements / Math.max(1, summary.checked)).toFixed(2)),
          rssMb: measured.rssMb,
          rssDeltaMb: measured.rssDeltaMb,
          rssPeakDeltaMb: measured.rssPeakDeltaMb,
          reference: {
            intervalMs: settings.intervalMs,
            ratio: Number((measured.cycleMs / settings.intervalMs).toPrecision(3)),
            probeOnlyMs: reference.probeOnlyMs,
            probeOnlyChecksPerSecond: Math.round(targets.length / (reference.probeOnlyMs / 1000)),
            probeOnlyPassed: reference.passed,
            dbMsPerCheck: Number(((measured.cycleMs - reference.probeOnlyMs) / Math.max(1, summary.checked)).toFixed(2)),
          },
          ...(problems.length ? { problems } : {}),
        });
        if (problems.length) failed = true;
        cycles.push({ cycleMs: measured.cycleMs, checksPerSecond });
        probeOnlyMs = Math.max(probeOnlyMs, reference.probeOnlyMs);
      }
      await retireEstate(em, registered);
      const worst = Math.max(...cycles.map((c) => c.cycleMs));
      summaries.push(
        `${size} resources: cycles ${cycles.map((c) => `${c.cycleMs} ms`).join(' / ')} ` +
          `(${cycles.map((c) => c.checksPerSecond).join(' / ')} checks/s), worst ${((worst / settings.intervalMs) * 100).toFixed(3)} % ` +
          `of the ${settings.intervalMs / 60_000}-min interval; probes alone ≤ ${probeOnlyMs} ms`,
      );
    } finally {
      await estate.close();
    }
  }
} catch (error) {
  failed = true;
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await database.dispose(values['keep-db']!);
  if (values['keep-db']) log(`kept database ${database.name}`);
}
log([...summaries, ...(failed ? ['FAILED (see above)'] : [])].join('; '));
process.exit(failed ? 1 : 0);
