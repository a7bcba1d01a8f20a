/*
 * Percentiles of raw latencies (autocannon's histograms cover only its own fixed-request runs):
 * the live and ingest scenarios collect every latency themselves.
 */

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** p50 / p90 / p99 / max in ms, to 0.01 ms. */
export function latencySummary(latencies: number[]): { p50: number; p90: number; p99: number; max: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => Math.round(percentile(sorted, p) * 100) / 100;
  return { p50: at(50), p90: at(90), p99: at(99), max: at(100) };
}
