import { TIMELINE_KINDS } from '../entities/timeline-entry.entity.ts';
import { loadAll } from '../src/loaders.ts';
import { builder } from '../src/builder.ts';
import type { TimelineRow } from '../src/services/chamados/reads.ts';
import { describedValues } from './described.ts';
import { UserRef } from './users.ts';

export const TimelineKindEnum = builder.enumType('TimelineKind', {
  description: 'What a timeline entry records.',
  values: describedValues(TIMELINE_KINDS, {
    created: 'The chamado was opened (by ingestion or by hand).',
    event: 'A received event joined the chamado (by correlation or attached by hand: anexar eventos).',
    claim: 'Someone claimed the chamado (assumir) or took it over.',
    status: 'The status changed (eventType `status.<new status>`).',
    note: 'An investigation note (nota).',
    attach: 'Reserved: events attached by hand appear as `event` entries today.',
    detach: 'An event was taken off the chamado.',
    move: 'An event was moved to or from another chamado.',
    merge: 'Another chamado was merged into this one, or this one into another.',
    wizard: 'Reserved: onboarding wizard step changes reach clients as WizardStepChanged (chamadoLive) today.',
    runbook: 'A runbook execution step (requested, approved, ran, failed …).',
  }),
});

export const TimelineEntryRef = builder.objectRef<TimelineRow>('TimelineEntry');
builder.node(TimelineEntryRef, {
  description: 'One thing that happened to a chamado: a received event or an action by a person or by OpsGraph.',
  id: { resolve: (e) => e.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.timelineEntry, ids.map(Number)),
  fields: (t) => ({
    kind: t.expose('kind', { type: TimelineKindEnum, description: 'What the entry records.' }),
    eventType: t.exposeString('eventType', { description: 'The event type, or the action (`nota`, `status.resolvido` …).' }),
    source: t.exposeString('source', { description: 'Event source (wazuh, onboard …) or `ops` for operator actions.' }),
    summary: t.exposeString('summary', { nullable: true, description: 'One line for people (often Portuguese, as shown in the console).' }),
    severity: t.exposeInt('severity', { nullable: true, description: '0–15 (Wazuh scale), for `event` entries.' }),
    actor: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who did it; null for entries made by ingestion.',
      resolve: (e, _, ctx) => (e.actorId ? ctx.loaders.user.load(e.actorId) : null),
    }),
    eventId: t.exposeInt('eventId', { nullable: true, description: 'The Discover event id, for `event` entries.' }),
    data: t.expose('data', { type: 'JSON', nullable: true, description: 'Kind-specific details.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
  }),
});
