import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { bearerToken, verifyToken } from '../../services/auth/tokens.ts';
import type { Config } from '../../config.ts';
import type { App } from '../../yoga.ts';
import { openEnvelope, type Envelope } from '../envelope.ts';

export interface GraphqlWsOptions {
  /** Sockets that never send `connection_init` are closed after this (graphql-ws: 4408). */
  connectionInitWaitTimeoutMs: number;
  maxSubscriptionsPerSocket: number;
}

/**
 * GraphQL over WebSocket (graphql-transport-ws) on the GraphQL path. The JWT comes in
 * `connectionParams.authorization` ("Bearer <jwt>"): a socket without a valid one is refused at
 * connect (4403), and every subscribe builds a fresh context, so the token and the user's role
 * are checked again then. Operations run through Yoga's envelope: the same plugins and limits.
 */
export function graphqlWsTransport(app: App, config: Config, options: GraphqlWsOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const open = new WeakMap<object, Set<string>>();
  useServer<Record<string, unknown>, { socket: unknown; request: IncomingMessage }>(
    {
      connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs,
      onConnect: (ctx) => {
        const token = bearerToken(String(ctx.connectionParams?.authorization ?? ''));
        return token !== null && verifyToken(config.jwt, token) !== null;
      },
      onSubscribe: async (ctx, id, payload) => {
        const ids = open.get(ctx.extra.socket as object) ?? new Set<string>();
        open.set(ctx.extra.socket as object, ids);
        if (ids.size >= options.maxSubscriptionsPerSocket) {
          return [new GraphQLError(`at most ${options.maxSubscriptionsPerSocket} subscriptions per socket`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        }
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
      },
      // The envelope rides along as rootValue so that execution uses the same enveloped hooks.
      execute: (args) => (args.rootValue as Envelope).execute(args) as never,
      subscribe: (args) => (args.rootValue as Envelope).subscribe(args) as never,
      onComplete: (ctx, id) => {
        open.get(ctx.extra.socket as object)?.delete(id);
      },
    },
    wss,
  );
  return {
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    },
    close() {
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      wss.close();
    },
  };
}
