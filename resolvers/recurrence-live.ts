import { GraphQLError } from 'graphql';
import { builder } from '../src/builder.ts';
import { liveStream } from '../src/services/live/pubsub.ts';
import { recurrenceChanged } from '../src/services/live/recurrence-feed.ts';
import { delivered } from './live.ts';
import { RecurrenceGroupRef } from './recurrence.ts';

/*
 * recurrenceChanged: the console's recurrence view kept current. Groups come in the order their
 * change_seq moved (src/services/live/recurrence-feed.ts); a client resumes with the changeSeq of
 * the last group it got.
 */

builder.objectFields(RecurrenceGroupRef, (t) => ({
  changeSeq: t.string({
    description:
      'Moves on every change of the group (a counted event, a silence, a threshold, a work-item entry, a run on one of its chamados). Pass the last one received as `after` of recurrenceChanged to resume. A string: it is a 64-bit counter.',
    resolve: (g) => String(g.changeSeq),
  }),
}));

const RecurrenceChangedFilter = builder.inputType('RecurrenceChangedFilter', {
  description: 'Narrows recurrenceChanged; every criterion given must hold.',
  fields: (t) => ({
    projectId: t.string({ required: false, description: 'Only groups of this project (tenant); all projects when omitted.' }),
    provider: t.string({ required: false, description: 'Only groups of this provider (alertmanager, signoz, sentry, wazuh …).' }),
  }),
});

function changeSeqCursor(after: string | null | undefined): number | null {
  if (after == null) return null;
  if (/^\d{1,15}$/.test(after)) return Number(after);
  throw new GraphQLError('after must be a RecurrenceGroup changeSeq (digits)', { extensions: { code: 'BAD_USER_INPUT' } });
}

builder.subscriptionField('recurrenceChanged', (t) =>
  t.field({
    type: RecurrenceGroupRef,
    authScopes: { authenticated: true },
    description:
      'Recurrence groups as they change (counted events, silences, thresholds, work-item entries, runs on their chamados), each as it is when sent. With `after` (a changeSeq), first replays every group changed since, in change order.',
    args: {
      filter: t.arg({ type: RecurrenceChangedFilter, required: false, description: 'Which groups; all when omitted.' }),
      after: t.arg.string({ required: false, description: 'Resume after this changeSeq (the last one received); omit to start from now.' }),
    },
    subscribe: (_, args, ctx) => {
      const after = changeSeqCursor(args.after);
      const filter = { projectId: args.filter?.projectId ?? null, provider: args.filter?.provider ?? null };
      return liveStream(
        () => ctx.pubsub.subscribe('recurrence'),
        (pokes) => recurrenceChanged(ctx.em, filter, after, pokes),
      );
    },
    resolve: (row, _, ctx) => delivered(row, ctx),
  }),
);
