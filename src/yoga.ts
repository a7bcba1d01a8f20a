import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { schema } from '../resolvers/index.ts';
import { createContext, type AppDeps, type Context } from './context.ts';
import { yogaLogging } from './logger.ts';
import { graphiqlDelivery, graphiqlOptions, renderGraphiQL } from './edge/http/graphiql.ts';
import { observability, operationalEndpoints } from './edge/http/observability.ts';
import { requestIdOf } from './edge/http/request-id.ts';
import { chamadoRoutes } from './edge/rest/chamados.ts';
import { discoveryAuthRoutes } from './edge/rest/discovery-auth.ts';
import { discoveryRoutes } from './edge/rest/discovery.ts';
import { eventDossierRoutes } from './edge/rest/event-dossier.ts';
import { recurrenceDossierRoutes } from './edge/rest/recurrence-dossier.ts';
import { eventRoutes } from './edge/rest/events.ts';
import { rejectNulText } from './edge/reject-nul-text.ts';
import { restRouter } from './edge/rest/router.ts';
import { runbookRoutes } from './edge/rest/runbooks.ts';
import { webhookReceiver } from './edge/webhooks/receiver.ts';

export type App = YogaServerInstance<Record<string, unknown>, Context>;

/**
 * Builds the HTTP application: GraphQL (+ GraphiQL) on /graphql, the REST shims, /health and
 * /metrics. It does not listen; src/server.ts does, and tests drive it on a random port.
 */
export function createApp(deps: AppDeps): App {
  const { config, log } = deps;
  // Late binding: the REST router executes through this very app, which exists only once
  // createYoga has returned; the router calls the getter per request, never at build time.
  let app: App | undefined;
  const self = (): App => app!;
  app = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // Yoga's own probe answers liveness without touching the database; /health checks PostgreSQL.
    healthCheckEndpoint: '/livez',
    landingPage: false,
    graphiql: config.production ? false : graphiqlOptions,
    renderGraphiQL,
    cors: { origin: config.corsOrigins, credentials: true, exposedHeaders: ['x-request-id'] },
    context: ({ request }) => createContext(deps, request, requestIdOf(request)),
    logging: yogaLogging(log),
    plugins: [
      observability(log, !config.production),
      graphiqlDelivery('/graphql'),
      operationalEndpoints(deps.orm, log),
      webhookReceiver(deps),
      restRouter(deps, self, [
        ...chamadoRoutes,
        ...eventRoutes,
        ...eventDossierRoutes,
        ...recurrenceDossierRoutes,
        ...runbookRoutes,
        ...discoveryAuthRoutes,
        ...discoveryRoutes,
      ]),
      maxDepthPlugin({ n: config.limits.maxDepth, exposeLimits: true }),
      costLimitPlugin({ maxCost: config.limits.maxCost, exposeLimits: true }),
      maxAliasesPlugin({ n: 30, exposeLimits: true }),
      rejectNulText(),
    ],
  });
  return app;
}
