import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerToken } from '../../services/auth/tokens.ts';
import type { Config } from '../../config.ts';
import type { App } from '../../yoga.ts';
import { openEnvelope, type Envelope } from '../envelope.ts';
import { socketAuthWatch } from './socket-auth.ts';

export interface GraphqlWsOptions {
  /** Sockets that never send `connection_init` are closed after this (graphql-ws: 4408). */
  connectionInitWaitTimeoutMs: number;
  maxSubscriptionsPerSocket: number;
}

/**
 * What a client gets for an operation that failed in a way no limit or rule foresaw (a parser stack
 * overflow on a deeply nested document, a failing database): masked, like yoga masks it on /graphql.
 */
const unexpected = () => [new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];

/**
 * GraphQL over WebSocket (graphql-transport-ws) on the GraphQL path. The JWT comes in
 * `connectionParams.authorization` ("Bearer <jwt>"): a socket without a valid one is refused at
 * connect (4403), and every subscribe builds a fresh context, so the token and the user's role
 * are checked again then; between subscribes, socketAuthWatch closes (4403) a socket whose token
 * expired or whose user was disabled. Operations run through Yoga's envelope: the same plugins and
 * limits. Whatever goes wrong with one operation is answered on that operation (an `error`
 * message); graphql-ws would otherwise close the whole socket with 4500 for anything thrown.
 * Protocol violations still close it, as the protocol says (4400, 4401, 4408, 4409, and 1009 for a
 * message over WS_MAX_PAYLOAD_BYTES).
 */
export function graphqlWsTransport(app: App, config: Config, options: GraphqlWsOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.live.maxPayloadBytes });
  const auth = socketAuthWatch(app, config);
  const open = new WeakMap<object, Set<string>>();
  useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs,
      onConnect: (ctx) => {
        const token = bearerToken(String(ctx.connectionParams?.authorization ?? ''));
        return token !== null && auth.watch(ctx.extra.socket, token);
      },
      onClose: (ctx) => auth.forget(ctx.extra.socket),
      onSubscribe: async (ctx, id, payload) => {
        const ids = open.get(ctx.extra.socket) ?? new Set<string>();
        open.set(ctx.extra.socket, ids);
        if (ids.size >= options.maxSubscriptionsPerSocket) {
          return [new GraphQLError(`at most ${options.maxSubscriptionsPerSocket} subscriptions per socket`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        }
        try {
          const authorization = String(ctx.connectionParams?.authorization ?? '');
          // A socket carries queries and mutations too; yoga refuses mutations on a GET request, and
          // this stands for an operation sent with a body, so it is a POST.
          const request = new Request('http://internal/graphql', { method: 'POST', headers: authorization ? { authorization } : {} });
          const envelope = openEnvelope(app, request, payload, { socket: ctx.extra.socket });
          const prepared = envelope.prepare();
          if (prepared.errors) return prepared.errors;
          ids.add(id);
          return {
            schema: envelope.schema,
            document: prepared.document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: await envelope.context(),
            rootValue: envelope,
          };
        } catch (err) {
          ids.delete(id);
          app.logger.error('graphql-ws operation failed before it ran', err);
          return unexpected();
        }
      },
      // The envelope rides along as rootValue so that execution uses the same enveloped hooks.
      execute: (args) => runGuarded(app, () => (args.rootValue as Envelope).execute(args)),
      subscribe: (args) => runGuarded(app, () => (args.rootValue as Envelope).subscribe(args)),
      onComplete: (ctx, id) => {
        open.get(ctx.extra.socket)?.delete(id);
      },
    },
    wss,
  );
  return {
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    },
    close() {
      auth.stop();
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      wss.close();
    },
  };
}

/** Execution that throws (instead of answering with errors) fails its operation, not the socket. */
async function runGuarded(app: App, run: () => unknown): Promise<never> {
  try {
    return (await run()) as never;
  } catch (err) {
    app.logger.error('graphql-ws operation failed', err);
    return { errors: unexpected() } as never;
  }
}
