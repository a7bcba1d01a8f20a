import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { MikroORM } from '@mikro-orm/postgresql';
import { generateStream, signedHeaders } from '../../../scripts/stream.ts';
import { cpuMeter, type CpuPerRequest } from '../harness/cpu-time.ts';
import { interleavedRounds, median } from '../harness/rounds.ts';
import type { Scenario } from '../harness/scenario.ts';
import { DEFAULT_DURATION_SECONDS } from '../harness/side.ts';
import { latencySummary } from '../live/stats.ts';
import type { Measurement, Round, RunningServer, ScenarioContext, ScenarioResult } from '../types.ts';

/**
 * Unmeasured deliveries first; their rate sizes each side's measured stream so that it lasts about
 * --duration seconds (a stream has a fixed length: every delivery is checked afterwards).
 */
const WARM_UP_DELIVERIES = 1000;
const MIN_DELIVERIES = 1000;
const ACK_P99_TARGET_MS = 50;

/*
 * autocannon's programmatic API as this scenario drives it (harness/autocannon.d.ts declares only
 * the fixed-request part): one dynamic request whose setupRequest hands out the next delivery, so
 * each connection — one sender — posts its own share of the stream, and the instance's `response`
 * event gives every answer's status and latency at full resolution.
 */
interface DeliveryRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}
interface LoadInstance extends Promise<{ errors: number; timeouts: number }> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): this;
}
type RunLoad = (options: {
  url: string;
  method: 'POST';
  connections: number;
  amount: number;
  timeout: number;
  requests: { setupRequest: (request: object) => object }[];
}) => LoadInstance;
const runLoad = autocannon as unknown as RunLoad;

/**
 * N senders post the realistic mixed stream of scripts/stream.ts (20 % exact redeliveries) to
 * OpsGraph's webhook receivers and, body for body, to bare-ingest (node:http + a pg Pool of N
 * connections storing each body in a bare transaction). After every OpsGraph side, each delivery
 * of its stream must be a row in `events`.
 */
function ingestScenario(senders: number): Scenario {
  const id = `ingest-${senders}`;
  return {
    id,
    async run(ctx) {
      const reference = await ctx.startReference('bare-ingest', { POOL_SIZE: String(senders) });
      const rows = await MikroORM.init({ clientUrl: ctx.databaseUrl, entities: [], discovery: { warnWhenNoEntities: false } });
      try {
        const seconds = ctx.durationSeconds ?? DEFAULT_DURATION_SECONDS;
        const measure = (side: 'subject' | 'reference', count: number) =>
          measureIngest({ ctx, server: side === 'subject' ? ctx.opsgraph : reference, side, senders, count, rows });
        const sized = async (side: 'subject' | 'reference') => {
          const warm = await measure(side, WARM_UP_DELIVERIES);
          return Math.max(MIN_DELIVERIES, Math.round(warm.requestsPerSecond * seconds));
        };
        const counts = { subject: await sized('subject'), reference: await sized('reference') };
        const side = async (which: 'subject' | 'reference') => {
          await ctx.settle();
          const measured = await measure(which, counts[which]);
          ctx.log(`${id} ${describe(which === 'subject' ? 'opsgraph' : 'bare-ingest', measured)}`);
          return measured;
        };
        const { rounds, medianRatio } = await interleavedRounds({
          rounds: ctx.rounds,
          subject: () => side('subject'),
          reference: () => side('reference'),
          log: (line) => ctx.log(`${id} ${line}`),
        });
        return result(id, senders, rounds, medianRatio);
      } finally {
        await rows.close(true);
        await reference.stop();
      }
    },
  };
}

interface IngestSide {
  ctx: ScenarioContext;
  server: RunningServer;
  side: 'subject' | 'reference';
  senders: number;
  count: number;
  rows: MikroORM;
}

async function measureIngest({ ctx, server, side, senders, count, rows }: IngestSide): Promise<Measurement> {
  // A fresh run id per side and round: new webhook ids, sessions and alert ids, so only the
  // stream's own 20 % are redeliveries.
  const runId = randomBytes(4).toString('hex');
  const stream = generateStream(count, { seed: parseInt(runId, 16), duplicateRatio: 0.2, runId });
  // Signed up front (the tolerance is minutes), so the senders only send.
  const requests: DeliveryRequest[] = stream.map((d) => ({
    path: side === 'subject' ? `/api/v1/webhooks/${d.segment}` : `/ingest?source=${d.segment}`,
    headers: signedHeaders(d, ctx.webhookSecret),
    body: d.body,
  }));
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let handedOut = 0;
  const sqlBefore = await server.sqlStatements();
  const cpu = cpuMeter(server.pid);
  const started = performance.now();
  const load = runLoad({
    url: server.url,
    method: 'POST',
    connections: senders,
    amount: count,
    timeout: 30,
    requests: [{ setupRequest: (request) => ({ ...request, ...requests[handedOut++ % count] }) }],
  });
  let lastAnswer = 0;
  load.on('response', (_client, status, _bytes, ms) => {
    lastAnswer = performance.now();
    latencies.push(ms);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  });
  const outcome = await load;
  // Until the last answer: with `amount`, autocannon resolves only at its next one-second sample
  // tick, which made every rate the count over a whole number of seconds (up to 10 % low, and the
  // same figure for runs a second apart in length).
  const seconds = (lastAnswer - started) / 1000;
  const cpuPerDelivery = cpu(latencies.length);
  const sqlAfter = await server.sqlStatements();
  const accepted = statuses.get(202) ?? 0;
  if (handedOut < count) throw new Error(`${side}: autocannon sent ${handedOut} deliveries of ${count}`);
  if (side === 'subject') await assertStored(rows, runId, accepted);
  return {
    requestsPerSecond: latencies.length / seconds,
    latencyMs: latencySummary(latencies),
    errors: latencies.length - accepted + outcome.errors + outcome.timeouts,
    sqlPerRequest: (sqlAfter - sqlBefore) / count,
    extra: {
      deliveries: count,
      redeliveries: stream.filter((d) => d.redelivery).length,
      statuses: [...statuses].map(([status, n]) => `${status}×${n}`).join(' '),
      seconds: Math.round(seconds * 100) / 100,
      loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
      ...cpuExtra(cpuPerDelivery),
    },
  };
}

/**
 * Every acknowledged (202) delivery of the run is an `events` row — a redelivery is one too, marked
 * duplicate; an answer that was an error promised nothing. Fails loudly otherwise.
 */
async function assertStored(rows: MikroORM, runId: string, acknowledged: number): Promise<void> {
  const [row] = await rows.em
    .getConnection()
    .execute<{ n: number }[]>(`select count(*)::int as n from events where delivery_id like ?`, [`msg\\_${runId}\\_%`]);
  if (row!.n < acknowledged)
    throw new Error(`OpsGraph acknowledged ${acknowledged} deliveries of run ${runId} but stored ${row!.n}: deliveries were lost`);
}

/** Where each part's CPU per delivery is kept in a side's `extra` figures. */
const CPU_FIELDS: Record<keyof CpuPerRequest, string> = { serverMs: 'cpuMsServer', postgresMs: 'cpuMsPostgres', loadMs: 'cpuMsLoad' };
const CPU_PARTS = Object.keys(CPU_FIELDS) as (keyof CpuPerRequest)[];

function cpuExtra(cpu: CpuPerRequest): Record<string, number> {
  return Object.fromEntries(CPU_PARTS.map((part) => [CPU_FIELDS[part], cpu[part]]));
}

const cpuPart = (m: Measurement, part: keyof CpuPerRequest) => Number(m.extra?.[CPU_FIELDS[part]] ?? 0);

/** A side's total CPU milliseconds per delivery (its server, PostgreSQL and the load generator), median over its rounds. */
function cpuMsPerDelivery(sides: Measurement[]): number {
  return median(sides.map((m) => CPU_PARTS.reduce((sum, part) => sum + cpuPart(m, part), 0)));
}

/**
 * Whether the machine's CPU, not waiting, bounds the run: the deliveries/s each side's CPU per
 * delivery would allow with every core busy, and the ratio those bounds allow. When the reference
 * runs near its bound, a ratio above the bound ratio needs less CPU per delivery, not more overlap.
 */
function cpuNote(rounds: Round[]): string {
  const cores = cpus().length;
  const subject = cpuMsPerDelivery(rounds.map((r) => r.subject));
  const reference = cpuMsPerDelivery(rounds.map((r) => r.reference));
  const bound = (ms: number) => Math.round((cores * 1000) / ms);
  const rate = (sides: Measurement[]) => Math.round(median(sides.map((m) => m.requestsPerSecond)));
  return (
    `CPU per delivery (server + PostgreSQL + load generator, median): OpsGraph ${subject.toFixed(2)} ms, bare-ingest ${reference.toFixed(2)} ms; ` +
    `with all ${cores} cores busy that allows OpsGraph ≤ ${bound(subject)}/s (ran ${rate(rounds.map((r) => r.subject))}/s) and bare-ingest ≤ ${bound(reference)}/s ` +
    `(ran ${rate(rounds.map((r) => r.reference))}/s): a ratio of at most ${(reference / subject).toFixed(2)}× at this CPU per delivery.`
  );
}

function describe(name: string, m: Measurement): string {
  const cpu = `CPU per delivery ${cpuPart(m, 'serverMs')} ms server, ${cpuPart(m, 'postgresMs')} ms PostgreSQL, ${cpuPart(m, 'loadMs')} ms load`;
  return `${name} ${m.requestsPerSecond.toFixed(0)} deliveries/s, ack p50 ${m.latencyMs.p50} ms p99 ${m.latencyMs.p99} ms, ${m.errors} errors; ${cpu}`;
}

function result(id: string, senders: number, rounds: Round[], medianRatio: number): ScenarioResult {
  const ackP99 = median(rounds.map((r) => r.subject.latencyMs.p99));
  const errors = rounds.reduce((n, r) => n + r.subject.errors + r.reference.errors, 0);
  const checks = [
    { text: `deliveries/s ≥ 1.0× bare-ingest (median ${medianRatio.toFixed(2)}×; aim 3.5×)`, met: medianRatio >= 1 },
    ...(senders === 16 ? [{ text: `ack p99 ≤ ${ACK_P99_TARGET_MS} ms (median ${ackP99} ms)`, met: ackP99 <= ACK_P99_TARGET_MS }] : []),
    { text: `no errors (${errors})`, met: errors === 0 },
  ];
  return {
    scenario: id,
    title: `Ingest: ${senders} concurrent senders, realistic stream with 20 % exact redeliveries`,
    subjectName: 'opsgraph',
    referenceName: 'bare-ingest',
    ratioMeaning: 'OpsGraph deliveries/s ÷ bare-ingest deliveries/s (higher is better)',
    rounds,
    medianRatio,
    target: { description: checks.map((c) => `${c.met ? '✓' : '✗'} ${c.text}`).join('; '), met: checks.every((c) => c.met) },
    notes: [
      `A fresh stream of scripts/stream.ts per side and round (new run id; sized from a warm-up to last about --duration), the same bodies and Standard Webhooks headers to both; OpsGraph: POST /api/v1/webhooks/{source}, bare-ingest: POST /ingest (POOL_SIZE=${senders}).`,
      `Load: autocannon, ${senders} keep-alive connections, each one sender posting its next delivery as soon as the previous one is answered (closed loop); latency is the ack time of every answer.`,
      'After each OpsGraph side every delivery of its stream was counted in `events` (the run fails on a loss).',
      cpuNote(rounds),
    ],
  };
}

export const ingestScenarios: Scenario[] = [ingestScenario(16), ingestScenario(64)];
