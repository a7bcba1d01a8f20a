import { afterAll, describe, expect, it } from 'vitest';
import { liveFeeds, until } from './helpers/live-feed.ts';
import { startTestServer, unique } from './helpers/server.ts';
import { killServerProcesses, startServerProcess } from './helpers/server-process.ts';

describe('graceful shutdown', () => {
  it('stops accepting, lets the in-flight request finish, then closes the pool', async () => {
    const server = await startTestServer();
    const session = unique('sess');
    const body = JSON.stringify({ event: 'account.created', session_id: session, domain: `${unique('d')}.com.br`, data: {} });
    // An in-flight delivery whose body is still arriving when shutdown starts.
    let push!: (chunk: string | null) => void;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (chunk) => (chunk === null ? controller.close() : controller.enqueue(new TextEncoder().encode(chunk)));
      },
    });
    push(body.slice(0, 20));
    const inFlight = fetch(`${server.url}/api/v1/webhooks/onboard`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': 'opsgraph-dev-webhook-secret', connection: 'close' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await new Promise((r) => setTimeout(r, 200));

    const closing = server.close(5_000);
    await new Promise((r) => setTimeout(r, 100));
    // New connections are refused while the old request is still being served.
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    push(body.slice(20));
    push(null);
    const res = await inFlight;
    expect(res.status).toBe(202);
    expect(((await res.json()) as { status: string }).status).toBe('accepted');
    await closing;
    // The pool is closed.
    expect(await server.orm.isConnected()).toBe(false);
  });
});

/*
 * The same through the process, as an orchestrator stops it: SIGTERM to `node src/server.ts`.
 * The release order is read from the server's own log ('released' per resource).
 */
describe('SIGTERM to the server process', () => {
  const { wsClient, subscribeWs } = liveFeeds({ timeoutMs: 10_000 });
  afterAll(killServerProcesses);

  /** A webhook delivery whose body is still arriving: `finish()` sends the rest. */
  function arrivingWebhook(url: string): { response: Promise<Response>; finish: () => void } {
    const body = JSON.stringify({ event: 'account.created', session_id: unique('sess'), domain: `${unique('d')}.com.br`, data: {} });
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    controller.enqueue(new TextEncoder().encode(body.slice(0, 20)));
    const response = fetch(`${url}/api/v1/webhooks/onboard`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': 'opsgraph-dev-webhook-secret' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    response.catch(() => undefined);
    return {
      response,
      finish: () => {
        controller.enqueue(new TextEncoder().encode(body.slice(20)));
        controller.close();
      },
    };
  }

  async function viewerToken(url: string): Promise<string> {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { ... on LoginPayload { token } } }',
        variables: { u: 'viewer', p: 'opsgraph-viewer' },
      }),
    });
    return ((await res.json()) as { data: { login: { token: string } } }).data.login.token;
  }

  it('finishes the webhook still arriving, closes sockets with 1001, stops the queues, closes the pool, exits 0', async () => {
    const server = await startServerProcess({ RUNBOOK_WORKER: 'true' });
    let closeCode: number | undefined;
    const client = wsClient(server, await viewerToken(server.url), { onClosed: (event) => (closeCode = (event as { code: number }).code) });
    const connected = new Promise((resolve) => client.on('connected', resolve));
    subscribeWs(client, 'discoverFeed', 'subscription { discoverFeed { eventId } }');
    await connected;
    const webhook = arrivingWebhook(server.url);
    await new Promise((r) => setTimeout(r, 300));

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    await until(() => closeCode !== undefined, 'the WebSocket to close');
    expect(closeCode).toBe(1001);
    // New connections are refused while the delivery is still being served.
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    webhook.finish();
    const res = await webhook.response;
    expect(res.status).toBe(202);
    expect(((await res.json()) as { status: string }).status).toBe('accepted');

    const exit = await server.exited;
    expect(exit, server.output()).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    // In the order the process released them, by each line's own clock: a line written while the
    // job queue's pool was closing has been seen to reach stdout after the next one.
    const released = server
      .log()
      .filter((l) => l.msg === 'released')
      .map((l, i) => ({ resource: l.resource, time: Number(l.time), i }))
      .sort((a, b) => a.time - b.time || a.i - b.i)
      .map((l) => l.resource);
    // The HTTP server first; the consumers before the queue they take jobs from; the pool last.
    expect(released[0]).toBe('http server');
    expect(released.indexOf('runbook worker')).toBeLessThan(released.indexOf('job queue'));
    expect(released.indexOf('job queue')).toBeGreaterThan(0);
    // The pool after everything that uses it. pg-boss has a pool of its own; its stop has been
    // seen to finish after the ORM pool closed (a race not understood yet, noted in issue 12).
    expect(released.indexOf('database pool')).toBeGreaterThan(released.indexOf('live pub/sub'));
    expect(released.indexOf('database pool')).toBeGreaterThan(released.indexOf('runbook worker'));
    expect(server.log().filter((l) => l.level >= 50), server.output()).toEqual([]);
  }, 60_000);

  it('a request that never finishes holds the exit only for SHUTDOWN_GRACE; a second SIGTERM exits at once', async () => {
    const [patient, impatient] = await Promise.all([
      startServerProcess({ SHUTDOWN_GRACE: '2s', RUNBOOK_WORKER: 'false' }),
      startServerProcess({ SHUTDOWN_GRACE: '30s', RUNBOOK_WORKER: 'false' }),
    ]);
    const stalled = [arrivingWebhook(patient.url), arrivingWebhook(impatient.url)];
    await new Promise((r) => setTimeout(r, 300));

    const signalledAt = Date.now();
    patient.child.kill('SIGTERM');
    impatient.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    impatient.child.kill('SIGTERM');

    const second = await impatient.exited;
    expect(second.at - signalledAt).toBeLessThan(1500);
    expect(second.code).toBe(1);
    const first = await patient.exited;
    expect(first, patient.output()).toMatchObject({ code: 0, signal: null });
    expect(first.at - signalledAt).toBeGreaterThanOrEqual(1900);
    expect(first.at - signalledAt).toBeLessThan(8000);
    // The stalled deliveries were cut, not answered.
    for (const { response } of stalled) await expect(response).rejects.toThrow();
  }, 60_000);
});
