import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { loadConfig } from '../../../src/config.ts';
import { ormOptions } from '../../../src/db/orm.ts';
import { listEvents } from '../../../src/services/events/reads.ts';
import { round, WARMUP_SECONDS } from '../harness/load.ts';
import { RESULTS_DIR } from '../harness/results.ts';
import { interleavedRounds, median } from '../harness/rounds.ts';
import type { Scenario } from '../harness/scenario.ts';
import { DEFAULT_DURATION_SECONDS, graphqlTarget, send } from '../harness/side.ts';
import { sqlPerRequest } from '../harness/sql-per-request.ts';
import type { Measurement, Scale, ScenarioContext, ScenarioResult } from '../types.ts';

/*
 * Discover at scale (issue 12): one `events(filter: {q})` page of 50 over GraphQL, for a phrase
 * with source and severity, a rare word and a common word. The reference is the page's own SQL
 * statement, the one OpsGraph sends for the rows, run straight through `pg` with no HTTP and no
 * GraphQL: the floor the issue measures OpsGraph against. Since the page and its bounded count
 * became one statement (src/db/paged-rows.ts), that statement carries the count too, so the
 * reference is no longer count-free and its ratios do not compare with runs before that change. Before any load, every
 * statement OpsGraph sends for each query is run under EXPLAIN (ANALYZE, BUFFERS) into
 * bench/results/discover-explain-<scale>.txt, and a sequential scan of `events` in any of them
 * fails the target.
 */

const P95_TARGET_MS = 50;
const P99_TARGET_MS = 150;
/** A few consoles searching at once; latency, not saturation, is what the targets are about. */
const CONNECTIONS = 8;
const PAGE = 50;

interface DiscoverQuery {
  id: string;
  title: string;
  q: string;
}

/**
 * Words chosen against bench/suite/dataset at 1M events: rule 5712's phrase on ≈ 2 % of them,
 * `impersonated` on ≈ 0.05 % (the rarest plain word of the audit summaries), `login` on ≈ 14 %.
 */
export const QUERIES: DiscoverQuery[] = [
  { id: 'discover-phrase', title: 'phrase + source + severity', q: '"brute force" source:wazuh severity>=10' },
  { id: 'discover-rare', title: 'rare word', q: 'impersonated' },
  { id: 'discover-common', title: 'common word', q: 'login' },
];

export const DISCOVER = `query Discover($q: String!, $first: Int!) {
  events(filter: { q: $q }, first: $first) {
    totalCount totalCountIsEstimate pageInfo { hasNextPage endCursor }
    edges { node { eventId source eventType severity summary domain agent ruleId receivedAt chamado { publicId } } }
  }
}`;

/** What OpsGraph sends for one query, captured by running the service in this process on the same database. */
interface Statements {
  all: string[];
  /** The statement that returns the page's rows (not the id span, not the bounded count). */
  page: string;
}

export const discoverScenarios: Scenario[] = QUERIES.map((query) => ({
  id: query.id,
  run: (ctx) => measureQuery(ctx, query),
}));

let explained: Promise<Map<string, Statements & { seqScans: number }>> | null = null;

async function measureQuery(ctx: ScenarioContext, query: DiscoverQuery): Promise<ScenarioResult> {
  explained ??= explainAll(ctx);
  const statements = (await explained).get(query.id)!;
  const token = await ctx.token('viewer');
  const target = graphqlTarget(ctx.opsgraph, { query: DISCOVER, variables: { q: query.q, first: PAGE } }, token);

  const res = await send(target);
  const body = (await res.json()) as { data?: { events: { totalCount: number; totalCountIsEstimate: boolean; edges: { node: { eventId: number } }[] } }; errors?: unknown };
  if (!res.ok || body.errors || !body.data) throw new Error(`${query.id}: OpsGraph answered ${res.status} ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
  // The reference's statements cross the same hop (--db-hop-ms) as OpsGraph's.
  const pool = new pg.Pool({ connectionString: ctx.serversDatabaseUrl, max: CONNECTIONS, options: '-c jit=off' });
  try {
    const referenceIds = (await pool.query<{ id: number }>(statements.page)).rows.slice(0, PAGE).map((r) => Number(r.id));
    const served = body.data.events.edges.map((e) => e.node.eventId);
    if (served.join() !== referenceIds.join()) throw new Error(`${query.id}: OpsGraph and its page SQL answer different events`);
    const { totalCount, totalCountIsEstimate } = body.data.events;
    ctx.log(`${query.id}: both answer the same ${served.length} events; totalCount ${totalCount}${totalCountIsEstimate ? ' (estimate)' : ''}`);
    const sql = await sqlPerRequest(ctx.opsgraph, () => send(target), '/graphql');

    const seconds = ctx.durationSeconds ?? DEFAULT_DURATION_SECONDS;
    const { rounds, medianRatio } = await interleavedRounds({
      rounds: ctx.rounds,
      subject: async () => ({ ...(await httpLoad(target, seconds)), sqlPerRequest: sql.perRequest }),
      reference: () => sqlLoad(pool, statements.page, seconds),
      ratio: (s, r) => Number(r.extra!.p95Ms) / Number(s.extra!.p95Ms),
      log: ctx.log,
    });
    const p95 = median(rounds.map((r) => Number(r.subject.extra!.p95Ms)));
    const p99 = median(rounds.map((r) => r.subject.latencyMs.p99));
    const errors = rounds.reduce((n, r) => n + r.subject.errors + r.reference.errors, 0);
    return {
      scenario: query.id,
      title: `Discover at ${ctx.scale} scale, ${query.title}: \`${query.q}\`, ${PAGE} per page (GraphQL)`,
      subjectName: 'OpsGraph',
      referenceName: 'its page statement over pg (with the bounded count it carries)',
      ratioMeaning: 'reference p95 ÷ OpsGraph p95 (1 = as fast as the bare page statement)',
      rounds,
      medianRatio,
      target: {
        description:
          `p95 < ${P95_TARGET_MS} ms (median ${p95}), p99 < ${P99_TARGET_MS} ms (median ${p99}), no errors, ` +
          `no sequential scan of events (${statements.seqScans} found)`,
        met: p95 < P95_TARGET_MS && p99 < P99_TARGET_MS && errors === 0 && statements.seqScans === 0,
      },
      notes: [
        `${CONNECTIONS} connections on each side; the reference is a pg pool of ${CONNECTIONS} running the page statement OpsGraph sends (captured from the service on this database).`,
        `totalCount ${totalCount}, ${totalCountIsEstimate ? 'an estimate (more matches than EVENTS_COUNT_BOUND)' : 'exact'}.`,
        `SQL/request ${sql.perRequest} (${statements.all.length} statements per page: ${statements.all.map(kindOf).join(', ')}).`,
        `EXPLAIN (ANALYZE, BUFFERS) of every statement: bench/results/${explainFile(ctx.scale)}.`,
      ],
    };
  } finally {
    await pool.end();
  }
}

/** autocannon against OpsGraph, every response time kept for p95 (autocannon's own histogram stops at p90 and p97.5). */
async function httpLoad(target: ReturnType<typeof graphqlTarget>, seconds: number): Promise<Measurement> {
  const options = { ...target, connections: CONNECTIONS, timeout: 30 };
  await autocannon({ ...options, duration: WARMUP_SECONDS });
  const times: number[] = [];
  const run = autocannon({ ...options, duration: seconds }) as ReturnType<typeof autocannon> & {
    on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  };
  run.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  const result = await run;
  return {
    requestsPerSecond: round(result.requests.total / result.duration, 1),
    latencyMs: percentiles(times),
    errors: result.non2xx + result.errors + result.timeouts,
    extra: { p95Ms: percentile(times, 0.95), requests: result.requests.total, connections: CONNECTIONS },
  };
}

/** The page statement through pg, CONNECTIONS at a time, for the same warm-up and duration. */
async function sqlLoad(pool: pg.Pool, statement: string, seconds: number): Promise<Measurement> {
  const loop = async (until: number, times: number[] | null) => {
    let errors = 0;
    while (performance.now() < until) {
      const started = performance.now();
      try {
        await pool.query(statement);
        times?.push(performance.now() - started);
      } catch {
        errors += 1;
      }
    }
    return errors;
  };
  const workers = (until: number, times: number[] | null) => Promise.all(Array.from({ length: CONNECTIONS }, () => loop(until, times)));
  await workers(performance.now() + WARMUP_SECONDS * 1000, null);
  const times: number[] = [];
  const errors = (await workers(performance.now() + seconds * 1000, times)).reduce((a, b) => a + b, 0);
  return {
    requestsPerSecond: round(times.length / seconds, 1),
    latencyMs: percentiles(times),
    errors,
    extra: { p95Ms: percentile(times, 0.95), requests: times.length, connections: CONNECTIONS },
  };
}

function percentile(times: number[], p: number): number {
  if (times.length === 0) return Number.NaN;
  const sorted = times.toSorted((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!, 2);
}

function percentiles(times: number[]): Measurement['latencyMs'] {
  return { p50: percentile(times, 0.5), p90: percentile(times, 0.9), p99: percentile(times, 0.99), max: percentile(times, 1) };
}

const explainFile = (scale: Scale) => `discover-explain-${scale}.txt`;

function kindOf(statement: string): string {
  if (/^select \(select min\(/.test(statement)) return 'id span';
  if (/^select count\(\*\) as found/.test(statement)) return 'bounded count';
  if (/^select count\(\*\)/.test(statement)) return 'count';
  return 'page';
}

/**
 * Runs listEvents in this process against the bench database with a statement hook, so the SQL
 * captured is exactly what the server sends for the same filter and page, then EXPLAINs each.
 */
async function explainAll(ctx: ScenarioContext): Promise<Map<string, Statements & { seqScans: number }>> {
  const captured: string[] = [];
  let format: (sql: string, params: readonly unknown[]) => string = (sql) => sql;
  const orm = await MikroORM.init({
    ...ormOptions(ctx.databaseUrl),
    onQuery: (sql, params) => {
      captured.push(format(sql, params));
      return sql;
    },
  });
  format = (sql, params) => orm.em.getPlatform().formatQuery(sql, params as unknown[]);
  const client = new pg.Client({ connectionString: ctx.databaseUrl, options: '-c jit=off' });
  await client.connect();
  const countBound = loadConfig({ NODE_ENV: 'test' }).eventsCountBound;
  const out = new Map<string, Statements & { seqScans: number }>();
  const lines = [`Discover at ${ctx.scale} scale: EXPLAIN (ANALYZE, BUFFERS) of every statement OpsGraph sends for the first page (${PAGE}), EVENTS_COUNT_BOUND ${countBound}.`, ''];
  try {
    await orm.em.getConnection().execute('select 1'); // the ORM's own first statements are not Discover's
    for (const query of QUERIES) {
      captured.length = 0;
      await listEvents(orm.em.fork(), { q: query.q }, { limit: PAGE }, { countBound });
      const all = [...captured];
      const page = all.find((s) => kindOf(s) === 'page');
      if (!page) throw new Error(`${query.id}: no page statement captured`);
      let seqScans = 0;
      lines.push(`=== ${query.id}: ${query.q}`, '');
      for (const [i, statement] of all.entries()) {
        await client.query(statement); // warm, as under load
        const plan = (await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${statement}`)).rows.map((r) => r['QUERY PLAN']);
        seqScans += plan.filter((l) => /Seq Scan on events\b/.test(l) && !l.includes('never executed')).length;
        lines.push(`--- statement ${i + 1} of ${all.length} (${kindOf(statement)})`, statement, '', ...plan, '');
      }
      out.set(query.id, { all, page, seqScans });
      ctx.log(`${query.id}: ${all.length} statements explained, ${seqScans} sequential scans of events`);
    }
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(path.join(RESULTS_DIR, explainFile(ctx.scale)), lines.join('\n'));
  } finally {
    await client.end();
    await orm.close(true);
  }
  return out;
}
