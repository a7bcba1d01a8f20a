import { builder } from '../src/builder.ts';
import { COVERAGE_MAX_LIMIT, eventCoverage, type EventCoverage, type ProviderCoverageRow } from '../src/services/events/coverage.ts';
import {
  CONTENT_PREVIEW_CHARS,
  CONTENT_REDACTED_CHARS,
  contentPreviewOf,
  contentRedactedOf,
  logCorrelationOf,
  providerEventIdOrFallbackOf,
  providerOf,
  sourceUrlOf,
  stageOf,
} from '../src/services/events/dossier.ts';
import { sourceRefFacts } from '../src/services/recurrence/source-refs.ts';
import { EventRef } from './events.ts';
import { badInput } from './pagination.ts';

/*
 * The event dossier (spec 002 `/events/dossier`, `/events/recent`): the reference's item fields on
 * Event, and the coverage counters over a project's latest events. Mappings: services/events/dossier.ts.
 */

builder.objectFields(EventRef, (t) => ({
  eventUuid: t.exposeString('uuid', { description: 'Its public id: the REST paths’ `event_id` (spec 002).' }),
  projectId: t.exposeString('projectId', { description: 'Tenant (spec 002 project_id); `default` when the sender named none.' }),
  provider: t.string({
    nullable: true,
    description: 'The alert provider (alertmanager, signoz, sentry, wazuh) = its source; null for onboarding, support and audit events.',
    resolve: (e) => providerOf(e),
  }),
  stage: t.string({
    description: '`heartbeat` for a provider freshness heartbeat, else the alert status (`firing` / `resolved`), else `received`.',
    resolve: (e) => stageOf(e),
  }),
  contentPreview: t.string({
    nullable: true,
    description: `The summary, cut to ${CONTENT_PREVIEW_CHARS} characters.`,
    resolve: (e) => contentPreviewOf(e),
  }),
  contentRedacted: t.string({
    nullable: true,
    description: `The stored payload (secrets redacted at ingest) as JSON text, cut to ${CONTENT_REDACTED_CHARS} characters.`,
    resolve: async (e, _, ctx) => contentRedactedOf(await ctx.loaders.eventPayload.load(e.id)),
  }),
  hasRedactedContent: t.boolean({
    description: 'Its payload went through the redaction rules (redactionVersion is set).',
    resolve: (e) => e.redactionVersion !== null,
  }),
  sourceUrl: t.string({
    nullable: true,
    description: 'The provider’s link: the Sentry issue, else the alert’s generatorURL, else Alertmanager’s externalURL, else any http(s) source ref.',
    resolve: (e) => sourceUrlOf(e),
  }),
  sourceRefCount: t.int({ description: 'How many source refs it carries.', resolve: (e) => sourceRefFacts(e.source, e.sourceRefs).count }),
  logCorrelation: t.field({
    type: 'JSON',
    description:
      'What ties it to logs and its chamado: `{delivery_id, recurrence_key, chamado_public_id, decision, rule}` (decision and rule as ingestion recorded them in `correlation`).',
    resolve: (e) => logCorrelationOf(e),
  }),
  providerEventIdOrFallback: t.string({
    description: 'The providerEventId, else `delivery-<deliveryId>`, else the numeric eventId as text: never null (spec 002 provider_event_id).',
    resolve: (e) => providerEventIdOrFallbackOf(e),
  }),
  channelChatId: t.string({
    nullable: true,
    description: 'Public id of the chamado it belongs to (spec 002 channel_chat_id: the conversation it joined); null if none.',
    resolve: (e) => e.chamadoPublicId,
  }),
}));

type CoverageCounters = EventCoverage['summary'];

const COUNTER_DESCRIPTIONS = {
  duplicateTotal: 'Duplicates among them (redeliveries, stored and flagged).',
  redactedTotal: 'Events whose payload went through the redaction rules.',
  sourceRefTotal: 'Source refs over all of them (an event may carry several).',
  missingSourceRefsTotal: 'Events with no source ref.',
  sentryRefTotal: 'Events with a Sentry ref (a `sentry…` link).',
  signozRefTotal: 'Events with a SigNoz ref (a `signoz…` link, or a SigNoz alert’s generatorURL / externalURL).',
  alertRefTotal: 'Events with an Alertmanager/Prometheus ref (generatorURL / externalURL of a non-SigNoz alert).',
  latestReceivedAt: 'When the newest of them was received; null when there is none.',
} as const;

type Types = typeof builder.$inferSchemaTypes;

/** The counters a provider's coverage and the summary share. */
function counterFields<T extends CoverageCounters>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, T>) {
  const count = (name: Exclude<keyof typeof COUNTER_DESCRIPTIONS, 'latestReceivedAt'>) =>
    t.int({ description: COUNTER_DESCRIPTIONS[name], resolve: (c) => c[name] });
  return {
    duplicateTotal: count('duplicateTotal'),
    redactedTotal: count('redactedTotal'),
    sourceRefTotal: count('sourceRefTotal'),
    missingSourceRefsTotal: count('missingSourceRefsTotal'),
    sentryRefTotal: count('sentryRefTotal'),
    signozRefTotal: count('signozRefTotal'),
    alertRefTotal: count('alertRefTotal'),
    latestReceivedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: COUNTER_DESCRIPTIONS.latestReceivedAt,
      resolve: (c) => c.latestReceivedAt,
    }),
  };
}

const ProviderCoverageRef = builder.objectRef<ProviderCoverageRow>('ProviderCoverage').implement({
  description: 'Dossier coverage of one provider’s events among the latest counted.',
  fields: (t) => ({
    provider: t.exposeString('provider', { description: 'The provider: the events’ source (alertmanager, signoz, sentry, wazuh; or onboard, support, audit).' }),
    total: t.exposeInt('total', { description: 'Its events among those counted.' }),
    ...counterFields(t),
  }),
});

const EventCoverageSummaryRef = builder.objectRef<CoverageCounters>('EventCoverageSummary').implement({
  description: 'Dossier coverage over all the events counted.',
  fields: (t) => ({
    sourceCount: t.exposeInt('total', { description: 'Events counted (at most `limit`).' }),
    sourceEnvelopeTotal: t.exposeInt('sourceEnvelopeTotal', { description: 'Events stored with their delivery envelope (content hash and length).' }),
    missingSourceEnvelopeTotal: t.exposeInt('missingSourceEnvelopeTotal', { description: 'Events without a stored envelope.' }),
    withSourceRefsTotal: t.exposeInt('withSourceRefsTotal', { description: 'Events with at least one source ref.' }),
    ...counterFields(t),
  }),
});

const EventCoverageRef = builder.objectRef<EventCoverage & { projectId: string; limit: number }>('EventCoverage').implement({
  description: 'How well the latest events are documented (spec 002 `/events/dossier/coverage`).',
  fields: (t) => ({
    projectId: t.exposeString('projectId', { description: 'The project counted, or `*` for all projects.' }),
    limit: t.exposeInt('limit', { description: 'How many of the latest events were considered at most.' }),
    summary: t.field({ type: EventCoverageSummaryRef, description: 'Over all the events counted.', resolve: (c) => c.summary }),
    providers: t.field({ type: [ProviderCoverageRef], description: 'Per provider, most events first.', resolve: (c) => c.providers }),
  }),
});

builder.queryField('eventCoverage', (t) =>
  t.field({
    type: EventCoverageRef,
    authScopes: { authenticated: true },
    description: `Dossier coverage of the latest \`limit\` events (1–${COVERAGE_MAX_LIMIT}, else BAD_USER_INPUT), newest by receipt, of a project and provider. Signed-in users.`,
    args: {
      projectId: t.arg.string({ required: false, description: 'Only this project’s events; all projects when omitted.' }),
      provider: t.arg.string({ required: false, description: 'Only this provider’s (source’s) events, e.g. sentry or signoz.' }),
      limit: t.arg.int({ required: false, defaultValue: 100, description: `How many of the latest events to count (1–${COVERAGE_MAX_LIMIT}).` }),
    },
    resolve: async (_, args, ctx) => {
      const limit = args.limit ?? 100;
      if (limit < 1 || limit > COVERAGE_MAX_LIMIT) throw badInput(`limit must be between 1 and ${COVERAGE_MAX_LIMIT}`, { reason: 'limit_out_of_range' });
      const coverage = await eventCoverage(ctx.em, { projectId: args.projectId, provider: args.provider, limit });
      return { ...coverage, projectId: args.projectId || '*', limit };
    },
  }),
);
