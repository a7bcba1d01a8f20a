import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { bearerToken, verifyToken } from '../../services/auth/tokens.ts';
import type { Config } from '../../config.ts';
import type { App } from '../../yoga.ts';

export interface GraphqlWsOptions {
  /** Sockets that never send `connection_init` are closed after this (graphql-ws: 4408). */
  connectionInitWaitTimeoutMs: number;
  maxSubscriptionsPerSocket: number;
}

interface Enveloped {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
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
        const request = new Request('http://internal/graphql', { headers: authorization ? { authorization } : {} });
        const enveloped = app.getEnveloped({ request, params: payload, socket: ctx.extra.socket });
        const document = enveloped.parse(payload.query);
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        ids.add(id);
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
      execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args) as never,
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
