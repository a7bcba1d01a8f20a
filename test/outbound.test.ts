import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PgBoss } from 'pg-boss';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { startOutboundWorker, type OutboundWorker } from '../src/workers/outbound-queue.ts';
import { startBoss } from '../src/workers/pg-boss-queue.ts';
import { matches } from '../src/services/outbound/matching.ts';
import { newChamado as openChamado, newDomain, waitFor } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * Outbound webhooks end to end: the real server and PostgreSQL, a pg-boss of this file's own
 * running the outbound worker (dispatcher loop + delivery consumer) with short retry delays, and a
 * real HTTP receiver on a random port that checks Standard Webhooks signatures. Every webhook is
 * filtered to a chamado of its own, so changes made by other test files never reach it. Deliveries
 * are asynchronous: tests poll, never sleep a fixed time.
 */

const WORKER = {
  retryLimit: 2, // 3 attempts in all
  retryDelaySeconds: 1,
  retryBackoff: true, // 1–2 s, then 2–4 s
  timeoutMs: 1000,
  concurrency: 4,
  pollingIntervalSeconds: 0.5,
};

/* ------------------------------------------------------------------ the receiver */

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}
/** What the receiver does with the n-th request (1-based) on a path. */
type Behaviour = (n: number) => { status: number; body?: string; headers?: Record<string, string> } | { hangMs: number };
const ok: Behaviour = () => ({ status: 200 });

class Receiver {
  readonly received: Received[] = [];
  readonly #behaviours = new Map<string, Behaviour>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  on(path: string, behaviour: Behaviour): string {
    this.#behaviours.set(path, behaviour);
    return `${this.url}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      this.received.push({ path, headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const outcome = (this.#behaviours.get(path) ?? ok)(this.at(path).length);
      if ('hangMs' in outcome) {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          if (!res.destroyed) res.writeHead(200).end('late');
        }, outcome.hangMs);
        this.#timers.add(timer);
        return;
      }
      res.writeHead(outcome.status, { 'content-type': 'text/plain', ...outcome.headers }).end(outcome.body ?? 'ok');
    });
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    if (!this.#server) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
  }
}

/* ------------------------------------------------------------------ setup */

let server: TestServer;
let boss: PgBoss;
let worker: OutboundWorker;
const receiver = new Receiver();
/** Every secret registered here, and every GraphQL answer seen: the last test checks none leaks. */
const secrets: string[] = [];
const answers: string[] = [];

beforeAll(async () => {
  // OUTBOUND_WORKER=false: once the server starts an outbound worker of its own, this file still
  // runs only the one below (with its short retry delays).
  server = await startTestServer({ OUTBOUND_WORKER: 'false' });
  const log = createLogger(process.env.DEBUG_LOG ?? 'silent');
  boss = await startBoss({ connectionString: inject('databaseUrl'), heartbeatSeconds: 10, retryLimit: 1, monitorIntervalSeconds: 2 }, log);
  worker = await startOutboundWorker(boss, server.orm, WORKER, log);
  await receiver.start();
});

afterAll(async () => {
  await worker?.stop();
  await boss?.stop({ graceful: true, timeout: 5000 });
  await receiver.stop();
  await server?.close();
});

/* ------------------------------------------------------------------ helpers */

type Json = Record<string, any>;

async function ask(query: string, variables: Record<string, unknown> = {}, as: TestUser | null = 'admin'): Promise<Json> {
  const res = await server.gql(query, variables, as ? { as } : {});
  answers.push(JSON.stringify(res));
  return res as Json;
}

const WEBHOOK_FIELDS = `id name url secretHint enabled filter { kinds eventTypes sources chamadoPublicId } createdBy { username } createdAt updatedAt`;
const INVALID = `... on ValidationError { code message issues { path message } }`;
const NOT_FOUND = `... on NotFoundError { code message resource key }`;
const DELIVERY_FIELDS = `id webhookId webhookName messageId eventType chamadoPublicId timelineEntryId status attempts lastStatusCode lastError
  lastAttemptAt deliveredAt createdAt payload`;

async function register(input: Json, as: TestUser | null = 'admin'): Promise<Json> {
  return ask(
    `mutation Register($input: RegisterOutboundWebhookInput!) {
      registerOutboundWebhook(input: $input) { __typename ... on OutboundWebhook { ${WEBHOOK_FIELDS} } ${INVALID} }
    }`,
    { input },
    as,
  );
}

/** Registers a webhook that must be accepted; returns it. */
async function registered(input: Json): Promise<Json> {
  secrets.push(input.secret);
  const res = await register({ name: unique('hook'), ...input });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(res.data.registerOutboundWebhook.__typename, JSON.stringify(res.data)).toBe('OutboundWebhook');
  return res.data.registerOutboundWebhook;
}

async function update(id: number, patch: Json): Promise<Json> {
  const res = await ask(
    `mutation Update($id: Int!, $patch: OutboundWebhookPatch!) {
      updateOutboundWebhook(id: $id, patch: $patch) { __typename ... on OutboundWebhook { ${WEBHOOK_FIELDS} } ${INVALID} ${NOT_FOUND} }
    }`,
    { id, patch },
  );
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data.updateOutboundWebhook;
}

async function redeliver(deliveryId: number, as: TestUser = 'admin'): Promise<Json> {
  return ask(
    `mutation Redeliver($id: Int!) { redeliverOutbound(deliveryId: $id) { __typename ... on OutboundDelivery { ${DELIVERY_FIELDS} } ${INVALID} ${NOT_FOUND} } }`,
    { id: deliveryId },
    as,
  );
}

/** The delivery log of one webhook, newest first, read by an ops_lead. */
async function deliveries(webhookId: number, status: string | null = null): Promise<Json[]> {
  const res = await ask(
    `query Log($webhookId: Int, $status: OutboundDeliveryStatus) { outboundDeliveries(webhookId: $webhookId, status: $status) { ${DELIVERY_FIELDS} } }`,
    { webhookId, status },
    'lead',
  );
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data.outboundDeliveries;
}

const chamadoPath = (publicId: string, suffix = '') => `/api/v1/chamados/${encodeURIComponent(publicId)}${suffix}`;
async function act(method: string, publicId: string, suffix: string, body: unknown, status: number, as: TestUser = 'ops') {
  const res = await server.rest(method, chamadoPath(publicId, suffix), { as, body });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res;
}
const claim = (id: string) => act('POST', id, '/assumir', {}, 200);
const note = (id: string, texto: string) => act('POST', id, '/notas', { texto }, 201);
const setStatus = (id: string, status: string) => act('PATCH', id, '', { status }, 200);

async function newChamado(): Promise<string> {
  return (await openChamado(server, { domain: newDomain('out'), title: 'Outbound test' })).publicId;
}

async function sql<T = Json>(query: string, params: unknown[] = []): Promise<T[]> {
  return server.orm.em.fork().getConnection().execute<T[]>(query, params);
}

/** Waits until the dispatcher has taken every timeline entry of the chamado. */
const allDispatched = (publicId: string) =>
  waitFor(
    `timeline of ${publicId} dispatched`,
    () => sql<{ kind: string; outbound_at: Date | null }>(
      'select t.kind, t.outbound_at from timeline_entries t join chamados c on c.id = t.chamado_id where c.public_id = ? order by t.id',
      [publicId],
    ),
    (rows) => rows.length > 0 && rows.every((r) => r.outbound_at !== null),
  );

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const rawSecret = () => `raw-secret-${randomBytes(12).toString('hex')}`;
const verifier = (secret: string) => (secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(secret, { format: 'raw' }));
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/* ------------------------------------------------------------------ tests */

describe('matching', () => {
  const entry = { kind: 'status', eventType: 'status.resolvido', source: 'ops' };
  const chamado = { publicId: 'CH-2026-00001' };

  it('every criterion given must hold; lists match any value; event types match exactly or by prefix*', () => {
    expect(matches({}, entry, chamado)).toBe(true);
    expect(matches({ kinds: [] }, entry, chamado)).toBe(true);
    expect(matches({ kinds: ['note', 'status'] }, entry, chamado)).toBe(true);
    expect(matches({ kinds: ['note', 'claim'] }, entry, chamado)).toBe(false);
    expect(matches({ eventTypes: ['status.resolvido'] }, entry, chamado)).toBe(true);
    expect(matches({ eventTypes: ['status.resolv'] }, entry, chamado)).toBe(false);
    expect(matches({ eventTypes: ['status.*'] }, entry, chamado)).toBe(true);
    expect(matches({ eventTypes: ['stat*'] }, entry, chamado)).toBe(true);
    expect(matches({ eventTypes: ['*'] }, entry, chamado)).toBe(true);
    expect(matches({ eventTypes: ['nota', 'chamado.*'] }, entry, chamado)).toBe(false);
    expect(matches({ sources: ['wazuh', 'ops'] }, entry, chamado)).toBe(true);
    expect(matches({ sources: ['wazuh'] }, entry, chamado)).toBe(false);
    expect(matches({ chamadoPublicId: 'CH-2026-00001' }, entry, chamado)).toBe(true);
    expect(matches({ chamadoPublicId: 'CH-2026-00002' }, entry, chamado)).toBe(false);
    const all = { kinds: ['status' as const], eventTypes: ['status.*'], sources: ['ops'], chamadoPublicId: 'CH-2026-00001' };
    expect(matches(all, entry, chamado)).toBe(true);
    expect(matches({ ...all, sources: ['wazuh'] }, entry, chamado)).toBe(false);
    expect(matches({ ...all, chamadoPublicId: 'CH-2026-00009' }, entry, chamado)).toBe(false);
  });
});

describe('registering webhooks', () => {
  it('is for admins only: FORBIDDEN for ops_lead, ops and viewer, UNAUTHENTICATED without a token', async () => {
    const input = { name: 'nope', url: receiver.on('/nope', () => ({ status: 200 })), secret: rawSecret() };
    secrets.push(input.secret);
    for (const as of ['lead', 'ops', 'viewer'] as const) {
      const res = await register(input, as);
      expect(res.errors?.[0]?.extensions?.code, `${as}: ${JSON.stringify(res)}`).toBe('FORBIDDEN');
      expect(res.data?.registerOutboundWebhook ?? null).toBeNull();
    }
    const anonymous = await register(input, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const list = await ask(`{ outboundWebhooks { id name } }`);
    expect(list.data.outboundWebhooks.map((w: Json) => w.name)).not.toContain('nope');
  });

  it('validates the input and answers ValidationError with field paths', async () => {
    const res = await register({
      name: ' ',
      url: 'ftp://example.com/hook',
      secret: 'short',
      filter: { kinds: [], eventTypes: ['a*b'] },
    });
    const err = res.data.registerOutboundWebhook;
    expect(err.__typename, JSON.stringify(res)).toBe('ValidationError');
    expect(err.code).toBe('VALIDATION_FAILED');
    const paths = err.issues.map((i: Json) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'url', 'secret', 'filter.kinds', 'filter.eventTypes.0']));

    const badWhsec = await register({ name: 'x', url: `${receiver.url}/x`, secret: 'whsec_not*base64!' });
    expect(badWhsec.data.registerOutboundWebhook.__typename).toBe('ValidationError');
    expect(badWhsec.data.registerOutboundWebhook.issues.map((i: Json) => i.path)).toEqual(['secret']);

    const withCredentials = await register({ name: 'x', url: 'https://user:pass@example.com/hook', secret: rawSecret() });
    expect(withCredentials.data.registerOutboundWebhook.issues.map((i: Json) => i.path)).toEqual(['url']);

    const unknownChamado = await register({ name: 'x', url: `${receiver.url}/x`, secret: rawSecret(), filter: { chamadoPublicId: 'CH-1999-99999' } });
    expect(unknownChamado.data.registerOutboundWebhook.__typename).toBe('ValidationError');
    expect(unknownChamado.data.registerOutboundWebhook.issues.map((i: Json) => i.path)).toEqual(['filter.chamadoPublicId']);
  });
});

describe('delivery', () => {
  it('delivers notes and status changes signed with Standard Webhooks headers; a claim is filtered out', async () => {
    const publicId = await newChamado();
    const secret = whsec();
    const hook = await registered({ url: receiver.on('/main', () => ({ status: 204 })), secret, filter: { kinds: ['note', 'status'], chamadoPublicId: publicId } });
    expect(hook).toMatchObject({
      enabled: true,
      secretHint: secret.slice(-4),
      filter: { kinds: ['note', 'status'], eventTypes: null, sources: null, chamadoPublicId: publicId },
      createdBy: { username: 'admin' },
    });

    await claim(publicId);
    await note(publicId, 'primeira nota');
    await setStatus(publicId, 'em_correcao');

    const got = await waitFor('2 deliveries at /main', () => receiver.at('/main'), (r) => r.length >= 2);
    const bodies = got.map((r) => {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(r.headers['webhook-timestamp']).toMatch(/^\d+$/);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(r.headers['webhook-signature']).toMatch(/^v1,/);
      // Throws unless the signature over id.timestamp.body is right for this secret.
      expect(() => verifier(secret).verify(r.body, r.headers)).not.toThrow();
      expect(() => verifier(whsec()).verify(r.body, r.headers)).toThrow();
      return JSON.parse(r.body) as Json;
    });
    bodies.sort((a, b) => a.entry.id - b.entry.id);
    const [noteBody, statusBody] = bodies as [Json, Json];
    for (const body of bodies) {
      expect(Object.keys(body).sort()).toEqual(['chamado', 'entry', 'type']);
      expect(body.type).toBe('chamado.timeline');
      expect(Object.keys(body.chamado).sort()).toEqual(['public_id', 'status', 'title']);
      expect(body.chamado).toMatchObject({ public_id: publicId, title: 'Outbound test' });
      expect(Object.keys(body.entry).sort()).toEqual(['actor', 'created_at', 'data', 'event_type', 'id', 'kind', 'severity', 'source', 'summary']);
      expect(body.entry.id).toEqual(expect.any(Number));
      expect(body.entry.created_at).toMatch(ISO);
      expect(body.entry.actor).toBe('ops');
      expect(body.entry.source).toBe('ops');
    }
    expect(noteBody.entry).toMatchObject({ kind: 'note', event_type: 'nota', summary: 'primeira nota', severity: null, data: { texto: 'primeira nota' } });
    expect(statusBody.entry).toMatchObject({ kind: 'status', event_type: 'status.em_correcao', data: { from: 'assumido', to: 'em_correcao', nota: null } });
    expect(statusBody.chamado.status).toBe('em_correcao');

    // Every entry (the creation and the claim too) went through the dispatcher; only two matched.
    const entries = await allDispatched(publicId);
    expect(entries.map((e) => e.kind)).toEqual(['created', 'claim', 'note', 'status']);
    const log = await waitFor('log delivered', () => deliveries(hook.id), (l) => l.length === 2 && l.every((d) => d.status === 'delivered'));
    expect(log.map((d) => d.eventType)).toEqual(['status.em_correcao', 'nota']);
    for (const d of log) {
      expect(d).toMatchObject({ webhookId: hook.id, webhookName: hook.name, chamadoPublicId: publicId, attempts: 1, lastStatusCode: 204, lastError: null });
      expect(d.deliveredAt).toMatch(ISO);
      expect(d.lastAttemptAt).toMatch(ISO);
      const sent = got.find((r) => r.headers['webhook-id'] === d.messageId);
      expect(sent, `delivery ${d.id} was received`).toBeDefined();
      expect(d.payload).toEqual(JSON.parse(sent!.body));
    }
    expect(receiver.at('/main')).toHaveLength(2);
  });

  it('retries a receiver that fails twice, with backoff and the same webhook-id, and the log shows each attempt', async () => {
    const publicId = await newChamado();
    const secret = rawSecret();
    const url = receiver.on('/flaky', (n) => (n <= 2 ? { status: 500, body: `boom ${n}` } : { status: 200 }));
    const hook = await registered({ url, secret, filter: { chamadoPublicId: publicId, eventTypes: ['nota'] } });

    await note(publicId, 'vai falhar duas vezes');

    const failing = await waitFor(
      'a failed attempt in the log',
      () => deliveries(hook.id),
      (l) => l.length === 1 && l[0]!.attempts >= 1 && l[0]!.lastStatusCode === 500,
    );
    expect(failing[0]).toMatchObject({ status: 'pending', lastStatusCode: 500, deliveredAt: null });
    expect(failing[0]!.lastError).toMatch(/^HTTP 500: boom [12]$/);

    const [done] = await waitFor('delivered', () => deliveries(hook.id), (l) => l[0]?.status === 'delivered', 25_000);
    expect(done).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null, eventType: 'nota' });

    const attempts = receiver.at('/flaky');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.headers['webhook-id']))).toEqual(new Set([done!.messageId]));
    const stamps = attempts.map((a) => Number(a.headers['webhook-timestamp']));
    expect(stamps[1]!).toBeGreaterThan(stamps[0]!);
    expect(stamps[2]!).toBeGreaterThan(stamps[1]!);
    for (const a of attempts) expect(() => verifier(secret).verify(a.body, a.headers)).not.toThrow();
    // Not retried at once: at least the retry delay (1 s) between attempts.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(900);
  }, 40_000);

  it('does not follow redirects: a 3xx answer is a failed attempt', async () => {
    const publicId = await newChamado();
    receiver.on('/target', () => ({ status: 200 }));
    const url = receiver.on('/redirect', () => ({ status: 302, body: '', headers: { location: '/target' } }));
    const hook = await registered({ url, secret: rawSecret(), filter: { chamadoPublicId: publicId } });
    await note(publicId, 'redirecionada');
    const [attempted] = await waitFor('a redirected attempt', () => deliveries(hook.id), (l) => l[0]?.lastStatusCode === 302);
    expect(attempted).toMatchObject({ status: 'pending', deliveredAt: null, lastError: 'HTTP 302: redirect not followed (to /target)' });
    expect(receiver.at('/redirect').length).toBeGreaterThanOrEqual(1);
    expect(receiver.at('/target')).toHaveLength(0);
    // Deleting a webhook whose delivery is still being retried: its job finds no row and ends quietly.
    const deleted = await ask(`mutation Del($id: Int!) { deleteOutboundWebhook(id: $id) { __typename } }`, { id: hook.id });
    expect(deleted.data.deleteOutboundWebhook.__typename).toBe('DeleteOutboundWebhookPayload');
  });

  it('a receiver that hangs never slows the change that triggers it; hanging and unreachable receivers end failed', async () => {
    const publicId = await newChamado();
    const hanging = await registered({ url: receiver.on('/hang', () => ({ hangMs: 5000 })), secret: rawSecret(), filter: { chamadoPublicId: publicId } });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await registered({ url: `http://127.0.0.1:${closedPort}/down`, secret: whsec(), filter: { chamadoPublicId: publicId, kinds: ['status'] } });

    await claim(publicId);
    // The worker is now stuck on the hanging receiver …
    await waitFor('the hanging receiver is being called', () => receiver.at('/hang'), (r) => r.length >= 1);
    // … and a change that both webhooks want is made as fast as ever.
    const started = performance.now();
    await setStatus(publicId, 'em_correcao');
    expect(performance.now() - started).toBeLessThan(1000);

    const hangLog = await waitFor('hanging deliveries failed', () => deliveries(hanging.id), (l) => l.length === 2 && l.every((d) => d.status === 'failed'), 30_000);
    for (const d of hangLog) {
      expect(d).toMatchObject({ attempts: 3, lastStatusCode: null, deliveredAt: null });
      expect(d.lastError).toBe('timed out after 1000 ms');
    }
    expect(hangLog.map((d) => d.eventType)).toEqual(['status.em_correcao', 'chamado.assumido']);
    const downLog = await waitFor('unreachable delivery failed', () => deliveries(down.id), (l) => l[0]?.status === 'failed', 30_000);
    expect(downLog).toHaveLength(1);
    expect(downLog[0]).toMatchObject({ eventType: 'status.em_correcao', attempts: 3, lastStatusCode: null });
    expect(downLog[0]!.lastError).toMatch(/^request failed: .*ECONNREFUSED/);
    expect(await deliveries(down.id, 'failed')).toHaveLength(1);
    expect(await deliveries(down.id, 'pending')).toHaveLength(0);
  }, 60_000);

  it('an admin redelivers a failed delivery: attempts start over, same webhook-id, the current URL and secret', async () => {
    const publicId = await newChamado();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const oldSecret = whsec();
    const hook = await registered({ url: `http://127.0.0.1:${closedPort}/gone`, secret: oldSecret, filter: { chamadoPublicId: publicId } });

    await note(publicId, 'nota para reenviar');
    const [failed] = await waitFor('failed', () => deliveries(hook.id), (l) => l[0]?.status === 'failed', 30_000);
    expect(failed!.attempts).toBe(3);

    const forbidden = await redeliver(failed!.id, 'lead');
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const missing = await redeliver(2_000_000_000);
    expect(missing.data.redeliverOutbound).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });

    const newSecret = whsec();
    secrets.push(newSecret);
    const updated = await update(hook.id, { url: receiver.on('/back', () => ({ status: 200 })), secret: newSecret });
    expect(updated).toMatchObject({ __typename: 'OutboundWebhook', secretHint: newSecret.slice(-4), url: `${receiver.url}/back` });

    const again = await redeliver(failed!.id);
    expect(again.data.redeliverOutbound).toMatchObject({
      __typename: 'OutboundDelivery',
      id: failed!.id,
      status: 'pending',
      attempts: 0,
      lastError: null,
      lastStatusCode: null,
      messageId: failed!.messageId,
    });

    const [delivered] = await waitFor('redelivered', () => deliveries(hook.id), (l) => l[0]?.status === 'delivered');
    expect(delivered).toMatchObject({ id: failed!.id, attempts: 1, lastStatusCode: 200, lastError: null });
    const [sent, ...more] = receiver.at('/back');
    expect(more).toHaveLength(0);
    expect(sent!.headers['webhook-id']).toBe(failed!.messageId);
    expect(() => verifier(newSecret).verify(sent!.body, sent!.headers)).not.toThrow();
    expect(() => verifier(oldSecret).verify(sent!.body, sent!.headers)).toThrow();
    expect(JSON.parse(sent!.body).entry.summary).toBe('nota para reenviar');

    const notFailed = await redeliver(failed!.id);
    expect(notFailed.data.redeliverOutbound).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
  }, 60_000);

  it('skips changes older than the webhook and changes made while it is disabled; delete removes it and its log', async () => {
    const publicId = await newChamado();
    const hook = await registered({ url: receiver.on('/quiet', () => ({ status: 200 })), secret: rawSecret(), filter: { chamadoPublicId: publicId } });
    // A change from before the webhook existed that the dispatcher has not reached yet.
    const [chamado] = await sql<{ id: number }>('select id from chamados where public_id = ?', [publicId]);
    await sql(
      `insert into timeline_entries (chamado_id, kind, event_type, source, summary, created_at)
       values (?, 'note', 'nota', 'ops', 'antes do webhook', now() - interval '1 hour')`,
      [chamado!.id],
    );
    await allDispatched(publicId);
    expect(await deliveries(hook.id)).toEqual([]);

    expect((await update(hook.id, { enabled: false })).enabled).toBe(false);
    await note(publicId, 'com o webhook desligado');
    await allDispatched(publicId);
    expect(await deliveries(hook.id)).toEqual([]);

    expect((await update(hook.id, { enabled: true })).enabled).toBe(true);
    await note(publicId, 'com o webhook ligado');
    const log = await waitFor('delivered', () => deliveries(hook.id), (l) => l[0]?.status === 'delivered');
    expect(log).toHaveLength(1);
    expect(receiver.at('/quiet').map((r) => JSON.parse(r.body).entry.summary)).toEqual(['com o webhook ligado']);

    const deleted = await ask(`mutation Del($id: Int!) { deleteOutboundWebhook(id: $id) { __typename ... on DeleteOutboundWebhookPayload { id deletedDeliveries } ${NOT_FOUND} } }`, {
      id: hook.id,
    });
    expect(deleted.data.deleteOutboundWebhook).toEqual({ __typename: 'DeleteOutboundWebhookPayload', id: hook.id, deletedDeliveries: 1 });
    expect((await ask(`{ outboundWebhooks { id } }`)).data.outboundWebhooks.map((w: Json) => w.id)).not.toContain(hook.id);
    expect(await deliveries(hook.id)).toEqual([]);
    const twice = await ask(`mutation Del($id: Int!) { deleteOutboundWebhook(id: $id) { __typename ${NOT_FOUND} } }`, { id: hook.id });
    expect(twice.data.deleteOutboundWebhook).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', key: String(hook.id) });
    expect(await update(hook.id, { enabled: true })).toMatchObject({ __typename: 'NotFoundError' });
  }, 40_000);
});

describe('access and secrecy', () => {
  it('the delivery log is for ops_lead and admin; the webhook list for admins', async () => {
    for (const as of ['viewer', 'ops'] as const) {
      const res = await ask(`{ outboundDeliveries(limit: 5) { id } }`, {}, as);
      expect(res.errors?.[0]?.extensions?.code, as).toBe('FORBIDDEN');
    }
    for (const as of ['lead', 'admin'] as const) {
      const res = await ask(`{ outboundDeliveries(limit: 5) { id status attempts } }`, {}, as);
      expect(res.errors, as).toBeUndefined();
      expect(res.data.outboundDeliveries.length).toBeGreaterThan(0);
    }
    const asLead = await ask(`{ outboundWebhooks { id } }`, {}, 'lead');
    expect(asLead.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('the secret never appears in any GraphQL answer, and no field can ask for it', async () => {
    const type = await ask(`{ __type(name: "OutboundWebhook") { fields { name } } }`);
    expect(type.data.__type.fields.map((f: Json) => f.name)).not.toContain('secret');
    const asking = await ask(`{ outboundWebhooks { id secret } }`);
    expect(asking.errors?.[0]?.message).toMatch(/Cannot query field "secret"/);

    const all = await ask(`{ outboundWebhooks { ${WEBHOOK_FIELDS} } outboundDeliveries(limit: 200) { ${DELIVERY_FIELDS} } }`);
    expect(all.errors).toBeUndefined();
    expect(all.data.outboundWebhooks.length).toBeGreaterThanOrEqual(4);
    for (const w of all.data.outboundWebhooks) expect(w.secretHint).toHaveLength(4);

    expect(secrets.length).toBeGreaterThanOrEqual(6);
    expect(answers.length).toBeGreaterThan(20);
    for (const secret of secrets) {
      for (const answer of answers) expect(answer.includes(secret), `secret ${secret.slice(0, 8)}… in an answer`).toBe(false);
    }
  });
});
