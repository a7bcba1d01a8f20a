import type { Measurement, RunningServer, ScenarioContext } from '../types.ts';
import { DEFAULT_CONNECTIONS, measureLoad, WARMUP_SECONDS, type LoadTarget } from './load.ts';
import { sqlPerRequest } from './sql-per-request.ts';

export const DEFAULT_DURATION_SECONDS = 10;

/** One side of a comparison, ready to be measured round after round. */
export interface PreparedSide {
  /** The first answer's body, parsed when it is JSON (scenarios check it before any load). */
  sample: unknown;
  measure(): Promise<Measurement>;
}

export function send(target: LoadTarget): Promise<Response> {
  return fetch(target.url, { method: target.method ?? 'GET', headers: target.headers, body: target.body });
}

/**
 * Sends `target` once (it must answer 2xx, without GraphQL `errors`), counts its SQL over a burst
 * (sql-per-request.ts), and returns a measure() that runs the load and carries those figures —
 * they belong to the request, not to a round, so they are measured once, outside the timed load.
 */
export async function prepareSide(
  ctx: ScenarioContext,
  server: RunningServer,
  target: LoadTarget,
  options: { sqlRoute?: string; connections?: number } = {},
): Promise<PreparedSide> {
  const res = await send(target);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  if (!res.ok) throw new Error(`${server.name}: ${target.method ?? 'GET'} ${target.url} answered ${res.status}: ${text.slice(0, 300)}`);
  const sample: unknown = (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  const errors = (sample as { errors?: unknown } | null)?.errors;
  if (errors) throw new Error(`${server.name}: ${target.url} answered GraphQL errors: ${JSON.stringify(errors).slice(0, 300)}`);
  const sql = await sqlPerRequest(server, () => send(target), options.sqlRoute);
  ctx.log(`${server.name}: ${bytes.byteLength} B/response, ${sql.perRequest} SQL/request${sql.inRequestScope === undefined ? '' : ` (${sql.inRequestScope} in request scope)`}`);
  const settings = {
    durationSeconds: ctx.durationSeconds ?? DEFAULT_DURATION_SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    connections: options.connections ?? DEFAULT_CONNECTIONS,
  };
  return {
    sample,
    async measure() {
      const measured = await measureLoad(target, settings);
      return {
        ...measured,
        sqlPerRequest: sql.perRequest,
        extra: {
          ...measured.extra,
          responseBytes: bytes.byteLength,
          ...(sql.inRequestScope === undefined ? {} : { sqlPerRequestInScope: sql.inRequestScope }),
          rssMiB: Math.round(server.rssBytes() / 2 ** 20),
        },
      };
    },
  };
}

/** POST /graphql with a JSON body and, when given, a bearer token. */
export function graphqlTarget(server: RunningServer, body: { query: string; variables?: Record<string, unknown> }, token?: string): LoadTarget {
  return {
    url: `${server.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  };
}
