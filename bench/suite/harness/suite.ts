import { createThrowawayDatabase } from '../../../scripts/throwaway-database.ts';
import type { ReferenceName, RunningServer, Scale, ScenarioContext } from '../types.ts';
import { machineInfo } from './machine.ts';
import { login } from './login.ts';
import { randomSecrets, startOpsGraphProcess } from './opsgraph.ts';
import { settler } from './settle.ts';
import { selected, type SuiteOptions } from './options.ts';
import { choosePostgres } from './postgres.ts';
import { startReferenceProcess } from './references.ts';
import { startDbHop } from './db-hop.ts';
import { finishedNow, recordResult, writeSummary, type RunInfo } from './results.ts';
import type { Scenario } from './scenario.ts';

/** Fills the fresh, migrated database (bench/suite/dataset.ts generateDataset in the real run). */
export type Populate = (databaseUrl: string, scale: Scale, log: (line: string) => void) => Promise<unknown>;
export type Credentials = Record<'lead' | 'viewer', { username: string; password: string }>;

export const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/**
 * One run: a PostgreSQL server, a fresh database filled by `populate`, OpsGraph in production
 * mode, then each selected scenario in turn (a failing one is recorded and the rest still run),
 * and everything it started stopped and dropped at the end. Resolves with the exit code.
 */
export async function runSuite(options: SuiteOptions, scenarios: Scenario[], populate: Populate, users: Credentials): Promise<number> {
  const chosen = scenarios.filter(
    (s) => selected(s.id, options.only) && (options.only !== null || !s.onlyWhenNamed) && (!s.scales || s.scales.includes(options.scale)),
  );
  if (chosen.length === 0) {
    log(`no scenario matches --only ${options.only?.join(',')} at scale ${options.scale}; registered: ${scenarios.map((s) => s.id).join(', ')}`);
    return 2;
  }
  const started: RunningServer[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const run of cleanups.splice(0).toReversed()) await run().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  };
  // Ctrl+C mid-run still stops the servers and drops the database.
  const interrupted = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);

  let failures = 0;
  try {
    const postgres = await choosePostgres(log);
    cleanups.push(() => postgres.stop());
    log(`PostgreSQL (${postgres.origin}): ${postgres.version.split(' on ')[0]}`);
    const database = await createThrowawayDatabase(postgres.url, `opsgraph_bench_${options.scale}`);
    cleanups.push(async () => {
      await database.dispose(options.keepDatabase);
      // The name, never the URL: DATABASE_URL may carry a password.
      log(`${options.keepDatabase ? 'kept' : 'dropped'} database ${database.name}`);
    });
    log(`database ${database.name}: generating the ${options.scale} dataset`);
    const dataset = await populate(database.url, options.scale, log);
    log(`dataset: ${JSON.stringify(dataset)}`);
    // Started before the servers' cleanup is queued: cleanups run in reverse, so they stop first.
    const hop = await startDbHop(database.url, options.dbHopMs);
    if (hop) {
      cleanups.push(() => hop.stop());
      log(`servers reach PostgreSQL through a ${options.dbHopMs} ms hop each way`);
    }
    const serversUrl = hop?.url ?? database.url;
    cleanups.push(async () => {
      await Promise.all(started.map((s) => s.stop()));
    });

    const secrets = randomSecrets();
    const track = (server: RunningServer) => (started.push(server), server);
    const opsgraph = track(await startOpsGraphProcess(serversUrl, secrets));
    log(`OpsGraph (production) at ${opsgraph.url}`);
    const tokens = new Map<string, Promise<string>>();
    const settle = settler(database.url);
    const ctx: ScenarioContext = {
      scale: options.scale,
      rounds: options.rounds,
      durationSeconds: options.durationSeconds,
      databaseUrl: database.url,
      serversDatabaseUrl: serversUrl,
      opsgraph,
      token: (user) => {
        if (!tokens.has(user)) tokens.set(user, login(opsgraph.url, users[user].username, users[user].password));
        return tokens.get(user)!;
      },
      webhookSecret: secrets.WEBHOOK_SECRET,
      startReference: async (name: ReferenceName, env?: Record<string, string>) => track(await startReferenceProcess(name, serversUrl, env)),
      startOpsGraph: async (env?: Record<string, string>) => track(await startOpsGraphProcess(serversUrl, secrets, env)),
      log,
      settle: async () => {
        const done = await settle();
        if (done) log(done);
      },
    };
    const run: RunInfo = {
      startedAt: new Date().toISOString(),
      scale: options.scale,
      rounds: options.rounds,
      durationSeconds: options.durationSeconds,
      machine: machineInfo(postgres.version),
      postgresOrigin: postgres.origin,
      dbHopMs: options.dbHopMs,
      dataset,
    };
    for (const scenario of chosen) {
      log(`scenario ${scenario.id}`);
      try {
        await recordResult({ ...(await scenario.run(ctx)), run, finished: finishedNow() });
      } catch (error) {
        failures += 1;
        log(`scenario ${scenario.id} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        await recordResult({ scenario: scenario.id, failed: error instanceof Error ? error.message : String(error), run, finished: finishedNow() });
      }
    }
  } catch (error) {
    failures += 1;
    log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await cleanup();
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  }
  const summary = await writeSummary().catch(() => '');
  log(`bench/results/summary.md:\n${summary}`);
  return failures > 0 ? 1 : 0;
}
