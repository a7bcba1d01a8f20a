import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { withIds } from './helpers/factories.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/*
 * Webhook deliveries reach the one receiver through two HTTP adapters: node:http ahead of yoga for
 * a server's delivery (src/edge/webhooks/node-receiver.ts) and yoga for a browser's, which carries
 * an Origin and needs yoga's CORS (yoga-receiver.ts). Whichever took it, the caller must see the
 * same answer: status, body, request id, security headers, SQL count, metrics.
 */

const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.onboard!;
const CONSOLE = 'http://console.example';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ CORS_ORIGINS: CONSOLE });
});
afterAll(async () => {
  await server?.close();
});

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function post(raw: string, headers: Record<string, string>, browser: boolean, path = 'onboard'): Promise<Answer> {
  const res = await fetch(`${server.url}/api/v1/webhooks/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, ...(browser ? { origin: CONSOLE } : {}) },
    body: raw,
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), headers: res.headers };
}

const account = () => JSON.stringify(withIds('onboard-account-created', {}, { prefix: 'adapter' }).body);
const signed = { 'x-webhook-secret': SECRET };

/** The answer's headers a caller can rely on: CORS (browsers only) and the date left out. */
function headerNames(headers: Headers): string[] {
  return [...headers.keys()].filter((name) => !name.startsWith('access-control-') && name !== 'date' && name !== 'vary').sort();
}

const CASES: { name: string; send: (browser: boolean) => Promise<Answer>; status: number; error?: string }[] = [
  { name: 'accepted', send: (browser) => post(account(), signed, browser), status: 202 },
  {
    name: 'unauthenticated',
    send: (browser) => post(account(), { 'x-webhook-secret': 'wrong-secret' }, browser),
    status: 401,
    error: 'UNAUTHENTICATED',
  },
  { name: 'malformed JSON', send: (browser) => post('{"event":', signed, browser), status: 400, error: 'MALFORMED_JSON' },
  {
    name: 'a bad project_id',
    send: (browser) => post(account(), signed, browser, 'onboard?project_id=%20'),
    status: 400,
    error: 'BAD_REQUEST',
  },
  {
    name: 'off the schema',
    send: (browser) => post('{"event":"account.created"}', signed, browser),
    status: 422,
    error: 'SCHEMA_MISMATCH',
  },
  { name: 'too large', send: (browser) => post('x'.repeat(1024 * 1024 + 1), signed, browser), status: 413, error: 'PAYLOAD_TOO_LARGE' },
];

describe('webhook deliveries through either adapter', () => {
  for (const c of CASES) {
    it(`${c.name}: a server's delivery and a browser's get the same status, body and headers, CORS aside`, async () => {
      const plain = await c.send(false);
      const browser = await c.send(true);
      expect([plain.status, browser.status]).toEqual([c.status, c.status]);
      if (c.error) expect([plain.body.error, browser.body.error]).toEqual([c.error, c.error]);
      expect(Object.keys(browser.body).sort()).toEqual(Object.keys(plain.body).sort());
      const plainNames = headerNames(plain.headers).filter((name) => name !== 'connection' && name !== 'keep-alive');
      expect(headerNames(browser.headers).filter((name) => name !== 'connection' && name !== 'keep-alive')).toEqual(plainNames);
      for (const name of ['x-request-id', 'content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy']) {
        expect(plainNames).toContain(name);
      }
      expect(plain.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(plain.headers.get('content-security-policy')).toBe(browser.headers.get('content-security-policy'));
      expect(plain.headers.get('access-control-allow-origin')).toBeNull();
      expect(browser.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    });
  }

  it('echoes a sane X-Request-Id and replaces a hostile one, on either adapter', async () => {
    for (const browser of [false, true]) {
      const given = await post(account(), { ...signed, 'x-request-id': 'ops-run-42' }, browser);
      expect(given.headers.get('x-request-id')).toBe('ops-run-42');
      const hostile = await post(account(), { ...signed, 'x-request-id': 'bad id\twith tab' }, browser);
      expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('reports the statements a delivery sent (X-Sql-Statements, outside production), on either adapter', async () => {
    for (const browser of [false, true]) {
      const res = await post(account(), signed, browser);
      expect(res.status).toBe(202);
      expect(Number(res.headers.get('x-sql-statements'))).toBeGreaterThan(0);
    }
  });

  it('counts each delivery in /metrics under its route and status', async () => {
    const count = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith('opsgraph_http_request_duration_seconds_count{method="POST",route="/api/v1/webhooks/onboard",status="202"}'),
        );
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await count();
    await post(account(), signed, false);
    await post(account(), signed, true);
    expect(await count()).toBe(before + 2);
  });
});

describe("a server's delivery on node:http", () => {
  /** Sends with node's client, writing `chunks` and ending only when `end`; resolves with the answer. */
  function rawPost(chunks: string[], end: boolean, agent?: import('node:http').Agent) {
    return new Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/api/v1/webhooks/onboard`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', ...signed } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      if (end) req.end();
    });
  }

  it('closes the connection after refusing a body it left unread, and keeps it open otherwise', async () => {
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const refused = await rawPost(['x'.repeat(1024 * 1024 + 1)], false, agent);
      expect(refused.status).toBe(413);
      expect(refused.headers.connection).toBe('close');
      const accepted = await rawPost([account()], true, agent);
      expect(accepted.status).toBe(202);
      expect(accepted.headers.connection).toBe('keep-alive');
    } finally {
      agent.destroy();
    }
  });

  it('stores nothing for a sender that hangs up halfway through its body, and goes on answering', async () => {
    const { body, ids } = withIds('onboard-account-created', {}, { prefix: 'hangup' });
    const raw = JSON.stringify(body);
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${server.url}/api/v1/webhooks/onboard`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(raw)), ...signed },
      });
      req.on('error', () => resolve());
      req.write(raw.slice(0, raw.length >> 1), () => setTimeout(() => req.destroy(), 50));
    });
    expect((await post(account(), signed, false)).status).toBe(202);
    const stored = await server.orm.em.getConnection().execute<{ n: number }[]>(
      `select (select count(*) from events where session_id = ?)::int
            + (select count(*) from dead_letters where content::text like ?)::int as n`,
      [ids.session, `%${ids.session}%`],
    );
    expect(stored[0]!.n).toBe(0);
  });
});
