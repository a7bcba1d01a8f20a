import type { MikroORM } from '@mikro-orm/postgresql';
import { sha256Hex } from '../../src/services/ingest/digest.ts';
import { ingestDelivery } from '../../src/services/ingest/ingest.ts';
import type { IngestSettings } from '../../src/services/ingest/settings.ts';
import { NORMALIZERS } from '../../src/services/ingest/sources/index.ts';
import { log } from './output.ts';
import type { Delivery } from './stream.ts';

/** Deliveries `from` to `to - 1` through the real ingestion service in process, `concurrency` at once, on top of the history. */
export async function ingestNewest(
  loader: MikroORM,
  settings: IngestSettings,
  delivery: (n: number) => Delivery,
  range: { from: number; to: number; concurrency: number },
): Promise<{ stored: number; redeliveries: number; seconds: number }> {
  const { from, to, concurrency } = range;
  let next = from;
  let redeliveries = 0;
  let stored = 0;
  const started = performance.now();
  async function worker(): Promise<void> {
    while (next < to) {
      const n = next++;
      const d = delivery(n);
      if (d.redelivery) redeliveries++;
      const events = NORMALIZERS[d.source](JSON.parse(d.text));
      const receipts = await ingestDelivery(loader.em.fork(), settings, {
        events,
        projectId: d.project,
        deliveryId: d.deliveryId,
        contentSha256: sha256Hex(d.text),
        contentLength: Buffer.byteLength(d.text),
      });
      stored += receipts.length;
      if (n > from && (n - from) % 2000 === 0) log(`ingest: ${n - from} deliveries, ${Math.round((n - from) / ((performance.now() - started) / 1000))}/s`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { stored, redeliveries, seconds: (performance.now() - started) / 1000 };
}
