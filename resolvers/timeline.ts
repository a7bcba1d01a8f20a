import { TIMELINE_KINDS } from '../entities/timeline-entry.entity.ts';
import { loadAll } from '../src/loaders.ts';
import { builder } from '../src/builder.ts';
import type { TimelineRow } from '../src/services/chamados/reads.ts';
import { UserRef } from './users.ts';

export const TimelineKindEnum = builder.enumType('TimelineKind', {
  description: 'What a timeline entry records. Runbook steps and merges are added with those features.',
  values: TIMELINE_KINDS,
});

export const TimelineEntryRef = builder.objectRef<TimelineRow>('TimelineEntry');
builder.node(TimelineEntryRef, {
  id: { resolve: (e) => e.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.timelineEntry, ids.map(Number)),
  fields: (t) => ({
    kind: t.expose('kind', { type: TimelineKindEnum }),
    eventType: t.exposeString('eventType', { description: 'The event type, or the action (`nota`, `status.resolvido` …).' }),
    source: t.exposeString('source', { description: 'Event source (wazuh, onboard …) or `ops` for operator actions.' }),
    summary: t.exposeString('summary', { nullable: true }),
    severity: t.exposeInt('severity', { nullable: true }),
    actor: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who did it; null for entries made by ingestion.',
      resolve: (e, _, ctx) => (e.actorId ? ctx.loaders.user.load(e.actorId) : null),
    }),
    eventId: t.exposeInt('eventId', { nullable: true, description: 'The Discover event id, for `event` entries.' }),
    data: t.expose('data', { type: 'JSON', nullable: true, description: 'Kind-specific details.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
