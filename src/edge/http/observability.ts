import type { MikroORM } from '@mikro-orm/postgresql';
import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Counter, Histogram, register } from 'prom-client';
import type { Logger } from '../../logger.ts';
import { requestSqlScope } from '../../db/sql-metrics.ts';
import type { LiveDelivery } from '../../services/live/pubsub.ts';
import { exportProbeResults } from './probe-metrics.ts';
import { requestIdOf } from './request-id.ts';

collectDefaultMetrics({ prefix: 'opsgraph_' });

const requests = new Histogram({
  name: 'opsgraph_http_request_duration_seconds',
  help: 'HTTP requests by route group and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

export const graphqlErrors = new Counter({
  name: 'opsgraph_graphql_errors_total',
  help: 'GraphQL responses carrying errors, by code',
  labelNames: ['code'] as const,
});

/** Collapses ids out of paths so metrics have a bounded number of label values. */
function routeGroup(pathname: string): string {
  if (!/\d/.test(pathname)) return pathname.slice(0, 80);
  return pathname
    .replace(/\/CH-\d{4}-\d+/g, '/:publicId')
    .replace(/\/\d+(?=\/|$)/g, '/:id')
    .slice(0, 80);
}

/** When each request started and its path, noted in onRequest from the URL yoga has already parsed. */
const started = new WeakMap<Request, { at: number; path: string }>();

const statementsPerRequest = new Histogram({
  name: 'opsgraph_sql_statements_per_request',
  help: 'SQL statements one HTTP request sent (catches N+1 regressions in production)',
  labelNames: ['route'] as const,
  buckets: [0, 1, 2, 4, 8, 16, 32, 64, 128],
});

type FetchApi = Parameters<NonNullable<Plugin['onRequest']>>[0]['fetchAPI'];

/** An answered request, as observability counts and logs it. */
export interface Answered {
  requestId: string;
  method: string;
  path: string;
  status: number;
  /** performance.now() when it arrived. */
  startedAt: number;
}

/**
 * Records an answer (latency, the statements its SQL scope sent, the log line) before it is sent;
 * returns the `X-Sql-Statements` value when the count is exposed. Shared by yoga's plugin below and
 * the transports that answer without yoga (node-receiver.ts).
 */
export function observeAnswer(log: Logger, exposeSqlCount: boolean, answered: Answered): string | null {
  const { requestId, method, path, status } = answered;
  const seconds = (performance.now() - answered.startedAt) / 1000;
  const route = routeGroup(path);
  requests.observe({ method, route, status: String(status) }, seconds);
  const scope = requestSqlScope.getStore();
  if (scope) statementsPerRequest.observe({ route }, scope.statements);
  if (route !== '/metrics' && route !== '/health' && log.isLevelEnabled('info')) {
    log.info({ requestId, method, path, status, ms: Math.round(seconds * 1000) }, 'request');
  }
  return scope && exposeSqlCount ? String(scope.statements) : null;
}

/** Request ids on every response, one structured log line per request, and latency metrics. */
export function observability(log: Logger, exposeSqlCount: boolean): Plugin {
  return {
    onRequest({ request, url }) {
      started.set(request, { at: performance.now(), path: url.pathname });
      requestIdOf(request);
    },
    onResponse({ request, response }) {
      const requestId = requestIdOf(request);
      response.headers.set('x-request-id', requestId);
      const start = started.get(request);
      const path = start?.path ?? new URL(request.url).pathname;
      const answered = { requestId, method: request.method, path, status: response.status, startedAt: start?.at ?? performance.now() };
      const statements = observeAnswer(log, exposeSqlCount, answered);
      if (statements !== null) response.headers.set('x-sql-statements', statements);
    },
  };
}

/**
 * GET /health (database checked, live delivery reported) and GET /metrics (Prometheus text
 * format, discovery probe results included). Only an unreachable database answers 503: without
 * Redis the instance still ingests and answers queries, so it stays in the load balancer and says
 * `degraded`.
 */
export function operationalEndpoints(orm: MikroORM, log: Logger, liveDelivery: () => LiveDelivery = () => 'in-process'): Plugin {
  const startedAt = Date.now();
  exportProbeResults(orm, log);
  const health = async (endResponse: (response: Response) => void, fetchAPI: FetchApi) => {
    let db = 'ok';
    try {
      await orm.em.getConnection().execute('select 1');
    } catch {
      db = 'unreachable';
    }
    const live = liveDelivery();
    const ok = db === 'ok' && live !== 'redis-unreachable';
    const body = { status: ok ? 'ok' : 'degraded', db, live, uptime_s: Math.round((Date.now() - startedAt) / 1000) };
    endResponse(
      new fetchAPI.Response(JSON.stringify(body), {
        status: db === 'ok' ? 200 : 503,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      }),
    );
  };
  const metrics = async (endResponse: (response: Response) => void, fetchAPI: FetchApi) => {
    endResponse(new fetchAPI.Response(await register.metrics(), { headers: { 'content-type': register.contentType } }));
  };
  return {
    // Synchronous for every other request: an async hook would cost each request a promise.
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET') return;
      if (url.pathname === '/health') return health(endResponse, fetchAPI);
      if (url.pathname === '/metrics') return metrics(endResponse, fetchAPI);
    },
  };
}
