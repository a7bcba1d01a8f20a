import { GraphQLError } from 'graphql';
import { HANDOFF_KINDS, WORK_ITEM_ENTRY_KINDS, WORK_ITEM_MODES, type WorkItemMode } from '../entities/recurrence-work-item-entry.entity.ts';
import { builder } from '../src/builder.ts';
import { requireViewer, type Context } from '../src/context.ts';
import { NotFoundError, ProposalClosedError, ValidationError } from '../src/errors.ts';
import { loadAll } from '../src/loaders.ts';
import { acceptTicketProposal } from '../src/services/recurrence/accept-proposal.ts';
import { groupWorkItemState } from '../src/services/recurrence/group-runs.ts';
import { openingThreshold } from '../src/services/recurrence/opening-hold.ts';
import type { RecurrenceGroupRow } from '../src/services/recurrence/reads.ts';
import {
  MAX_SILENCE_MS,
  MAX_THRESHOLD_OCCURRENCES,
  MAX_THRESHOLD_WINDOW_MINUTES,
  setOpeningThreshold,
  silenceGroup,
  unsilenceGroup,
} from '../src/services/recurrence/silences.ts';
import { MAX_SUGGESTIONS, type RunbookSuggestion } from '../src/services/recurrence/suggestions.ts';
import { PREFLIGHT_STATUSES, type PreflightCheck, type WorkItemGuarantees, type WorkItemPlan } from '../src/services/recurrence/work-item-plan.ts';
import {
  dryRunWorkItem,
  handOffWorkItem,
  MAX_HISTORY,
  previewWorkItem,
  WORK_ITEM_RESOURCE,
  type WorkItemEntryRow,
} from '../src/services/recurrence/work-items.ts';
import type { ChamadoRow } from '../src/services/chamados/reads.ts';
import { ChamadoRef } from './chamados.ts';
import { describedValues } from './described.ts';
import { ErrorInterface } from './errors.ts';
import { badInput } from './pagination.ts';
import { RecurrenceGroupRef, WorkItemStateEnum } from './recurrence.ts';
import { freshChamado } from './refresh.ts';
import { RunbookRef } from './runbooks.ts';
import { UserRef } from './users.ts';

/*
 * Recurrence work items (spec 002 preview / dry-run / hand-off, issue 9): the plan, its history,
 * ticket proposals and their acceptance, silences and opening thresholds.
 */

const WorkItemModeEnum = builder.enumType('WorkItemMode', {
  description: 'How the operator means to handle a work item; `auto` picks by its state.',
  values: describedValues(WORK_ITEM_MODES, {
    auto: 'Let the state decide: ticket for an automation gap (or an open item without chamado), repair for an open item with one, manual otherwise.',
    repair: 'Run a runbook on the group’s open chamado.',
    ticket: 'Propose a ticket: accepting it opens (or links) a chamado with the group’s events.',
    manual: 'People take it over.',
  }),
});

const HandoffKindEnum = builder.enumType('HandoffKind', {
  description: 'What a hand-off records.',
  values: describedValues(HANDOFF_KINDS, {
    ticket_proposal: 'A ticket proposal (status `proposed` until acceptRecurrenceTicketProposal).',
    manual_takeover: 'People take the work item over; nothing else happens.',
  }),
});

const PreflightStatusEnum = builder.enumType('PreflightStatus', {
  description: 'Outcome of one pre-flight check.',
  values: describedValues(PREFLIGHT_STATUSES, {
    PASS: 'Nothing in the way.',
    WARN: 'Worth knowing before acting; does not block.',
    FAIL: 'Blocks the mode asked for (the plan is not `ready`).',
  }),
});

const WorkItemEntryKindEnum = builder.enumType('WorkItemEntryKind', {
  description: 'What a work-item history entry records.',
  values: describedValues(WORK_ITEM_ENTRY_KINDS, {
    dry_run: 'A dry run: the plan and its pre-flight checks as they were.',
    handoff: 'A hand-off: a ticket proposal or a manual takeover.',
    accepted: 'A ticket proposal was accepted: a chamado was opened or linked.',
    silenced: 'The group was silenced (until, reason in `data`).',
    unsilenced: 'The group’s silence was lifted.',
    threshold: 'The group’s opening threshold changed (from/to in `data`).',
  }),
});

export const PreflightCheckRef = builder.objectRef<PreflightCheck>('PreflightCheck').implement({
  description: 'One check made before acting on a work item.',
  fields: (t) => ({
    name: t.exposeString('name', {
      description:
        'Stable name: recurring_last_24h, silence, open_chamado, latest_run, approval_pending, runbook_level, ticket_proposal.',
    }),
    status: t.expose('status', { type: PreflightStatusEnum, description: 'PASS, WARN or FAIL.' }),
    detail: t.exposeString('detail', { description: 'What was found, for people.' }),
  }),
});

const GuaranteesRef = builder.objectRef<WorkItemGuarantees>('WorkItemGuarantees').implement({
  description: 'What the call promises about side effects (the tests count these tables’ rows).',
  fields: (t) => ({
    readOnly: t.exposeBoolean('readOnly', { description: 'True when nothing at all is written (preview).' }),
    writes: t.exposeStringList('writes', { description: 'The only tables written (recurrence_work_item_entries for dry runs and hand-offs).' }),
    unchanged: t.exposeStringList('unchanged', {
      description: 'Tables left untouched: chamados, approvals, runbook_executions, timeline_entries, outbound_deliveries.',
    }),
  }),
});

const RunbookSuggestionRef = builder.objectRef<RunbookSuggestion>('RunbookSuggestion').implement({
  description: 'A runbook that ran on groups like this one (same provider and alertname or rule id; else same provider).',
  fields: (t) => ({
    runbook: t.field({ type: RunbookRef, description: 'The runbook.', resolve: async (s, _, ctx) => (await ctx.loaders.runbook.load(s.runbookId))! }),
    runCount: t.exposeInt('runCount', { description: 'Its runs on those groups.' }),
    successCount: t.exposeInt('successCount', { description: 'Of those, the ones that succeeded.' }),
    reason: t.exposeString('reason', { description: 'Why it is suggested, for people.' }),
  }),
});

const OpeningThresholdRef = builder
  .objectRef<{ occurrences: number; windowMinutes: number; configured: boolean }>('OpeningThreshold')
  .implement({
    description: 'How many occurrences within how long a group needs before its events open a chamado.',
    fields: (t) => ({
      occurrences: t.exposeInt('occurrences', { description: 'Occurrences within the window (1 = the first one opens).' }),
      windowMinutes: t.exposeInt('windowMinutes', { description: 'The window, in minutes.' }),
      configured: t.exposeBoolean('configured', {
        description: 'True when the group has its own value (setRecurrenceOpeningThreshold); false when both come from RECURRENCE_OPEN_THRESHOLD / RECURRENCE_OPEN_WINDOW.',
      }),
    }),
  });

export const RecurrenceWorkItemEntryRef = builder.objectRef<WorkItemEntryRow>('RecurrenceWorkItemEntry');
builder.node(RecurrenceWorkItemEntryRef, {
  description: 'One thing done with a group’s work item: a dry run, a hand-off, an acceptance, a silence or a threshold change.',
  id: { resolve: (e) => e.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.recurrenceWorkItemEntry, ids.map(Number)),
  authScopes: { authenticated: true },
  fields: (t) => ({
    entryId: t.exposeString('uuid', { description: 'Its public id; for a ticket proposal, the `proposalId` to accept.' }),
    kind: t.expose('kind', { type: WorkItemEntryKindEnum, description: 'What it records.' }),
    mode: t.expose('mode', { type: WorkItemModeEnum, nullable: true, description: 'The mode asked for (dry runs, hand-offs, acceptances).' }),
    handoffKind: t.expose('handoffKind', { type: HandoffKindEnum, nullable: true, description: 'For hand-offs and acceptances: what was handed off.' }),
    status: t.exposeString('status', { nullable: true, description: 'For ticket proposals: `proposed`, then `accepted`.' }),
    workItemState: t.field({
      type: WorkItemStateEnum,
      nullable: true,
      description: 'The work item’s state when it was recorded.',
      resolve: (e) => e.workItemState as never,
    }),
    actor: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who did it.',
      resolve: (e, _, ctx) => (e.actorId ? ctx.loaders.user.load(e.actorId) : null),
    }),
    chamado: t.field({
      type: ChamadoRef,
      nullable: true,
      description: 'For acceptances: the chamado opened or linked.',
      resolve: (e, _, ctx) => (e.chamadoId ? ctx.loaders.chamado.load(e.chamadoId) : null),
    }),
    group: t.field({
      type: RecurrenceGroupRef,
      description: 'The group it belongs to.',
      resolve: async (e, _, ctx) => (await ctx.loaders.recurrenceGroup.load(e.groupId))!,
    }),
    data: t.expose('data', { type: 'JSON', description: 'What was shown or decided: the plan (dry runs, hand-offs), until/reason, from/to, the chamado and counts.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
  }),
});

/** A plan with its group, as the preview and the mutations serve it. */
type PlanWithGroup = WorkItemPlan & { group: RecurrenceGroupRow };

/** Suggestions are only made for automation gaps: other states already have runs or need people. */
async function suggestionsFor(g: RecurrenceGroupRow, ctx: Context, first: number): Promise<RunbookSuggestion[]> {
  if (first < 1 || first > MAX_SUGGESTIONS) throw badInput(`first must be between 1 and ${MAX_SUGGESTIONS}`);
  const runs = await ctx.loaders.recurrenceGroupRuns.load(g.id);
  if (groupWorkItemState(g, runs).state !== 'automation_gap') return [];
  return (await ctx.loaders.recurrenceRunbookSuggestions.load(g.id)).slice(0, first);
}

const RecurrenceWorkItemPlanRef = builder.objectRef<PlanWithGroup>('RecurrenceWorkItemPlan').implement({
  description: 'What to do about a work item: the next step, the pre-flight checks, and what the call does not touch.',
  fields: (t) => ({
    workItemId: t.exposeString('workItemId', { description: 'The group’s public id (REST `work_item_id`).' }),
    projectId: t.exposeString('projectId', { description: 'The group’s project.' }),
    mode: t.expose('mode', { type: WorkItemModeEnum, description: 'The mode asked for.' }),
    effectiveMode: t.expose('effectiveMode', { type: WorkItemModeEnum, description: 'What `auto` stands for in this state (the mode asked for otherwise).' }),
    state: t.expose('state', { type: WorkItemStateEnum, description: 'The work item’s state.' }),
    reason: t.exposeString('reason', { description: 'Why it is in that state.' }),
    title: t.exposeString('title', { description: 'One line naming the work, for people.' }),
    nextStep: t.exposeString('nextStep', { description: 'What to do next: the state’s step for `auto`, the mode’s step otherwise.' }),
    ready: t.exposeBoolean('ready', { description: 'No pre-flight check failed.' }),
    preflightChecks: t.field({ type: [PreflightCheckRef], description: 'The checks, in a fixed order.', resolve: (p) => p.preflightChecks }),
    guarantees: t.field({ type: GuaranteesRef, description: 'What this call wrote and left untouched.', resolve: (p) => p.guarantees }),
    group: t.field({ type: RecurrenceGroupRef, description: 'The group.', resolve: (p) => p.group }),
    suggestedRunbooks: t.field({
      type: [RunbookSuggestionRef],
      description: 'For automation gaps: runbooks that ran on similar groups, best first (empty otherwise).',
      resolve: (p, _, ctx) => suggestionsFor(p.group, ctx, 3),
    }),
  }),
});

const ActionPayloadRef = builder.objectRef<{ entry: WorkItemEntryRow; plan: PlanWithGroup }>('RecurrenceWorkItemActionPayload').implement({
  description: 'A dry run or hand-off was recorded.',
  fields: (t) => ({
    entry: t.field({ type: RecurrenceWorkItemEntryRef, description: 'The history entry it recorded.', resolve: (p) => p.entry }),
    plan: t.field({ type: RecurrenceWorkItemPlanRef, description: 'The plan, as recorded.', resolve: (p) => p.plan }),
  }),
});

const AcceptPayloadRef = builder
  .objectRef<{ entry: WorkItemEntryRow; chamado: ChamadoRow; attachedEventCount: number; linked: boolean }>('AcceptRecurrenceTicketProposalPayload')
  .implement({
    description: 'A ticket proposal was accepted.',
    fields: (t) => ({
      entry: t.field({ type: RecurrenceWorkItemEntryRef, description: 'The `accepted` history entry.', resolve: (p) => p.entry }),
      chamado: t.field({ type: ChamadoRef, description: 'The chamado opened (or linked) with the group’s events.', resolve: (p) => p.chamado }),
      attachedEventCount: t.exposeInt('attachedEventCount', {
        description: 'Events put on its timeline now (the newest 500 not already there; the entry’s data says when more were left).',
      }),
      linked: t.exposeBoolean('linked', { description: 'True when the group already had an open chamado and the events went there.' }),
    }),
  });

void ErrorInterface;
builder.objectType(ProposalClosedError, {
  name: 'ProposalClosedError',
  description: 'The ticket proposal was already accepted (code PROPOSAL_CLOSED).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ status: t.exposeString('status', { description: 'The proposal’s status (`accepted`).' }) }),
});

builder.objectFields(RecurrenceGroupRef, (t) => ({
  workItemHistory: t.field({
    type: [RecurrenceWorkItemEntryRef],
    description: `What was done with its work item, newest first (at most ${MAX_HISTORY}).`,
    args: { first: t.arg.int({ required: false, defaultValue: 50, description: `How many, 1 to ${MAX_HISTORY}.` }) },
    resolve: async (g, { first }, ctx) => {
      const n = first ?? 50;
      if (n < 1 || n > MAX_HISTORY) throw badInput(`first must be between 1 and ${MAX_HISTORY}`);
      return (await ctx.loaders.recurrenceWorkItemHistory.load(g.id)).slice(0, n);
    },
  }),
  suggestedRunbooks: t.field({
    type: [RunbookSuggestionRef],
    description: 'For an automation gap: the runbooks most run (and succeeded) on similar groups of its project, best first; empty in other states.',
    args: { first: t.arg.int({ required: false, defaultValue: 3, description: `How many, 1 to ${MAX_SUGGESTIONS}.` }) },
    resolve: (g, { first }, ctx) => suggestionsFor(g, ctx, first ?? 3),
  }),
  openingThreshold: t.field({
    type: OpeningThresholdRef,
    description: 'The threshold in force: its own, else the configured default.',
    resolve: (g, _, ctx) => {
      const { occurrences, windowMs } = openingThreshold(g, ctx.config.ingest.recurrence);
      return { occurrences, windowMinutes: Math.round(windowMs / 60_000), configured: g.openThreshold != null || g.openWindowMinutes != null };
    },
  }),
}));

const lookupFields = {
  workItemId: 'The work item: the group’s workItemId (REST `work_item_id`).',
  projectId: 'When given, the group must be in this project (else NOT_FOUND).',
  provider: 'When given, the group’s provider must be this one (else NOT_FOUND).',
  mode: 'How to handle it (default auto).',
};

const DryRunInput = builder.inputType('DryRunRecurrenceWorkItemInput', {
  description: 'The work item to dry-run.',
  fields: (t) => ({
    workItemId: t.string({ description: lookupFields.workItemId }),
    projectId: t.string({ required: false, description: lookupFields.projectId }),
    provider: t.string({ required: false, description: lookupFields.provider }),
    mode: t.field({ type: WorkItemModeEnum, required: false, defaultValue: 'auto', description: lookupFields.mode }),
  }),
});

const HandOffInput = builder.inputType('HandOffRecurrenceWorkItemInput', {
  description: 'The work item to hand off, and how.',
  fields: (t) => ({
    workItemId: t.string({ description: lookupFields.workItemId }),
    projectId: t.string({ required: false, description: lookupFields.projectId }),
    provider: t.string({ required: false, description: lookupFields.provider }),
    mode: t.field({ type: WorkItemModeEnum, required: false, defaultValue: 'auto', description: lookupFields.mode }),
    handoffKind: t.field({ type: HandoffKindEnum, required: false, defaultValue: 'ticket_proposal', description: 'What to record (default ticket_proposal).' }),
  }),
});

builder.queryFields((t) => ({
  recurrenceWorkItemPreview: t.field({
    type: RecurrenceWorkItemPlanRef,
    authScopes: { authenticated: true },
    description:
      'The plan for a work item, read-only (writes nothing). Unknown work item, or one outside projectId/provider → NOT_FOUND with extensions.reason `recurrence_work_item_not_found`. Signed-in users.',
    args: {
      workItemId: t.arg.string({ description: lookupFields.workItemId }),
      projectId: t.arg.string({ required: false, description: lookupFields.projectId }),
      provider: t.arg.string({ required: false, description: lookupFields.provider }),
      mode: t.arg({ type: WorkItemModeEnum, required: false, defaultValue: 'auto', description: lookupFields.mode }),
    },
    resolve: async (_, args, ctx) => {
      try {
        const { group, plan } = await previewWorkItem(ctx.em, args, (args.mode ?? 'auto') as WorkItemMode);
        return { ...plan, group };
      } catch (error) {
        if (error instanceof NotFoundError && error.resource === WORK_ITEM_RESOURCE) {
          throw new GraphQLError(error.message, { extensions: { code: 'NOT_FOUND', reason: `${WORK_ITEM_RESOURCE}_not_found` } });
        }
        throw error;
      }
    },
  }),
}));

const freshEntry = async (ctx: Context, entryId: number, groupId: number) => {
  ctx.loaders.recurrenceWorkItemHistory.clear(groupId);
  return (await ctx.loaders.recurrenceWorkItemEntry.clear(entryId).load(entryId))!;
};
const freshGroup = async (ctx: Context, id: number) => {
  ctx.loaders.recurrenceWorkItemHistory.clear(id);
  return (await ctx.loaders.recurrenceGroup.clear(id).load(id))!;
};

builder.mutationFields((t) => ({
  dryRunRecurrenceWorkItem: t.field({
    type: ActionPayloadRef,
    description: 'Records the plan and its pre-flight checks in the group’s history (one entry) and changes nothing else. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: DryRunInput, description: 'The work item and mode.' }) },
    resolve: async (_, { input }, ctx) => {
      const result = await dryRunWorkItem(ctx.em, requireViewer(ctx), input, (input.mode ?? 'auto') as WorkItemMode);
      return { entry: await freshEntry(ctx, result.entryId, result.group.id), plan: { ...result.plan, group: result.group } };
    },
  }),
  handOffRecurrenceWorkItem: t.field({
    type: ActionPayloadRef,
    description:
      'Records a ticket proposal (status proposed) or a manual takeover in the group’s history and changes nothing else; acceptRecurrenceTicketProposal acts on a proposal. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: HandOffInput, description: 'The work item, mode and kind of hand-off.' }) },
    resolve: async (_, { input }, ctx) => {
      const result = await handOffWorkItem(ctx.em, requireViewer(ctx), input, (input.mode ?? 'auto') as WorkItemMode, input.handoffKind ?? 'ticket_proposal');
      return { entry: await freshEntry(ctx, result.entryId, result.group.id), plan: { ...result.plan, group: result.group } };
    },
  }),
  acceptRecurrenceTicketProposal: t.field({
    type: AcceptPayloadRef,
    description:
      'Accepts a ticket proposal: the group’s open chamado takes its events (linked), or a new chamado opens with them. Accepting twice → ProposalClosedError; concurrent accepts make one chamado. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError, ProposalClosedError] },
    args: { proposalId: t.arg.string({ description: 'The proposal’s entryId (from handOffRecurrenceWorkItem).' }) },
    resolve: async (_, { proposalId }, ctx) => {
      const accepted = await acceptTicketProposal(ctx.em, requireViewer(ctx), proposalId);
      const entry = (await ctx.loaders.recurrenceWorkItemEntry.load(accepted.entryId))!;
      ctx.loaders.recurrenceWorkItemHistory.clear(entry.groupId);
      return { ...accepted, entry, chamado: await freshChamado(ctx, accepted.chamadoId) };
    },
  }),
  silenceRecurrenceGroup: t.field({
    type: RecurrenceGroupRef,
    description: `Silences a group until a time (in the future, at most ${MAX_SILENCE_MS / 86_400_000} days ahead) with a reason: its events are stored but open no chamado meanwhile. Role ops or above.`,
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      workItemId: t.arg.string({ description: lookupFields.workItemId }),
      until: t.arg({ type: 'DateTime', description: 'Silenced until then.' }),
      reason: t.arg.string({ description: 'Why, 3 to 500 characters.' }),
    },
    resolve: async (_, args, ctx) => freshGroup(ctx, await silenceGroup(ctx.em, requireViewer(ctx), args)),
  }),
  unsilenceRecurrenceGroup: t.field({
    type: RecurrenceGroupRef,
    description: 'Lifts a group’s silence (a group never silenced is left as it is). Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError] },
    args: { workItemId: t.arg.string({ description: lookupFields.workItemId }) },
    resolve: async (_, { workItemId }, ctx) => freshGroup(ctx, await unsilenceGroup(ctx.em, requireViewer(ctx), workItemId)),
  }),
  setRecurrenceOpeningThreshold: t.field({
    type: RecurrenceGroupRef,
    description:
      'Sets the group’s own opening threshold: its events open a chamado only once `occurrences` fall within `windowMinutes` (held ones are attached then). A null value falls back to the configured default; both null = back to the default. Role ops_lead or above.',
    authScopes: { role: 'ops_lead' },
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      workItemId: t.arg.string({ description: lookupFields.workItemId }),
      occurrences: t.arg.int({ required: false, description: `Occurrences, 1 to ${MAX_THRESHOLD_OCCURRENCES}; null = RECURRENCE_OPEN_THRESHOLD.` }),
      windowMinutes: t.arg.int({ required: false, description: `Window in minutes, 1 to ${MAX_THRESHOLD_WINDOW_MINUTES}; null = RECURRENCE_OPEN_WINDOW.` }),
    },
    resolve: async (_, args, ctx) =>
      freshGroup(
        ctx,
        await setOpeningThreshold(ctx.em, requireViewer(ctx), {
          workItemId: args.workItemId,
          occurrences: args.occurrences ?? null,
          windowMinutes: args.windowMinutes ?? null,
        }),
      ),
  }),
}));
