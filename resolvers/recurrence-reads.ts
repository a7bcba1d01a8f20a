import { builder } from '../src/builder.ts';
import type { Context } from '../src/context.ts';
import type { ExecutionRow } from '../src/services/runbooks/reads.ts';
import {
  histogramRange,
  HISTOGRAM_BUCKETS,
  listGroups,
  MAX_BUCKETS,
  recurrenceDossier,
  type Keyset,
  type RecurrenceSummary,
} from '../src/services/recurrence/group-reads.ts';
import { runsOf } from '../src/services/recurrence/group-runs.ts';
import type { RecurrenceGroupRow } from '../src/services/recurrence/reads.ts';
import { groupWorkItem, type WorkItem } from '../src/services/recurrence/work-item-text.ts';
import { ChamadoRef } from './chamados.ts';
import { describedValues } from './described.ts';
import { EventConnection, EventRef } from './events.ts';
import { badInput, CLIENT_PAGE_MAX, DEFAULT_PAGE, MAX_PAGE } from './pagination.ts';
import { RecurrenceGroupRef, RecurrenceLifecycleEnum, WorkItemStateEnum } from './recurrence.ts';
import { ExecutionRef } from './runbooks.ts';

/*
 * The recurrence read model (spec 002 `/events/dossier/recurrence`, issue 9): group lists, the
 * dossier with its summary, and the group fields that need more reads. Every nested field goes
 * through a DataLoader, so a page of 300 groups costs the same statements as a page of 3.
 */

/** recurrenceGroups `first` and recurrenceDossier `limit` bounds (spec 002: limit 1–300). */
const MAX_GROUPS = 300;

/**
 * Keyset cursors over (timestamp, id), newest first: base64url of `<kind>:<epoch µs>:<id>`. The
 * groups' order key (latest_received_at) moves, so an id alone could not say where a page ended.
 */
function encodeKeyset(kind: string, at: Keyset): string {
  return Buffer.from(`${kind}:${at.micros}:${at.id}`).toString('base64url');
}

function decodeKeyset(kind: string, cursor: string | null | undefined): Keyset | null {
  if (!cursor) return null;
  const [k, micros, id] = Buffer.from(cursor, 'base64url').toString().split(':');
  const n = Number(id);
  if (k !== kind || !micros || !/^\d{1,19}$/.test(micros) || !Number.isSafeInteger(n) || n <= 0) throw badInput('after is not a valid cursor');
  return { micros, id: n };
}

/** first/after/last/before of a forward-only keyset connection. */
function keysetPage(kind: string, args: { first?: number | null; after?: string | null; last?: number | null; before?: string | null }, max: number) {
  const limit = args.first ?? DEFAULT_PAGE;
  if (limit < 1 || limit > max) throw badInput(`first must be between 1 and ${max}`);
  if (args.last != null || args.before != null) throw badInput('backward paging is not supported; use first/after');
  return { limit, after: decodeKeyset(kind, args.after) };
}

function connection<T>(edges: { node: T; cursor: string }[], totalCount: number, hasNextPage: boolean, after: Keyset | null) {
  return {
    edges,
    totalCount,
    pageInfo: { hasNextPage, hasPreviousPage: after !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

builder.objectField(ExecutionRef, 'runId', (t) => t.exposeString('uuid', { description: 'Its public id: the REST paths’ `run_id`.' }));

const RecurrenceWorkItemRef = builder.objectRef<WorkItem>('RecurrenceWorkItem').implement({
  description: 'The operator work a recurrence group calls for, derived from its runs when read.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The work item id: the group’s workItemId (REST `work_item_id`).' }),
    state: t.expose('state', { type: WorkItemStateEnum, description: 'What kind of work it is.' }),
    reason: t.exposeString('reason', { description: 'Why it is in that state.' }),
    title: t.exposeString('title', { description: 'One line naming the work, for people.' }),
    nextStep: t.exposeString('nextStep', { description: 'What to do next, for people.' }),
  }),
});

const HistogramBucketEnum = builder.enumType('HistogramBucket', {
  description: 'Width of an occurrence histogram’s buckets (UTC).',
  values: describedValues(HISTOGRAM_BUCKETS, {
    HOUR: `One bucket per hour (default range: the last 48; at most ${MAX_BUCKETS.HOUR}).`,
    DAY: `One bucket per UTC day (default range: the last 30; at most ${MAX_BUCKETS.DAY}).`,
  }),
});

const OccurrenceBucketRef = builder.objectRef<{ start: Date; count: number }>('OccurrenceBucket').implement({
  description: 'Occurrences of a group in one hour or day.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'Start of the bucket.' }),
    count: t.exposeInt('count', { description: 'Occurrences in it (0 included, so sparklines are honest).' }),
  }),
});

/** Executions of the group's chamados, oldest first. */
async function groupRuns(g: RecurrenceGroupRow, ctx: Context): Promise<ExecutionRow[]> {
  const chamados = await ctx.loaders.recurrenceGroupChamados.load(g.id);
  const perChamado = await ctx.loaders.executions.loadMany(chamados.map((c) => c.chamadoId));
  const runs = perChamado.flatMap((list) => {
    if (list instanceof Error) throw list;
    return list;
  });
  return runs.sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime() || a.id - b.id);
}

builder.objectFields(RecurrenceGroupRef, (t) => ({
  linkedRunTotal: t.int({
    description: 'Runbook runs on the chamados its events joined.',
    resolve: async (g, _, ctx) => (await ctx.loaders.recurrenceGroupRuns.load(g.id)).linkedRunTotal,
  }),
  runStateCounts: t.field({
    type: 'JSON',
    description: 'Its runs per execution status ({status: count}).',
    resolve: async (g, _, ctx) => (await ctx.loaders.recurrenceGroupRuns.load(g.id)).runStateCounts,
  }),
  latestRun: t.field({
    type: ExecutionRef,
    nullable: true,
    description: 'Its latest run (by request time); null without runs.',
    resolve: async (g, _, ctx) => {
      const latest = (await ctx.loaders.recurrenceGroupRuns.load(g.id)).latestRun;
      return latest ? ctx.loaders.execution.load(latest.id) : null;
    },
  }),
  runs: t.field({
    type: [ExecutionRef],
    description: 'Its runs: the runbook executions on the chamados its events joined, oldest first.',
    resolve: (g, _, ctx) => groupRuns(g, ctx),
  }),
  chamados: t.field({
    type: [ChamadoRef],
    description: 'The chamados its events joined, oldest first.',
    resolve: async (g, _, ctx) => {
      const links = await ctx.loaders.recurrenceGroupChamados.load(g.id);
      const rows = await ctx.loaders.chamado.loadMany(links.map((l) => l.chamadoId));
      return rows.filter((r) => r !== null && !(r instanceof Error)) as NonNullable<Exclude<(typeof rows)[number], Error>>[];
    },
  }),
  latestChamado: t.field({
    type: ChamadoRef,
    nullable: true,
    description: 'The newest of its chamados (REST `latest_incident_id`).',
    resolve: async (g, _, ctx) => {
      const last = (await ctx.loaders.recurrenceGroupChamados.load(g.id)).at(-1);
      return last ? ctx.loaders.chamado.load(last.chamadoId) : null;
    },
  }),
  chamadoPublicIds: t.stringList({
    description: 'Public ids of its chamados, oldest first (REST `incident_ids`).',
    resolve: async (g, _, ctx) => (await ctx.loaders.recurrenceGroupChamados.load(g.id)).map((l) => l.publicId),
  }),
  latestAgent: t.string({
    nullable: true,
    description: 'The Wazuh agent (or host / instance) of its latest event (REST `latest_agent_id`).',
    resolve: async (g, _, ctx) => (g.latestEventId ? ((await ctx.loaders.event.load(g.latestEventId))?.agent ?? null) : null),
  }),
  repairSummary: t.field({
    type: 'JSON',
    nullable: true,
    description: 'Its latest run in brief ({run_id, runbook_code, status, nivel, finished_at}); null without runs.',
    resolve: async (g, _, ctx) => {
      const run = (await ctx.loaders.recurrenceGroupRuns.load(g.id)).latestRun;
      if (!run) return null;
      return { run_id: run.uuid, runbook_code: run.runbookCode, status: run.status, nivel: run.nivel, finished_at: run.finishedAt?.toISOString() ?? null };
    },
  }),
  workItem: t.field({
    type: RecurrenceWorkItemRef,
    description: 'The work it calls for: state, why, title and next step.',
    resolve: async (g, _, ctx) => groupWorkItem(g, await ctx.loaders.recurrenceGroupRuns.load(g.id)),
  }),
  occurrences: t.connection(
    {
      type: EventRef,
      description: `Its non-duplicate events (occurrences and resolutions), newest received first. \`first\` defaults to ${DEFAULT_PAGE}, at most ${CLIENT_PAGE_MAX}.`,
      resolve: async (g, args, ctx) => {
        const page = keysetPage('occ', args, MAX_PAGE);
        const found = await ctx.loaders.recurrenceOccurrences(page).load(g.id);
        const events = await ctx.loaders.event.loadMany(found.events.map((e) => e.eventId));
        const edges = found.events.flatMap((e, i) => {
          const node = events[i];
          if (node instanceof Error) throw node;
          return node ? [{ node, cursor: encodeKeyset('occ', { micros: e.sortMicros, id: e.eventId }) }] : [];
        });
        return connection(edges, found.total, found.hasNextPage, page.after);
      },
    },
    EventConnection,
  ),
  occurrenceHistogram: t.field({
    type: [OccurrenceBucketRef],
    description: 'Occurrences per hour or UTC day for sparklines, every bucket of the range (zeros included), oldest first.',
    args: {
      bucket: t.arg({ type: HistogramBucketEnum, defaultValue: 'HOUR', description: 'Bucket width.' }),
      from: t.arg({ type: 'DateTime', required: false, description: 'From this instant (floored to its bucket); default: the last 48 hours / 30 days.' }),
      to: t.arg({ type: 'DateTime', required: false, description: 'Up to this instant (exclusive); default now.' }),
    },
    resolve: (g, args, ctx) => {
      const asked = histogramRange(args.bucket, args.from ?? null, args.to ?? null, new Date());
      if ('error' in asked) throw badInput(asked.error);
      return ctx.loaders.recurrenceHistogram(asked.range).load(g.id);
    },
  }),
}));

const RecurrenceGroupFilterInput = builder.inputType('RecurrenceGroupFilter', {
  description: 'Narrows recurrenceGroups; every criterion given must hold.',
  fields: (t) => ({
    projectId: t.string({ required: false, description: 'Exact project (spec 002 project_id); all projects when omitted.' }),
    provider: t.string({ required: false, description: 'Exact provider (alertmanager, signoz, sentry, wazuh …).' }),
    lifecycle: t.field({
      type: [RecurrenceLifecycleEnum],
      required: false,
      description: 'Any of these lifecycles, as served (a running silence is `silenced`, a quiet escalation `ongoing`).',
    }),
    recurrenceKey: t.string({ required: false, description: 'Exact recurrence key.' }),
  }),
});

const RecurrenceSummaryRef = builder.objectRef<RecurrenceSummary>('RecurrenceSummary').implement({
  description: 'Totals over the dossier’s groups (spec 002 ChannelEventRecurrenceSummary).',
  fields: (t) => ({
    sourceEventTotal: t.exposeInt('sourceEventTotal', { description: 'Their stored events: occurrences + resolutions + duplicates.' }),
    recurrenceGroupTotal: t.exposeInt('recurrenceGroupTotal', { description: 'Groups in the dossier.' }),
    recurrentGroupTotal: t.exposeInt('recurrentGroupTotal', { description: 'Groups that occurred at least twice.' }),
    duplicateEventTotal: t.exposeInt('duplicateEventTotal', { description: 'Their duplicate deliveries.' }),
    linkedRunTotal: t.exposeInt('linkedRunTotal', { description: 'Their runs.' }),
    unlinkedEventTotal: t.exposeInt('unlinkedEventTotal', { description: 'Occurrences of the groups with no run.' }),
    autoRepairLinkedTotal: t.exposeInt('autoRepairLinkedTotal', { description: 'Their runs that needed no approval (R0).' }),
    verifiedRepairGroupTotal: t.exposeInt('verifiedRepairGroupTotal', { description: 'Groups whose work item is verified_repair.' }),
    openWorkItemGroupTotal: t.exposeInt('openWorkItemGroupTotal', { description: 'Groups whose work item is open.' }),
    manualGateGroupTotal: t.exposeInt('manualGateGroupTotal', { description: 'Groups whose work item is manual_gate.' }),
    automationGapGroupTotal: t.exposeInt('automationGapGroupTotal', { description: 'Groups whose work item is automation_gap.' }),
    failedRepairGroupTotal: t.exposeInt('failedRepairGroupTotal', { description: 'Groups whose work item is failed_repair.' }),
    latestReceivedAt: t.expose('latestReceivedAt', { type: 'DateTime', nullable: true, description: 'The newest event of any of them; null without groups.' }),
  }),
});

const RecurrenceDossierRef = builder
  .objectRef<{ projectId: string; limit: number; summary: RecurrenceSummary; items: RecurrenceGroupRow[] }>('RecurrenceDossier')
  .implement({
    description: 'The latest recurrence groups of a project / provider with totals (spec 002 `/events/dossier/recurrence`).',
    fields: (t) => ({
      projectId: t.exposeString('projectId', { description: 'The project asked for, `*` for all projects.' }),
      limit: t.exposeInt('limit', { description: 'How many of the latest groups were considered at most.' }),
      summary: t.field({ type: RecurrenceSummaryRef, description: 'Totals over `items`.', resolve: (d) => d.summary }),
      items: t.field({ type: [RecurrenceGroupRef], description: 'The groups, newest latestReceivedAt first.', resolve: (d) => d.items }),
    }),
  });

builder.queryFields((t) => ({
  recurrenceGroups: t.connection(
    {
      type: RecurrenceGroupRef,
      authScopes: { authenticated: true },
      description: `Recurrence groups, newest latestReceivedAt first. \`first\` defaults to ${DEFAULT_PAGE}, at most ${CLIENT_PAGE_MAX}.`,
      args: { filter: t.arg({ type: RecurrenceGroupFilterInput, required: false, description: 'Which groups; all when omitted.' }) },
      resolve: async (_, args, ctx) => {
        const page = keysetPage('rg', args, MAX_GROUPS);
        const f = args.filter ?? {};
        const result = await listGroups(ctx.em, { ...f, lifecycle: f.lifecycle ?? null }, page);
        const edges = result.rows.map(({ sortMicros, ...row }) => {
          ctx.loaders.recurrenceGroup.prime(row.id, row);
          return { node: row as RecurrenceGroupRow, cursor: encodeKeyset('rg', { micros: sortMicros, id: row.id }) };
        });
        return connection(edges, result.total, result.hasNextPage, page.after);
      },
    },
    {
      name: 'RecurrenceGroupConnection',
      description: 'A page of recurrence groups.',
      fields: (t) => ({
        totalCount: t.int({ description: 'Groups matching the filter, across all pages.', resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }),
      }),
    },
  ),
  recurrenceGroup: t.field({
    type: RecurrenceGroupRef,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'One group by its work item id (REST `work_item_id`); null when unknown.',
    args: { workItemId: t.arg.string({ description: 'The group’s workItemId.' }) },
    resolve: (_, { workItemId }, ctx) => ctx.loaders.recurrenceGroupByUuid.load(workItemId),
  }),
  recurrenceDossier: t.field({
    type: RecurrenceDossierRef,
    authScopes: { authenticated: true },
    description: `The latest \`limit\` groups of a project / provider with totals (spec 002 \`/events/dossier/recurrence\`). \`limit\` 1–${MAX_GROUPS}.`,
    args: {
      projectId: t.arg.string({ required: false, description: 'Project (spec 002 project_id); all projects when omitted.' }),
      provider: t.arg.string({ required: false, description: 'Provider (alertmanager, signoz, sentry, wazuh …); all when omitted.' }),
      limit: t.arg.int({ defaultValue: 100, description: `How many of the latest groups (1–${MAX_GROUPS}).` }),
    },
    resolve: async (_, args, ctx) => {
      if (args.limit < 1 || args.limit > MAX_GROUPS) throw badInput(`limit must be between 1 and ${MAX_GROUPS}`);
      const dossier = await recurrenceDossier(ctx.em, args, args.limit);
      for (const g of dossier.groups) {
        ctx.loaders.recurrenceGroup.prime(g.id, g);
        ctx.loaders.recurrenceGroupRuns.prime(g.id, runsOf(dossier.runs, g.id));
      }
      return { projectId: args.projectId ?? '*', limit: args.limit, summary: dossier.summary, items: dossier.groups };
    },
  }),
}));
