import type { RunningServer } from '../types.ts';
import { readSqlCounters } from './prometheus.ts';

export const SQL_BURST_REQUESTS = 100;

export const SQL_NOTE =
  `SQL/request: the server's statement counter (OpsGraph: opsgraph_sql_statements_total on /metrics; references: /bench/stats) ` +
  `read around a separate burst of ${SQL_BURST_REQUESTS} sequential requests, outside the timed load, less what one reading itself costs; ` +
  `background workers' statements over that burst are negligible next to ${SQL_BURST_REQUESTS} requests' ` +
  `(OpsGraph also reports the statements counted inside its request scope, which excludes them).`;

/**
 * SQL statements per request of `send`, from `server`'s own counter around a burst of sequential
 * requests (sequential: nothing else of ours runs meanwhile). A reading of OpsGraph's /metrics
 * itself sends SQL (the probe gauges), so two readings back to back measure that and it is taken off.
 * With `route`, OpsGraph's per-request histogram for that route is read too: statements inside the
 * requests' own scope, background work excluded — a cross-check of the counter.
 */
export async function sqlPerRequest(
  server: RunningServer,
  send: () => Promise<Response>,
  route?: string,
): Promise<{ perRequest: number; inRequestScope?: number }> {
  const first = await server.sqlStatements();
  const before = await server.sqlStatements();
  const readingCost = before - first;
  const scopeBefore = route ? (await readSqlCounters(server.url)).perRoute[route] : undefined;
  const afterScopeRead = route ? await server.sqlStatements() : before;
  for (let i = 0; i < SQL_BURST_REQUESTS; i++) {
    const res = await send();
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${server.name}: the SQL burst's request answered ${res.status}`);
  }
  const after = await server.sqlStatements();
  const perRequest = Math.max(0, after - afterScopeRead - readingCost) / SQL_BURST_REQUESTS;
  if (!route) return { perRequest };
  const scopeAfter = (await readSqlCounters(server.url)).perRoute[route];
  const inRequestScope = scopeAfter ? (scopeAfter.sum - (scopeBefore?.sum ?? 0)) / (scopeAfter.count - (scopeBefore?.count ?? 0)) : undefined;
  return { perRequest, inRequestScope };
}
