import { decodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { builder } from '../src/builder.ts';
import type { Context } from '../src/context.ts';
import { sharedRead } from '../src/live/shared-reads.ts';
import {
  chamadosByIds,
  latestTimelineId,
  timelineAfter,
  type ChamadoRow,
  type ChamadoFilter,
  type TimelineRow,
} from '../src/services/chamado-reads.ts';
import { eventsAfter, eventsMatching, latestEventId, type EventFilter, type EventRow } from '../src/services/event-reads.ts';
import { approvalsByIds, type ApprovalRow } from '../src/services/runbooks/reads.ts';
import { ChamadoRef } from './chamados.ts';
import { EventFilterInput, EventRef } from './events.ts';
import { ApprovalRef } from './runbooks.ts';
import { TimelineEntryRef } from './timeline.ts';

/*
 * Subscriptions. Every one follows the same shape: subscribe to the pokes first, then replay from
 * the database what the client missed (from its `after` cursor), then re-read on every poke —
 * so nothing is lost between replay and live, and nothing is sent twice.
 */

interface WizardStepChanged {
  kind: 'wizard';
  chamadoPublicId: string;
  step: string | null;
  label: string | null;
  at: Date | null;
}

const WizardStepChangedRef = builder.objectRef<WizardStepChanged>('WizardStepChanged').implement({
  description: "The chamado's onboarding wizard step moved.",
  isTypeOf: (v) => (v as { kind?: string }).kind === 'wizard',
  fields: (t) => ({
    chamadoPublicId: t.exposeString('chamadoPublicId'),
    step: t.exposeString('step', { nullable: true }),
    label: t.exposeString('label', { nullable: true }),
    at: t.expose('at', { type: 'DateTime', nullable: true }),
    timeOnStepSec: t.int({
      nullable: true,
      resolve: (w) => (w.at ? Math.max(0, Math.round((Date.now() - new Date(w.at).getTime()) / 1000)) : null),
    }),
  }),
});

type LiveUpdate = (TimelineRow & { kind: TimelineRow['kind'] }) | WizardStepChanged;

const ChamadoLiveUpdate = builder.unionType('ChamadoLiveUpdate', {
  types: [TimelineEntryRef, WizardStepChangedRef],
  resolveType: (value) => ((value as { kind: string }).kind === 'wizard' ? 'WizardStepChanged' : 'TimelineEntry'),
});

function cursorId(after: string | null | undefined, typename: string): number | null {
  if (!after) return null;
  if (/^\d+$/.test(after)) return Number(after);
  try {
    const { typename: t, id } = decodeGlobalID(after);
    if (t === typename && /^\d+$/.test(id)) return Number(id);
  } catch {
    // fall through to the error below
  }
  throw new GraphQLError(`after must be a ${typename} id`, { extensions: { code: 'BAD_USER_INPUT' } });
}

async function* chamadoLive(ctx: Context, publicId: string, after: string | null | undefined): AsyncGenerator<LiveUpdate> {
  const chamado = await ctx.loaders.chamadoByPublicId.load(publicId);
  if (!chamado) throw new GraphQLError(`chamado ${publicId} not found`, { extensions: { code: 'NOT_FOUND' } });
  const pokes = ctx.pubsub.subscribe('chamado', chamado.id);
  let lastId = cursorId(after, 'TimelineEntry') ?? (await latestTimelineId(ctx.em, chamado.id));
  let wizard = chamado.wizardStep;
  async function* catchUp(): AsyncGenerator<LiveUpdate> {
    for (const row of await timelineAfter(ctx.em, chamado!.id, lastId)) {
      lastId = row.id;
      yield row;
    }
    const [fresh] = await chamadosByIds(ctx.em, [chamado!.id]);
    if (fresh && fresh.wizardStep !== wizard) {
      wizard = fresh.wizardStep;
      yield { kind: 'wizard', chamadoPublicId: fresh.publicId, step: fresh.wizardStep, label: fresh.wizardStepLabel, at: fresh.wizardStepAt };
    }
  }
  try {
    yield* catchUp();
    for await (const _poke of pokes) yield* catchUp();
  } finally {
    await pokes.return?.();
  }
}

async function* discoverFeed(ctx: Context, filter: EventFilter, after: string | null | undefined): AsyncGenerator<EventRow> {
  const pokes = ctx.pubsub.subscribe('events');
  const seen = new Set<number>();
  const remember = (id: number) => {
    seen.add(id);
    if (seen.size > 10_000) seen.delete(seen.values().next().value!);
  };
  const filterKey = JSON.stringify(filter);
  try {
    const start = cursorId(after, 'Event');
    if (start !== null) {
      for (const row of await eventsAfter(ctx.em, filter, start)) {
        remember(row.id);
        yield row;
      }
    } else {
      // Without a cursor the feed starts now; the anchor is only used to ignore older ids.
      remember(await latestEventId(ctx.em));
    }
    for await (const { ids } of pokes) {
      const rows = await sharedRead(`events|${ids.join(',')}|${filterKey}`, () => eventsMatching(ctx.em.fork(), filter, ids));
      for (const row of rows) {
        if (seen.has(row.id)) continue;
        remember(row.id);
        yield row;
      }
    }
  } finally {
    await pokes.return?.();
  }
}

function matchesChamado(row: ChamadoRow, filter: ChamadoFilter, assigneeId: number | null | undefined): boolean {
  if (filter.status?.length && !filter.status.includes(row.status)) return false;
  if (filter.domain && row.domain !== filter.domain.toLowerCase()) return false;
  if (filter.assignee && row.assigneeId !== assigneeId) return false;
  if (filter.source && !row.sources.includes(filter.source)) return false;
  if (filter.sessionId && row.sessionId !== filter.sessionId) return false;
  return true;
}

async function* chamadosChanged(ctx: Context, filter: ChamadoFilter): AsyncGenerator<ChamadoRow> {
  const pokes = ctx.pubsub.subscribe('chamados');
  try {
    const [assignee] = filter.assignee
      ? await ctx.em.execute<{ id: number }[]>('select id from users where username = ?', [filter.assignee])
      : [];
    for await (const { ids } of pokes) {
      const rows = await sharedRead(`chamados|${ids.join(',')}`, () => chamadosByIds(ctx.em.fork(), ids));
      for (const row of rows) if (matchesChamado(row, filter, assignee?.id ?? (filter.assignee ? -1 : null))) yield row;
    }
  } finally {
    await pokes.return?.();
  }
}

async function* approvalsChanged(ctx: Context): AsyncGenerator<ApprovalRow> {
  const pokes = ctx.pubsub.subscribe('approvals');
  try {
    for await (const { ids } of pokes) {
      yield* await sharedRead(`approvals|${ids.join(',')}`, () => approvalsByIds(ctx.em.fork(), ids));
    }
  } finally {
    await pokes.return?.();
  }
}

const LiveChamadoFilter = builder.inputType('LiveChamadoFilter', {
  fields: (t) => ({
    status: t.stringList({ required: false }),
    domain: t.string({ required: false }),
    assignee: t.string({ required: false }),
    source: t.string({ required: false }),
    sessionId: t.string({ required: false }),
  }),
});

builder.subscriptionFields((t) => ({
  chamadoLive: t.field({
    type: ChamadoLiveUpdate,
    authScopes: { authenticated: true },
    description:
      'Every new timeline entry of the chamado and its wizard-step changes. With `after` (the last TimelineEntry id seen), first replays what was missed, in order.',
    args: { publicId: t.arg.string(), after: t.arg.id({ required: false }) },
    subscribe: (_, args, ctx) => chamadoLive(ctx, args.publicId, args.after as string | null | undefined),
    resolve: (update) => update as never,
  }),
  discoverFeed: t.field({
    type: EventRef,
    authScopes: { authenticated: true },
    description: 'New events matching the filter (same filter as `events`). With `after` (an Event id), first replays what was missed.',
    args: { filter: t.arg({ type: EventFilterInput, required: false }), after: t.arg.id({ required: false }) },
    subscribe: (_, args, ctx) => discoverFeed(ctx, args.filter ?? {}, args.after as string | null | undefined),
    resolve: (row) => row,
  }),
  chamadosChanged: t.field({
    type: ChamadoRef,
    authScopes: { authenticated: true },
    description: 'Chamados as they change, for list views, narrowed by the filter.',
    args: { filter: t.arg({ type: LiveChamadoFilter, required: false }) },
    subscribe: (_, args, ctx) => chamadosChanged(ctx, (args.filter ?? {}) as ChamadoFilter),
    resolve: (row) => row,
  }),
  approvalsChanged: t.field({
    type: ApprovalRef,
    authScopes: { authenticated: true },
    description: 'Approval requests as they are created, decided, cancelled or expire.',
    subscribe: (_, __, ctx) => approvalsChanged(ctx),
    resolve: (row) => row,
  }),
}));
