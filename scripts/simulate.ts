// Replays a realistic mixed stream (all sources, duplicates, recurrences, failing funnels) into a
// running OpsGraph, for demos and load:
//   npm run simulate -- [--url http://localhost:4000] [--events 200] [--rate 20] [--secret …] [--seed 42]
import { parseArgs } from 'node:util';
import { generateStream, signedHeaders } from './stream.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.OPSGRAPH_URL ?? 'http://localhost:4000' },
    events: { type: 'string', default: '200' },
    rate: { type: 'string', default: '20' },
    secret: { type: 'string', default: process.env.WEBHOOK_SECRET ?? 'opsgraph-dev-webhook-secret' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
  },
});

const stream = generateStream(Number(values.events), { seed: Number(values.seed) });
const pause = 1000 / Math.max(Number(values.rate), 1);
const tally = new Map<string, number>();
for (const [i, delivery] of stream.entries()) {
  const res = await fetch(`${values.url}/api/v1/webhooks/${delivery.segment}`, {
    method: 'POST',
    headers: signedHeaders(delivery, values.secret!),
    body: delivery.body,
  }).catch((err: Error) => ({ status: 0, json: async () => ({ status: err.message }) }));
  const body = (await res.json().catch(() => ({}))) as { status?: string; chamado_public_id?: string | null };
  const key = `${delivery.segment} ${res.status} ${body.status ?? ''}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  process.stdout.write(`\r${i + 1}/${stream.length} sent`);
  await new Promise((r) => setTimeout(r, pause));
}
process.stdout.write('\n');
for (const [key, n] of [...tally].sort()) console.log(`${String(n).padStart(5)}  ${key}`);
