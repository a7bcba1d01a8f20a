/*
 * The shapes every part of the side-by-side suite (`npm run bench`) agrees on: the harness
 * (main.ts) starts the servers and hands each scenario a context; a scenario measures OpsGraph and
 * its reference in interleaved rounds and returns one result, which results.ts writes as JSON and
 * as a row of the Markdown table.
 */

export type Scale = 'small' | 'large';

export type ReferenceName = 'postgraphile' | 'bare-yoga' | 'graphql-js-http' | 'bare-ingest' | 'bare-ws';

/** A server process the harness started (OpsGraph or a reference). */
export interface RunningServer {
  name: string;
  /** Base URL, e.g. http://127.0.0.1:4711 (no trailing slash). */
  url: string;
  pid: number;
  /** Resident set size of the process now, in bytes (from /proc). */
  rssBytes(): number;
  /** SQL statements the server sent since it started (OpsGraph: its /metrics counter; references: /bench/stats). */
  sqlStatements(): Promise<number>;
  stop(): Promise<void>;
}

export interface ScenarioContext {
  scale: Scale;
  rounds: number;
  /** Seconds each measured side of a round lasts (`--duration`, default 10), warm-up not included. */
  durationSeconds?: number;
  /** The fresh, migrated, populated database, reached directly (the harness's own reads and writes). */
  databaseUrl: string;
  /** The same database as every server reaches it: through the run's hop when --db-hop-ms is set. */
  serversDatabaseUrl: string;
  /** OpsGraph in production mode (NODE_ENV=production), started once for the whole run. */
  opsgraph: RunningServer;
  /** A bearer token of a bench user (bench/suite/dataset.ts BENCH_USERS). */
  token(user: 'lead' | 'viewer'): Promise<string>;
  /** The webhook secret OpsGraph was started with. */
  webhookSecret: string;
  /** Starts a reference server (stopped by the harness at the end if the scenario does not). */
  startReference(name: ReferenceName, env?: Record<string, string>): Promise<RunningServer>;
  /** Starts another OpsGraph process with extra env (e.g. WS_MAX_SUBSCRIPTIONS), production mode, same database. */
  startOpsGraph(env?: Record<string, string>): Promise<RunningServer>;
  log(line: string): void;
  /** Before a measured side of a scenario that writes: a VACUUM when the server runs without autovacuum (harness/settle.ts). */
  settle(): Promise<void>;
}

/** One side of one round. */
export interface Measurement {
  requestsPerSecond: number;
  latencyMs: { p50: number; p90?: number; p99: number; max?: number };
  /** Non-2xx answers and socket errors; a run with any is reported, never hidden. */
  errors: number;
  /** SQL statements per request (or per event), when the side reports them. */
  sqlPerRequest?: number;
  /** Anything else worth printing (RSS per subscriber, bytes per response …). */
  extra?: Record<string, number | string | boolean>;
}

export interface Round {
  round: number;
  subject: Measurement;
  reference: Measurement;
  /** subject ÷ reference on the scenario's headline figure (req/s, or reference ÷ subject for latencies). */
  ratio: number;
}

export interface ScenarioResult {
  /** Short id, also the JSON file name: `list`, `rest-list`, `fixed-cost`, `ingest-16`, `live-5000`, `discover` … */
  scenario: string;
  title: string;
  subjectName: string;
  referenceName: string;
  /** What `ratio` means, e.g. "req/s ÷ reference req/s (higher is better)". */
  ratioMeaning: string;
  rounds: Round[];
  /** Median of the per-round ratios. */
  medianRatio: number;
  /** The target for the median ratio and whether this run met it (plus any other check, e.g. p99). */
  target: { description: string; met: boolean };
  notes?: string[];
}
