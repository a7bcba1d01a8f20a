import { createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { schema } from '../resolvers/index.ts';
import { clientAddressOf, createContext, type AppDeps, type Context } from './context.ts';
import { yogaLogging } from './logger.ts';
import { databaseUnavailableError, isDatabaseUnavailable } from './db/unavailable.ts';
import { graphiqlDelivery, graphiqlOptions, renderGraphiQL } from './edge/http/graphiql.ts';
import { compiledExecution } from './edge/http/compiled-execution.ts';
import { encodedResults } from './edge/http/encoded-results.ts';
import { graphqlLimits, mayIntrospect } from './edge/http/graphql-limits.ts';
import { observability, operationalEndpoints } from './edge/http/observability.ts';
import { loadAllowList, persistedOperations } from './edge/http/persisted-operations.ts';
import { MAX_GRAPHQL_BODY_BYTES, requestBodyLimit } from './edge/http/request-body-limit.ts';
import { requestIdOf } from './edge/http/request-id.ts';
import { securityHeaders } from './edge/http/security-headers.ts';
import { rejectNulText } from './edge/reject-nul-text.ts';
import { restRouter } from './edge/rest/router.ts';
import { REST_ROUTES } from './edge/rest/routes.ts';
import type { ReceiveDelivery } from './edge/webhooks/receiver.ts';
import { yogaWebhookReceiver } from './edge/webhooks/yoga-receiver.ts';

export type App = YogaServerInstance<Record<string, unknown>, Context>;

/**
 * Builds the HTTP application: GraphQL (+ GraphiQL) on /graphql, the REST shims, /health and
 * /metrics, and the webhook deliveries node-receiver.ts leaves to it (`receiveDelivery`, the
 * process's one receiver). It does not listen; src/boot.ts does.
 */
export function createApp(deps: AppDeps, receiveDelivery: ReceiveDelivery): App {
  const { config, log } = deps;
  // Late binding: the REST router executes through this very app, which exists only once
  // createYoga has returned; the router calls the getter per request, never at build time.
  let app: App | undefined;
  const self = (): App => app!;
  const allowList = config.persistedOperationsFile ? loadAllowList(config.persistedOperationsFile) : null;
  app = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // Yoga's own probe answers liveness without touching the database; /health checks PostgreSQL.
    healthCheckEndpoint: '/livez',
    landingPage: false,
    // Replaced by requestBodyLimit (same limit and answers, without a stream per request).
    maxRequestBodySize: false,
    // No field takes a file, so multipart requests (the upload spec) are answered 415, not parsed.
    multipart: false,
    // Parsed documents stay cached by yoga; validation results are cached by graphqlLimits, which
    // knows the only two rule sets there are.
    parserAndValidationCache: { validationCache: false },
    // GraphiQL is useless without introspection, so it follows the same switch; and with an
    // allow-list, whatever is typed into it would be refused, so it is off then.
    graphiql: (request) => (!allowList && mayIntrospect(config, request) ? graphiqlOptions : false),
    renderGraphiQL,
    cors: { origin: config.corsOrigins, credentials: true, exposedHeaders: ['x-request-id'] },
    logging: yogaLogging(log),
    // Unexpected errors answer "Unexpected error." without stack or SQL; the full error shows only
    // in development, decided by our config rather than whatever NODE_ENV the process inherited.
    maskedErrors: {
      isDev: config.nodeEnv === 'development',
      // A lost database connection is the caller's "retry in a moment" (503), not a masked bug.
      maskError: (error, message, isDev) => (isDatabaseUnavailable(error) ? databaseUnavailableError() : maskError(error, message, isDev)),
    },
    plugins: [
      requestContext(deps),
      observability(log, !config.production),
      securityHeaders(),
      graphiqlDelivery('/graphql'),
      operationalEndpoints(deps.orm, log, deps.liveDelivery),
      yogaWebhookReceiver(receiveDelivery),
      restRouter(deps, self, REST_ROUTES),
      ...graphqlLimits(config, '/graphql'),
      rejectNulText(),
      ...compiledExecution(config, log),
      encodedResults(),
      ...(allowList ? persistedOperations(allowList) : []),
      // Last: it wraps whichever request parser the plugins before it chose.
      requestBodyLimit(MAX_GRAPHQL_BODY_BYTES),
    ],
  });
  return app;
}

/**
 * The context (createContext) built into yoga's own context object, as a plugin rather than yoga's
 * `context` option: that option returns an object yoga then copies onto the same context, property
 * by property, on every request. Returns nothing (or a promise of nothing) so envelop takes no
 * after-hook from it.
 */
function requestContext(deps: AppDeps): Plugin<Record<string, unknown>> {
  return {
    onContextBuilding({ context }) {
      const built = createContext(deps, context.request, requestIdOf(context.request), clientAddressOf(context), context);
      if (built instanceof Promise) return built.then(() => undefined);
    },
  };
}
