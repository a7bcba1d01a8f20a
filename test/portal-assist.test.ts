import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPortalAssistClient,
  parseOpsStatus,
  type AssistResult,
  type PortalAssistClient,
  type PortalAssistClientOptions,
} from '../src/services/assist/portal-client.ts';

const SECRET = 'vm112-ops-secret-5f1c0e9a';

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

interface FakePortal {
  baseUrl: string;
  requests: Seen[];
  /** Sockets closed by the client side before the handler answered. */
  abortedByClient: number[];
  handler: Handler;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real HTTP server on an ephemeral port playing the VM112 portal. */
async function startPortal(handler: Handler): Promise<FakePortal> {
  const portal: FakePortal = {
    baseUrl: '',
    requests: [],
    abortedByClient: [],
    handler,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    portal.requests.push({ url: req.url ?? '', headers: req.headers });
    const n = portal.requests.length;
    const started = performance.now();
    res.on('close', () => {
      if (!res.writableEnded) portal.abortedByClient.push(performance.now() - started);
    });
    portal.handler(req, res, n);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  portal.baseUrl = `http://127.0.0.1:${port}`;
  portal.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  cleanups.push(() => portal.close());
  return portal;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const REALISTIC = {
  session_id: 'sess_abc123',
  domain: 'myvexx.com',
  wizard_step: 'dns_cloudflare',
  wizard_step_label: 'DNS Cloudflare',
  wizard_step_at: '2026-06-16T10:14:00Z',
  time_on_step_sec: 142,
  last_error: null,
  planned_email: 'admin@myvexx.com',
};

const ok: Handler = (_req, res) => json(res, 200, REALISTIC);

function client(portal: FakePortal | null, overrides: Partial<PortalAssistClientOptions> = {}): PortalAssistClient {
  const c = createPortalAssistClient({
    baseUrl: portal ? portal.baseUrl : null,
    opsSecret: SECRET,
    timeoutMs: 1000,
    breaker: { resetTimeoutMs: 200, volumeThreshold: 5, errorThresholdPercentage: 50 },
    ...overrides,
  });
  cleanups.push(() => c.shutdown());
  return c;
}

function expectNoSecret(r: AssistResult): void {
  expect(JSON.stringify(r)).not.toContain(SECRET);
  expect(r.reason ?? '').not.toContain(SECRET);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('portal assist client — against a real HTTP portal', () => {
  it('up: maps the fields, sends X-Ops-Secret and accept, and serves the second call from cache', async () => {
    const portal = await startPortal(ok);
    let clock = Date.parse('2026-06-16T10:16:22Z');
    const c = client(portal, { cacheTtlMs: 15_000, now: () => clock });

    const first = await c.assistFor('sess_abc123');
    expect(first).toEqual({
      assist: {
        timeOnStepSec: 142,
        lastError: null,
        plannedEmail: 'admin@myvexx.com',
        wizardStep: 'dns_cloudflare',
        wizardStepLabel: 'DNS Cloudflare',
      },
      status: 'ok',
      reason: null,
      fetchedAt: new Date('2026-06-16T10:16:22Z'),
      cached: false,
    });
    expect(portal.requests).toHaveLength(1);
    expect(portal.requests[0]!.url).toBe('/api/onboarding/session/sess_abc123/ops-status');
    expect(portal.requests[0]!.headers['x-ops-secret']).toBe(SECRET);
    expect(portal.requests[0]!.headers.accept).toBe('application/json');

    clock += 14_000;
    const second = await c.assistFor('sess_abc123');
    expect(second.status).toBe('ok');
    expect(second.cached).toBe(true);
    expect(second.fetchedAt).toEqual(first.fetchedAt);
    expect(second.assist).toEqual(first.assist);
    expect(portal.requests).toHaveLength(1);

    clock += 2_000; // past the TTL
    const third = await c.assistFor('sess_abc123');
    expect(third.cached).toBe(false);
    expect(portal.requests).toHaveLength(2);
    expect(c.stats()).toMatchObject({ requests: 2, cacheHits: 1, breaker: 'closed', enabled: true });
  });

  it('encodes the session id into one path segment', async () => {
    const portal = await startPortal(ok);
    const c = client(portal);
    const r = await c.assistFor('sess/../x y?z#w');
    expect(r.status).toBe('ok');
    expect(portal.requests[0]!.url).toBe('/api/onboarding/session/sess%2F..%2Fx%20y%3Fz%23w/ops-status');
  });

  it('slow: answers `timeout` quickly and really closes the socket', async () => {
    const portal = await startPortal((_req, res) => {
      const t = setTimeout(() => json(res, 200, REALISTIC), 3000);
      res.on('close', () => clearTimeout(t));
    });
    const c = client(portal, { timeoutMs: 200 });

    const started = performance.now();
    const r = await c.assistFor('sess_slow');
    const elapsed = performance.now() - started;

    expect(r.status).toBe('timeout');
    expect(r.assist).toBeNull();
    expect(r.fetchedAt).toBeNull();
    expect(r.reason).toMatch(/200 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1000);
    await sleep(100);
    expect(portal.abortedByClient).toHaveLength(1);
    expect(portal.abortedByClient[0]!).toBeLessThan(1000);
    expectNoSecret(r);
  });

  it('down: a closed port is `unreachable`', async () => {
    const portal = await startPortal(ok);
    const base = portal.baseUrl;
    await portal.close();
    const c = createPortalAssistClient({ baseUrl: base, opsSecret: SECRET });
    cleanups.push(() => c.shutdown());

    const started = performance.now();
    const r = await c.assistFor('sess_abc123');
    expect(r.status).toBe('unreachable');
    expect(r.reason).toContain('ECONNREFUSED');
    expect(r.cached).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    expectNoSecret(r);
  });

  it('401 and 403 are `unauthorized` and are not cached', async () => {
    const portal = await startPortal((_req, res, n) => json(res, n === 1 ? 401 : 403, { error: `bad secret ${SECRET}` }));
    const c = client(portal);
    const a = await c.assistFor('sess_abc123');
    const b = await c.assistFor('sess_abc123');
    expect([a.status, b.status]).toEqual(['unauthorized', 'unauthorized']);
    expect(a.reason).toContain('401');
    expect(b.reason).toContain('403');
    expect(portal.requests).toHaveLength(2);
    expectNoSecret(a);
    expectNoSecret(b);
  });

  it('404 is `not_found`, cached for the TTL, and does not open the breaker', async () => {
    const portal = await startPortal((_req, res) => json(res, 404, { error: 'session not found' }));
    let clock = 1_000_000;
    const c = client(portal, { now: () => clock, cacheTtlMs: 5_000 });

    const first = await c.assistFor('sess_gone');
    expect(first).toMatchObject({ status: 'not_found', assist: null, cached: false });
    expect(first.fetchedAt).toEqual(new Date(1_000_000));
    const second = await c.assistFor('sess_gone');
    expect(second).toMatchObject({ status: 'not_found', cached: true });
    expect(portal.requests).toHaveLength(1);

    // Many different unknown sessions: still not failures for the breaker.
    for (let i = 0; i < 8; i++) expect((await c.assistFor(`sess_${i}`)).status).toBe('not_found');
    expect(c.stats().breaker).toBe('closed');
    clock += 5_001;
    expect((await c.assistFor('sess_gone')).cached).toBe(false);
  });

  it('500 is `bad_response`, 503 is `unreachable`, neither is cached', async () => {
    const portal = await startPortal((_req, res, n) => json(res, n === 1 ? 500 : 503, { error: 'boom' }));
    const c = client(portal);
    const a = await c.assistFor('sess_abc123');
    const b = await c.assistFor('sess_abc123');
    expect(a.status).toBe('bad_response');
    expect(a.reason).toContain('500');
    expect(b.status).toBe('unreachable');
    expect(b.reason).toContain('503');
    expect(portal.requests).toHaveLength(2);
  });

  it('invalid JSON, a non-object, or an object without ops-status fields is `bad_response`', async () => {
    const bodies = ['<html>oops</html>', '[1,2,3]', '{"hello":"world"}', ''];
    const portal = await startPortal((_req, res, n) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(bodies[n - 1]);
    });
    const c = client(portal, { breaker: { volumeThreshold: 100, resetTimeoutMs: 200 } });
    const results: AssistResult[] = [];
    for (let i = 0; i < bodies.length; i++) results.push(await c.assistFor(`sess_${i}`));
    expect(results.map((r) => r.status)).toEqual(['bad_response', 'bad_response', 'bad_response', 'bad_response']);
    expect(results[0]!.reason).toMatch(/not JSON/);
    expect(results[2]!.reason).toMatch(/without any ops-status field/);
    expect(results.every((r) => r.assist === null)).toBe(true);
  });

  it('does not follow redirects (the secret header must not travel to another host)', async () => {
    const elsewhere = await startPortal(ok);
    const portal = await startPortal((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.baseUrl}/steal` });
      res.end();
    });
    const c = client(portal);
    const r = await c.assistFor('sess_abc123');
    expect(r.status).toBe('bad_response');
    expect(r.reason).toContain('302');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('breaker: opens after 5 failures, answers `circuit_open` without requests, half-opens and closes on success', async () => {
    const portal = await startPortal((_req, res) => json(res, 500, { error: 'down' }));
    const c = client(portal, { breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 200 } });

    for (let i = 0; i < 5; i++) expect((await c.assistFor(`sess_${i}`)).status).toBe('bad_response');
    expect(portal.requests).toHaveLength(5);
    expect(c.stats().breaker).toBe('open');

    const started = performance.now();
    const rejected = await c.assistFor('sess_new');
    expect(performance.now() - started).toBeLessThan(50);
    expect(rejected).toMatchObject({ status: 'circuit_open', assist: null, cached: false });
    expect(rejected.reason).toMatch(/circuit open/);
    expect((await c.assistFor('sess_other')).status).toBe('circuit_open');
    expect(portal.requests).toHaveLength(5);

    portal.handler = ok;
    await sleep(300);
    expect(c.stats().breaker).toBe('half_open');
    const trial = await c.assistFor('sess_abc123');
    expect(trial.status).toBe('ok');
    expect(portal.requests).toHaveLength(6);
    expect(c.stats().breaker).toBe('closed');
    expect((await c.assistFor('sess_again')).status).toBe('ok');
    expect(portal.requests).toHaveLength(7);
    expect(c.stats().byStatus).toMatchObject({ bad_response: 5, circuit_open: 2, ok: 2 });
  });

  it('breaker: a failed half-open trial re-opens the circuit', async () => {
    const portal = await startPortal((_req, res) => json(res, 401, {}));
    const c = client(portal);
    for (let i = 0; i < 5; i++) expect((await c.assistFor(`sess_${i}`)).status).toBe('unauthorized');
    expect(c.stats().breaker).toBe('open');
    await sleep(300);
    expect((await c.assistFor('sess_trial')).status).toBe('unauthorized');
    expect(portal.requests).toHaveLength(6);
    expect((await c.assistFor('sess_after')).status).toBe('circuit_open');
    expect(portal.requests).toHaveLength(6);
  });

  it('timeouts count as breaker failures', async () => {
    const portal = await startPortal((_req, res) => {
      const t = setTimeout(() => json(res, 200, REALISTIC), 3000);
      res.on('close', () => clearTimeout(t));
    });
    const c = client(portal, { timeoutMs: 50 });
    for (let i = 0; i < 5; i++) expect((await c.assistFor(`sess_${i}`)).status).toBe('timeout');
    expect((await c.assistFor('sess_x')).status).toBe('circuit_open');
    expect(portal.requests).toHaveLength(5);
  });

  it('concurrent calls for the same session share one request', async () => {
    const portal = await startPortal((_req, res) => {
      setTimeout(() => json(res, 200, REALISTIC), 100);
    });
    const c = client(portal);
    const results = await Promise.all(Array.from({ length: 10 }, () => c.assistFor('sess_abc123')));
    expect(portal.requests).toHaveLength(1);
    expect(results.every((r) => r.status === 'ok' && r.assist?.timeOnStepSec === 142)).toBe(true);
    // Each caller gets its own copy.
    expect(results[0]).not.toBe(results[1]);
    expect(results[0]!.assist).not.toBe(results[1]!.assist);
    expect(c.stats().inFlight).toBe(0);

    const [x, y] = await Promise.all([c.assistFor('sess_x'), c.assistFor('sess_y')]);
    expect([x.status, y.status]).toEqual(['ok', 'ok']);
    expect(portal.requests).toHaveLength(3);
  });

  it('concurrent callers share a failure too, and it is not cached', async () => {
    const portal = await startPortal((_req, res) => setTimeout(() => json(res, 500, {}), 50));
    const c = client(portal);
    const results = await Promise.all(Array.from({ length: 4 }, () => c.assistFor('sess_abc123')));
    expect(results.map((r) => r.status)).toEqual(['bad_response', 'bad_response', 'bad_response', 'bad_response']);
    expect(portal.requests).toHaveLength(1);
    await c.assistFor('sess_abc123');
    expect(portal.requests).toHaveLength(2);
  });

  it('baseUrl null is `not_configured` and sends nothing', async () => {
    let fetched = 0;
    const c = client(null, {
      fetch: async () => {
        fetched++;
        return new Response('{}');
      },
    });
    const r = await c.assistFor('sess_abc123');
    expect(r).toEqual({ assist: null, status: 'not_configured', reason: expect.stringContaining('PORTAL_URL'), fetchedAt: null, cached: false });
    expect(fetched).toBe(0);
    expect(c.stats()).toMatchObject({ enabled: false, breaker: 'off', requests: 0 });
  });

  it('an empty session id answers `not_found` without a request', async () => {
    const portal = await startPortal(ok);
    const c = client(portal);
    expect((await c.assistFor('   ')).status).toBe('not_found');
    expect((await c.assistFor('x'.repeat(1000))).status).toBe('not_found');
    expect(portal.requests).toHaveLength(0);
  });

  it('never throws and never leaks the secret, even when fetch itself misbehaves', async () => {
    const thrower = client(null, {
      baseUrl: 'http://portal.invalid',
      fetch: () => {
        throw new Error(`connect failed with header X-Ops-Secret: ${SECRET}`);
      },
    });
    const r1 = await thrower.assistFor('sess_abc123');
    expect(r1.status).toBe('unreachable');
    expectNoSecret(r1);

    const coded = client(null, {
      baseUrl: 'http://portal.invalid',
      fetch: async () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(SECRET), { code: 'ENOTFOUND' }) });
      },
    });
    const r2 = await coded.assistFor('sess_abc123');
    expect(r2.status).toBe('unreachable');
    expect(r2.reason).toContain('ENOTFOUND');
    expectNoSecret(r2);
  });

  it('the secret appears in no reason across every failure mode', async () => {
    const modes: Handler[] = [
      (_q, res) => json(res, 401, { secret: SECRET }),
      (_q, res) => json(res, 500, { secret: SECRET }),
      (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`not json ${SECRET}`);
      },
      (_q, res) => json(res, 200, { echo: SECRET }),
    ];
    const portal = await startPortal((req, res, n) => modes[(n - 1) % modes.length]!(req, res, n));
    const c = client(portal, { breaker: { volumeThreshold: 100, resetTimeoutMs: 200 } });
    for (let i = 0; i < modes.length; i++) {
      const r = await c.assistFor(`sess_${i}`);
      expect(r.status).not.toBe('ok');
      expectNoSecret(r);
    }
    expect(JSON.stringify(c.stats())).not.toContain(SECRET);
  });

  it('rejects an unusable PORTAL_URL or an empty secret at construction', () => {
    expect(() => createPortalAssistClient({ baseUrl: 'not a url', opsSecret: SECRET })).toThrow(/PORTAL_URL/);
    expect(() => createPortalAssistClient({ baseUrl: 'ftp://portal', opsSecret: SECRET })).toThrow(/http/);
    expect(() => createPortalAssistClient({ baseUrl: 'http://portal', opsSecret: '' })).toThrow(/secret/);
    const off = createPortalAssistClient({ baseUrl: '  ', opsSecret: '' });
    cleanups.push(() => off.shutdown());
    expect(off.stats().enabled).toBe(false);
  });
});

describe('parseOpsStatus — lenient reading of the portal JSON', () => {
  it('reads the alternative key names, numeric strings and error objects', () => {
    expect(
      parseOpsStatus({
        step: 'account_create',
        step_label: 'Criar conta',
        time_on_step_sec: '30',
        last_error: { message: '  DNS apply timeout  ', code: 'E_DNS' },
        planned_email: 'admin@myvexx.com',
      }),
    ).toEqual({
      timeOnStepSec: 30,
      lastError: 'DNS apply timeout',
      plannedEmail: 'admin@myvexx.com',
      wizardStep: 'account_create',
      wizardStepLabel: 'Criar conta',
    });
  });

  it('prefers wizard_step over step and unwraps { data: … }', () => {
    expect(parseOpsStatus({ data: { wizard_step: 'a', step: 'b', wizard_step_label: 'A', time_on_step_sec: 12.6 } })).toMatchObject({
      wizardStep: 'a',
      wizardStepLabel: 'A',
      timeOnStepSec: 13,
    });
  });

  it('turns wrongly typed or empty fields into null instead of rejecting the answer', () => {
    expect(
      parseOpsStatus({ time_on_step_sec: -5, last_error: ['x'], planned_email: '   ', wizard_step: { x: 1 }, wizard_step_label: null }),
    ).toEqual({ timeOnStepSec: null, lastError: null, plannedEmail: null, wizardStep: null, wizardStepLabel: null });
    expect(parseOpsStatus({ time_on_step_sec: 'soon' })?.timeOnStepSec).toBeNull();
  });

  it('caps long strings', () => {
    expect(parseOpsStatus({ last_error: 'e'.repeat(10_000) })?.lastError).toHaveLength(2000);
  });

  it('rejects what is not an ops-status object', () => {
    for (const body of [null, 'x', 42, [], {}, { unrelated: true }, { data: [] }]) expect(parseOpsStatus(body)).toBeNull();
  });
});
