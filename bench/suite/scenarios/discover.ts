import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { loadConfig } from '../../../src/config.ts';
import { ormOptions, SESSION_OPTIONS } from '../../../src/db/orm.ts';
import { capturingPgCalls, executeOf, type PgCall } from '../../../scripts/pg-calls.ts';
import { listEvents } from '../../../src/services/events/reads.ts';
import { ID_SPAN_KEPT_MS } from '../../../src/db/windowed-page.ts';
import { EVENT_ROW_FIELDS } from '../../../resolvers/events.ts';
import { round, WARMUP_SECONDS } from '../harness/load.ts';
import { RESULTS_DIR } from '../harness/results.ts';
import { interleavedRounds, median } from '../harness/rounds.ts';
import type { Scenario } from '../harness/scenario.ts';
import { DEFAULT_DURATION_SECONDS, graphqlTarget, send } from '../harness/side.ts';
import { sqlPerRequest } from '../harness/sql-per-request.ts';
import type { Measurement, Scale, ScenarioContext, ScenarioResult } from '../types.ts';

/*
 * Discover at scale (issue 12): one `events(filter: {q})` page of 50 over GraphQL, for a phrase
 * with source and severity, a rare word and a common word. The reference is the statements
 * OpsGraph sends for that page (src/db/windowed-page.ts: the ranges and the rows; the id span it
 * reads once a second is left out), one after another straight through `pg` as OpsGraph sends them (named ones named, on connections
 * with the server's settings), with no HTTP and no GraphQL: the floor the issue measures OpsGraph
 * against. Before any load, every statement is run under EXPLAIN (ANALYZE, BUFFERS) into
 * bench/results/discover-explain-<scale>.txt (a named one as `EXECUTE` of its prepared generic
 * plan, as the server runs it), and a sequential scan of `events` in any of them fails the target.
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

/** What a console's Discover page shows of each event (its GraphQL fields, a sub-selection after a space). */
const NODE_FIELDS = ['eventId', 'source', 'eventType', 'severity', 'summary', 'domain', 'agent', 'ruleId', 'receivedAt', 'chamado { publicId }'];

export const DISCOVER = `query Discover($q: String!, $first: Int!) {
  events(filter: { q: $q }, first: $first) {
    totalCount totalCountIsEstimate pageInfo { hasNextPage endCursor }
    edges { node { ${NODE_FIELDS.join(' ')} } }
  }
}`;

/** The row fields that selection reads (resolvers/events.ts), as the server works them out. */
const NODE_ROW_FIELDS = [...new Set(NODE_FIELDS.flatMap((field) => EVENT_ROW_FIELDS[field.split(' ')[0]!]!))].sort();

/** What OpsGraph sends for one query, captured by running the service in this process on the same database. */
interface Statements {
  calls: PgCall[];
}

/** A little longer than the server keeps an id span. */
const SPAN_KEPT_MS = ID_SPAN_KEPT_MS + 100;

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
  const pool = new pg.Pool({ connectionString: ctx.serversDatabaseUrl, max: CONNECTIONS, options: SESSION_OPTIONS });
  try {
    const referenceIds = (await runCalls(pool, statements.calls)).slice(0, PAGE).map((r) => Number(r.id));
    const served = body.data.events.edges.map((e) => e.node.eventId);
    if (served.join() !== referenceIds.join()) throw new Error(`${query.id}: OpsGraph and its statements answer different events`);
    const { totalCount, totalCountIsEstimate } = body.data.events;
    ctx.log(`${query.id}: both answer the same ${served.length} events; totalCount ${totalCount}${totalCountIsEstimate ? ' (estimate)' : ''}`);
    const sql = await sqlPerRequest(ctx.opsgraph, () => send(target), '/graphql');

    const seconds = ctx.durationSeconds ?? DEFAULT_DURATION_SECONDS;
    const { rounds, medianRatio } = await interleavedRounds({
      rounds: ctx.rounds,
      subject: async () => ({ ...(await httpLoad(target, seconds)), sqlPerRequest: sql.perRequest }),
      reference: () => sqlLoad(pool, statements.calls, seconds),
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
      referenceName: 'its statements over pg, in sequence (the ranges, the rows)',
      ratioMeaning: 'reference p95 ÷ OpsGraph p95 (1 = as fast as its bare statements)',
      rounds,
      medianRatio,
      target: {
        description:
          `p95 < ${P95_TARGET_MS} ms (median ${p95}), p99 < ${P99_TARGET_MS} ms (median ${p99}), no errors, ` +
          `no sequential scan of events (${statements.seqScans} found)`,
        met: p95 < P95_TARGET_MS && p99 < P99_TARGET_MS && errors === 0 && statements.seqScans === 0,
      },
      notes: [
        `${CONNECTIONS} connections on each side; the reference is a pg pool of ${CONNECTIONS} running the statements OpsGraph sends for the page, in sequence (captured from the service on this database).`,
        `totalCount ${totalCount}, ${totalCountIsEstimate ? 'an estimate (more matches than EVENTS_COUNT_BOUND)' : 'exact'}.`,
        `SQL/request ${sql.perRequest} (${statements.calls.length} statements per page: ${statements.calls.map(kindOf).join(', ')}).`,
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

/** The page's statements in sequence on one connection, as OpsGraph runs them; the last one's rows (the page). */
async function runCalls(pool: pg.Pool, calls: PgCall[]): Promise<{ id: number }[]> {
  const client = await pool.connect();
  try {
    let rows: { id: number }[] = [];
    for (const call of calls) rows = (await client.query<{ id: number }>(call.name ? { name: call.name, text: call.text, values: call.values } : call.text)).rows;
    return rows;
  } finally {
    client.release();
  }
}

/** The page's statements through pg, CONNECTIONS pages at a time, for the same warm-up and duration. */
async function sqlLoad(pool: pg.Pool, calls: PgCall[], seconds: number): Promise<Measurement> {
  const loop = async (until: number, times: number[] | null) => {
    let errors = 0;
    while (performance.now() < until) {
      const started = performance.now();
      try {
        await runCalls(pool, calls);
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

function kindOf(call: PgCall): string {
  if (/^select \(select min\(/.test(call.text)) return 'id span';
  if (/ = any\(\$\d+::bigint\[\]\)/.test(call.text)) return 'rows';
  if (/order by e\.id \+ 0 desc/.test(call.text)) return 'older range, index';
  if (/\) is true\) order by/.test(call.text)) return 'older range, walked';
  return 'range';
}

/** EXPLAIN (ANALYZE, BUFFERS) of a call as the server runs it: a named one through its generic plan. */
async function explain(client: pg.Client, call: PgCall, i: number): Promise<string[]> {
  const lines = async (sql: string) => (await client.query<{ 'QUERY PLAN': string }>(sql)).rows.map((r) => r['QUERY PLAN']);
  if (!call.name) {
    await client.query(call.text); // warm, as under load
    return lines(`explain (analyze, buffers) ${call.text}`);
  }
  const name = `bench_${i}`;
  await client.query(`deallocate all`);
  await client.query(`prepare ${name} as ${call.text}`);
  const execute = executeOf({ ...call, name }, name);
  await client.query(execute); // planned once, as on a server connection
  return lines(`explain (analyze, buffers) ${execute}`);
}

/**
 * Runs listEvents in this process against the bench database with a hook on each pg connection,
 * so what is captured is exactly what the server hands pg for the same filter and page (a named
 * statement with its name and values), then EXPLAINs each.
 */
async function explainAll(ctx: ScenarioContext): Promise<Map<string, Statements & { seqScans: number }>> {
  const captured: PgCall[] = [];
  const orm = await MikroORM.init(capturingPgCalls(ormOptions(ctx.databaseUrl), captured));
  const client = new pg.Client({ connectionString: ctx.databaseUrl, options: SESSION_OPTIONS });
  await client.connect();
  const countBound = loadConfig({ NODE_ENV: 'test' }).eventsCountBound;
  const out = new Map<string, Statements & { seqScans: number }>();
  const lines = [`Discover at ${ctx.scale} scale: EXPLAIN (ANALYZE, BUFFERS) of every statement OpsGraph sends for the first page (${PAGE}), EVENTS_COUNT_BOUND ${countBound}.`, ''];
  try {
    await orm.em.getConnection().execute('select 1'); // the ORM's own first statements are not Discover's
    for (const query of QUERIES) {
      await sleep(SPAN_KEPT_MS); // so that each query's statements show the id span's too
      captured.length = 0;
      await listEvents(orm.em.fork(), { q: query.q }, { limit: PAGE }, { countBound, fields: NODE_ROW_FIELDS });
      const calls = [...captured];
      if (!calls.some((c) => kindOf(c) === 'rows')) throw new Error(`${query.id}: no rows statement captured`);
      let seqScans = 0;
      lines.push(`=== ${query.id}: ${query.q}`, '');
      for (const [i, call] of calls.entries()) {
        const plan = await explain(client, call, i);
        seqScans += plan.filter((l) => /Seq Scan on events\b/.test(l) && !l.includes('never executed')).length;
        const shown = call.name ? `${call.text}\n-- ${call.name}, values ${JSON.stringify(call.values)}` : call.text;
        lines.push(`--- statement ${i + 1} of ${calls.length} (${kindOf(call)})`, shown, '', ...plan, '');
      }
      // Under load the id span is read once a second (src/db/windowed-page.ts); the reference's pages run the rest.
      out.set(query.id, { calls: calls.filter((c) => kindOf(c) !== 'id span'), seqScans });
      ctx.log(`${query.id}: ${calls.length} statements explained (${calls.map(kindOf).join(', ')}), ${seqScans} sequential scans of events`);
    }
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(path.join(RESULTS_DIR, explainFile(ctx.scale)), lines.join('\n'));
  } finally {
    await client.end();
    await orm.close(true);
  }
  return out;
}
