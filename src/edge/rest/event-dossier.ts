import { z } from 'zod';
import { bodyText, readQuery, type IntBounds } from './fastapi-validation.ts';
import { gql, route, type RestRoute } from './route.ts';
import { schemaEnumValues } from './schema-enums.ts';
import { reshape, selectionOf, type Wire } from './wire-fields.ts';

/*
 * Spec 002's event paths: GET /api/v1/events/recent, /events/dossier, /events/dossier/coverage and
 * POST /events/dossier/provider-heartbeat. JSON names, parameters and bounds are the reference's;
 * bad input is FastAPI's 422 (fastapi-validation.ts). The reads need a signed-in user (the
 * reference leaves them open); the heartbeat takes the operator key, never a user.
 */

type Json = Record<string, unknown>;
type Connection = { totalCount: number; edges: { node: Json }[] };

const HEARTBEAT_PROVIDERS = schemaEnumValues('HeartbeatProvider');

const RECENT_LIMIT: IntBounds = { default: 20, ge: 1, le: 100 };
const DOSSIER_LIMIT: IntBounds = { default: 20, ge: 1, le: 50 };
const COVERAGE_LIMIT: IntBounds = { default: 100, ge: 1, le: 200 };

const EVENT_ID: Wire = ['event_id', 'eventUuid'];
const CHANNEL_TYPE: Wire = ['channel_type', 'source'];
const PROVIDER_EVENT_ID: Wire = ['provider_event_id', 'providerEventIdOrFallback'];

const RECENT_ITEM: Wire[] = [EVENT_ID, 'project_id', CHANNEL_TYPE, PROVIDER_EVENT_ID, 'channel_chat_id', 'content_preview', 'is_duplicate', 'received_at'];

// `severity` is the source's own word (sourceSeverity), a string as in the reference; ours is 0–15.
const DOSSIER_ITEM: Wire[] = [
  EVENT_ID, 'project_id', CHANNEL_TYPE, 'provider', 'stage', PROVIDER_EVENT_ID, 'content_preview', 'content_redacted',
  'has_redacted_content', 'redaction_version', 'source_url', 'content_sha256', 'content_length', 'source_refs',
  'source_ref_count', 'log_correlation', 'alertname', ['severity', 'sourceSeverity'], 'namespace', 'target_resource',
  'fingerprint', 'is_duplicate', ['provider_ts', 'occurredAt'], 'received_at',
];

const COVERAGE_COUNTERS = [
  'duplicate_total', 'redacted_total', 'source_ref_total', 'missing_source_refs_total', 'sentry_ref_total', 'signoz_ref_total',
  'alert_ref_total', 'latest_received_at',
];
const COVERAGE_SUMMARY: Wire[] = ['source_count', 'source_envelope_total', 'missing_source_envelope_total', 'with_source_refs_total', ...COVERAGE_COUNTERS];
const PROVIDER_COVERAGE: Wire[] = ['provider', 'total', ...COVERAGE_COUNTERS];

const eventsQuery = (name: string, wires: readonly Wire[]) => gql`query ${name}($filter: EventFilter, $first: Int) {
  events(filter: $filter, first: $first) { totalCount edges { node { ${selectionOf(wires)} } } }
}`;

export const eventDossierRoutes: RestRoute<any>[] = [
  route({
    method: 'GET',
    path: '/api/v1/events/recent',
    validation: 'fastapi',
    document: eventsQuery('RestRecentEvents', RECENT_ITEM),
    variables: ({ query }) =>
      readQuery(query, (q) => ({
        filter: { projectId: q.text('project_id'), source: q.text('channel_type'), providerEventIdPrefix: q.text('provider_prefix') },
        first: q.int('limit', RECENT_LIMIT),
      })),
    respond: (data, { query }) => {
      const conn = data.events as Connection;
      const limit = readQuery(query, (q) => q.int('limit', RECENT_LIMIT));
      return [200, { events: conn.edges.map((e) => reshape(e.node, RECENT_ITEM)), total: conn.totalCount, limit }];
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/events/dossier',
    validation: 'fastapi',
    document: eventsQuery('RestEventDossier', DOSSIER_ITEM),
    variables: ({ query }) =>
      readQuery(query, (q) => ({
        filter: { projectId: q.text('project_id'), runId: q.uuid('run_id'), providerEventId: q.text('provider_event_id') },
        first: q.int('limit', DOSSIER_LIMIT),
      })),
    // The summary is over the page served, as the reference's; `total` counts every match.
    respond: (data, { query }) => {
      const conn = data.events as Connection;
      const events: Json[] = conn.edges.map(({ node }) => ({ ...reshape(node, DOSSIER_ITEM), source_refs: node.sourceRefs ?? {} }));
      const summary = {
        source_count: events.length,
        duplicate_total: events.filter((e) => e.is_duplicate).length,
        redacted_total: events.filter((e) => e.has_redacted_content).length,
        source_ref_total: events.reduce((sum, e) => sum + (e.source_ref_count as number), 0),
      };
      const limit = readQuery(query, (q) => q.int('limit', DOSSIER_LIMIT));
      return [200, { events, total: conn.totalCount, limit, summary }];
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/events/dossier/coverage',
    validation: 'fastapi',
    document: gql`query RestEventCoverage($projectId: String, $provider: String, $limit: Int) {
      eventCoverage(projectId: $projectId, provider: $provider, limit: $limit) {
        projectId limit summary { ${selectionOf(COVERAGE_SUMMARY)} } providers { ${selectionOf(PROVIDER_COVERAGE)} }
      }
    }`,
    variables: ({ query }) =>
      readQuery(query, (q) => ({ projectId: q.text('project_id'), provider: q.text('provider'), limit: q.int('limit', COVERAGE_LIMIT) })),
    respond: (data) => {
      const c = data.eventCoverage as Json;
      const providers = (c.providers as Json[]).map((p) => reshape(p, PROVIDER_COVERAGE));
      return [200, { project_id: c.projectId, limit: c.limit, summary: reshape(c.summary as Json, COVERAGE_SUMMARY), providers }];
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/events/dossier/provider-heartbeat',
    operator: true,
    validation: 'fastapi',
    // The reference's bounds; the project id's shape and distinct providers are the operation's (a 422 too).
    body: z.object({
      project_id: bodyText({ min: 1 }).optional(),
      providers: z.array(z.enum(HEARTBEAT_PROVIDERS)).min(1).max(HEARTBEAT_PROVIDERS.length).optional(),
      reason: bodyText({ min: 1, max: 120 }).optional(),
      run_ref: bodyText({ max: 120 }).nullable().optional(),
    }),
    document: gql`mutation RestProviderHeartbeat($input: RecordProviderHeartbeatInput) {
      recordProviderHeartbeat(input: $input) { status projectId items { provider eventId conversationEventId } }
    }`,
    variables: ({ body }) => ({
      input: { projectId: body.project_id, providers: body.providers, reason: body.reason, runRef: body.run_ref ?? null },
    }),
    respond: (data) => {
      const result = data.recordProviderHeartbeat as Json;
      const items = (result.items as Json[]).map((i) => ({ provider: i.provider, event_id: i.eventId, conversation_event_id: i.conversationEventId }));
      return [200, { status: result.status, project_id: result.projectId, items }];
    },
  }),
];
