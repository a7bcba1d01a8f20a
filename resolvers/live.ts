import { decodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { builder } from '../src/builder.ts';
import type { Context } from '../src/context.ts';
import { Loaders } from '../src/loaders.ts';
import { liveStream } from '../src/services/live/pubsub.ts';
import { sharedRead } from '../src/services/live/shared-reads.ts';
import {
  chamadosByIds,
  latestTimelineId,
  timelineAfter,
  type ChamadoRow,
  type ChamadoFilter,
  type TimelineRow,
} from '../src/services/chamados/reads.ts';
import { eventsAfter, eventsMatching, type EventFilter, type EventRow } from '../src/services/events/reads.ts';
import { approvalsByIds, type ApprovalRow } from '../src/services/runbooks/reads.ts';
import { ChamadoRef } from './chamados.ts';
import { EventFilterInput, EventRef } from './events.ts';
import { ApprovalRef } from './runbooks.ts';
import { TimelineEntryRef } from './timeline.ts';

/*
 * Subscriptions. Every one follows the same shape: check the viewer and the arguments when the
 * subscription starts (an error then is an error of that subscription, not of the socket), listen
 * to the pokes, then replay from the database what the client missed (from its `after` cursor),
 * then re-read on every poke — so nothing is lost between replay and live, and nothing is sent
 * twice. liveStream makes the listening start before the replay and stop as soon as the client
 * leaves.
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

/**
 * Every delivery reads its nested fields (decisions, execution, assignee …) afresh: a
 * subscription's context lives as long as the subscription, and DataLoaders cache for good, so
 * without new ones every later delivery would show those fields as they were at the first one.
 * Deliveries of one subscription are resolved one after another, so replacing them is safe.
 */
function delivered<T>(value: T, ctx: Context): T {
  ctx.loaders = new Loaders(ctx.em);
  return value;
}

async function* chamadoLive(
  ctx: Context,
  chamado: ChamadoRow,
  after: number | null,
  pokes: AsyncIterable<unknown>,
): AsyncGenerator<LiveUpdate> {
  let lastId = after ?? (await latestTimelineId(ctx.em, chamado.id));
  // `undefined` = the client has not seen the current step: a resume after the step moved says so.
  let wizard: string | null | undefined = chamado.wizardStep;
  if (after !== null && chamado.wizardStepAt) {
    const [seen] = await ctx.em.execute<{ created_at: Date }[]>('select created_at from timeline_entries where id = ?', [after]);
    if (seen && new Date(chamado.wizardStepAt).getTime() > new Date(seen.created_at).getTime()) wizard = undefined;
  }
  async function* catchUp(): AsyncGenerator<LiveUpdate> {
    for (const row of await timelineAfter(ctx.em, chamado.id, lastId)) {
      lastId = row.id;
      yield row;
    }
    const [fresh] = await chamadosByIds(ctx.em, [chamado.id]);
    if (fresh && fresh.wizardStep !== wizard) {
      wizard = fresh.wizardStep;
      yield { kind: 'wizard', chamadoPublicId: fresh.publicId, step: fresh.wizardStep, label: fresh.wizardStepLabel, at: fresh.wizardStepAt };
    }
  }
  yield* catchUp();
  for await (const _poke of pokes) yield* catchUp();
}

const REPLAY_PAGE = 1000;

async function* discoverFeed(
  ctx: Context,
  filter: EventFilter,
  start: number | null,
  pokes: AsyncIterable<{ ids: number[] }>,
): AsyncGenerator<EventRow> {
  const seen = new Set<number>();
  const remember = (id: number) => {
    seen.add(id);
    if (seen.size > 10_000) seen.delete(seen.values().next().value!);
  };
  const filterKey = JSON.stringify(filter);
  // Replay page by page: a client away for long may have missed more than one page.
  for (let cursor = start, page = REPLAY_PAGE; cursor !== null && page === REPLAY_PAGE; ) {
    const rows = await eventsAfter(ctx.em, filter, cursor, REPLAY_PAGE);
    for (const row of rows) {
      remember(row.id);
      cursor = row.id;
      yield row;
    }
    page = rows.length;
  }
  // Without a cursor the feed starts now: pokes only name events stored from here on.
  for await (const poke of pokes) {
    const rows = await sharedRead(poke, `events|${filterKey}`, () => eventsMatching(ctx.em.fork(), filter, poke.ids));
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      remember(row.id);
      yield row;
    }
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

async function* chamadosChanged(ctx: Context, filter: ChamadoFilter, pokes: AsyncIterable<{ ids: number[] }>): AsyncGenerator<ChamadoRow> {
  const [assignee] = filter.assignee
    ? await ctx.em.execute<{ id: number }[]>('select id from users where username = ?', [filter.assignee])
    : [];
  for await (const poke of pokes) {
    const rows = await sharedRead(poke, 'chamados', () => chamadosByIds(ctx.em.fork(), poke.ids));
    for (const row of rows) if (matchesChamado(row, filter, assignee?.id ?? (filter.assignee ? -1 : null))) yield row;
  }
}

async function* approvalsChanged(ctx: Context, pokes: AsyncIterable<{ ids: number[] }>): AsyncGenerator<ApprovalRow> {
  for await (const poke of pokes) {
    yield* await sharedRead(poke, 'approvals', () => approvalsByIds(ctx.em.fork(), poke.ids));
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
    subscribe: async (_, args, ctx) => {
      const after = cursorId(args.after as string | null | undefined, 'TimelineEntry');
      const chamado = await ctx.loaders.chamadoByPublicId.load(args.publicId);
      if (!chamado) throw new GraphQLError(`chamado ${args.publicId} not found`, { extensions: { code: 'NOT_FOUND' } });
      return liveStream(
        () => ctx.pubsub.subscribe('chamado', chamado.id),
        (pokes) => chamadoLive(ctx, chamado, after, pokes),
      );
    },
    resolve: (update, _, ctx) => delivered(update, ctx) as never,
  }),
  discoverFeed: t.field({
    type: EventRef,
    authScopes: { authenticated: true },
    description: 'New events matching the filter (same filter as `events`). With `after` (an Event id), first replays what was missed.',
    args: { filter: t.arg({ type: EventFilterInput, required: false }), after: t.arg.id({ required: false }) },
    subscribe: (_, args, ctx) => {
      const start = cursorId(args.after as string | null | undefined, 'Event');
      return liveStream(
        () => ctx.pubsub.subscribe('events'),
        (pokes) => discoverFeed(ctx, args.filter ?? {}, start, pokes),
      );
    },
    resolve: (row, _, ctx) => delivered(row, ctx),
  }),
  chamadosChanged: t.field({
    type: ChamadoRef,
    authScopes: { authenticated: true },
    description: 'Chamados as they change, for list views, narrowed by the filter.',
    args: { filter: t.arg({ type: LiveChamadoFilter, required: false }) },
    subscribe: (_, args, ctx) => {
      return liveStream(
        () => ctx.pubsub.subscribe('chamados'),
        (pokes) => chamadosChanged(ctx, (args.filter ?? {}) as ChamadoFilter, pokes),
      );
    },
    resolve: (row, _, ctx) => delivered(row, ctx),
  }),
  approvalsChanged: t.field({
    type: ApprovalRef,
    authScopes: { authenticated: true },
    description: 'Approval requests as they are created, decided, cancelled or expire.',
    subscribe: (_, __, ctx) => {
      return liveStream(
        () => ctx.pubsub.subscribe('approvals'),
        (pokes) => approvalsChanged(ctx, pokes),
      );
    },
    resolve: (row, _, ctx) => delivered(row, ctx),
  }),
}));
