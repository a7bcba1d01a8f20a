// Recurrence and event-dossier read benchmark (issue 9, "Speed"): the console's landing views
// with 100k events must answer in < 100 ms p95 at their largest `limit`, with a statement count
// that does not grow with the limit.
//
//   npm run bench:recurrence -- [--events 100000] [--ingest 6000] [--groups 3000] [--concurrency 16]
//                               [--requests 200] [--server-url postgres://postgres@127.0.0.1:5432/postgres] [--keep-db]
//
// It creates a throwaway database on that PostgreSQL server and starts the real server against it
// (src/boot.ts). The events are vendor bodies of Alertmanager, SigNoz, Sentry and Wazuh made up
// from templates and run through the receivers' normalizers: group sizes are long-tailed (Zipf,
// s = 0.9, over `--groups` recurring problems), groups belong to four projects, ~5 % of the
// deliveries are exact redeliveries, ~12 % of the alert notifications resolutions, and they are
// spread over the last 7 days.
//
// Loading: the real ingestion service (ingestDelivery, `--concurrency` at once) stores about
// 150 events/s on a busy 2-core machine, so 100k would take ~11 minutes. So the older
// `events - ingest` events (the history) go in through a bulk path, and the newest `--ingest` ones
// through ingestDelivery in-process, on top of that history. The bulk path runs the ingest code's
// own pieces per event — truncateFields/redact, recurrenceKey, dedupKeys (first key holder wins),
// recurrenceWhy, sourceRefFacts, nextLifecycle over hourly buckets — in process order, and writes
// the rows touchRecurrenceGroup would have written (events, dedup keys, groups with every counter
// and lifecycle, hourly buckets) with a few multi-row INSERTs. What it leaves out: the history's
// events open or join no chamado (the ingested ones do, by ingest's rules). Afterwards every
// group's counters are checked against a recount from the events (`group_counters_equal_recount`).
// Runbook runs are then added with SQL on a third of the chamados linked to groups (1–3 each,
// statuses mixed), and ANALYZE runs, as autovacuum would have by then.
//
// Each view is requested `--requests` times in sequence (after 10 warm-up requests) through its REST
// path as the bootstrap admin; every result line is printed next to its reference: p95 < 100 ms,
// and X-Sql-Statements at limit 10 equal to the statements at the largest limit. Last, bench/ingest.ts runs against the same server (HTTP
// webhooks, 2000 deliveries), so the in-process ingest rate stands next to its figure.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { MikroORM } from '@mikro-orm/postgresql';
import { startServer } from '../../src/boot.ts';
import { loadConfig } from '../../src/config.ts';
import { ormOptions } from '../../src/db/orm.ts';
import { seedRunbooks } from '../../src/demo/demo-seed.ts';
import { createLogger } from '../../src/logger.ts';
import { bulkLoad } from './bulk-load.ts';
import { benchIngest } from './ingest-reference.ts';
import { ingestNewest } from './ingest-newest.ts';
import { measureViews } from './measure.ts';
import { emit, log } from './output.ts';
import { recountGroups } from './recount.ts';
import { seedRuns } from './seed-runs.ts';
import { createStream } from './stream.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    ingest: { type: 'string', default: '6000' },
    groups: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
    requests: { type: 'string', default: '200' },
    'server-url': { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'keep-db': { type: 'boolean', default: false },
    seed: { type: 'string', default: '9' },
  },
});
const EVENTS = Number(values.events);
const INGESTED = Math.min(EVENTS, Number(values.ingest));
const BULK = EVENTS - INGESTED;
const CONCURRENCY = Number(values.concurrency);
const REQUESTS = Number(values.requests);

const { delivery } = createStream({ seed: Number(values.seed), groups: Number(values.groups), events: EVENTS });

// --- database and server --------------------------------------------------------------------------

const serverUrl = new URL(values['server-url']!);
const dbName = `opsgraph_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
const admin = await MikroORM.init({ clientUrl: serverUrl.toString(), entities: [], discovery: { warnWhenNoEntities: false } });
await admin.em.getConnection().execute(`create database "${dbName}"`);
const databaseUrl = new URL(serverUrl);
databaseUrl.pathname = `/${dbName}`;
log(`database ${dbName}`);

const config = loadConfig({
  NODE_ENV: 'development',
  DATABASE_URL: databaseUrl.toString(),
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  SEED_DEMO: '0',
  RUNBOOK_WORKER: 'false',
  OUTBOUND_WORKER: 'false',
});
const running = await startServer(config, createLogger(config.logLevel));
// The loader's own pool, as wide as its concurrency (the server keeps its pool for the requests).
const loader = await MikroORM.init(ormOptions(databaseUrl.toString(), { pool: { min: 0, max: CONCURRENCY + 2 } }));

async function cleanUp(): Promise<void> {
  await loader.close(true);
  await running.close(1000);
  if (!values['keep-db']) await admin.em.getConnection().execute(`drop database if exists "${dbName}" with (force)`);
  else log(`kept database ${dbName}`);
  await admin.close(true);
}

try {
  await seedRunbooks(loader.em.fork(), config);

  // --- load: the history in bulk, then the newest events through ingestDelivery -----------------
  const bulkStarted = performance.now();
  const history = await bulkLoad(loader, config.ingest.recurrence, delivery, BULK);
  const bulkSeconds = (performance.now() - bulkStarted) / 1000;
  log(`history: ${history.stored} events in ${bulkSeconds.toFixed(1)} s (bulk path)`);

  const ingested = await ingestNewest(loader, config.ingest, delivery, { from: BULK, to: EVENTS, concurrency: CONCURRENCY });
  const runs = await seedRuns(loader, config.admin.username);
  const check = await recountGroups(loader);
  emit({
    phase: 'load',
    history: { path: 'bulk (ingest code per event, multi-row INSERTs)', deliveries: BULK, redeliveries: history.redeliveries, seconds: Number(bulkSeconds.toFixed(1)) },
    ingested: {
      path: 'in-process ingestDelivery',
      concurrency: CONCURRENCY,
      deliveries: INGESTED,
      redeliveries: ingested.redeliveries,
      seconds: Number(ingested.seconds.toFixed(1)),
      events_per_second: Number((ingested.stored / ingested.seconds).toFixed(1)),
    },
    ...check,
    runs,
    group_counters_equal_recount: check.mismatched === 0,
  });
  await loader.em.fork().execute('analyze');
  // Latencies are wall-clock on this machine, shared with whatever else runs: say how busy it was.
  emit({ phase: 'machine', cpus: cpus().length, load_average_1m: Number(loadavg()[0]!.toFixed(2)) });

  await measureViews(running.url, config.admin, REQUESTS);

  // The ingest reference, against the same server.
  emit({
    phase: 'ingest throughput',
    in_process_ingest_events_per_second: Number((ingested.stored / ingested.seconds).toFixed(1)),
    bench_ingest: await benchIngest(running.url, config.ingest.webhookSecrets.alertmanager!),
  });
} finally {
  await cleanUp();
}
process.exit(0);
