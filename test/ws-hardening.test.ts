import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { ensureUser } from '../src/services/auth/accounts.ts';
import { signToken } from '../src/services/auth/tokens.ts';
import { createChamado } from './helpers/fixtures.ts';
import { liveFeeds, until, type Json } from './helpers/live-feed.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * The sockets' hardening (issue 11): graphql-ws protocol violations close the socket with the
 * protocol's codes, but a bad operation only fails itself; the subscription cap refuses the extra
 * one while the others stream; a socket whose token expires, or whose user is disabled, is closed
 * (4403) within a bounded time, on graphql-ws and on the legacy live socket alike. Protocol-level
 * checks use raw `ws` sockets (a real client would never send them); the rest the real graphql-ws
 * client. The server keeps the default WS_INIT_TIMEOUT (3 s) and WS_MAX_PAYLOAD_BYTES (64 KiB).
 */

const RECHECK_MS = 500;
let server: TestServer;
beforeAll(async () => {
  // MAX_QUERY_TOKENS is raised so that a parser stack overflow, not the token limit, meets the deep document.
  server = await startTestServer({ WS_AUTH_RECHECK: `${RECHECK_MS}ms`, WS_MAX_SUBSCRIPTIONS: '2', MAX_QUERY_TOKENS: '1000000', RUNBOOK_WORKER: 'false' });
});
afterAll(() => server?.close());

const CONFIG = loadConfig({ NODE_ENV: 'test' });
const { cleanups, wsClient, subscribeWs } = liveFeeds();

const CHAMADO_LIVE = `subscription Live($publicId: String!, $after: ID) {
  chamadoLive(publicId: $publicId, after: $after) { __typename ... on TimelineEntry { summary } }
}`;

/** A chamado and the id of its first timeline entry, so a feed with `after` hears only what follows. */
async function newChamado(): Promise<{ publicId: string; after: string }> {
  const { publicId } = await createChamado(server, { title: 'ws hardening' });
  const res = await server.gql(`query T($id: String!) { chamado(publicId: $id) { timeline { id } } }`, { id: publicId }, { as: 'ops' });
  return { publicId, after: res.data!.chamado.timeline[0].id };
}

async function note(publicId: string, texto: string): Promise<void> {
  const res = await server.rest('POST', `/api/v1/chamados/${encodeURIComponent(publicId)}/notas`, { as: 'ops', body: { texto } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

interface Closed {
  code: number;
  reason: string;
  at: number;
}

/** A raw socket with what it received and how it closed. */
interface RawSocket {
  ws: WebSocket;
  messages: Json[];
  closed: Closed | null;
  send: (message: Json | string) => void;
  waitClosed: (timeoutMs?: number) => Promise<Closed>;
}

function rawSocket(path: string, protocol?: string): Promise<RawSocket> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, protocol);
  cleanups.push(() => ws.terminate());
  const socket: RawSocket = {
    ws,
    messages: [],
    closed: null,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    waitClosed: (timeoutMs = 5000) => until(() => socket.closed, 'the socket to close', timeoutMs),
  };
  ws.on('message', (data) => socket.messages.push(JSON.parse(String(data))));
  ws.on('close', (code, reason) => (socket.closed = { code, reason: String(reason), at: Date.now() }));
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve(socket));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

const graphqlWs = () => rawSocket('/graphql', 'graphql-transport-ws');

/** A graphql-ws socket past connection_init and its ack. */
async function acked(token: string): Promise<RawSocket> {
  const socket = await graphqlWs();
  socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  await until(() => socket.messages.some((m) => m.type === 'connection_ack'), 'connection_ack');
  return socket;
}

/** The messages of one operation. */
const of = (socket: RawSocket, id: string) => socket.messages.filter((m) => m.id === id);

// ---------------------------------------------------------------------------------------------

describe('graphql-ws protocol violations close the socket with the protocol code', () => {
  it('no connection_init within 3 s (the default WS_INIT_TIMEOUT) → 4408', async () => {
    const socket = await graphqlWs();
    const opened = Date.now();
    const closed = await socket.waitClosed(6000);
    expect(closed.code).toBe(4408);
    expect(closed.at - opened).toBeGreaterThanOrEqual(2900);
    expect(closed.at - opened).toBeLessThan(4000);
  });

  it('a bad token in connection_init → 4403', async () => {
    const socket = await graphqlWs();
    socket.send({ type: 'connection_init', payload: { authorization: 'Bearer not-a-jwt' } });
    expect((await socket.waitClosed()).code).toBe(4403);
    expect(socket.messages).toEqual([]);
  });

  it('subscribe before the ack → 4401', async () => {
    const socket = await graphqlWs();
    socket.send({ type: 'subscribe', id: '1', payload: { query: '{ me { id } }' } });
    expect((await socket.waitClosed()).code).toBe(4401);
  });

  it('a subscribe reusing the id of a running operation → 4409', async () => {
    const { publicId, after } = await newChamado();
    const socket = await acked(await server.token('viewer'));
    const subscribe = { type: 'subscribe', id: 'dup', payload: { query: CHAMADO_LIVE, variables: { publicId, after } } };
    socket.send(subscribe);
    await delay(200);
    expect(socket.closed).toBeNull();
    socket.send(subscribe);
    expect((await socket.waitClosed()).code).toBe(4409);
  });

  it('a message over WS_MAX_PAYLOAD_BYTES (64 KiB by default, not ws’s 100 MiB) → 1009', async () => {
    expect(CONFIG.live.maxPayloadBytes).toBe(64 * 1024);
    const socket = await acked(await server.token('viewer'));
    socket.send({ type: 'subscribe', id: 'big', payload: { query: `{ me { id } } # ${'x'.repeat(70 * 1024)}` } });
    expect((await socket.waitClosed()).code).toBe(1009);
  });
});

describe('a bad operation fails only itself', () => {
  it('invalid, over-limit and parser-breaking operations each get an `error`; the socket and its stream go on', async () => {
    const { publicId, after } = await newChamado();
    const socket = await acked(await server.token('viewer'));
    socket.send({ type: 'subscribe', id: 'live', payload: { query: CHAMADO_LIVE, variables: { publicId, after } } });

    const bad: Record<string, string> = {
      syntax: 'query {',
      unknownField: '{ nope }',
      tooCostly: `{ ${Array.from({ length: 3 }, (_, i) => `a${i}: chamados(first: 100) { edges { node { id publicId title createdAt assignee { username fullName } observables { tipo valor } timeline { kind eventType summary createdAt } } } }`).join(' ')} }`,
      tooManyAliases: `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: me { id }`).join(' ')} }`,
      // Deep enough to overflow graphql-js's recursive parser: graphql-ws closed the socket with 4500 for it.
      tooDeep: `{ me ${'{ id '.repeat(3000)}${'}'.repeat(3001)}`,
      tooDeepFragments: `{ me { ${'... on User { '.repeat(3000)}id${' }'.repeat(3000)} } }`,
    };
    for (const [id, query] of Object.entries(bad)) socket.send({ type: 'subscribe', id, payload: { query } });
    for (const id of Object.keys(bad)) {
      const messages = await until(() => (of(socket, id).length ? of(socket, id) : null), `the answer to ${id}`);
      expect(messages.map((m) => m.type), `${id}: ${JSON.stringify(messages)}`).toEqual(['error']);
      expect(messages[0]!.payload.length).toBeGreaterThan(0);
    }
    // Nothing thrown inside the server reaches the client.
    expect(of(socket, 'tooDeep')[0]!.payload).toEqual([{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);

    await note(publicId, 'still streaming');
    await until(() => of(socket, 'live').some((m) => m.payload?.data?.chamadoLive?.summary === 'still streaming'), 'the note on the stream');
    socket.send({ type: 'subscribe', id: 'fine', payload: { query: '{ me { username } }' } });
    await until(() => of(socket, 'fine').some((m) => m.type === 'complete'), 'the good query to complete');
    expect(of(socket, 'fine')[0]!.payload).toEqual({ data: { me: { username: 'viewer' } } });
    expect(socket.closed).toBeNull();
  });

  it('the subscription cap (WS_MAX_SUBSCRIPTIONS=2) answers the third with `error`; the two others keep streaming', async () => {
    const { publicId, after } = await newChamado();
    const client = wsClient(server, await server.token('viewer'));
    let closed = false;
    client.on('closed', () => (closed = true));
    const first = subscribeWs(client, 'chamadoLive', CHAMADO_LIVE, { publicId, after });
    const second = subscribeWs(client, 'chamadoLive', CHAMADO_LIVE, { publicId, after });
    await delay(300);
    const third = subscribeWs(client, 'chamadoLive', CHAMADO_LIVE, { publicId, after });
    await third.ended();
    expect(((third.failure ?? []) as Json[]).map((e) => e.extensions?.code)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
    await note(publicId, 'after the refusal');
    expect(await first.take(1)).toEqual([{ __typename: 'TimelineEntry', summary: 'after the refusal' }]);
    expect(await second.take(1)).toEqual([{ __typename: 'TimelineEntry', summary: 'after the refusal' }]);
    expect(closed).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

/** A user of this test alone (so disabling it disturbs no other file) and a token for it. */
async function newUser(ttl = CONFIG.jwt.ttl): Promise<{ id: number; token: string; expiresAt: Date }> {
  const username = unique('ws');
  await ensureUser(server.orm.em.fork(), { username, password: `pw-${username}`, fullName: 'WS hardening', role: 'viewer' });
  const rows = await server.orm.em.getConnection().execute<{ id: number }[]>('select id from users where username = ?', [username]);
  const id = rows[0]!.id;
  return { id, ...signToken({ ...CONFIG.jwt, ttl }, { userId: id, username, role: 'viewer' }) };
}

/** A graphql-ws client streaming chamadoLive as `token`; resolves with how it closed. */
function streamingWs(token: string, chamado: { publicId: string; after: string }) {
  let closed: Closed | null = null;
  const client = wsClient(server, token, { onClosed: (e) => (closed = { code: (e as { code: number }).code, reason: '', at: Date.now() }) });
  const feed = subscribeWs(client, 'chamadoLive', CHAMADO_LIVE, chamado);
  return { feed, waitClosed: (timeoutMs = 5000) => until(() => closed, 'the graphql-ws socket to close', timeoutMs) };
}

const legacyLive = (publicId: string, token: string) => rawSocket(`/api/v1/chamados/${encodeURIComponent(publicId)}/live?token=${encodeURIComponent(token)}`);

describe('legacy live socket limits', () => {
  it('a client message over its 4 KiB cap (clients send nothing there) → 1009', async () => {
    const { publicId } = await newChamado();
    const socket = await legacyLive(publicId, await server.token('viewer'));
    socket.send('x'.repeat(5 * 1024));
    expect((await socket.waitClosed()).code).toBe(1009);
  });
});

describe('credentials that stop holding close the socket (4403)', () => {
  it('a token that expires: graphql-ws and the legacy socket close within WS_AUTH_RECHECK of `exp`', async () => {
    const chamado = await newChamado();
    const { token, expiresAt } = await newUser('3s');
    const ws = streamingWs(token, chamado);
    const legacy = await legacyLive(chamado.publicId, token);
    // Streaming before it expires.
    await note(chamado.publicId, 'before expiry');
    expect(await ws.feed.take(1)).toEqual([{ __typename: 'TimelineEntry', summary: 'before expiry' }]);

    for (const closed of [await ws.waitClosed(6000), await legacy.waitClosed(6000)]) {
      expect(closed.code).toBe(4403);
      expect(closed.at).toBeGreaterThanOrEqual(expiresAt.getTime());
      // One period, plus slack for a loaded test machine.
      expect(closed.at - expiresAt.getTime()).toBeLessThan(RECHECK_MS + 1000);
    }
  });

  it('a user disabled while connected: graphql-ws and the legacy socket close within two WS_AUTH_RECHECK periods', async () => {
    const chamado = await newChamado();
    const user = await newUser();
    const ws = streamingWs(user.token, chamado);
    const legacy = await legacyLive(chamado.publicId, user.token);
    // The legacy socket has no replay cursor: note until it shows one, so both are known to stream.
    for (let attempt = 0; attempt < 20 && legacy.messages.length === 0; attempt++) {
      await note(chamado.publicId, 'before disabling');
      await delay(150);
    }
    expect(legacy.messages.length).toBeGreaterThan(0);
    await ws.feed.take(1);
    await delay(2 * RECHECK_MS);
    expect(legacy.closed).toBeNull();

    await server.orm.em.getConnection().execute('update users set disabled = true where id = ?', [user.id]);
    const disabledAt = Date.now();
    for (const closed of [await ws.waitClosed(), await legacy.waitClosed()]) {
      expect(closed.code).toBe(4403);
      expect(closed.at - disabledAt).toBeLessThan(2 * RECHECK_MS + 1000);
    }
  });
});
