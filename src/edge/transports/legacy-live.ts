import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionResult } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { App } from '../../yoga.ts';
import { openEnvelope } from '../envelope.ts';
import { CLOSE_FORBIDDEN, socketAuthWatch } from './socket-auth.ts';

export const LEGACY_LIVE_PATH = /^\/api\/v1\/chamados\/([^/]+)\/live\/?$/;

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof (value as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';

const QUERY = `subscription LegacyLive($publicId: String!) {
  chamadoLive(publicId: $publicId) {
    __typename
    ... on TimelineEntry { eventType createdAt }
    ... on WizardStepChanged { step timeOnStepSec }
  }
}`;

/** The token from `?token=` or the WebSocket subprotocol (`<jwt>` or `bearer, <jwt>`). */
function tokenOf(request: IncomingMessage, url: URL): string | null {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  return protocols.find((p) => p.toLowerCase() !== 'bearer') ?? null;
}

function refuse(socket: Duplex, status: number, message: string): void {
  socket.end(`HTTP/1.1 ${status} ${message}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: message })}`);
}

/**
 * `WS /api/v1/chamados/{public_id}/live` (spec 000): a shim over the `chamadoLive` subscription
 * that sends exactly the documented messages:
 *   {"type":"event","event_type":…,"created_at":…} and {"type":"wizard_step","step":…,"time_on_step_sec":…}
 * Like graphql-ws, a socket whose token expires or whose user is disabled is closed with 4403
 * (socketAuthWatch).
 */
export function legacyLiveTransport(app: App, config: Config, log: Logger) {
  const auth = socketAuthWatch(app, config);
  const wss = new WebSocketServer({
    noServer: true,
    // Clients send nothing on this socket (the token rides in the URL or the handshake).
    maxPayload: 4096,
    // Echo the protocol a client offered so browsers accept the handshake when the token rides in it.
    handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : ([...protocols][0] ?? false)),
  });

  async function pump(ws: WebSocket, token: string, publicId: string): Promise<void> {
    const request = new Request('http://internal/graphql', { headers: { authorization: `Bearer ${token}` } });
    const envelope = openEnvelope(app, request, { query: QUERY, variables: { publicId } });
    const prepared = envelope.prepare();
    const result = prepared.errors
      ? { errors: prepared.errors }
      : await envelope.subscribe({
          schema: envelope.schema,
          document: prepared.document,
          variableValues: { publicId },
          contextValue: await envelope.context(),
        });
    if (!isAsyncIterable(result)) {
      const errors = (result as ExecutionResult).errors ?? [];
      const code = String(errors[0]?.extensions?.code ?? '');
      ws.send(JSON.stringify({ type: 'error', message: errors[0]?.message ?? 'subscription failed' }));
      ws.close(code === 'NOT_FOUND' ? 4404 : code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' ? 4403 : 1011);
      return;
    }
    const iterator = result[Symbol.asyncIterator]();
    ws.on('close', () => void iterator.return?.());
    // Closed while the subscription was starting: no 'close' is coming any more to end it.
    if (ws.readyState !== ws.OPEN) await iterator.return?.();
    for await (const item of result as AsyncIterable<ExecutionResult<{ chamadoLive: Record<string, unknown> }>>) {
      const update = item.data?.chamadoLive;
      if (!update || ws.readyState !== ws.OPEN) continue;
      const message =
        update.__typename === 'WizardStepChanged'
          ? { type: 'wizard_step', step: update.step, time_on_step_sec: update.timeOnStepSec }
          : { type: 'event', event_type: update.eventType, created_at: update.createdAt };
      ws.send(JSON.stringify(message));
    }
  }

  return {
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL, publicId: string) {
      const token = tokenOf(request, url);
      if (!token || !auth.admits(token)) return refuse(socket, 401, 'Unauthorized');
      wss.handleUpgrade(request, socket, head, (ws) => {
        // ws reports a frame over maxPayload (or a protocol violation) as an 'error' event before
        // it closes the socket with 1009/1002: unheard, that event would end the whole process.
        ws.on('error', (err) => log.warn({ err: { message: err.message }, publicId }, 'legacy live socket error'));
        // Admitted a moment ago; a token that expired during the handshake is closed like any other.
        if (!auth.watch(ws, token)) return ws.close(CLOSE_FORBIDDEN, 'token expired');
        ws.on('close', () => auth.forget(ws));
        pump(ws, token, publicId).catch((err: unknown) => {
          log.error({ err, publicId }, 'legacy live socket failed');
          if (ws.readyState === ws.OPEN) ws.close(1011, 'internal error');
        });
      });
    },
    close() {
      auth.stop();
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      wss.close();
    },
  };
}
