import { RestError } from './errors.ts';
import { gql, intParam, route, type RestRoute } from './route.ts';
import { snakeCased } from './snake-case.ts';

/*
 * Read paths over received events and the legacy desk list: GET /api/v1/discover (spec 000),
 * GET /api/v1/webhooks/events?session_id= (spec 001 T019) and GET /api/v1/desk/tickets (T017).
 */

type Json = Record<string, unknown>;

/** Discover item fields served under their own names, snake_cased. */
const DISCOVER_PLAIN = ['source', 'eventType', 'domain', 'sessionId', 'severity', 'ruleId', 'agent', 'summary'] as const;

const EVENT_FIELDS = `eventId chamado { publicId } ${DISCOVER_PLAIN.join(' ')} receivedAt
  isDuplicate duplicateOf { eventId } correlation`;

function discoverItem(e: Json) {
  return {
    id: e.eventId,
    chamado_public_id: (e.chamado as Json | null)?.publicId ?? null,
    ...snakeCased(e, DISCOVER_PLAIN),
    created_at: e.receivedAt,
  };
}

function timestamp(query: URLSearchParams, name: string): string | null {
  const raw = query.get(name);
  if (!raw) return null;
  if (Number.isNaN(Date.parse(raw))) throw new RestError(400, 'BAD_REQUEST', `${name} must be an ISO-8601 timestamp`);
  return new Date(raw).toISOString();
}

function optionalInt(query: URLSearchParams, name: string, min: number, max: number): number | null {
  return query.get(name) ? intParam(query, name, 0, min, max) : null;
}

/** Legacy desk ticket fields served under their own names, snake_cased. */
const TICKET_PLAIN = ['publicId', 'status', 'domain', 'sessionId', 'createdAt'] as const;

const EVENTS_QUERY = gql`query RestEvents($filter: EventFilter, $first: Int, $offset: Int) {
  events(filter: $filter, first: $first, offset: $offset) { totalCount edges { node { ${EVENT_FIELDS} } } }
}`;

type Connection = { totalCount: number; edges: { node: Json }[] };

export const eventRoutes: RestRoute<any>[] = [
  route({
    method: 'GET',
    path: '/api/v1/discover',
    document: EVENTS_QUERY,
    variables: ({ query }) => ({
      filter: {
        source: query.get('source') || null,
        domain: query.get('domain') || null,
        severityMin: optionalInt(query, 'severity_min', 0, 15),
        from: timestamp(query, 'from'),
        to: timestamp(query, 'to'),
        q: query.get('q') || null,
      },
      first: intParam(query, 'limit', 50, 1, 200),
      offset: intParam(query, 'offset', 0, 0, 1_000_000),
    }),
    respond: (data) => {
      const conn = data.events as Connection;
      return [200, { events: conn.edges.map((e) => discoverItem(e.node)), total: conn.totalCount }];
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/webhooks/events',
    document: EVENTS_QUERY,
    variables: ({ query }) => ({
      filter: { sessionId: query.get('session_id') || null, source: query.get('source') || null },
      first: intParam(query, 'limit', 50, 1, 200),
      offset: intParam(query, 'offset', 0, 0, 1_000_000),
    }),
    respond: (data) => {
      const conn = data.events as Connection;
      const events = conn.edges.map(({ node }) => ({
        ...discoverItem(node),
        is_duplicate: node.isDuplicate,
        duplicate_of: (node.duplicateOf as Json | null)?.eventId ?? null,
        correlation: node.correlation,
      }));
      return [200, { events, total: conn.totalCount }];
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/desk/tickets',
    document: gql`query RestDeskTickets($filter: ChamadoFilter, $first: Int, $offset: Int) {
      chamados(filter: $filter, first: $first, offset: $offset) {
        totalCount edges { node { ticketId title ${TICKET_PLAIN.join(' ')} } }
      }
    }`,
    variables: ({ query }) => ({
      filter: {
        status: query.get('status') ? query.get('status')!.split(',') : null,
        domain: query.get('domain') || null,
        sessionId: query.get('session_id') || null,
      },
      first: intParam(query, 'limit', 50, 1, 200),
      offset: intParam(query, 'offset', 0, 0, 1_000_000),
    }),
    respond: (data) => {
      const conn = data.chamados as Connection;
      const tickets = conn.edges.map(({ node: c }) => ({ id: c.ticketId, subject: c.title, ...snakeCased(c, TICKET_PLAIN) }));
      return [200, { tickets, total: conn.totalCount }];
    },
  }),
];
