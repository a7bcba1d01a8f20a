import { builder } from '../src/builder.ts';
import { resourceHealthFeed } from '../src/services/live/resource-health-feed.ts';
import { liveStream } from '../src/services/live/pubsub.ts';
import { HealthStatusEnum } from './discovery.ts';
import { ResourceHealthChangeRef } from './discovery-health.ts';
import { cursorId, delivered } from './live.ts';

/* The discovery monitor's live feed: status changes as they happen (src/services/live/resource-health-feed.ts). */

const ResourceHealthFilter = builder.inputType('ResourceHealthChangedFilter', {
  description: 'Narrows resourceHealthChanged; every criterion given must hold.',
  fields: (t) => ({
    totvsId: t.string({ required: false, description: 'Resources of this installation.' }),
    environment: t.string({ required: false, description: 'Resources of this environment (by name).' }),
    resourceId: t.string({ required: false, description: 'This resource (public id).' }),
    toStatus: t.field({ type: HealthStatusEnum, required: false, description: 'Changes to this status only.' }),
  }),
});

builder.subscriptionFields((t) => ({
  resourceHealthChanged: t.field({
    type: ResourceHealthChangeRef,
    authScopes: { authenticated: true },
    description:
      'Discovered resources changing status (the monitor’s judgement: danger after N failed checks, success after M passes, TLS and slowness findings), including suppressed ones. With `after` (a ResourceHealthChange id), first replays what was missed.',
    args: {
      filter: t.arg({ type: ResourceHealthFilter, required: false, description: 'Which changes; all when omitted.' }),
      after: t.arg.id({ required: false, description: 'Resume after this ResourceHealthChange id (global or numeric); omit to start from now.' }),
    },
    subscribe: (_, args, ctx) => {
      const after = cursorId(args.after as string | null | undefined, 'ResourceHealthChange');
      return liveStream(
        () => ctx.pubsub.subscribe('resourceHealth'),
        (pokes) => resourceHealthFeed(ctx.em, args.filter ?? {}, after, pokes),
      );
    },
    resolve: (row, _, ctx) => delivered(row, ctx),
  }),
}));
