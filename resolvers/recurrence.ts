import { RECURRENCE_BASES, RECURRENCE_LIFECYCLES } from '../entities/recurrence-group.entity.ts';
import { builder } from '../src/builder.ts';
import { loadAll } from '../src/loaders.ts';
import { effectiveLifecycle } from '../src/services/recurrence/lifecycle.ts';
import type { RecurrenceGroupRow } from '../src/services/recurrence/reads.ts';
import { WORK_ITEM_STATES } from '../src/services/recurrence/work-item-state.ts';
import { describedValues } from './described.ts';
import { EventRef } from './events.ts';
import { UserRef } from './users.ts';

/*
 * Recurrence groups (spec 002, DOMAIN.md "Recurrence key"): the node and its stored facts. Other
 * files add the fields that need more reads (occurrences, runs, work item, history …) with
 * builder.objectFields(RecurrenceGroupRef, …).
 */

export const RecurrenceGroupRef = builder.objectRef<RecurrenceGroupRow>('RecurrenceGroup');

export const RecurrenceLifecycleEnum = builder.enumType('RecurrenceLifecycle', {
  description: 'Where a recurrence group stands, derived from its events and stored at ingest.',
  values: describedValues(RECURRENCE_LIFECYCLES, {
    new: 'Seen once so far.',
    ongoing: 'Recurring.',
    resolved: 'Every occurrence has resolved (its latest notification is a resolution).',
    regressed: 'Fired again after a run verified the repair, or after it resolved.',
    escalating: 'The last hour’s occurrences exceed its trailing 7-day hourly rate by RECURRENCE_ESCALATION_FACTOR (ends after a quiet hour).',
    silenced: 'An operator silenced it until `silence.until` (it opens no chamado meanwhile).',
  }),
});

export const RecurrenceBasisEnum = builder.enumType('RecurrenceBasis', {
  description: 'What the recurrence key was made from.',
  values: describedValues(RECURRENCE_BASES, {
    fingerprint: 'The provider’s own fingerprint (Alertmanager, SigNoz, Sentry issue).',
    labels: 'A hash of provider, alertname (or rule id), namespace and target resource.',
  }),
});

export const WorkItemStateEnum = builder.enumType('WorkItemState', {
  description: 'The operator work a recurrence group calls for, derived from its linked runs when read.',
  values: describedValues(WORK_ITEM_STATES, {
    verified_repair: 'The latest linked run succeeded and nothing recurred since.',
    failed_repair: 'The latest linked run failed or timed out.',
    manual_gate: 'The latest linked run waits on an approval (or was refused / lapsed), or is R3.',
    automation_gap: 'Recurred 3 times or more with no runbook run.',
    open: 'None of the above.',
  }),
});

const RecurrenceSilenceRef = builder.objectRef<RecurrenceGroupRow>('RecurrenceSilence').implement({
  description: 'An operator’s silence on a group.',
  fields: (t) => ({
    until: t.field({
      type: 'DateTime',
      description: 'Silenced until then (the group opens no chamado meanwhile).',
      resolve: (g) => g.silencedUntil!,
    }),
    reason: t.exposeString('silenceReason', { nullable: true, description: 'Why, as the operator said.' }),
    by: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who silenced it.',
      resolve: (g, _, ctx) => (g.silencedById ? ctx.loaders.user.load(g.silencedById) : null),
    }),
    active: t.boolean({ description: 'Still running now.', resolve: (g) => !!g.silencedUntil && new Date(g.silencedUntil).getTime() > Date.now() }),
  }),
});

builder.node(RecurrenceGroupRef, {
  description:
    'Events of one project that share a recurrence key: what keeps coming back, why they were grouped, and the work it calls for. Maintained at ingest.',
  id: { resolve: (g) => g.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.recurrenceGroup, ids.map(Number)),
  authScopes: { authenticated: true },
  fields: (t) => ({
    workItemId: t.exposeString('uuid', { description: 'Its public id: the REST paths’ `work_item_id`.' }),
    projectId: t.exposeString('projectId', { description: 'Tenant (spec 002 project_id).' }),
    recurrenceKey: t.exposeString('recurrenceKey', { description: 'The key its events share (DOMAIN.md "Recurrence key").' }),
    ruleVersion: t.exposeString('ruleVersion', { description: 'Version of the grouping rule that made the key: a rule change makes new groups, never regroups history.' }),
    basis: t.expose('basis', { type: RecurrenceBasisEnum, description: 'What the key was made from.' }),
    why: t.expose('why', { type: 'JSON', description: 'The fields and values the key was made from (provider + fingerprint, or provider, alertname/rule_id, namespace, target_resource).' }),
    provider: t.exposeString('provider', { description: 'The source (alertmanager, signoz, sentry, wazuh …).' }),
    alertname: t.exposeString('alertname', { nullable: true, description: 'Alert name, when the source gives one.' }),
    ruleId: t.exposeString('ruleId', { nullable: true, description: 'Rule id (Wazuh), when the source gives one.' }),
    severity: t.exposeString('severity', { nullable: true, description: 'The latest occurrence’s own severity word or level.' }),
    namespace: t.exposeString('namespace', { nullable: true, description: 'Namespace the alerts concern.' }),
    targetResource: t.exposeString('targetResource', { nullable: true, description: 'Resource the alerts concern.' }),
    fingerprint: t.exposeString('fingerprint', { nullable: true, description: 'The provider’s fingerprint, when the key is made from one.' }),
    occurrenceTotal: t.exposeInt('occurrenceTotal', { description: 'Occurrences: non-duplicate events that are not resolutions.' }),
    resolvedTotal: t.exposeInt('resolvedTotal', { description: 'Resolution notifications received.' }),
    duplicateTotal: t.exposeInt('duplicateTotal', { description: 'Redeliveries stored as duplicates (counted nowhere else).' }),
    sourceRefTotal: t.exposeInt('sourceRefTotal', { description: 'Source refs over its stored events, duplicates included.' }),
    missingSourceRefsTotal: t.exposeInt('missingSourceRefsTotal', { description: 'Its stored events that carry no source ref.' }),
    sentryRefTotal: t.exposeInt('sentryRefTotal', { description: 'Its stored events linking to a Sentry issue.' }),
    signozRefTotal: t.exposeInt('signozRefTotal', { description: 'Its stored events linking to SigNoz.' }),
    alertRefTotal: t.exposeInt('alertRefTotal', { description: 'Its stored events linking to an Alertmanager/Prometheus alert.' }),
    firstReceivedAt: t.expose('firstReceivedAt', { type: 'DateTime', description: 'When its first event arrived.' }),
    latestReceivedAt: t.expose('latestReceivedAt', { type: 'DateTime', description: 'When its latest event (of any kind) arrived.' }),
    latestOccurrenceAt: t.expose('latestOccurrenceAt', { type: 'DateTime', nullable: true, description: 'When it last fired (its latest occurrence).' }),
    latestAlertStatus: t.exposeString('latestAlertStatus', { nullable: true, description: '`firing` / `resolved` of its latest event, for alert sources.' }),
    lifecycle: t.field({
      type: RecurrenceLifecycleEnum,
      description: 'Where it stands now (a running silence shows as silenced; escalating ends after a quiet hour).',
      resolve: (g) => effectiveLifecycle(dates(g), new Date()),
    }),
    lifecycleReason: t.exposeString('lifecycleReason', { nullable: true, description: 'Why the stored lifecycle is what it is.' }),
    lifecycleChangedAt: t.expose('lifecycleChangedAt', { type: 'DateTime', description: 'When the stored lifecycle last changed.' }),
    silence: t.field({
      type: RecurrenceSilenceRef,
      nullable: true,
      description: 'The latest silence, running or ended; null if it was never silenced (or was unsilenced).',
      resolve: (g) => (g.silencedUntil ? g : null),
    }),
    latestEvent: t.field({
      type: EventRef,
      nullable: true,
      description: 'Its latest event (of any kind).',
      resolve: (g, _, ctx) => (g.latestEventId ? ctx.loaders.event.load(g.latestEventId) : null),
    }),
  }),
});

/** Rows come from SQL with timestamps as Date or string; the lifecycle rule compares Dates. */
export function dates(g: RecurrenceGroupRow) {
  const at = (v: Date | string | null) => (v === null ? null : new Date(v));
  return { lifecycle: g.lifecycle, silencedUntil: at(g.silencedUntil), latestOccurrenceAt: at(g.latestOccurrenceAt) };
}
