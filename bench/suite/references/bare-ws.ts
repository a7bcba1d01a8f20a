/*
 * The live fan-out ceiling: the `ws` package speaking graphql-ws (graphql-transport-ws) on
 * /graphql with no GraphQL underneath — no auth, no parsing or execution of the subscription
 * document, no pub/sub hop. It keeps what a real server must per socket: the init handshake and
 * its deadline (WS_INIT_TIMEOUT, 3 s), the ids of its subscriptions (at most WS_MAX_SUBSCRIPTIONS,
 * 25, like OpsGraph), ping/pong, the protocol's close codes, and the largest message
 * (WS_MAX_PAYLOAD_BYTES, 64 KiB).
 *
 * POST /publish with a JSON body (the `data` of the event) sends one `next` frame to every active
 * subscription: the payload is serialised once per event into a buffer, and each frame is that
 * buffer behind the subscription's own pre-encoded `{"id":…` head — only the id differs.
 * Answers 202 `{"subscribers":N}` once every frame is queued on its socket. Sends no SQL.
 */
import { createServer, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { answerStats, listenAndAnnounce, readBody, referencePort } from './lifecycle.ts';

const PROTOCOL = 'graphql-transport-ws';
const initTimeoutMs = positiveNumber('WS_INIT_TIMEOUT_MS', 3_000);
const maxSubscriptions = positiveNumber('WS_MAX_SUBSCRIPTIONS', 25);
const maxPayload = positiveNumber('WS_MAX_PAYLOAD_BYTES', 65_536);

interface Subscription {
  socket: WebSocket;
  /** `{"id":"<id>"` as UTF-8, encoded once when the subscription starts. */
  head: Buffer;
}

/** Every active subscription, so a publish is one loop; each socket also keeps its own by id. */
const subscriptions = new Set<Subscription>();
let openSockets = 0;

const server = createServer(async (req, res) => {
  if (answerStats(req, res, () => 0, () => ({ sockets: openSockets, subscriptions: subscriptions.size }))) return;
  if (req.method !== 'POST' || req.url !== '/publish') return send(res, 404, { error: 'NOT_FOUND' });
  const raw = await readBody(req, 1_048_576);
  if (raw === null) return send(res, 413, { error: 'PAYLOAD_TOO_LARGE' });
  try {
    JSON.parse(raw);
  } catch {
    return send(res, 400, { error: 'MALFORMED_JSON' });
  }
  const tail = Buffer.from(`,"type":"next","payload":{"data":${raw}}}`);
  for (const { socket, head } of subscriptions) {
    socket.send(Buffer.concat([head, tail], head.length + tail.length), { binary: false });
  }
  send(res, 202, { subscribers: subscriptions.size });
});

const wss = new WebSocketServer({
  server,
  path: '/graphql',
  maxPayload,
  handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
});

wss.on('connection', (socket) => {
  if (socket.protocol !== PROTOCOL) return socket.close(4406, 'Subprotocol not acceptable');
  openSockets += 1;
  const own = new Map<string, Subscription>();
  let initialised = false;
  let acknowledged = false;
  const initTimer = setTimeout(() => {
    if (!acknowledged) socket.close(4408, 'Connection initialisation timeout');
  }, initTimeoutMs);

  socket.on('close', () => {
    clearTimeout(initTimer);
    openSockets -= 1;
    for (const subscription of own.values()) subscriptions.delete(subscription);
    own.clear();
  });

  socket.on('message', (data, isBinary) => {
    let message: { type?: unknown; id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data)) as typeof message;
    } catch {
      return socket.close(4400, 'Invalid message received');
    }
    switch (message?.type) {
      case 'connection_init':
        if (initialised) return socket.close(4429, 'Too many initialisation requests');
        initialised = acknowledged = true;
        clearTimeout(initTimer);
        return socket.send('{"type":"connection_ack"}');
      case 'ping':
        return socket.send('{"type":"pong"}');
      case 'pong':
        return;
      case 'subscribe': {
        if (!acknowledged) return socket.close(4401, 'Unauthorized');
        const { id, payload } = message;
        if (typeof id !== 'string' || id === '' || typeof (payload as { query?: unknown })?.query !== 'string') {
          return socket.close(4400, 'Invalid message received');
        }
        if (own.has(id)) return socket.close(4409, `Subscriber for ${id} already exists`);
        if (own.size >= maxSubscriptions) {
          const error = { message: `at most ${maxSubscriptions} subscriptions per socket`, extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } };
          return socket.send(JSON.stringify({ id, type: 'error', payload: [error] }));
        }
        const subscription = { socket, head: Buffer.from(`{"id":${JSON.stringify(id)}`) };
        own.set(id, subscription);
        subscriptions.add(subscription);
        return;
      }
      case 'complete': {
        const subscription = typeof message.id === 'string' ? own.get(message.id) : undefined;
        if (subscription) {
          own.delete(message.id as string);
          subscriptions.delete(subscription);
        }
        return;
      }
      default:
        return socket.close(4400, 'Invalid message received');
    }
  });
});

await listenAndAnnounce(server, referencePort(), async () => {
  for (const socket of wss.clients) socket.terminate();
  wss.close();
});

function positiveNumber(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${process.env[name]}`);
  return value;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
