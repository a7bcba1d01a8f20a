import { Gauge } from 'prom-client';

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
