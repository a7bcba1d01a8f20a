import type { EntityManager } from '@mikro-orm/postgresql';
import { requestSqlScope } from '../../src/db/sql-metrics.ts';
import { runMonitorCycle, type CycleOptions, type CycleSummary } from '../../src/services/discovery/monitor/cycle.ts';
import { mapBounded } from '../../src/services/discovery/probes/bounded.ts';
import { probeResource } from '../../src/services/discovery/probes/probe.ts';
import type { ProbeSettings, ProbeTarget } from '../../src/services/discovery/probes/types.ts';

const MB = 1024 * 1024;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
const ms = (value: number) => Math.round(value * 10) / 10;
/** How often the resident set is sampled for its peak during a cycle. */
const RSS_SAMPLE_MS = 25;

export interface CycleMeasure {
  summary: CycleSummary;
  cycleMs: number;
  /** Every statement the cycle sent (claim, one transaction per result, announcements). */
  statements: number;
  rssMb: number;
  rssDeltaMb: number;
  rssPeakDeltaMb: number;
}

/**
 * The real cycle, timed from outside, inside a statement-counting scope (the one the server gives
 * each request; it follows the cycle's forks and awaits), with the resident set before, after and
 * at its peak.
 */
export async function measureCycle(em: EntityManager, options: CycleOptions): Promise<CycleMeasure> {
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), RSS_SAMPLE_MS);
  const scope = { statements: 0 };
  const started = performance.now();
  try {
    const summary = await requestSqlScope.run(scope, () => runMonitorCycle(em, options));
    const cycleMs = performance.now() - started;
    const rssAfter = process.memoryUsage.rss();
    rssPeak = Math.max(rssPeak, rssAfter);
    return {
      summary,
      cycleMs: ms(cycleMs),
      statements: scope.statements,
      rssMb: mb(rssAfter),
      rssDeltaMb: mb(rssAfter - rssBefore),
      rssPeakDeltaMb: mb(rssPeak - rssBefore),
    };
  } finally {
    clearInterval(sampler);
  }
}

/** The reference: the same probes with the same bound, and nothing stored. */
export async function measureProbesOnly(targets: readonly ProbeTarget[], concurrency: number, settings: ProbeSettings): Promise<{ probeOnlyMs: number; passed: number }> {
  const started = performance.now();
  const outcomes = await mapBounded(targets, concurrency, (target) => probeResource(target, settings));
  return { probeOnlyMs: ms(performance.now() - started), passed: outcomes.filter((o) => o.ok).length };
}
