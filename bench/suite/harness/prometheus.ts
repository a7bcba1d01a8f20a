export interface OpsGraphSqlCounters {
  /** `opsgraph_sql_statements_total`: every statement the process sent, background work included. */
  total: number;
  /** `opsgraph_sql_statements_per_request` sum and count per route: statements inside HTTP requests only. */
  perRoute: Record<string, { sum: number; count: number }>;
}

/** Reads OpsGraph's SQL counters from GET /metrics (public in production, like any Prometheus target). */
export async function readSqlCounters(baseUrl: string): Promise<OpsGraphSqlCounters> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (!res.ok) throw new Error(`GET ${baseUrl}/metrics answered ${res.status}`);
  const text = await res.text();
  const total = samples(text, 'opsgraph_sql_statements_total')[0]?.value;
  if (total === undefined) throw new Error(`${baseUrl}/metrics has no opsgraph_sql_statements_total`);
  const perRoute: OpsGraphSqlCounters['perRoute'] = {};
  for (const { labels, value } of samples(text, 'opsgraph_sql_statements_per_request_sum')) {
    const count = samples(text, 'opsgraph_sql_statements_per_request_count').find((s) => s.labels.route === labels.route)?.value ?? 0;
    if (labels.route) perRoute[labels.route] = { sum: value, count };
  }
  return { total, perRoute };
}

/**
 * The samples of one series in Prometheus text format. Read here rather than with the
 * parse-prometheus-text-format devDependency, which drops a labelled histogram's labels, sum and
 * count (prom-client writes `le` before the other labels).
 */
export function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const found: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}
