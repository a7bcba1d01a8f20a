import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { PgBoss } from 'pg-boss';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { startEmbeddedPostgres } from './db/embedded.ts';
import { openDatabase } from './db/orm.ts';
import type { Logger } from './logger.ts';
import { ChangeCollector } from './services/live/change-collector.ts';
import { createLivePubSub, type LiveDelivery, type LivePubSub } from './services/live/pubsub.ts';
import { startOutboundWorker } from './workers/outbound-queue.ts';
import { startBoss } from './workers/pg-boss-queue.ts';
import { startDiscoveryMonitor } from './workers/discovery-monitor.ts';
import { startRecurrenceClock } from './workers/recurrence-clock.ts';
import { makeEventPartitions, startEventPartitionMaintenance } from './workers/event-partitions.ts';
import { warnWithoutAutovacuum } from './db/autovacuum-check.ts';
import { startRunbookWorker } from './workers/runbook-worker.ts';

/*
 * What the API process (src/boot.ts) and the standalone worker (src/worker.ts) share: reading the
 * configuration, opening the database, the live pub/sub and the job queue, starting the queue
 * consumers, and one teardown list that releases all of it in reverse order — on a failed start,
 * on a graceful close and on SIGTERM alike.
 */

/** How a teardown should behave: let work in progress finish (up to graceMs), or drop it. */
export interface CloseOptions {
  graceful: boolean;
  graceMs: number;
}

type Teardown = (options: CloseOptions) => Promise<void> | void;

/**
 * What a process opened, in order, each with how to release it. close() runs the teardowns in
 * reverse (the HTTP server before the queue before the pool before the database server), once:
 * later calls get the same promise. A teardown that fails is logged and the rest still run.
 */
export class Resources {
  readonly #log: Logger;
  readonly #teardowns: { name: string; run: Teardown }[] = [];
  #closing: Promise<void> | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Registers how to release something just opened; returns it for chaining. */
  add<T>(name: string, value: T, run: (value: T, options: CloseOptions) => Promise<void> | void): T {
    this.#teardowns.push({ name, run: (options) => run(value, options) });
    return value;
  }

  close(options: CloseOptions): Promise<void> {
    this.#closing ??= (async () => {
      let failed: unknown;
      for (const { name, run } of this.#teardowns.toReversed()) {
        try {
          await run(options);
          this.#log.info({ resource: name }, 'released');
        } catch (err) {
          this.#log.error({ err, resource: name }, 'could not release resource');
          failed ??= err;
        }
      }
      if (failed) throw failed;
    })();
    return this.#closing;
  }
}

/**
 * Opens `resources` with `open`; when opening fails half-way, releases what was opened (so the
 * process can exit or the caller retry) and rethrows.
 */
export async function openAll<T>(log: Logger, open: (resources: Resources) => Promise<T>): Promise<{ resources: Resources; value: T }> {
  const resources = new Resources(log);
  try {
    return { resources, value: await open(resources) };
  } catch (err) {
    await resources.close({ graceful: false, graceMs: 0 }).catch(() => undefined);
    throw err;
  }
}

/** The configuration, or one line per problem on stderr and exit 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

export const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * Exits once the log's last lines are written: pino writes asynchronously, and a plain exit with
 * stdout a busy pipe (a log shipper, a supervisor) could drop the shutdown's own lines.
 */
function exitFlushed(log: Logger, code: number): void {
  setTimeout(() => process.exit(code), FLUSH_WAIT_MS).unref();
  log.flush(() => process.exit(code));
}

const FLUSH_WAIT_MS = 2000;

/**
 * On SIGINT/SIGTERM runs `close` and exits 0 (1 when it fails). A dependency that hangs (a
 * database already gone) must not keep the process alive forever: after the deadline it exits 1.
 * A second signal exits at once, but through process.exit rather than the signal's default (which
 * skips 'exit' listeners), so the embedded PostgreSQL is still stopped.
 */
export function exitOnSignals(log: Logger, close: () => Promise<void>, message: string, deadlineMs = SHUTDOWN_DEADLINE_MS): void {
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) {
        log.warn({ signal }, 'second signal: exiting without finishing the shutdown');
        process.exit(1);
      }
      closing = true;
      log.info({ signal }, message);
      setTimeout(() => {
        log.error('shutdown did not finish in time; exiting');
        process.exit(1);
      }, deadlineMs).unref();
      close().then(
        () => exitFlushed(log, 0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          exitFlushed(log, 1);
        },
      );
    });
  }
}

export interface Core {
  orm: MikroORM;
  pubsub: LivePubSub;
  liveDelivery: () => LiveDelivery;
  boss: PgBoss;
}

/**
 * The database (embedded when there is no DATABASE_URL), the change collector feeding the live
 * pub/sub (through Redis with REDIS_URL, so changes made here reach every API instance) and the
 * job queue, each registered on `resources`.
 */
export async function openCore(config: Config, log: Logger, resources: Resources): Promise<Core> {
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const embedded = resources.add('embedded postgres', await startEmbeddedPostgres(config.embeddedPg, log), (pg) => pg.stop());
    databaseUrl = embedded.url;
  }
  const changes = new ChangeCollector();
  const orm = resources.add('database pool', await openDatabase(databaseUrl, { subscribers: [changes] }, config.databaseTimeouts), (o) => o.close(true));
  // The month partitions exist before anything is ingested (a fresh database has only the default).
  await makeEventPartitions(orm.em.fork() as EntityManager, log);
  await warnWithoutAutovacuum(orm.em.fork() as EntityManager, log);
  const live = resources.add('live pub/sub', createLivePubSub(config.redisUrl, log), (l) => l.close());
  changes.publishTo(live.pubsub);
  const boss = resources.add(
    'job queue',
    await startBoss(
      {
        connectionString: databaseUrl,
        heartbeatSeconds: config.runbooks.heartbeatSeconds,
        retryLimit: config.runbooks.retryLimit,
        monitorIntervalSeconds: Math.max(1, Math.min(60, Math.floor(config.runbooks.heartbeatSeconds / 2))),
      },
      log,
    ),
    (b, { graceful, graceMs }) => b.stop(graceful ? { graceful, timeout: graceMs } : { graceful }),
  );
  return { orm, pubsub: live.pubsub, liveDelivery: live.delivery, boss };
}

/** Starts the queue consumers this process runs (runbooks, outbound deliveries), registered on `resources`. */
export async function startConsumers(
  core: Core,
  config: Config,
  log: Logger,
  resources: Resources,
  which: { runbooks: boolean; outbound: boolean },
): Promise<void> {
  if (which.runbooks) {
    resources.add('runbook worker', await startRunbookWorker(core.boss, core.orm, config.runbooks, log), (stop) => stop());
    resources.add('recurrence clock', startRecurrenceClock(core.orm, log), (stop) => stop());
    resources.add('discovery monitor', await startDiscoveryMonitor(core.boss, core.orm, config.ingest, log), (stop) => stop());
    resources.add('event partitions', await startEventPartitionMaintenance(core.boss, core.orm, config.eventsRetentionMonths, log), (stop) => stop());
  }
  if (which.outbound) {
    resources.add('outbound worker', await startOutboundWorker(core.boss, core.orm, config.outbound, log), (w) => w.stop());
  }
}
