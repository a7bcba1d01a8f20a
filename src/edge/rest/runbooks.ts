import { z } from 'zod';
import { RestError } from './errors.ts';
import { gql, intParam, route, unwrap, type RestRoute } from './route.ts';
import { schemaEnumValues } from './schema-enums.ts';

/*
 * Runbook execution and approvals (spec 000 "Aprovações"): POST …/runbooks/{code}/executar,
 * GET /api/v1/aprovacoes, POST /api/v1/aprovacoes/{id}/aprovar|rejeitar.
 */

type Json = Record<string, unknown>;
const NIVEIS = schemaEnumValues('Nivel');
const APPROVAL_STATUSES = schemaEnumValues('ApprovalStatus');

// Nested in `... on Error` so it is valid in every result union, whichever errors it can hold.
const ERROR_FIELDS = `... on Error { __typename code message
  ... on ValidationError { issues { path message } } }`;

const APPROVAL_FIELDS = `id status requiredApprovals createdAt expiresAt decidedAt
  requestedBy { username }
  decisions { approver { username } decisao nota createdAt }
  execution { execId runbookCode nivel status params chamado { publicId } }`;

function approvalJson(a: Json) {
  const execution = a.execution as Json;
  const decisions = a.decisions as Json[];
  return {
    id: a.id,
    status: a.status,
    exec_id: execution.execId,
    exec_status: execution.status,
    chamado_public_id: (execution.chamado as Json).publicId,
    runbook_code: execution.runbookCode,
    nivel: execution.nivel,
    params: execution.params,
    requested_by: (a.requestedBy as Json).username,
    approvals_required: a.requiredApprovals,
    approvals_count: decisions.filter((d) => d.decisao === 'aprovado').length,
    decisoes: decisions.map((d) => ({
      aprovador: (d.approver as Json).username,
      decisao: d.decisao,
      nota: d.nota,
      created_at: d.createdAt,
    })),
    created_at: a.createdAt,
    expires_at: a.expiresAt,
    decided_at: a.decidedAt,
  };
}

/** The body repeats the decision the path names; a contradiction is a client bug worth a 400. */
function decisionRoute(path: 'aprovar' | 'rejeitar', decisao: 'aprovado' | 'rejeitado', field: 'approve' | 'reject'): RestRoute<any> {
  return route({
    method: 'POST',
    path: `/api/v1/aprovacoes/:id/${path}`,
    body: z.object({ decisao: z.literal(decisao).optional(), nota: z.string().max(10_000).nullish() }),
    document: gql`mutation RestDecide${field}($id: Int!, $nota: String) {
      ${field}(approvalId: $id, nota: $nota) { ... on ApprovalRequest { ${APPROVAL_FIELDS} } ${ERROR_FIELDS} }
    }`,
    variables: ({ params, body }) => {
      const id = Number(params.id);
      if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) throw new RestError(404, 'NOT_FOUND', 'approval not found');
      return { id, nota: body.nota ?? null };
    },
    respond: (data) => [200, approvalJson(unwrap<Json>(data[field]))],
  });
}

export const runbookRoutes: RestRoute<any>[] = [
  route({
    method: 'POST',
    path: '/api/v1/chamados/:publicId/runbooks/:code/executar',
    body: z.object({
      params: z.record(z.string(), z.unknown()).default({}),
      force_nivel: z.enum(NIVEIS).nullish(),
    }),
    document: gql`mutation RestExecutar($publicId: String!, $code: String!, $params: JSON, $forceNivel: Nivel) {
      executeRunbook(publicId: $publicId, code: $code, params: $params, forceNivel: $forceNivel) {
        ... on RunbookExecution { execId runbookCode nivel status }
        ${ERROR_FIELDS}
      }
    }`,
    variables: ({ params, body }) => ({
      publicId: params.publicId,
      code: params.code,
      params: body.params,
      forceNivel: body.force_nivel ?? null,
    }),
    respond: (data) => {
      const x = unwrap<Json>(data.executeRunbook);
      return [202, { exec_id: x.execId, runbook_code: x.runbookCode, nivel: x.nivel, status: x.status }];
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/aprovacoes',
    document: gql`query RestAprovacoes($status: ApprovalStatus, $limit: Int, $offset: Int) {
      approvals(status: $status, limit: $limit, offset: $offset) { total items { ${APPROVAL_FIELDS} } }
    }`,
    variables: ({ query }) => {
      const status = query.get('status');
      if (status && !APPROVAL_STATUSES.includes(status)) {
        throw new RestError(400, 'BAD_REQUEST', `status must be one of ${APPROVAL_STATUSES.join(', ')}`);
      }
      return { status: status || null, limit: intParam(query, 'limit', 50, 1, 200), offset: intParam(query, 'offset', 0, 0, 1_000_000) };
    },
    respond: (data) => {
      const list = data.approvals as { total: number; items: Json[] };
      return [200, { aprovacoes: list.items.map(approvalJson), total: list.total }];
    },
  }),
  decisionRoute('aprovar', 'aprovado', 'approve'),
  decisionRoute('rejeitar', 'rejeitado', 'reject'),
];
