import { describe, expect, it } from 'vitest';
import { startTestServer, unique } from './helpers/server.ts';

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
