import { decodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { builder } from '../src/builder.ts';
import type { Context } from '../src/context.ts';
import { Loaders } from '../src/loaders.ts';
import { liveStream } from '../src/services/live/pubsub.ts';
import { approvalsChanged, chamadoLive, chamadosChanged, discoverFeed, type WizardStepChanged } from '../src/services/live/feeds.ts';
import type { ChamadoFilter } from '../src/services/chamados/reads.ts';
import { ChamadoRef } from './chamados.ts';
import { EventFilterInput, EventRef } from './events.ts';
import { ApprovalRef } from './runbooks.ts';
import { TimelineEntryRef } from './timeline.ts';

/*
 * Subscriptions: each checks the viewer and its arguments when it starts (an error then is an
 * error of that subscription, not of the socket) and hands the feed to src/services/live/feeds.ts,
 * which replays what the client missed and then follows the pokes. liveStream makes the listening
 * start before the replay and stop as soon as the client leaves.
 */

const WizardStepChangedRef = builder.objectRef<WizardStepChanged>('WizardStepChanged').implement({
  description: "The chamado's onboarding wizard step moved.",
  isTypeOf: (v) => (v as { kind?: string }).kind === 'wizard',
  fields: (t) => ({
    chamadoPublicId: t.exposeString('chamadoPublicId', { description: 'The chamado (CH-<year>-<5 digits>).' }),
    step: t.exposeString('step', { nullable: true, description: 'The new wizard step (code, e.g. dns_cloudflare).' }),
    label: t.exposeString('label', { nullable: true, description: 'That step’s human label.' }),
    at: t.expose('at', { type: 'DateTime', nullable: true, description: 'When the session reached it.' }),
    timeOnStepSec: t.int({
      nullable: true,
      description: 'Seconds since it reached the step, at delivery time.',
      resolve: (w) => (w.at ? Math.max(0, Math.round((Date.now() - new Date(w.at).getTime()) / 1000)) : null),
    }),
  }),
});

const ChamadoLiveUpdate = builder.unionType('ChamadoLiveUpdate', {
  description: 'What chamadoLive delivers: a new timeline entry, or a wizard-step change.',
  types: [TimelineEntryRef, WizardStepChangedRef],
  resolveType: (value) => ((value as { kind: string }).kind === 'wizard' ? 'WizardStepChanged' : 'TimelineEntry'),
});

export function cursorId(after: string | null | undefined, typename: string): number | null {
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
export function delivered<T>(value: T, ctx: Context): T {
  ctx.loaders = new Loaders(ctx.em);
  return value;
}

const LiveChamadoFilter = builder.inputType('LiveChamadoFilter', {
  description: 'Narrows chamadosChanged like ChamadoFilter narrows the list; every criterion given must hold.',
  fields: (t) => ({
    status: t.stringList({ required: false, description: 'Any of these statuses (novo, assumido, em_correcao …).' }),
    domain: t.string({ required: false, description: 'Exact customer domain (case-insensitive).' }),
    assignee: t.string({ required: false, description: 'Username of the assignee.' }),
    source: t.string({ required: false, description: 'An event source seen on the chamado (wazuh, onboard …).' }),
    sessionId: t.string({ required: false, description: 'Onboarding session id.' }),
    projectId: t.string({ required: false, description: 'Tenant: chamados opened by events of this project.' }),
  }),
});

builder.subscriptionFields((t) => ({
  chamadoLive: t.field({
    type: ChamadoLiveUpdate,
    authScopes: { authenticated: true },
    description:
      'Every new timeline entry of the chamado and its wizard-step changes. With `after` (the last TimelineEntry id seen), first replays what was missed, in order.',
    args: {
      publicId: t.arg.string({ description: 'The chamado (CH-<year>-<5 digits>); NOT_FOUND when there is none.' }),
      after: t.arg.id({ required: false, description: 'Resume after this TimelineEntry id (global or numeric); omit to start from now.' }),
    },
    subscribe: async (_, args, ctx) => {
      const after = cursorId(args.after as string | null | undefined, 'TimelineEntry');
      const chamado = await ctx.loaders.chamadoByPublicId.load(args.publicId);
      if (!chamado) throw new GraphQLError(`chamado ${args.publicId} not found`, { extensions: { code: 'NOT_FOUND' } });
      return liveStream(
        () => ctx.pubsub.subscribe('chamado', chamado.id),
        (pokes) => chamadoLive(ctx.em, chamado, after, pokes),
      );
    },
    resolve: (update, _, ctx) => delivered(update, ctx) as never,
  }),
  discoverFeed: t.field({
    type: EventRef,
    authScopes: { authenticated: true },
    description: 'New events matching the filter (same filter as `events`). With `after` (an Event id), first replays what was missed.',
    args: {
      filter: t.arg({ type: EventFilterInput, required: false, description: 'Which events; all when omitted.' }),
      after: t.arg.id({ required: false, description: 'Resume after this Event id (global or numeric); omit to start from now.' }),
    },
    subscribe: (_, args, ctx) => {
      const start = cursorId(args.after as string | null | undefined, 'Event');
      return liveStream(
        () => ctx.pubsub.subscribe('events'),
        (pokes) => discoverFeed(ctx.em, args.filter ?? {}, start, pokes),
      );
    },
    resolve: (row, _, ctx) => delivered(row, ctx),
  }),
  chamadosChanged: t.field({
    type: ChamadoRef,
    authScopes: { authenticated: true },
    description: 'Chamados as they change, for list views, narrowed by the filter.',
    args: { filter: t.arg({ type: LiveChamadoFilter, required: false, description: 'Which chamados; all when omitted.' }) },
    subscribe: (_, args, ctx) => {
      return liveStream(
        () => ctx.pubsub.subscribe('chamados'),
        (pokes) => chamadosChanged(ctx.em, (args.filter ?? {}) as ChamadoFilter, pokes),
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
        (pokes) => approvalsChanged(ctx.em, pokes),
      );
    },
    resolve: (row, _, ctx) => delivered(row, ctx),
  }),
}));
