import autocannon from 'autocannon';
import type { Measurement } from '../types.ts';

/** One HTTP request autocannon repeats. */
export interface LoadTarget {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadSettings {
  durationSeconds: number;
  /** Unmeasured load first, so JIT, pools and caches are warm on both sides alike. */
  warmupSeconds: number;
  connections: number;
}

export const DEFAULT_CONNECTIONS = 50;
export const WARMUP_SECONDS = 3;

/**
 * Drives `target` with autocannon (in this process) for the warm-up, then for the measured
 * duration. Errors of either phase are counted: a side that answered anything but 2xx, timed out
 * or dropped a socket says so in its measurement rather than looking fast.
 */
export async function measureLoad(target: LoadTarget, settings: LoadSettings): Promise<Measurement> {
  const options = { ...target, connections: settings.connections, timeout: 30 };
  const warmup = await autocannon({ ...options, duration: settings.warmupSeconds });
  const result = await autocannon({ ...options, duration: settings.durationSeconds });
  const statusCodes = Object.entries(result.statusCodeStats)
    .map(([code, { count }]) => `${code}×${count}`)
    .join(' ');
  return {
    requestsPerSecond: round(result.requests.total / result.duration, 1),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors: result.non2xx + result.errors + result.timeouts,
    extra: {
      requests: result.requests.total,
      non2xx: result.non2xx,
      socketErrors: result.errors,
      timeouts: result.timeouts,
      statusCodes,
      warmupErrors: warmup.non2xx + warmup.errors + warmup.timeouts,
      connections: settings.connections,
    },
  };
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
