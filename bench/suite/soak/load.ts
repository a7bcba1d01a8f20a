import autocannon from 'autocannon';
import type { LoadKind, Tally } from './tally.ts';

/*
 * autocannon's programmatic API as the soak drives it (harness/autocannon.d.ts declares only the
 * fixed-request part): `overallRate` paces the requests, `requests` cycles through documents or
 * hands out deliveries (setupRequest), onResponse sees each body, and the instance's events give
 * every answer's status and latency as it arrives, so the soak can cut them into windows.
 */
interface RequestContext {
  feed?: boolean;
}
export interface SoakRequest {
  method: 'POST';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: SoakRequest, context: RequestContext) => SoakRequest;
  onResponse?: (status: number, body: string, context: RequestContext) => void;
}
interface PacedInstance extends Promise<unknown> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): this;
  on(event: 'reqError', listener: (error: unknown) => void): this;
}
type RunPaced = (options: { url: string; connections: number; overallRate: number; duration: number; timeout: number; requests: SoakRequest[] }) => PacedInstance;
const runPaced = autocannon as unknown as RunPaced;

export interface PacedLoad {
  kind: LoadKind;
  url: string;
  /** Requests per second over all connections; a slow server gets fewer (closed loop per connection), never a backlog. */
  rate: number;
  connections: number;
  /** The status a good answer has (200 for GraphQL, 202 for a webhook). */
  okStatus: number;
  seconds: number;
  requests: SoakRequest[];
}

/** Runs one kind of load to its end, counting every answer into `tally`; GraphQL `errors` count as errors. */
export async function runPacedLoad(load: PacedLoad, tally: Tally): Promise<void> {
  const requests = load.requests.map((request) => ({
    ...request,
    onResponse: (status: number, body: string, context: RequestContext) => {
      // A body's first key: the raw text `"errors":` cannot occur inside a JSON string value.
      if (status === load.okStatus && body.includes('"errors":')) tally.error(load.kind);
      request.onResponse?.(status, body, context);
    },
  }));
  const instance = runPaced({ url: load.url, connections: load.connections, overallRate: load.rate, duration: load.seconds, timeout: 30, requests });
  instance.on('response', (_client, status, _bytes, ms) => {
    tally.response(load.kind, ms);
    if (status !== load.okStatus) tally.error(load.kind);
  });
  instance.on('reqError', () => tally.error(load.kind));
  await instance;
}
