import { builder } from '../src/builder.ts';
import { loadAll } from '../src/loaders.ts';
import { DiscoverQuerySyntaxError } from '../src/services/events/discover-query/index.ts';
import { listEvents, type EventField, type EventRow } from '../src/services/events/reads.ts';
import type { ChamadoRow } from '../src/services/chamados/reads.ts';
import { CHAMADO_ROW_FIELDS, ChamadoRef } from './chamados.ts';
import { badInput, CLIENT_PAGE_MAX, connectionOf, pageOf } from './pagination.ts';
import { selectedRowFields, type RowFieldsOf } from './selected-fields.ts';
import { TimelineEntryRef } from './timeline.ts';

export const EventRef = builder.objectRef<EventRow>('Event');

const EventObservable = builder.objectRef<{ tipo: string; valor: string }>('EventObservable').implement({
  description: 'A typed fact extracted from the event at ingestion (copied to its chamado’s observables).',
  fields: (t) => ({
    tipo: t.exposeString('tipo', { description: 'Kind of fact (tipo): email, ip, host …' }),
    valor: t.exposeString('valor', { description: 'The value (valor).' }),
  }),
});

builder.node(EventRef, {
  description: 'A received delivery (the Discover feed). Duplicates are stored too, flagged and linked to the original.',
  id: { resolve: (e) => e.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.event, ids.map(Number)),
  authScopes: { authenticated: true },
  fields: (t) => ({
    eventId: t.exposeInt('id', { description: 'The numeric id used by the REST paths (webhook_event_ids).' }),
    source: t.exposeString('source', { description: 'Who sent it: onboard, wazuh, alertmanager, signoz, sentry, support or audit.' }),
    eventType: t.exposeString('eventType', {
      description: 'What happened, per source (account.created, wazuh.alert, alert.firing, alert.resolved, issue.created …).',
    }),
    providerEventId: t.exposeString('providerEventId', {
      nullable: true,
      description: 'The provider’s own id for the event; with `source`, the key that spots exact redeliveries.',
    }),
    deliveryId: t.exposeString('deliveryId', { nullable: true, description: 'The delivery header id it arrived with (webhook-id, Sentry Request-ID …).' }),
    domain: t.exposeString('domain', { nullable: true, description: 'Customer domain it concerns (lowercase), when known.' }),
    sessionId: t.exposeString('sessionId', { nullable: true, description: 'Onboarding portal session id, for onboarding events.' }),
    severity: t.exposeInt('severity', { nullable: true, description: '0–15 (Wazuh scale).' }),
    sourceSeverity: t.exposeString('sourceSeverity', { nullable: true, description: "The source's own severity word or level." }),
    ruleId: t.exposeString('ruleId', { nullable: true, description: 'The rule that fired (Wazuh rule id …).' }),
    agent: t.exposeString('agent', { nullable: true, description: 'The Wazuh agent (machine) it came from.' }),
    summary: t.exposeString('summary', { nullable: true, description: 'One line for people.' }),
    fingerprint: t.exposeString('fingerprint', {
      nullable: true,
      description: 'The provider’s fingerprint when it gives one (Alertmanager, SigNoz, Sentry issue id).',
    }),
    alertname: t.exposeString('alertname', { nullable: true, description: 'Alert name (Alertmanager/SigNoz) or rule; a recurrence input.' }),
    namespace: t.exposeString('namespace', { nullable: true, description: 'Namespace the alert concerns; a recurrence input.' }),
    targetResource: t.exposeString('targetResource', { nullable: true, description: 'The resource the alert concerns; a recurrence input.' }),
    recurrenceKey: t.exposeString('recurrenceKey', {
      nullable: true,
      description: 'Groups recurrences of the same problem: provider + fingerprint, else a hash of provider, alertname, namespace, target.',
    }),
    alertStatus: t.exposeString('alertStatus', { nullable: true, description: '`firing` or `resolved` for alerts; null for other sources.' }),
    isDuplicate: t.exposeBoolean('isDuplicate', { description: 'A redelivery or repeat of an earlier event (stored, but opens and counts nothing).' }),
    duplicateOf: t.field({
      type: EventRef,
      nullable: true,
      description: 'The original this duplicates; null unless isDuplicate.',
      resolve: (e, _, ctx) => (e.duplicateOfId ? ctx.loaders.event.load(e.duplicateOfId) : null),
    }),
    chamado: t.field({
      type: ChamadoRef,
      nullable: true,
      description: 'The chamado it belongs to; null when it opened none and correlated with none.',
      resolve: (e, _, ctx, info) => {
        if (!e.chamadoId) return null;
        // The feed's rows carry their chamado's public id: enough when that is all the selection reads.
        const fields = selectedRowFields(info, CHAMADO_ROW_FIELDS);
        if (fields && e.chamadoPublicId != null && fields.every((f) => f === 'publicId')) {
          return { id: e.chamadoId, publicId: e.chamadoPublicId } as ChamadoRow;
        }
        return ctx.loaders.chamado.load(e.chamadoId);
      },
    }),
    correlation: t.expose('correlation', {
      type: 'JSON',
      nullable: true,
      description: 'Why ingestion treated the event as it did: duplicate (of which event, by which rule), opened (by which rule), attached (by which correlation rule, to which chamado), or stored; plus operator corrections.',
    }),
    payload: t.field({
      type: 'JSON',
      nullable: true,
      description: "The event's content as received, with secrets redacted (see redactionVersion).",
      resolve: (e, _, ctx) => ctx.loaders.eventPayload.load(e.id),
    }),
    redactionVersion: t.exposeString('redactionVersion', { nullable: true, description: 'Version of the redaction rules applied to payload.' }),
    contentSha256: t.exposeString('contentSha256', { nullable: true, description: 'SHA-256 of the delivery body as received.' }),
    contentLength: t.exposeInt('contentLength', { nullable: true, description: 'Bytes of the delivery body as received.' }),
    sourceRefs: t.expose('sourceRefs', { type: 'JSON', nullable: true, description: 'Links back to the provider (Sentry issue, generatorURL, Wazuh alert id …).' }),
    observables: t.field({ type: [EventObservable], description: 'Typed facts extracted from it.', resolve: (e) => e.observables ?? [] }),
    warnings: t.stringList({ description: 'What was accepted but flagged (truncated fields …).', resolve: (e) => e.warnings ?? [] }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime', nullable: true, description: 'When it happened, by the sender’s clock; null if not given.' }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime', description: 'When OpsGraph received it.' }),
  }),
});

/**
 * The row fields each Event field reads (see RowFieldsOf); the id is always read, so the fields
 * that load by it (payload) read nothing more. Fields other files add to Event are not here:
 * selecting one reads every column.
 */
export const EVENT_ROW_FIELDS: RowFieldsOf<EventField> = {
  __typename: [],
  id: [],
  eventId: [],
  source: ['source'],
  eventType: ['eventType'],
  providerEventId: ['providerEventId'],
  deliveryId: ['deliveryId'],
  domain: ['domain'],
  sessionId: ['sessionId'],
  severity: ['severity'],
  sourceSeverity: ['sourceSeverity'],
  ruleId: ['ruleId'],
  agent: ['agent'],
  summary: ['summary'],
  fingerprint: ['fingerprint'],
  alertname: ['alertname'],
  namespace: ['namespace'],
  targetResource: ['targetResource'],
  recurrenceKey: ['recurrenceKey'],
  alertStatus: ['alertStatus'],
  isDuplicate: ['isDuplicate'],
  duplicateOf: ['duplicateOfId'],
  chamado: ['chamadoId', 'chamadoPublicId'],
  correlation: ['correlation'],
  payload: [],
  redactionVersion: ['redactionVersion'],
  contentSha256: ['contentSha256'],
  contentLength: ['contentLength'],
  sourceRefs: ['sourceRefs'],
  observables: ['observables'],
  warnings: ['warnings'],
  occurredAt: ['occurredAt'],
  receivedAt: ['receivedAt'],
};

builder.objectField(TimelineEntryRef, 'event', (t) =>
  t.field({
    type: EventRef,
    nullable: true,
    description: 'The received event, for `event` entries.',
    resolve: (e, _, ctx) => (e.eventId ? ctx.loaders.event.load(e.eventId) : null),
  }),
);

export const EventFilterInput = builder.inputType('EventFilter', {
  description: 'Narrows the Discover feed; every criterion given must hold.',
  fields: (t) => ({
    source: t.string({ required: false, description: 'Exact source (wazuh, onboard …).' }),
    domain: t.string({ required: false, description: 'Exact customer domain (case-insensitive).' }),
    severityMin: t.int({ required: false, description: 'Severity at least this (0–15).' }),
    from: t.field({ type: 'DateTime', required: false, description: 'Received at or after.' }),
    to: t.field({ type: 'DateTime', required: false, description: 'Received before.' }),
    q: t.string({
      required: false,
      description: 'Discover query: free words and "phrases" (full text), field:value terms (source:wazuh agent:"vm112-mail" severity>=10 rule_id:5712), AND, OR, NOT, parentheses.',
    }),
    chamado: t.string({ required: false, description: 'Public id of the chamado the events belong to.' }),
    sessionId: t.string({ required: false, description: 'Onboarding session id.' }),
    duplicate: t.boolean({ required: false, description: 'true: only duplicates; false: only originals; omitted: both.' }),
    projectId: t.string({ required: false, description: 'Exact project (spec 002 project_id).' }),
    providerEventIdPrefix: t.string({
      required: false,
      description: 'Events whose providerEventId starts with this, taken literally (`%`, `_` and `\\` are no wildcards).',
    }),
    providerEventId: t.string({ required: false, description: 'Exact providerEventId.' }),
    runId: t.string({
      required: false,
      description: 'A runbook execution’s uuid (spec 002 run_id): the events of the chamado it ran on. Unknown or malformed: no events.',
    }),
  }),
});

/** A page of events with its total: the Discover feed, and a recurrence group's occurrences. */
export const EventConnection = builder.connectionObject(
  {
    type: EventRef,
    name: 'EventConnection',
    description: 'A page of events, newest first.',
    fields: (t) => ({
      totalCount: t.int({
        description: 'Events matching, across all pages: exact up to the server’s count bound (EVENTS_COUNT_BOUND, 200 by default), an estimate beyond it (see totalCountIsEstimate).',
        resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount,
      }),
      totalCountIsEstimate: t.boolean({
        description:
          'True when more events match than the server counts exactly: totalCount is then extrapolated from how densely the newest matches lie among the event ids, so it may be off (never below the bound + 1). false: totalCount is exact.',
        resolve: (conn) => (conn as unknown as { totalCountIsEstimate?: boolean }).totalCountIsEstimate ?? false,
      }),
    }),
  },
  { name: 'EventConnectionEdge' },
);

builder.queryFields((t) => ({
  event: t.field({
    type: EventRef,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'One event by its numeric id; null when there is none. Signed-in users.',
    args: { eventId: t.arg.int({ description: 'Numeric event id (Event.eventId).' }) },
    resolve: (_, { eventId }, ctx) => ctx.loaders.event.load(eventId),
  }),
  events: t.connection(
    {
      type: EventRef,
      authScopes: { authenticated: true },
      description: `The Discover feed, newest first. \`first\` defaults to 50, at most ${CLIENT_PAGE_MAX}. A malformed \`q\` is a BAD_USER_INPUT error with the position.`,
      args: {
        filter: t.arg({ type: EventFilterInput, required: false, description: 'Which events; all when omitted.' }),
        offset: t.arg.int({ required: false, description: 'Legacy offset paging: skip this many (0 or more). Prefer `after`.' }),
      },
      resolve: async (_, args, ctx, info) => {
        const page = pageOf('event', args);
        const fields = selectedRowFields(info, EVENT_ROW_FIELDS, ['edges', 'node']);
        let result;
        try {
          result = await listEvents(ctx.em, args.filter ?? {}, page, { countBound: ctx.config.eventsCountBound, fields });
        } catch (err) {
          if (err instanceof DiscoverQuerySyntaxError) throw badInput(err.message, { position: err.position, reason: err.code });
          throw err;
        }
        // Only whole rows go to the cache other readers share.
        if (!fields) for (const row of result.rows) ctx.loaders.event.prime(row.id, row);
        return { ...connectionOf('event', page, result), totalCountIsEstimate: result.totalIsEstimate ?? false };
      },
    },
    EventConnection,
  ),
}));
