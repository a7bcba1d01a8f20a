// Ingestion benchmark: N concurrent senders post a realistic mixed stream (20 % exact
// redeliveries) to a running OpsGraph and this prints throughput and latency as JSON.
//   npm run bench:ingest -- [--url http://127.0.0.1:4000] [--senders 16] [--events 2000] [--secret …]
import { parseArgs } from 'node:util';
import { generateStream, signedHeaders } from '../scripts/stream.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.OPSGRAPH_URL ?? 'http://127.0.0.1:4000' },
    senders: { type: 'string', default: '16' },
    events: { type: 'string', default: '2000' },
    secret: { type: 'string', default: process.env.WEBHOOK_SECRET ?? 'opsgraph-dev-webhook-secret' },
    seed: { type: 'string', default: '7' },
  },
});

const stream = generateStream(Number(values.events), { seed: Number(values.seed), duplicateRatio: 0.2 });
const latencies: number[] = [];
const statuses = new Map<string, number>();
let next = 0;

async function sender(): Promise<void> {
  while (next < stream.length) {
    const delivery = stream[next++]!;
    const started = performance.now();
    const res = await fetch(`${values.url}/api/v1/webhooks/${delivery.segment}`, {
      method: 'POST',
      headers: signedHeaders(delivery, values.secret!),
      body: delivery.body,
    });
    const body = (await res.json()) as { status?: string };
    latencies.push(performance.now() - started);
    const key = `${res.status}:${body.status ?? 'error'}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: Number(values.senders) }, sender));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2));
console.log(
  JSON.stringify({
    benchmark: 'ingest',
    senders: Number(values.senders),
    deliveries: stream.length,
    redeliveries: stream.filter((d) => d.redelivery).length,
    seconds: Number(seconds.toFixed(2)),
    deliveries_per_second: Number((stream.length / seconds).toFixed(1)),
    latency_ms: { p50: pct(50), p90: pct(90), p99: pct(99), max: Number(latencies.at(-1)!.toFixed(2)) },
    statuses: Object.fromEntries(statuses),
  }),
);
