import { samples } from '../harness/prometheus.ts';
import type { RunningServer } from '../types.ts';

/** One reading of the server's memory and of what it was serving then. */
export interface MemoryReading {
  rssBytes: number;
  /** V8 heap in use (prom-client's default `nodejs_heap_size_used_bytes`, read at the scrape). */
  heapUsedBytes: number;
  /** Full (mark-compact) collections since the start: a reading just after one shows what survives. */
  majorGcs: number;
  /** Buffers outside the V8 heap (socket frames, request bodies). */
  externalBytes: number;
  eventLoopLagP99Ms: number;
  /** graphql-ws subscribers the shared executions serve (all 1,000 while the soak runs). */
  liveSubscribers: number;
}

/**
 * RSS from /proc (RunningServer.rssBytes), the rest from OpsGraph's own /metrics, which exposes
 * prom-client's default metrics under the `opsgraph_` prefix (src/edge/http/observability.ts):
 * the heap can only be read from inside the process, and a scrape is how production reads it.
 */
export async function readMemory(server: RunningServer): Promise<MemoryReading> {
  const res = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${server.url}/metrics answered ${res.status}`);
  const text = await res.text();
  const value = (name: string, labels: Record<string, string> = {}) => {
    const found = samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (found === undefined) throw new Error(`${server.url}/metrics has no ${name}`);
    return found.value;
  };
  return {
    rssBytes: server.rssBytes(),
    heapUsedBytes: value('opsgraph_nodejs_heap_size_used_bytes'),
    // Absent until the first full collection.
    majorGcs: samples(text, 'opsgraph_nodejs_gc_duration_seconds_count').find((s) => s.labels.kind === 'major')?.value ?? 0,
    externalBytes: value('opsgraph_nodejs_external_memory_bytes'),
    eventLoopLagP99Ms: value('opsgraph_nodejs_eventloop_lag_p99_seconds') * 1000,
    liveSubscribers: value('opsgraph_live_shared_subscribers'),
  };
}
