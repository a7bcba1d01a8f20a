import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEmitter,
  emitEvent,
  emitInBackground,
  type EmitContext,
  type EmitOutcome,
  type EmitterOptions,
} from '../sdk/emitter/emit-event.ts';

const WHSEC = `whsec_${randomBytes(24).toString('base64')}`;
const RAW_SECRET = 'plain-shared-secret-for-tests';
const PATH = '/api/v1/webhooks/onboard';
const SCRIPT = fileURLToPath(new URL('../scripts/verify-webhook.sh', import.meta.url));

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse, n: number) => void;

interface FakeReceiver {
  url: string;
  requests: Received[];
  close(): Promise<void>;
}

const servers: FakeReceiver[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A real HTTP server on an ephemeral port that records every request and lets `handler` answer. */
async function startReceiver(handler: Handler): Promise<FakeReceiver> {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ headers: req.headers, body, at: performance.now() });
      handler(req, body, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: FakeReceiver = {
    url: `http://127.0.0.1:${port}${PATH}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(receiver);
  return receiver;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const accepted = (eventId = 42, chamado: string | null = 'CH-2024-0001') => ({
  status: 'accepted',
  event_id: eventId,
  chamado_public_id: chamado,
  duplicate_of: null,
});

/** Sleep that records the delays asked for and resolves at once. */
function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

/** Headers as the `standardwebhooks` verifier wants them. */
function signatureHeaders(h: IncomingHttpHeaders): Record<string, string> {
  return {
    'webhook-id': String(h['webhook-id']),
    'webhook-timestamp': String(h['webhook-timestamp']),
    'webhook-signature': String(h['webhook-signature']),
  };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${PATH}`;
}

const payload = {
  session_id: 'sess-123',
  domain: 'cliente.example.com',
  data: { email: 'ana@cliente.example.com', account_verified: true, mail_aliases: ['info'] },
};

function options(url: string, extra: Partial<EmitterOptions> = {}): EmitterOptions & { delays: number[] } {
  const { delays, sleep } = recordingSleep();
  return { url, secret: WHSEC, sleep, delays, ...extra };
}

describe('emitEvent: delivery', () => {
  it('delivers on the first try with a verifiable Standard Webhooks signature and the spec body', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 202, accepted()));
    const opts = options(rx.url);
    const before = Math.floor(Date.now() / 1000);
    const outcome = await createEmitter(opts).emitEvent('account.created', payload);

    expect(outcome).toEqual({
      status: 'delivered',
      attempts: 1,
      httpStatus: 202,
      eventId: 42,
      chamadoPublicId: 'CH-2024-0001',
      webhookId: expect.stringMatching(/^msg_[0-9a-f-]{36}$/),
    });
    expect(opts.delays).toEqual([]);
    expect(rx.requests).toHaveLength(1);
    const [req] = rx.requests;
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['webhook-id']).toBe(outcome.webhookId);
    expect(Number(req!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before);
    expect(req!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(req!.headers['x-webhook-secret']).toBeUndefined(); // signed mode never sends the secret itself
    expect(new Webhook(WHSEC).verify(req!.body, signatureHeaders(req!.headers))).toEqual({
      event: 'account.created',
      session_id: 'sess-123',
      domain: 'cliente.example.com',
      data: payload.data,
      occurred_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    // a signature made with another key is rejected: the check above is not vacuous
    expect(() => new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(req!.body, signatureHeaders(req!.headers))).toThrow();
  });

  it('signs with the raw bytes of a non-whsec secret and sends "" for a missing session_id', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 202, accepted(7, null)));
    const outcome = await createEmitter(options(rx.url, { secret: RAW_SECRET })).emitEvent('domain.validated', {
      domain: 'x.example.com',
      occurred_at: '2025-01-02T03:04:05.000Z',
    });
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 1, eventId: 7, chamadoPublicId: null });
    const [req] = rx.requests;
    expect(new Webhook(RAW_SECRET, { format: 'raw' }).verify(req!.body, signatureHeaders(req!.headers))).toEqual({
      event: 'domain.validated',
      session_id: '',
      domain: 'x.example.com',
      data: {},
      occurred_at: '2025-01-02T03:04:05.000Z',
    });
  });

  it('reports a duplicate receipt as "duplicate"', async () => {
    const rx = await startReceiver((_req, _body, res) =>
      json(res, 202, { status: 'duplicate', event_id: 9, chamado_public_id: 'CH-2024-0007', duplicate_of: 3 }),
    );
    const outcome = await createEmitter(options(rx.url)).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'duplicate', attempts: 1, httpStatus: 202, eventId: 9, chamadoPublicId: 'CH-2024-0007' });
  });

  it('shared-secret mode sends X-Webhook-Secret and a delivery id, but no webhook-* headers', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 202, accepted()));
    const outcome = await createEmitter(options(rx.url, { secret: RAW_SECRET, signing: 'shared-secret' })).emitEvent('account.created', payload);
    expect(outcome.status).toBe('delivered');
    const [req] = rx.requests;
    expect(req!.headers['x-webhook-secret']).toBe(RAW_SECRET);
    expect(req!.headers['x-delivery-id']).toBe(outcome.webhookId);
    // the receiver treats any webhook-id/-signature header as a signature attempt
    expect(req!.headers['webhook-id']).toBeUndefined();
    expect(req!.headers['webhook-signature']).toBeUndefined();
  });

  it('reuses a caller-given webhook id', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 202, accepted()));
    const outcome = await createEmitter(options(rx.url)).emitEvent('account.created', payload, { webhookId: 'msg_outbox_17' });
    expect(outcome.webhookId).toBe('msg_outbox_17');
    expect(rx.requests[0]!.headers['webhook-id']).toBe('msg_outbox_17');
  });

  it('uses a fresh webhook id per event', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 202, accepted()));
    const emitter = createEmitter(options(rx.url));
    const a = await emitter.emitEvent('account.created', payload);
    const b = await emitter.emitEvent('account.created', payload);
    expect(a.webhookId).not.toBe(b.webhookId);
    expect(rx.requests.map((r) => r.headers['webhook-id'])).toEqual([a.webhookId, b.webhookId]);
  });
});

describe('emitEvent: retries', () => {
  it('retries 503 twice after 1 s and 3 s, then delivers, with the same webhook id and body', async () => {
    const rx = await startReceiver((_req, _body, res, n) =>
      n <= 2 ? json(res, 503, { error: 'UNAVAILABLE', message: 'try later' }) : json(res, 202, accepted()),
    );
    const opts = options(rx.url);
    const outcome = await createEmitter(opts).emitEvent('account.created', payload);

    expect(outcome).toMatchObject({ status: 'delivered', attempts: 3, httpStatus: 202, eventId: 42 });
    expect(opts.delays).toEqual([1000, 3000]);
    expect(rx.requests).toHaveLength(3);
    const ids = new Set(rx.requests.map((r) => r.headers['webhook-id']));
    expect([...ids]).toEqual([outcome.webhookId]);
    expect(new Set(rx.requests.map((r) => r.body)).size).toBe(1); // serialised once: same occurred_at too
    for (const r of rx.requests) expect(() => new Webhook(WHSEC).verify(r.body, signatureHeaders(r.headers))).not.toThrow();
  });

  it('gives up after 4 attempts (1 + retries after 1 s, 3 s, 9 s) when the receiver never answers in time', async () => {
    const rx = await startReceiver(() => {
      /* never answers */
    });
    const opts = options(rx.url, { timeoutMs: 200 });
    const logged: Array<[Record<string, unknown>, string]> = [];
    const outcome = await createEmitter({ ...opts, logger: { warn: (f, m) => void logged.push([f, m]) } }).emitEvent('account.created', payload);

    expect(outcome).toMatchObject({ status: 'failed', attempts: 4, error: 'timed out after 200 ms' });
    expect(outcome.httpStatus).toBeUndefined();
    expect(opts.delays).toEqual([1000, 3000, 9000]);
    expect(rx.requests).toHaveLength(4);
    expect(new Set(rx.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    // spec T012: one warn line per failed event, naming the event and never the secret
    expect(logged).toHaveLength(1);
    expect(logged[0]![1]).toBe('ops webhook delivery failed');
    expect(logged[0]![0]).toMatchObject({ event: 'account.created', domain: 'cliente.example.com', session_id: 'sess-123', attempts: 4 });
    expect(JSON.stringify(logged)).not.toContain(WHSEC);
  });

  it('times out a response whose body stalls', async () => {
    const rx = await startReceiver((_req, _body, res) => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.write('{"status":'); // ...and nothing more
    });
    const outcome = await createEmitter(options(rx.url, { timeoutMs: 200, retryDelaysMs: [] })).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, error: 'timed out after 200 ms' });
  });

  it('fails without throwing when the connection is refused', async () => {
    const opts = options(await closedPortUrl());
    const outcome = await createEmitter(opts).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 4 });
    expect(outcome.error).toMatch(/ECONNREFUSED/);
    expect(opts.delays).toEqual([1000, 3000, 9000]);
  });

  it.each([
    [401, { error: 'UNAUTHENTICATED', message: 'webhook signature rejected: No matching signature found' }],
    [422, { error: 'SCHEMA_MISMATCH', message: 'the body does not fit the onboard format' }],
    [404, { error: 'NOT_FOUND', message: 'no such route' }],
  ])('does not retry HTTP %i', async (status, body) => {
    const rx = await startReceiver((_req, _body, res) => json(res, status, body));
    const opts = options(rx.url);
    const outcome = await createEmitter(opts).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, httpStatus: status, error: `HTTP ${status}: ${body.error}: ${body.message}` });
    expect(opts.delays).toEqual([]);
    expect(rx.requests).toHaveLength(1);
  });

  it('retries 408 and 429, honouring Retry-After up to the longest planned delay', async () => {
    const rx = await startReceiver((_req, _body, res, n) => {
      if (n === 1) return json(res, 429, { error: 'RATE_LIMITED' }, { 'retry-after': '2' }); // 2 s > planned 1 s
      if (n === 2) return json(res, 429, { error: 'RATE_LIMITED' }, { 'retry-after': '60' }); // capped at 9 s
      if (n === 3) return json(res, 408, { error: 'TIMEOUT' }, { 'retry-after': '0' }); // never shortens the 9 s
      return json(res, 202, accepted());
    });
    const opts = options(rx.url);
    const outcome = await createEmitter(opts).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(opts.delays).toEqual([2000, 9000, 9000]);
  });

  it('reports the last HTTP status when retries run out', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 500, { error: 'INTERNAL_SERVER_ERROR', message: 'retry it' }));
    const outcome = await createEmitter(options(rx.url, { retryDelaysMs: [5] })).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 2, httpStatus: 500, error: 'HTTP 500: INTERNAL_SERVER_ERROR: retry it' });
  });

  it('does not follow redirects (a redirected POST would become a GET)', async () => {
    const rx = await startReceiver((_req, _body, res) => {
      res.writeHead(301, { location: 'http://elsewhere.example/' });
      res.end();
    });
    const outcome = await createEmitter(options(rx.url)).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, httpStatus: 301 });
    expect(outcome.error).toContain('redirect');
  });

  it('waits for real with the default sleep', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 503, {}));
    const started = performance.now();
    const outcome = await createEmitter({ url: rx.url, secret: WHSEC, retryDelaysMs: [10, 20, 30] }).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 4, httpStatus: 503 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(59);
    const gaps = rx.requests.slice(1).map((r, i) => r.at - rx.requests[i]!.at);
    expect(gaps).toHaveLength(3);
    [10, 20, 30].forEach((d, i) => expect(gaps[i]).toBeGreaterThanOrEqual(d - 1));
  });

  it('recomputes webhook-timestamp per attempt', async () => {
    const rx = await startReceiver((_req, _body, res, n) => (n === 1 ? json(res, 503, {}) : json(res, 202, accepted())));
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const outcome = await createEmitter(
      options(rx.url, { now: () => new Date(clock), sleep: async (ms) => void (clock += ms) }),
    ).emitEvent('account.created', payload);
    expect(outcome.status).toBe('delivered');
    expect(rx.requests.map((r) => Number(r.headers['webhook-timestamp']))).toEqual([1893456000, 1893456001]);
  });
});

describe('emitEvent: never throws', () => {
  it('turns a fetch that throws synchronously into a failed outcome', async () => {
    let calls = 0;
    const fetch = (() => {
      calls += 1;
      throw new TypeError('boom');
    }) as unknown as EmitterOptions['fetch'];
    const outcome = await createEmitter(options('http://127.0.0.1:9/x', { fetch })).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 4, error: 'boom' });
    expect(calls).toBe(4);
  });

  it('times out an injected fetch that ignores the abort signal', async () => {
    const fetch = () => new Promise<Response>(() => {});
    const outcome = await createEmitter(options('http://127.0.0.1:9/x', { fetch, timeoutMs: 50, retryDelaysMs: [] })).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, error: 'timed out after 50 ms' });
  });

  it('fails a payload that cannot be serialised without sending anything', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 202, accepted()));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const emitter = createEmitter(options(rx.url));
    const big = await emitter.emitEvent('account.created', { domain: 'x.example.com', data: { n: 10n } });
    const loop = await emitter.emitEvent('account.created', { domain: 'x.example.com', data: circular });
    const nothing = await emitter.emitEvent('account.created', null as unknown as typeof payload);
    for (const o of [big, loop, nothing]) {
      expect(o).toMatchObject({ status: 'failed', attempts: 0 });
      expect(o.error).toMatch(/^payload could not be serialised: /);
    }
    expect(rx.requests).toHaveLength(0);
  });

  it('survives a throwing onOutcome hook and logger', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 401, {}));
    const outcome = await createEmitter(
      options(rx.url, {
        onOutcome: () => {
          throw new Error('hook');
        },
        logger: {
          warn: () => {
            throw new Error('logger');
          },
        },
      }),
    ).emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, httpStatus: 401 });
  });

  it('never puts the secret in an outcome, even when the server echoes it', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 401, { error: 'UNAUTHENTICATED', message: `bad secret ${RAW_SECRET}` }));
    const outcome = await createEmitter(options(rx.url, { secret: RAW_SECRET, signing: 'shared-secret' })).emitEvent('account.created', payload);
    expect(outcome.error).toBe('HTTP 401: UNAUTHENTICATED: bad secret [redacted]');
  });

  it('keeps no part of an echoed secret that the error text limit would cut in two', async () => {
    // The secret starts a few characters before the 300-character clip: cut first, its head would survive.
    const padding = 'x'.repeat(300 - 'HTTP 401: UNAUTHENTICATED: '.length - 4);
    const rx = await startReceiver((_req, _body, res) => json(res, 401, { error: 'UNAUTHENTICATED', message: `${padding}${RAW_SECRET}` }));
    const outcome = await createEmitter(options(rx.url, { secret: RAW_SECRET, signing: 'shared-secret' })).emitEvent('account.created', payload);
    expect(outcome.error).toMatch(/^HTTP 401: UNAUTHENTICATED: x+\[red/);
    expect(outcome.error).not.toContain(RAW_SECRET.slice(0, 4));
  });

  it('createEmitter rejects a misconfigured enabled emitter; the one-shot emitEvent reports it instead', async () => {
    expect(() => createEmitter({ url: 'not a url', secret: WHSEC })).toThrow(/url/);
    expect(() => createEmitter({ url: 'http://127.0.0.1/x', secret: '' })).toThrow(/secret/);
    expect(() => createEmitter({ url: 'http://127.0.0.1/x', secret: 'whsec_' })).toThrow(/whsec_/);
    expect(() => createEmitter({ url: 'http://u:p@127.0.0.1/x', secret: WHSEC })).toThrow(/credentials/);
    expect(() => createEmitter({ url: 'http://127.0.0.1/x', secret: WHSEC, timeoutMs: 0 })).toThrow(/timeoutMs/);
    const seen: EmitOutcome[] = [];
    const outcome = await emitEvent({ url: 'http://127.0.0.1/x', onOutcome: (o) => void seen.push(o) }, 'account.created', payload);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 0, error: 'emitter: secret is required when enabled' });
    expect(seen).toEqual([outcome]);
  });

  it('the one-shot emitEvent delivers with valid options', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 202, accepted()));
    const outcome = await emitEvent(options(rx.url), 'account.created', payload);
    expect(outcome).toMatchObject({ status: 'delivered', attempts: 1 });
  });
});

describe('disabled emitter (spec T023)', () => {
  it('sends nothing and answers disabled, with no URL or secret needed', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 202, accepted()));
    const seen: Array<[EmitOutcome, EmitContext]> = [];
    const emitter = createEmitter({ enabled: false, onOutcome: (o, c) => void seen.push([o, c]) });
    const outcome = await emitter.emitEvent('account.created', payload);
    expect(outcome).toMatchObject({ status: 'disabled', attempts: 0 });
    expect(seen).toEqual([[outcome, { event: 'account.created', domain: 'cliente.example.com', sessionId: 'sess-123' }]]);
    const disabledWithUrl = createEmitter({ ...options(rx.url), enabled: false });
    expect((await disabledWithUrl.emitEvent('account.created', payload)).status).toBe('disabled');
    disabledWithUrl.emitInBackground('account.created', payload);
    await disabledWithUrl.drain();
    expect(rx.requests).toHaveLength(0);
  });
});

describe('emitInBackground (spec US3)', () => {
  it('returns before the receiver answers and reports through the hook', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const rx = await startReceiver((_req, _body, res) => void released.then(() => json(res, 202, accepted(5, 'CH-9'))));
    const seen: EmitOutcome[] = [];
    const emitter = createEmitter(options(rx.url, { onOutcome: (o) => void seen.push(o) }));

    const id = emitInBackground(emitter, 'account.created', payload);
    expect(id).toMatch(/^msg_/);
    expect(rx.requests).toHaveLength(0); // nothing was sent before the caller got control back
    await expect.poll(() => rx.requests.length).toBe(1); // the request arrived...
    expect(seen).toEqual([]); // ...and is still unanswered, while the caller went on
    release();
    await emitter.drain();
    expect(seen).toEqual([{ status: 'delivered', attempts: 1, httpStatus: 202, eventId: 5, chamadoPublicId: 'CH-9', webhookId: id }]);
    expect(rx.requests[0]!.headers['webhook-id']).toBe(id);
  });

  it('snapshots the payload at call time and reports failures through the logger', async () => {
    const rx = await startReceiver((_req, _body, res) => json(res, 401, { error: 'UNAUTHENTICATED', message: 'nope' }));
    const warned: Record<string, unknown>[] = [];
    const emitter = createEmitter(options(rx.url, { logger: { warn: (f) => void warned.push(f) } }));
    const data: Record<string, unknown> = { email: 'before@example.com' };
    const id = emitter.emitInBackground('account.created', { domain: 'x.example.com', data });
    data.email = 'after@example.com';
    await emitter.drain();
    expect(JSON.parse(rx.requests[0]!.body).data).toEqual({ email: 'before@example.com' });
    expect(warned).toEqual([expect.objectContaining({ webhook_id: id, http_status: 401, error: 'HTTP 401: UNAUTHENTICATED: nope' })]);
  });
});

describe('scripts/verify-webhook.sh', () => {
  function runScript(url: string, secret: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile('bash', [SCRIPT, url, secret], { timeout: 20_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** A fake receiver that checks the Standard Webhooks signature like OpsGraph's does. */
  async function fakeOpsGraph(secret: string, secondStatus: 'duplicate' | 'accepted', secondChamado?: string) {
    const wh = secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
    return startReceiver((req, body, res, n) => {
      try {
        wh.verify(body, signatureHeaders(req.headers));
      } catch (err) {
        return json(res, 401, { error: 'UNAUTHENTICATED', message: (err as Error).message });
      }
      if (n === 1) return json(res, 202, { status: 'accepted', event_id: 1, chamado_public_id: 'CH-2025-0042', duplicate_of: null, events: [] });
      return json(res, 202, {
        status: secondStatus,
        event_id: 2,
        chamado_public_id: secondChamado ?? (secondStatus === 'duplicate' ? 'CH-2025-0042' : 'CH-2025-0043'),
        duplicate_of: secondStatus === 'duplicate' ? 1 : null,
        events: [],
      });
    });
  }

  it('passes when the second delivery is a duplicate of the same chamado (whsec_ secret)', async () => {
    const rx = await fakeOpsGraph(WHSEC, 'duplicate');
    const run = await runScript(rx.url, WHSEC);
    expect(run.stdout).toContain('PASS: second delivery recognised as duplicate of chamado CH-2025-0042');
    expect(run.code).toBe(0);
    expect(rx.requests).toHaveLength(2);
    const [a, b] = rx.requests;
    expect(a!.headers['webhook-id']).toBe(b!.headers['webhook-id']);
    expect(a!.body).toBe(b!.body);
    expect(a!.headers['x-webhook-secret']).toBe(WHSEC);
    const sent = JSON.parse(a!.body);
    expect(sent).toMatchObject({ event: 'account.created', session_id: expect.stringMatching(/^verify-session-/), data: { email: expect.stringContaining('@') } });
    expect(`${run.stdout}${run.stderr}`).not.toContain(WHSEC);
  });

  it('passes with a raw (non-whsec) secret', async () => {
    const rx = await fakeOpsGraph(RAW_SECRET, 'duplicate');
    const run = await runScript(rx.url, RAW_SECRET);
    expect(run.stdout).toContain('PASS');
    expect(run.code).toBe(0);
  });

  it('fails when the receiver accepts the same webhook-id twice', async () => {
    const rx = await fakeOpsGraph(WHSEC, 'accepted');
    const run = await runScript(rx.url, WHSEC);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL: second delivery has status "accepted"/);
  });

  it('fails when the duplicate points at another chamado', async () => {
    const rx = await fakeOpsGraph(WHSEC, 'duplicate', 'CH-2025-0099');
    const run = await runScript(rx.url, WHSEC);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL: chamado_public_id differs: first "CH-2025-0042", second "CH-2025-0099"');
  });

  it('fails when the signature is rejected (wrong secret)', async () => {
    const rx = await fakeOpsGraph(WHSEC, 'duplicate');
    const run = await runScript(rx.url, `whsec_${randomBytes(24).toString('base64')}`);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL: first delivery answered HTTP 401/);
  });

  it('fails when the receiver is unreachable', async () => {
    const run = await runScript(await closedPortUrl(), WHSEC);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL: request 1: curl failed/);
  });
});
