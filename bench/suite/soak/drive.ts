import { setTimeout as delay } from 'node:timers/promises';
import { FEED_DOCUMENT, feedVariables, uniqueAgent } from '../live/publishers.ts';
import { assertServerDescriptors, openSubscribers } from '../live/subscribers.ts';
import type { RunningServer } from '../types.ts';
import { feedDelivery } from './deliveries.ts';
import type { HeapInspector } from './inspector.ts';
import { drain, warmUp } from './feed.ts';
import { runPacedLoad } from './load.ts';
import { readMemory, type MemoryReading } from './memory.ts';
import { soakRequests } from './requests.ts';
import { seriesTable, windowRow, type SoakWindow } from './series.ts';
import { addInto, createTally, type WindowTally } from './tally.ts';

export const WINDOW_SECONDS = 10;
/**
 * Seconds between readings of /metrics: a window survives a failed scrape, and its last reading
 * (after the forced collection) is the one the series keeps.
 */
const READ_SECONDS = 1;

/** Rates of the mixed load: paced, so a slower server gets less work rather than a growing backlog. */
export interface SoakMix {
  subscribers: number;
  list: { perSecond: number; connections: number };
  discover: { perSecond: number; connections: number };
  ingest: { perSecond: number; connections: number };
  /** One ingested delivery in this many is an alert every subscriber receives. */
  feedEvery: number;
}

export interface SoakSetting {
  server: RunningServer;
  /** The server's inspector: each window ends with a full collection, so the heap after GC is read every window. */
  inspector: HeapInspector;
  token: string;
  webhookSecret: string;
  seconds: number;
  mix: SoakMix;
  log(line: string): void;
}

export interface SoakRun {
  /** series[0] is the level before the load; series[i] the end of window i. */
  series: SoakWindow[];
  /** Each window's answers (series[i] ↔ tallies[i - 1]), for the halves' percentiles. */
  tallies: WindowTally[];
  feedEventsAcknowledged: number;
  deliveriesExpected: number;
  deliveriesReceived: number;
  duplicates: number;
  openSeconds: number;
  scrapeFailures: number;
}

/**
 * Opens the subscribers (a process of their own, bench/suite/live/clients.ts), proves each live,
 * then runs the three paced loads for `seconds` while reading the server's memory every
 * READ_SECONDS and closing a row of the series every WINDOW_SECONDS; finally waits for the
 * deliveries still in flight and counts the lost ones.
 */
export async function driveSoak(setting: SoakSetting): Promise<SoakRun> {
  const { server, mix, seconds, log } = setting;
  const agent = uniqueAgent();
  assertServerDescriptors(server.pid, mix.subscribers);
  const opened = performance.now();
  const subscribers = await openSubscribers({
    url: server.url,
    count: mix.subscribers,
    document: FEED_DOCUMENT,
    variables: feedVariables(agent),
    authorization: `Bearer ${setting.token}`,
  });
  try {
    await warmUp(subscribers, server.url, () => feedDelivery(agent, setting.webhookSecret, `warm-${Date.now()}`), mix.subscribers);
    const openSeconds = (performance.now() - opened) / 1000;
    log(`soak: ${mix.subscribers} subscribers live in ${openSeconds.toFixed(1)} s; ${seconds} s of load`);
    // Stragglers of the last warm-up alert land before the baseline, not among the load's deliveries.
    await delay(500);
    const baseline = (await subscribers.status()).received;
    const settledAtStart = await setting.inspector.settledHeapBytes();
    let previous = await readMemory(server);
    const series = [windowRow(0, 0, previous, [previous], settledAtStart, null, 0)];

    const tally = createTally();
    let feedEventsAcknowledged = 0;
    const loads = Promise.all(
      soakRequests(setting, agent, () => (feedEventsAcknowledged += 1)).map(({ kind, rate, requests, okStatus }) =>
        runPacedLoad({ kind, url: server.url, rate: rate.perSecond, connections: rate.connections, okStatus, seconds, requests }, tally),
      ),
    );
    const tallies: WindowTally[] = [];
    let scrapeFailures = 0;
    let received = baseline;
    const started = performance.now();
    for (let w = 1; w * WINDOW_SECONDS <= seconds; w++) {
      const readings: MemoryReading[] = [];
      let settled: number | null = null;
      for (let r = 1; r * READ_SECONDS <= WINDOW_SECONDS; r++) {
        await delay(Math.max(0, started + ((w - 1) * WINDOW_SECONDS + r * READ_SECONDS) * 1000 - performance.now()));
        try {
          // The window's last reading follows a forced full collection: its RSS and heap are what survived.
          if ((r + 1) * READ_SECONDS > WINDOW_SECONDS) settled = await setting.inspector.settledHeapBytes();
          readings.push(await readMemory(server));
        } catch (error) {
          scrapeFailures += 1;
          log(`soak: reading ${server.url}/metrics failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (readings.length === 0) throw new Error(`soak: no memory reading in window ${w} (every /metrics scrape failed)`);
      const window = tally.take();
      const now = (await subscribers.status()).received;
      // Receipt times are not needed here: collecting drops them, so the subscriber process stays small.
      await subscribers.collect([]);
      const row = windowRow((performance.now() - started) / 1000, WINDOW_SECONDS, previous, readings, settled, window, now - received);
      [received, previous] = [now, readings.at(-1)!];
      tallies.push(window);
      series.push(row);
      log(
        `soak t=${row.t}s rss ${row.rssMiB} MiB heap ${row.heapUsedMiB} (after GC ${row.heapAfterGcMiB ?? '-'}) MiB; list ${row.listPerSecond}/s discover ${row.discoverPerSecond}/s ingest ${row.ingestPerSecond}/s deliveries ${row.deliveriesPerSecond}/s; ${row.errors} errors`,
      );
    }
    await loads;
    // Answers that came after the last window closed still count (an error among them above all).
    addInto(tallies.at(-1)!, tally.take());

    const deliveriesExpected = feedEventsAcknowledged * mix.subscribers;
    const deliveriesReceived = (await drain(subscribers, baseline, deliveriesExpected)) - baseline;
    const { duplicates } = await subscribers.collect([]);
    log(`soak series:\n${seriesTable(series)}`);
    return { series, tallies, feedEventsAcknowledged, deliveriesExpected, deliveriesReceived, duplicates, openSeconds, scrapeFailures };
  } finally {
    await subscribers.close();
  }
}
