import { Counter, Gauge, Histogram } from 'prom-client';

/** What a transport's shared subscriptions serve now (subscription-hubs.ts). */
export interface SharedLoad {
  executions: number;
  subscribers: number;
}

/** Every open transport's shared subscriptions: one process may run several servers (tests do). */
const sources = new Set<() => SharedLoad>();

const total = (pick: (load: SharedLoad) => number) => [...sources].reduce((sum, load) => sum + pick(load()), 0);

// Read when /metrics is scraped, so they cost nothing per subscribe.
new Gauge({
  name: 'opsgraph_live_shared_executions',
  help: 'Subscriptions executed once for every subscriber with the same operation, variables and role',
  collect() {
    this.set(total((l) => l.executions));
  },
});
new Gauge({
  name: 'opsgraph_live_shared_subscribers',
  help: 'Subscribers served by those shared executions',
  collect() {
    this.set(total((l) => l.subscribers));
  },
});

/** Reports a transport's shared load on /metrics until the returned function is called. */
export function reportSharedLoad(load: () => SharedLoad): () => void {
  sources.add(load);
  return () => void sources.delete(load);
}

const fanOutSeconds = new Histogram({
  name: 'opsgraph_live_fanout_seconds',
  help: 'Time to hand one result of a shared subscription to every subscriber (serialised once, queued on each socket)',
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
});
const framesSent = new Counter({
  name: 'opsgraph_live_shared_frames_total',
  help: 'Results of shared subscriptions handed to subscribers (one per subscriber per result)',
});

/** Times one shared result's fan-out to `subscribers` sinks (subscription-hubs.ts). */
export function measureFanOut(subscribers: number, fanOut: () => void): void {
  const timer = fanOutSeconds.startTimer();
  fanOut();
  timer();
  framesSent.inc(subscribers);
}
