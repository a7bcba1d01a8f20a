import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

/*
 * Real listeners on 127.0.0.1 ephemeral ports for the probe and monitor tests. close() also destroys
 * the sockets still open, so a test ends at once instead of waiting for peers; reopen() listens again
 * on the same port (a resource that comes back).
 */

export interface TestListener {
  port: number;
  close(): Promise<void>;
  reopen(): Promise<void>;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

function listenOn(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function serve(server: Server): Promise<TestListener> {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    // Probes hang up abruptly; a reset is expected, not a failure of the listener.
    socket.on('error', () => {});
    socket.on('close', () => open.delete(socket));
  });
  await listenOn(server, 0);
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
    reopen: () => listenOn(server, port),
  };
}

const answerOk: HttpHandler = (_req, res) => res.end('ok');

/** Accepts and hangs up at once: a port where something listens. */
export function tcpListener(): Promise<TestListener> {
  return serve(createTcpServer((socket) => socket.end()));
}

/** Accepts TCP and never writes: the peer for TLS and HTTP timeouts. */
export function silentListener(): Promise<TestListener> {
  return serve(createTcpServer(() => {}));
}

export function httpListener(handler: HttpHandler = answerOk): Promise<TestListener> {
  return serve(createHttpServer(handler));
}

export function httpsListener(cert: { key: string; cert: string }, handler: HttpHandler = answerOk): Promise<TestListener> {
  return serve(createHttpsServer(cert, handler));
}

/** Completes the handshake and hangs up. */
export function tlsListener(cert: { key: string; cert: string }): Promise<TestListener> {
  return serve(createTlsServer(cert, (socket) => socket.end()));
}

/** A port that was free a moment ago (bound, read, released): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const listener = await serve(createTcpServer());
  await listener.close();
  return listener.port;
}
