import { latencySummary } from '../live/stats.ts';
import type { Measurement, ScenarioResult } from '../types.ts';
import { WINDOW_SECONDS, type SoakMix, type SoakRun } from './drive.ts';
import { round, slopePerMinute, type SoakWindow } from './series.ts';
import { LOAD_KINDS, type LoadKind, type WindowTally } from './tally.ts';

/** Flat = neither RSS nor the heap after GC grows faster than this over the second half (why: the notes). */
const FLAT_MIB_PER_MINUTE = 1;
/** Readings after a full collection the heap's slope needs (one per window; a window whose forced collection failed has none). */
const MIN_HEAP_POINTS = 5;
/** The mix counts as held when each kind got at least this share of its rate in the second half. */
const HELD_SHARE = 0.9;

/** The soak's result file carries its series beside the usual fields (bench/results/README.md). */
export interface SoakResult extends ScenarioResult {
  series: SoakWindow[];
}

/**
 * The scenario's result from its run: the second half is the subject, the first (the warm-up)
 * the reference, and the verdict the slopes of RSS and of the heap after GC over the second half.
 */
export function soakResult(run: SoakRun, plan: { seconds: number; secondsPerDurationSecond: number; mix: SoakMix }): SoakResult {
  const { seconds, mix } = plan;
  const windows = run.series.length - 1;
  const half = Math.floor(windows / 2);
  const warm = run.series.slice(half);
  const rss = slopePerMinute(warm, (r) => r.rssMiB);
  const heap = slopePerMinute(warm, (r) => r.heapAfterGcMiB);
  // A slope that could not be measured (too few points) is no evidence of flatness: ratio 0 if neither could.
  const heapJudged = heap.points >= MIN_HEAP_POINTS;
  const steeper = Math.max(...[rss.slope, heapJudged ? heap.slope : Number.NaN].filter(Number.isFinite), Number.NEGATIVE_INFINITY);
  const ratio = steeper === Number.NEGATIVE_INFINITY ? 0 : steeper <= FLAT_MIB_PER_MINUTE ? 1 : round(FLAT_MIB_PER_MINUTE / steeper, 3);
  const [start, mid, end] = [run.series[0]!, run.series[half]!, run.series.at(-1)!];
  // The heap's levels after a full collection: the first, and the last of each half.
  const afterGc = run.series.filter((r) => r.heapAfterGcMiB !== null);
  const heapAt = {
    start: afterGc[0]?.heapAfterGcMiB ?? null,
    mid: afterGc.findLast((r) => r.t <= mid.t)?.heapAfterGcMiB ?? null,
    end: afterGc.at(-1)?.heapAfterGcMiB ?? null,
  };
  const reference = halfMeasurement(run.tallies.slice(0, half), run.series.slice(1, half + 1));
  const lost = Math.max(0, run.deliveriesExpected - run.deliveriesReceived);
  const second = halfMeasurement(run.tallies.slice(half), run.series.slice(half + 1));
  const subject: Measurement = {
    ...second,
    extra: {
      ...second.extra,
      soakSeconds: seconds,
      rssStartMiB: start.rssMiB,
      rssMidMiB: mid.rssMiB,
      rssEndMiB: end.rssMiB,
      rssSlopeMiBPerMinute: rss.slope,
      rssSlopeStandardError: rss.standardError,
      heapAfterGcFirstMiB: heapAt.start ?? 'none',
      heapAfterGcMidMiB: heapAt.mid ?? 'none',
      heapAfterGcLastMiB: heapAt.end ?? 'none',
      heapSlopeMiBPerMinute: heap.slope,
      heapSlopeStandardError: heap.standardError,
      heapSlopePoints: heap.points,
      subscribers: mix.subscribers,
      subscribersOpenSeconds: round(run.openSeconds),
      feedEventsAcknowledged: run.feedEventsAcknowledged,
      deliveriesExpected: run.deliveriesExpected,
      deliveriesReceived: run.deliveriesReceived,
      lost,
      duplicates: run.duplicates,
      scrapeFailures: run.scrapeFailures,
    },
  };
  const errors = subject.errors + reference.errors;
  const allLive = run.series.slice(1).every((r) => r.liveSubscribers === mix.subscribers);
  const held = LOAD_KINDS.every((kind) => Number(subject.extra![`${kind}PerSecond`]) >= HELD_SHARE * mix[kind].perSecond);
  const checks = [
    {
      text: `RSS slope over the second half < ${FLAT_MIB_PER_MINUTE} MiB/min (${signed(rss.slope)} ± ${rss.standardError})`,
      met: rss.slope < FLAT_MIB_PER_MINUTE,
    },
    {
      text: !heapJudged
        ? `heap after full collections: too few in the second half to judge (${heap.points} < ${MIN_HEAP_POINTS})`
        : `heap-after-GC slope < ${FLAT_MIB_PER_MINUTE} MiB/min (${signed(heap.slope)} ± ${heap.standardError}, ${heap.points} points)`,
      met: heapJudged && heap.slope < FLAT_MIB_PER_MINUTE,
    },
    { text: `no errors (${errors})`, met: errors === 0 },
    {
      text: `no delivery lost or doubled (${lost} lost, ${run.duplicates} duplicates of ${run.deliveriesExpected})`,
      met: lost === 0 && run.duplicates === 0,
    },
    { text: `all ${mix.subscribers} subscribers live in every window`, met: allLive },
    { text: `the mix held (each kind ≥ ${HELD_SHARE * 100} % of its rate in the second half)`, met: held },
  ];
  const minutes = round(seconds / 60, 1);
  return {
    scenario: 'soak',
    title: `Soak: ${minutes} min of list ${mix.list.perSecond}/s, Discover ${mix.discover.perSecond}/s, ingest ${mix.ingest.perSecond}/s and ${mix.subscribers} discoverFeed subscribers on one OpsGraph`,
    subjectName: `OpsGraph, second half (RSS ${start.rssMiB} → ${mid.rssMiB} → ${end.rssMiB} MiB, ${signed(rss.slope)} MiB/min; heap after GC ${heapAt.start ?? '-'} → ${heapAt.mid ?? '-'} → ${heapAt.end ?? '-'} MiB, ${signed(heap.slope)} MiB/min)`,
    referenceName: `the same run's first half, warm-up (RSS ${mid.rssMiB} MiB, heap after GC ${heapAt.mid ?? '-'} MiB at its end)`,
    ratioMeaning: `${FLAT_MIB_PER_MINUTE} MiB/min ÷ the steeper of the RSS and heap-after-GC slopes over the second half, capped at 1 (1 = flat; 0.5 = growing at twice the threshold; 0 = neither slope measurable)`,
    rounds: [{ round: 1, subject, reference, ratio }],
    medianRatio: ratio,
    target: { description: checks.map((c) => `${c.met ? '✓' : '✗'} ${c.text}`).join('; '), met: checks.every((c) => c.met) },
    notes: [
      `Length: ${plan.secondsPerDurationSecond} × --duration seconds (${seconds} s; the default --duration 10 gives 10 minutes). Runs only when named: --only soak.`,
      `One fresh OpsGraph (production mode) for the whole run. Load from this process by autocannon at paced rates: the console's chamado list (${mix.list.connections} connections), the three Discover queries in turn (${mix.discover.connections}), and unique webhook deliveries (${mix.ingest.connections} senders) — scripts/stream.ts's realistic mix with no redeliveries, one in ${mix.feedEvery} a low-level Wazuh alert of the subscribers' agent. A slow answer delays that connection's next request (no backlog builds).`,
      `${mix.subscribers} graphql-ws sockets with one discoverFeed subscription each, filtered to that agent, in a separate process (bench/suite/live/clients.ts): ${(mix.ingest.perSecond / mix.feedEvery) * mix.subscribers} frames/s at the full rate. Every acknowledged alert must reach every subscriber.`,
      `Series: every ${WINDOW_SECONDS} s, RSS from /proc and the V8 heap from OpsGraph's /metrics (prom-client's default opsgraph_nodejs_heap_size_used_bytes, read every second). The heap climbs by up to ~250 MiB between full collections here, so each window ends with a full collection forced through the server's inspector (the server runs with NODE_OPTIONS=--inspect on a loopback port; bench/suite/soak/inspector.ts), and heapAfterGcMiB is the heap V8 reports right after it, i.e. what survived; the row's RSS is read after it too. The forced collection pauses the server once per window (tens of ms), which the window's p99 includes. Rates, p99 and errors are per window.`,
      `Flat: least-squares slope over the second half (from ${mid.t} s) below ${FLAT_MIB_PER_MINUTE} MiB/min for RSS and for the heap after GC. A leak that fast adds 1.4 GiB a day, which a long-running API must not; at this mix it is ~350 B kept per delivery or ~3.5 B per frame. A smaller slope cannot be told from allocator and GC noise in a 5-minute half on a shared machine (each slope's standard error is given).`,
      'RSS also carries how much heap V8 keeps committed: it grows in steps and falls by 100–300 MiB when V8 shrinks the heap, so one such step can decide the RSS slope of a 5-minute half; the heap after GC is the measure of what the server keeps (read both with their standard errors).',
    ],
    series: run.series,
  };
}

/** Req/s, latency and errors of the windows of one half, all kinds together, and each kind's own rate and p99. */
function halfMeasurement(tallies: WindowTally[], rows: SoakWindow[]): Measurement {
  const seconds = tallies.length * WINDOW_SECONDS;
  const of = (kind: LoadKind) => tallies.map((t) => t[kind]);
  const latencies = (kind: LoadKind) => of(kind).flatMap((w) => w.latenciesMs);
  const responses = (kind: LoadKind) => of(kind).reduce((n, w) => n + w.responses, 0);
  const perKind = Object.fromEntries(
    LOAD_KINDS.flatMap((kind) => [
      [`${kind}PerSecond`, round(responses(kind) / seconds)],
      [`${kind}P99Ms`, latencySummary(latencies(kind)).p99],
    ]),
  );
  return {
    requestsPerSecond: round(LOAD_KINDS.reduce((n, kind) => n + responses(kind), 0) / seconds, 1),
    latencyMs: latencySummary(LOAD_KINDS.flatMap(latencies)),
    errors: LOAD_KINDS.reduce((n, kind) => n + of(kind).reduce((e, w) => e + w.errors, 0), 0),
    extra: {
      ...perKind,
      deliveriesPerSecond: round(rows.reduce((n, r) => n + r.deliveriesPerSecond, 0) / Math.max(1, rows.length)),
      rssEndMiB: rows.at(-1)?.rssMiB ?? 0,
      heapAfterGcLastMiB: rows.findLast((r) => r.heapAfterGcMiB !== null)?.heapAfterGcMiB ?? 'none',
    },
  };
}

const signed = (n: number) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n}` : '—');
