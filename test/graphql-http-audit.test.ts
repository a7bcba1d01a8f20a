import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.ts';

/*
 * GraphQL over HTTP conformance, as graphql-http's own server audit judges it: every audit (MUST,
 * SHOULD and MAY alike) against the running server, signed in, answers ok.
 */
describe('GraphQL over HTTP (graphql-http auditServer)', () => {
  let server: TestServer;
  let authorization: string;
  beforeAll(async () => {
    server = await startTestServer({ RUNBOOK_WORKER: 'false' });
    authorization = `Bearer ${await server.token('viewer')}`;
  });
  afterAll(() => server?.close());

  it('reports no failing audit of any level', async () => {
    const results = await auditServer({
      url: `${server.url}/graphql`,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', authorization);
        return fetch(input, { ...init, headers });
      },
    });
    const failing = await Promise.all(
      results.filter((r) => r.status !== 'ok').map(async (r) => ({ id: r.id, name: r.name, status: r.status, reason: r.reason, response: await r.response.text().catch(() => '') })),
    );
    expect(results.length).toBeGreaterThan(50);
    expect(failing).toEqual([]);
  });
});
