import { z } from 'zod';
import { RestError } from './errors.ts';
import { bodyInt, bodyText, readQuery, type IntBounds } from './fastapi-validation.ts';
import { gql, route, unwrap, type RestInput, type RestRoute } from './route.ts';
import { schemaEnumValues } from './schema-enums.ts';
import { reshape, selectionOf, type Wire } from './wire-fields.ts';

/*
 * Spec 002's recurrence paths: GET /api/v1/events/dossier/recurrence and its work item's
 * GET …/work-item/preview, POST …/work-item/dry-run and POST …/work-item/handoff. JSON names,
 * parameters and bounds are the reference's; bad input is FastAPI's 422, an unknown work item its
 * 404 `{"detail": "recurrence_work_item_not_found"}` (plus our error and message). Signed-in users;
 * dry-run and hand-off need role ops.
 */

type Json = Record<string, unknown>;

const WORK_ITEM_MODES = schemaEnumValues('WorkItemMode');
const HANDOFF_KINDS = schemaEnumValues('HandoffKind');

const RECURRENCE_LIMIT: IntBounds = { default: 100, ge: 1, le: 300 };
// Checked and echoed only: groups are maintained at ingest, not rebuilt from the latest `limit` events.
const WORK_ITEM_LIMIT: IntBounds = { default: 300, ge: 1, le: 300 };

const SUMMARY: Wire[] = [
  'source_event_total', 'recurrence_group_total', 'recurrent_group_total', 'duplicate_event_total', 'linked_run_total',
  'unlinked_event_total', 'auto_repair_linked_total', 'verified_repair_group_total', 'open_work_item_group_total',
  'manual_gate_group_total', 'automation_gap_group_total', 'failed_repair_group_total', 'latest_received_at',
];

const GROUP_FACTS: Wire[] = ['recurrence_key', 'provider', 'alertname', 'severity', 'namespace', 'target_resource', 'fingerprint'];
const GROUP_COUNTERS: Wire[] = [
  'occurrence_total', 'duplicate_total', 'linked_run_total', 'source_ref_total', 'missing_source_refs_total',
  'sentry_ref_total', 'signoz_ref_total', 'alert_ref_total', 'run_state_counts', 'first_received_at', 'latest_received_at',
];
const WORK_ITEM: Wire[] = [['work_item_id', 'id'], 'state', 'reason', 'next_step', 'title'];

const GROUP_FIELDS = `${selectionOf(GROUP_FACTS)} ${selectionOf(GROUP_COUNTERS)}
  latestEvent { eventUuid providerEventIdOrFallback contentPreview }
  latestRun { runId status } latestAgent latestChamado { publicId } chamadoPublicIds repairSummary
  workItem { ${selectionOf(WORK_ITEM)} }`;

/** A group as the reference's recurrence item; its `work_item.id` is the work_item_id. */
function recurrenceItem(g: Json): Json {
  const latestEvent = g.latestEvent as Json | null;
  const latestRun = g.latestRun as Json | null;
  return {
    ...reshape(g, GROUP_FACTS),
    latest_event_id: latestEvent?.eventUuid ?? null,
    latest_provider_event_id: latestEvent?.providerEventIdOrFallback ?? null,
    latest_content_preview: latestEvent?.contentPreview ?? null,
    latest_run_id: latestRun?.runId ?? null,
    latest_run_state: latestRun?.status ?? null,
    latest_agent_id: g.latestAgent,
    latest_incident_id: (g.latestChamado as Json | null)?.publicId ?? null,
    incident_ids: g.chamadoPublicIds,
    repair_summary: g.repairSummary,
    work_item: reshape(g.workItem as Json, WORK_ITEM),
    ...reshape(g, GROUP_COUNTERS),
  };
}

const PLAN_FIELDS = `workItemId projectId mode effectiveMode state reason title nextStep ready
  preflightChecks { name status detail }
  guarantees { readOnly writes unchanged }
  group { ${GROUP_FIELDS} }
  suggestedRunbooks { runbook { code name nivel } runCount successCount reason }`;

const ENTRY_FIELDS = 'entryId kind mode handoffKind status workItemState actor { username } chamado { publicId } createdAt';

/** The plan (preview, dry-run, hand-off): next step, pre-flight checks and what was (not) written. */
function planJson(plan: Json, limit: number): Json {
  const guarantees = plan.guarantees as Json;
  return {
    work_item_id: plan.workItemId,
    project_id: plan.projectId,
    mode: plan.mode,
    effective_mode: plan.effectiveMode,
    limit,
    state: plan.state,
    reason: plan.reason,
    title: plan.title,
    next_step: plan.nextStep,
    ready: plan.ready,
    preflight_checks: plan.preflightChecks,
    guarantees: { read_only: guarantees.readOnly, writes: guarantees.writes, unchanged: guarantees.unchanged },
    item: recurrenceItem(plan.group as Json),
    suggested_runbooks: (plan.suggestedRunbooks as Json[]).map((s) => {
      const runbook = s.runbook as Json;
      return { runbook_code: runbook.code, runbook_name: runbook.name, nivel: runbook.nivel, run_count: s.runCount, success_count: s.successCount, reason: s.reason };
    }),
  };
}

function entryJson(entry: Json): Json {
  return {
    entry_id: entry.entryId,
    kind: entry.kind,
    mode: entry.mode,
    handoff_kind: entry.handoffKind,
    status: entry.status,
    work_item_state: entry.workItemState,
    actor: (entry.actor as Json | null)?.username ?? null,
    chamado_public_id: (entry.chamado as Json | null)?.publicId ?? null,
    created_at: entry.createdAt,
  };
}

const NOT_FOUND_DETAIL = 'recurrence_work_item_not_found';

/** The plan with the history entry recorded; a NotFoundError is the reference's 404. */
function actionJson(result: unknown, limit: number): [number, unknown] {
  const typed = result as { code?: string; message?: string };
  if (typed.code === 'NOT_FOUND') throw new RestError(404, 'NOT_FOUND', String(typed.message), { detail: NOT_FOUND_DETAIL });
  const { entry, plan } = unwrap<{ entry: Json; plan: Json }>(result);
  return [200, { ...planJson(plan, limit), entry: entryJson(entry) }];
}

const optionalNonEmpty = bodyText({ min: 1 }).nullable().optional();

const ACTION_BODY = {
  project_id: optionalNonEmpty,
  work_item_id: bodyText({ min: 1 }),
  mode: z.enum(WORK_ITEM_MODES).optional(),
  provider: optionalNonEmpty,
  limit: bodyInt(WORK_ITEM_LIMIT.ge, WORK_ITEM_LIMIT.le).optional(),
};
type ActionBody = { project_id?: string | null; work_item_id: string; mode?: string; handoff_kind?: string; provider?: string | null; limit?: number };

const actionInput = ({ body }: RestInput<ActionBody>) => ({
  workItemId: body.work_item_id,
  projectId: body.project_id ?? null,
  provider: body.provider ?? null,
  mode: body.mode,
});

const actionDocument = (name: string, field: string, input: string) => gql`mutation ${name}($input: ${input}!) {
  ${field}(input: $input) {
    ... on RecurrenceWorkItemActionPayload { entry { ${ENTRY_FIELDS} } plan { ${PLAN_FIELDS} } }
    ... on Error { __typename code message }
  }
}`;

export const recurrenceDossierRoutes: RestRoute<any>[] = [
  route({
    method: 'GET',
    path: '/api/v1/events/dossier/recurrence',
    validation: 'fastapi',
    document: gql`query RestRecurrenceDossier($projectId: String, $provider: String, $limit: Int) {
      recurrenceDossier(projectId: $projectId, provider: $provider, limit: $limit) {
        projectId limit summary { ${selectionOf(SUMMARY)} } items { ${GROUP_FIELDS} }
      }
    }`,
    variables: ({ query }) =>
      readQuery(query, (q) => ({ projectId: q.text('project_id'), provider: q.text('provider'), limit: q.int('limit', RECURRENCE_LIMIT) })),
    respond: (data) => {
      const d = data.recurrenceDossier as Json;
      const items = (d.items as Json[]).map(recurrenceItem);
      return [200, { project_id: d.projectId, limit: d.limit, summary: reshape(d.summary as Json, SUMMARY), items }];
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/events/dossier/recurrence/work-item/preview',
    validation: 'fastapi',
    document: gql`query RestWorkItemPreview($workItemId: String!, $projectId: String, $provider: String, $mode: WorkItemMode) {
      recurrenceWorkItemPreview(workItemId: $workItemId, projectId: $projectId, provider: $provider, mode: $mode) { ${PLAN_FIELDS} }
    }`,
    variables: ({ query }) =>
      readQuery(query, (q) => {
        const vars = {
          workItemId: q.requiredText('work_item_id'),
          projectId: q.text('project_id'),
          provider: q.text('provider'),
          mode: q.literal('mode', WORK_ITEM_MODES, 'auto'),
        };
        q.int('limit', WORK_ITEM_LIMIT);
        return vars;
      }),
    respond: (data, { query }) => [200, planJson(data.recurrenceWorkItemPreview as Json, readQuery(query, (q) => q.int('limit', WORK_ITEM_LIMIT)))],
  }),
  route({
    method: 'POST',
    path: '/api/v1/events/dossier/recurrence/work-item/dry-run',
    validation: 'fastapi',
    body: z.object(ACTION_BODY),
    document: actionDocument('RestWorkItemDryRun', 'dryRunRecurrenceWorkItem', 'DryRunRecurrenceWorkItemInput'),
    variables: (input) => ({ input: actionInput(input) }),
    respond: (data, { body }) => actionJson(data.dryRunRecurrenceWorkItem, body.limit ?? WORK_ITEM_LIMIT.default),
  }),
  route({
    method: 'POST',
    path: '/api/v1/events/dossier/recurrence/work-item/handoff',
    validation: 'fastapi',
    body: z.object({ ...ACTION_BODY, handoff_kind: z.enum(HANDOFF_KINDS).optional() }),
    document: actionDocument('RestWorkItemHandoff', 'handOffRecurrenceWorkItem', 'HandOffRecurrenceWorkItemInput'),
    variables: (input) => ({ input: { ...actionInput(input), handoffKind: input.body.handoff_kind } }),
    respond: (data, { body }) => actionJson(data.handOffRecurrenceWorkItem, body.limit ?? WORK_ITEM_LIMIT.default),
  }),
];
