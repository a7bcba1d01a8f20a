import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerToken } from '../../services/auth/tokens.ts';
import type { Config } from '../../config.ts';
import type { App } from '../../yoga.ts';
import { openEnvelope, type Envelope } from '../envelope.ts';
import { reportSharedLoad } from './live-metrics.ts';
import { sharedSubscription } from './shared-key.ts';
import { socketAuthWatch } from './socket-auth.ts';
import { subscriptionHubs, type ResultSink, type Started } from './subscription-hubs.ts';

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
 *
 * A subscription that sockets with the same document, variables and role ask for is executed once
 * and its results broadcast, each serialised once (shared-key.ts says which may be shared,
 * subscription-hubs.ts runs them, nextMessages sends them). Every subscriber is still
 * authenticated, limited and validated on its own when it subscribes.
 */
export function graphqlWsTransport(app: App, config: Config, options: GraphqlWsOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.live.maxPayloadBytes });
  const auth = socketAuthWatch(app, config);
  const hubs = subscriptionHubs();
  const stopReporting = reportSharedLoad(hubs.size);
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
          const contextValue = await envelope.context();
          const args = {
            schema: envelope.schema,
            document: prepared.document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue,
            rootValue: envelope,
          };
          const shared = sharedSubscription(envelope.schema, prepared.document, envelope.params.query, payload.operationName, payload.variables, contextValue);
          if (!shared) return args;
          // Joined here, so this subscriber's own context and envelope are not kept for the subscription's life.
          const start = () => runGuarded(app, () => envelope.subscribe({ ...args, contextValue: shared.context(contextValue), rootValue: undefined })) as Promise<Started>;
          const subscriber = hubs.join(shared.key, start, nextMessages(ctx, id));
          return { ...args, contextValue: null, rootValue: subscriber };
        } catch (err) {
          ids.delete(id);
          app.logger.error('graphql-ws operation failed before it ran', err);
          return unexpected();
        }
      },
      // The envelope rides along as rootValue so that execution uses the same enveloped hooks.
      execute: (args) => runGuarded(app, () => (args.rootValue as Envelope).execute(args)),
      // A shared subscriber (joined in onSubscribe) is its own operation result.
      subscribe: (args) => (Symbol.asyncIterator in (args.rootValue as object) ? args.rootValue : runGuarded(app, () => (args.rootValue as Envelope).subscribe(args))) as never,
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
      stopReporting();
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      wss.close();
    },
  };
}

/**
 * The `next` messages of one shared subscriber, written straight to its socket: graphql-ws would
 * stringify each whole message per socket, so the shared result's JSON, serialised once, is put in
 * a message of the same shape instead ({id, type, payload}, as graphql-ws writes it). Only while
 * graphql-ws holds the operation: once the client completed it, nothing more is sent for its id.
 * Completion and errors still go through graphql-ws (the subscriber's iterator ends or throws).
 */
function nextMessages(ctx: { subscriptions: Record<string, unknown>; extra: { socket: WebSocket } }, id: string): ResultSink {
  // Bytes, not text: ws would encode a string once per socket; the shared part is encoded once per result.
  const head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  const { socket } = ctx.extra;
  return (result) => {
    if (!(id in ctx.subscriptions) || socket.readyState !== socket.OPEN) return;
    const tail = result.messageTail;
    socket.send(Buffer.concat([head, tail], head.length + tail.length), { binary: false });
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
