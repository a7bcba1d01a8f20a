import type { GraphQLSchema } from 'graphql';
import { builder } from '../src/builder.ts';
import './scalars.ts';
import './errors.ts';
import './users.ts';
import './timeline.ts';
import './chamados.ts';
import './chamado-mutations.ts';
import './chamado-links.ts';
import './events.ts';
import './event-dossier.ts';
import './recurrence.ts';
import './recurrence-work-items.ts';
import './recurrence-reads.ts';
import './ingest.ts';
import './provider-heartbeat.ts';
import './event-grouping.ts';
import './saved-searches.ts';
import './runbooks.ts';
import './outbound.ts';
import './live.ts';
import './recurrence-live.ts';
import './discovery.ts';
import './discovery-mutations.ts';
import './discovery-monitor.ts';
import './discovery-health.ts';
import './discovery-live.ts';
import './discovery-scan.ts';
import './discovery-maintenance.ts';

builder.queryType({ description: 'Reads. Everything but `me` needs a signed-in user (Authorization: Bearer <token> from `login`).' });
builder.mutationType({
  description: 'Changes. Expected failures come back as typed errors in each result union (`... on Error { code message }`).',
});
builder.subscriptionType({ description: 'Live updates over WebSocket (graphql-ws) or SSE, for signed-in users.' });

/** The one schema every transport executes against (HTTP, REST shims, and later subscriptions). */
export const schema: GraphQLSchema = builder.toSchema();
