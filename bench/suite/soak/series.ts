import { percentile } from '../live/stats.ts';
import type { MemoryReading } from './memory.ts';
import { LOAD_KINDS, type WindowTally } from './tally.ts';

const MIB = 2 ** 20;

/** One point of the soak's series: the server's memory at the end of a window and what it served during it. */
export interface SoakWindow {
  /** Seconds since the load started (0: subscribers live, no load yet). */
  t: number;
  rssMiB: number;
  heapUsedMiB: number;
  /**
   * The V8 heap in use just after a full collection the soak forced at the window's end through
   * the inspector (soak/inspector.ts): what survives, so a leak shows through the GC's sawtooth
   * (up to ~250 MiB tall here). Null for the row before the load when no reading was taken.
   */
  heapAfterGcMiB: number | null;
  /** Full collections during the window, the one forced at its end included. */
  majorGcs: number;
  externalMiB: number;
  eventLoopLagP99Ms: number;
  liveSubscribers: number;
  listPerSecond: number;
  discoverPerSecond: number;
  ingestPerSecond: number;
  /** `next` frames received by the subscriber process per second. */
  deliveriesPerSecond: number;
  listP99Ms: number;
  discoverP99Ms: number;
  ingestP99Ms: number;
  errors: number;
}

/**
 * A window's row from its memory readings (the last is the window's end), the reading before
 * them (the previous window's last) and its tally.
 */
export function windowRow(
  t: number,
  seconds: number,
  previous: MemoryReading,
  readings: MemoryReading[],
  settledHeapBytes: number | null,
  tally: WindowTally | null,
  deliveries: number,
): SoakWindow {
  const last = readings.at(-1)!;
  const rate = (n: number) => round(seconds > 0 ? n / seconds : 0);
  const p99 = (ms: number[]) =>
    round(
      percentile(
        ms.toSorted((a, b) => a - b),
        99,
      ) || 0,
    );
  return {
    t: Math.round(t),
    rssMiB: round(last.rssBytes / MIB),
    heapUsedMiB: round(last.heapUsedBytes / MIB),
    heapAfterGcMiB: settledHeapBytes === null ? null : round(settledHeapBytes / MIB),
    majorGcs: last.majorGcs - previous.majorGcs,
    externalMiB: round(last.externalBytes / MIB),
    eventLoopLagP99Ms: round(last.eventLoopLagP99Ms),
    liveSubscribers: last.liveSubscribers,
    listPerSecond: rate(tally?.list.responses ?? 0),
    discoverPerSecond: rate(tally?.discover.responses ?? 0),
    ingestPerSecond: rate(tally?.ingest.responses ?? 0),
    deliveriesPerSecond: rate(deliveries),
    listP99Ms: p99(tally?.list.latenciesMs ?? []),
    discoverP99Ms: p99(tally?.discover.latenciesMs ?? []),
    ingestP99Ms: p99(tally?.ingest.latenciesMs ?? []),
    errors: tally ? LOAD_KINDS.reduce((n, k) => n + tally[k].errors, 0) : 0,
  };
}

/** Least-squares slope of `value` over time (rows where it is null left out), in MiB per minute, with its standard error and the points used. */
export function slopePerMinute(
  rows: SoakWindow[],
  value: (row: SoakWindow) => number | null,
): { slope: number; standardError: number; points: number } {
  const kept = rows.filter((r) => value(r) !== null);
  const xs = kept.map((r) => r.t / 60);
  const ys = kept.map((r) => value(r)!);
  const n = xs.length;
  if (n < 3) return { slope: Number.NaN, standardError: Number.NaN, points: n };
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const [mx, my] = [mean(xs), mean(ys)];
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / sxx;
  const residuals = ys.reduce((s, y, i) => s + (y - (my + slope * (xs[i]! - mx))) ** 2, 0);
  return { slope: round(slope, 3), standardError: round(Math.sqrt(residuals / (n - 2) / sxx), 3), points: n };
}

/** The series as a fixed-width table for the log. */
export function seriesTable(rows: SoakWindow[]): string {
  const head =
    '    t  rss MiB  heap MiB (after GC) ext MiB  lag p99  subs   list/s  disc/s  ingest/s  deliv/s  p99 list/disc/ingest ms  errors';
  const lines = rows.map((r) =>
    [
      String(r.t).padStart(5),
      r.rssMiB.toFixed(1).padStart(8),
      `${r.heapUsedMiB.toFixed(1).padStart(9)} (${r.heapAfterGcMiB?.toFixed(1) ?? '-'})`.padEnd(19),
      r.externalMiB.toFixed(1).padStart(8),
      `${r.eventLoopLagP99Ms.toFixed(0)} ms`.padStart(8),
      String(r.liveSubscribers).padStart(5),
      r.listPerSecond.toFixed(1).padStart(8),
      r.discoverPerSecond.toFixed(1).padStart(7),
      r.ingestPerSecond.toFixed(1).padStart(9),
      r.deliveriesPerSecond.toFixed(0).padStart(8),
      `${r.listP99Ms.toFixed(0)}/${r.discoverP99Ms.toFixed(0)}/${r.ingestP99Ms.toFixed(0)}`.padStart(24),
      String(r.errors).padStart(7),
    ].join(' '),
  );
  return [head, ...lines].join('\n');
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
