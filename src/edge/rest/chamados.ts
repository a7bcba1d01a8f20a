import { z } from 'zod';
import { RestError } from './errors.ts';
import { gql, intParam, route, unwrap, type RestRoute } from './route.ts';
import { schemaEnumValues } from './schema-enums.ts';
import { snakeCased } from './snake-case.ts';

/*
 * The chamado paths of the contract (spec 000), each a GraphQL operation plus a reshape into the
 * documented snake_case JSON. Field names here are the contract; do not rename them.
 */

type Json = Record<string, unknown>;
const BASE = '/api/v1/chamados';
const CHAMADO_STATUSES = schemaEnumValues('ChamadoStatus');

/** Fields served under their own names, snake_cased (`wizardStepLabel` → `wizard_step_label`). */
const LIST_PLAIN = [
  'publicId',
  'status',
  'domain',
  'sessionId',
  'wizardStep',
  'wizardStepLabel',
  'sources',
  'maxSeverity',
  'title',
  'createdAt',
  'updatedAt',
  'eventCount',
] as const;
const DETAIL_PLAIN = ['wizardStepAt', 'version', 'legacyTicketId'] as const;
const TIMELINE_PLAIN = ['eventType', 'source', 'createdAt', 'summary', 'severity', 'kind', 'data'] as const;

const LIST_FIELDS = `${LIST_PLAIN.join(' ')} assignee { username }`;

const DETAIL_FIELDS = `${LIST_FIELDS} ${DETAIL_PLAIN.join(' ')}
  assist { timeOnStepSec lastError plannedEmail }
  assistStatus { status reason }
  infra { score status checks }
  links { wazuhDeepLink wizardAdmin }
  observables { tipo valor fonte }
  timeline { id ${TIMELINE_PLAIN.join(' ')} eventId actor { username } }
  pendingActions { runbookCode nivel status execId }
  alerts { key source alertname namespace target status firstFiredAt lastChangeAt lastEventId eventCount }`;

// Nested in `... on Error` so one selection is valid in every result union (validation rejects a
// spread on a type the union cannot hold), whichever errors a given mutation can return.
const ERROR_FIELDS = `... on Error { __typename code message
  ... on ClaimConflictError { currentAssignee }
  ... on InvalidTransitionError { from to allowed }
  ... on VersionConflictError { expectedVersion currentVersion }
  ... on ValidationError { issues { path message } }
  ... on UnknownReferenceError { resource keys } }`;

function listItem(c: Json) {
  return { ...snakeCased(c, LIST_PLAIN), assignee: (c.assignee as Json | null)?.username ?? null };
}

function detail(c: Json) {
  const assist = c.assist as Json | null;
  const links = c.links as Json;
  return {
    ...listItem(c),
    ...snakeCased(c, DETAIL_PLAIN),
    assist: assist && {
      time_on_step_sec: assist.timeOnStepSec,
      last_error: assist.lastError,
      planned_email: assist.plannedEmail,
    },
    assist_status: c.assistStatus,
    observables: c.observables,
    infra: c.infra,
    links: { wazuh_deep_link: links.wazuhDeepLink, wizard_admin: links.wizardAdmin },
    timeline: (c.timeline as Json[]).map((e) => ({
      ...snakeCased(e, TIMELINE_PLAIN),
      actor: (e.actor as Json | null)?.username ?? null,
      webhook_event_id: e.eventId,
    })),
    acoes_pendentes: (c.pendingActions as Json[]).map((a) => ({
      runbook_code: a.runbookCode,
      nivel: a.nivel,
      status: a.status,
      exec_id: a.execId,
    })),
    // Added after the contract (issue 8): which alerts still fire. Not in spec 000, so new names.
    alertas: (c.alerts as Json[]).map((a) => ({
      key: a.key,
      source: a.source,
      alertname: a.alertname,
      namespace: a.namespace,
      target: a.target,
      status: a.status,
      first_fired_at: a.firstFiredAt,
      last_change_at: a.lastChangeAt,
      last_event_id: a.lastEventId,
      event_count: a.eventCount,
    })),
  };
}

function found(data: Json): Json {
  const chamado = data.chamado as Json | null;
  if (!chamado) throw new RestError(404, 'NOT_FOUND', 'chamado not found');
  return chamado;
}

const statusList = (raw: string | null): string[] | null => {
  if (!raw) return null;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((s) => !CHAMADO_STATUSES.includes(s));
  if (unknown.length) {
    throw new RestError(400, 'BAD_REQUEST', `unknown status ${unknown.join(', ')}; one of ${CHAMADO_STATUSES.join(', ')}`);
  }
  return list;
};

/** GraphQL `Int` is 32-bit: a larger number would fail variable coercion (a masked 500), so it is a 400 here. */
const MAX_INT = 2_147_483_647;
const expectedVersion = z.number().int().positive().max(MAX_INT).nullish();
const nota = z.string().nullish();

export const chamadoRoutes: RestRoute<any>[] = [
  route({
    method: 'GET',
    path: `${BASE}/:publicId/wazuh-link`,
    document: gql`query RestWazuhLink($publicId: String!) { chamado(publicId: $publicId) { wazuhLink { url agent from to } } }`,
    variables: ({ params }) => ({ publicId: params.publicId }),
    respond: (data) => {
      const link = found(data).wazuhLink as Json | null;
      if (!link) throw new RestError(404, 'NOT_FOUND', 'this chamado has no Wazuh agent (or no Wazuh dashboard is configured)');
      return [200, link];
    },
  }),
  route({
    method: 'GET',
    path: BASE,
    document: gql`query RestListChamados($filter: ChamadoFilter, $first: Int, $offset: Int) {
      chamados(filter: $filter, first: $first, offset: $offset) { totalCount edges { node { ${LIST_FIELDS} } } }
    }`,
    variables: ({ query }) => ({
      filter: {
        status: statusList(query.get('status')),
        domain: query.get('domain') || null,
        assignee: query.get('assignee') || null,
        source: query.get('source') || null,
      },
      first: intParam(query, 'limit', 50, 1, 200),
      offset: intParam(query, 'offset', 0, 0, 1_000_000),
    }),
    respond: (data) => {
      const conn = data.chamados as { totalCount: number; edges: { node: Json }[] };
      return [200, { chamados: conn.edges.map((e) => listItem(e.node)), total: conn.totalCount }];
    },
  }),
  route({
    method: 'GET',
    path: `${BASE}/:publicId`,
    document: gql`query RestChamado($publicId: String!) { chamado(publicId: $publicId) { ${DETAIL_FIELDS} } }`,
    variables: ({ params }) => ({ publicId: params.publicId }),
    respond: (data) => [200, detail(found(data))],
  }),
  route({
    method: 'POST',
    path: `${BASE}/:publicId/assumir`,
    body: z.object({ nota, override: z.boolean().nullish(), expected_version: expectedVersion }).strict(),
    document: gql`mutation RestAssumir($publicId: String!, $nota: String, $override: Boolean, $expectedVersion: Int) {
      claimChamado(publicId: $publicId, nota: $nota, override: $override, expectedVersion: $expectedVersion) {
        ... on Chamado { publicId status assignee { username } version } ${ERROR_FIELDS}
      }
    }`,
    variables: ({ params, body }) => ({
      publicId: params.publicId,
      nota: body.nota ?? null,
      override: body.override ?? false,
      expectedVersion: body.expected_version ?? null,
    }),
    respond: (data) => {
      const c = unwrap<Json>(data.claimChamado);
      return [200, { public_id: c.publicId, status: c.status, assignee: (c.assignee as Json).username, version: c.version }];
    },
  }),
  route({
    method: 'POST',
    path: `${BASE}/:publicId/eventos/anexar`,
    body: z.object({
      webhook_event_ids: z.array(z.number().int().positive().max(MAX_INT)).min(1).max(500),
      expected_version: expectedVersion,
    }),
    document: gql`mutation RestAnexar($publicId: String!, $eventIds: [Int!]!, $expectedVersion: Int) {
      attachEventsToChamado(publicId: $publicId, eventIds: $eventIds, expectedVersion: $expectedVersion) {
        ... on AttachEventsPayload { attached timelineCount chamado { publicId } } ${ERROR_FIELDS}
      }
    }`,
    variables: ({ params, body }) => ({
      publicId: params.publicId,
      eventIds: body.webhook_event_ids,
      expectedVersion: body.expected_version ?? null,
    }),
    respond: (data) => {
      const r = unwrap<Json>(data.attachEventsToChamado);
      return [200, { public_id: (r.chamado as Json).publicId, attached: r.attached, timeline_count: r.timelineCount }];
    },
  }),
  route({
    method: 'POST',
    path: `${BASE}/:publicId/notas`,
    body: z.object({ texto: z.string(), expected_version: expectedVersion }),
    document: gql`mutation RestNota($publicId: String!, $texto: String!, $expectedVersion: Int) {
      addChamadoNote(publicId: $publicId, texto: $texto, expectedVersion: $expectedVersion) {
        ... on AddChamadoNotePayload { chamado { publicId version } entry { id summary createdAt actor { username } } }
        ${ERROR_FIELDS}
      }
    }`,
    variables: ({ params, body }) => ({
      publicId: params.publicId,
      texto: body.texto,
      expectedVersion: body.expected_version ?? null,
    }),
    respond: (data) => {
      const r = unwrap<Json>(data.addChamadoNote);
      const entry = r.entry as Json;
      const chamado = r.chamado as Json;
      return [
        201,
        {
          public_id: chamado.publicId,
          id: entry.id,
          texto: entry.summary,
          autor: (entry.actor as Json | null)?.username ?? null,
          created_at: entry.createdAt,
          version: chamado.version,
        },
      ];
    },
  }),
  route({
    method: 'PATCH',
    path: `${BASE}/:publicId`,
    body: z.object({ status: z.enum(CHAMADO_STATUSES), nota, expected_version: expectedVersion }),
    document: gql`mutation RestPatch($publicId: String!, $status: ChamadoStatus!, $nota: String, $expectedVersion: Int) {
      changeChamadoStatus(publicId: $publicId, status: $status, nota: $nota, expectedVersion: $expectedVersion) {
        ... on Chamado { publicId status assignee { username } version updatedAt } ${ERROR_FIELDS}
      }
    }`,
    variables: ({ params, body }) => ({
      publicId: params.publicId,
      status: body.status,
      nota: body.nota ?? null,
      expectedVersion: body.expected_version ?? null,
    }),
    respond: (data) => {
      const c = unwrap<Json>(data.changeChamadoStatus);
      return [
        200,
        {
          public_id: c.publicId,
          status: c.status,
          assignee: (c.assignee as Json | null)?.username ?? null,
          version: c.version,
          updated_at: c.updatedAt,
        },
      ];
    },
  }),
];
