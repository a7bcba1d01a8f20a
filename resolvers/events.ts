import { builder } from '../src/builder.ts';
import { loadAll } from '../src/loaders.ts';
import { DiscoverQuerySyntaxError } from '../src/services/events/discover-query/index.ts';
import { listEvents, type EventRow } from '../src/services/events/reads.ts';
import { ChamadoRef } from './chamados.ts';
import { badInput, connectionOf, MAX_PAGE, pageOf } from './pagination.ts';
import { TimelineEntryRef } from './timeline.ts';

export const EventRef = builder.objectRef<EventRow>('Event');

const EventObservable = builder.objectRef<{ tipo: string; valor: string }>('EventObservable').implement({
  fields: (t) => ({ tipo: t.exposeString('tipo'), valor: t.exposeString('valor') }),
});

builder.node(EventRef, {
  description: 'A received delivery (the Discover feed). Duplicates are stored too, flagged and linked to the original.',
  id: { resolve: (e) => e.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.event, ids.map(Number)),
  authScopes: { authenticated: true },
  fields: (t) => ({
    eventId: t.exposeInt('id', { description: 'The numeric id used by the REST paths (webhook_event_ids).' }),
    source: t.exposeString('source'),
    eventType: t.exposeString('eventType'),
    providerEventId: t.exposeString('providerEventId', { nullable: true }),
    deliveryId: t.exposeString('deliveryId', { nullable: true }),
    domain: t.exposeString('domain', { nullable: true }),
    sessionId: t.exposeString('sessionId', { nullable: true }),
    severity: t.exposeInt('severity', { nullable: true, description: '0–15 (Wazuh scale).' }),
    sourceSeverity: t.exposeString('sourceSeverity', { nullable: true, description: "The source's own severity word or level." }),
    ruleId: t.exposeString('ruleId', { nullable: true }),
    agent: t.exposeString('agent', { nullable: true }),
    summary: t.exposeString('summary', { nullable: true }),
    fingerprint: t.exposeString('fingerprint', { nullable: true }),
    alertname: t.exposeString('alertname', { nullable: true }),
    namespace: t.exposeString('namespace', { nullable: true }),
    targetResource: t.exposeString('targetResource', { nullable: true }),
    recurrenceKey: t.exposeString('recurrenceKey', { nullable: true }),
    alertStatus: t.exposeString('alertStatus', { nullable: true }),
    isDuplicate: t.exposeBoolean('isDuplicate'),
    duplicateOf: t.field({
      type: EventRef,
      nullable: true,
      resolve: (e, _, ctx) => (e.duplicateOfId ? ctx.loaders.event.load(e.duplicateOfId) : null),
    }),
    chamado: t.field({
      type: ChamadoRef,
      nullable: true,
      resolve: (e, _, ctx) => (e.chamadoId ? ctx.loaders.chamado.load(e.chamadoId) : null),
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
    redactionVersion: t.exposeString('redactionVersion', { nullable: true }),
    contentSha256: t.exposeString('contentSha256', { nullable: true, description: 'SHA-256 of the delivery body as received.' }),
    contentLength: t.exposeInt('contentLength', { nullable: true, description: 'Bytes of the delivery body as received.' }),
    sourceRefs: t.expose('sourceRefs', { type: 'JSON', nullable: true, description: 'Links back to the provider (Sentry issue, generatorURL, Wazuh alert id …).' }),
    observables: t.field({ type: [EventObservable], resolve: (e) => e.observables ?? [] }),
    warnings: t.stringList({ description: 'What was accepted but flagged (truncated fields …).', resolve: (e) => e.warnings ?? [] }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime', nullable: true }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
  }),
});

builder.objectField(TimelineEntryRef, 'event', (t) =>
  t.field({
    type: EventRef,
    nullable: true,
    description: 'The received event, for `event` entries.',
    resolve: (e, _, ctx) => (e.eventId ? ctx.loaders.event.load(e.eventId) : null),
  }),
);

export const EventFilterInput = builder.inputType('EventFilter', {
  fields: (t) => ({
    source: t.string({ required: false }),
    domain: t.string({ required: false }),
    severityMin: t.int({ required: false }),
    from: t.field({ type: 'DateTime', required: false, description: 'Received at or after.' }),
    to: t.field({ type: 'DateTime', required: false, description: 'Received before.' }),
    q: t.string({
      required: false,
      description: 'Discover query: free words and "phrases" (full text), field:value terms (source:wazuh agent:"vm112-mail" severity>=10 rule_id:5712), AND, OR, NOT, parentheses.',
    }),
    chamado: t.string({ required: false, description: 'Public id of the chamado the events belong to.' }),
    sessionId: t.string({ required: false }),
    duplicate: t.boolean({ required: false }),
  }),
});


builder.queryFields((t) => ({
  event: t.field({
    type: EventRef,
    nullable: true,
    authScopes: { authenticated: true },
    args: { eventId: t.arg.int() },
    resolve: (_, { eventId }, ctx) => ctx.loaders.event.load(eventId),
  }),
  events: t.connection(
    {
      type: EventRef,
      authScopes: { authenticated: true },
      description: `The Discover feed, newest first. \`first\` defaults to 50, at most ${MAX_PAGE}. A malformed \`q\` is a BAD_USER_INPUT error with the position.`,
      args: {
        filter: t.arg({ type: EventFilterInput, required: false }),
        offset: t.arg.int({ required: false }),
      },
      resolve: async (_, args, ctx) => {
        const page = pageOf('event', args);
        let result;
        try {
          result = await listEvents(ctx.em, args.filter ?? {}, page);
        } catch (err) {
          if (err instanceof DiscoverQuerySyntaxError) throw badInput(err.message, { position: err.position, reason: err.code });
          throw err;
        }
        for (const row of result.rows) ctx.loaders.event.prime(row.id, row);
        return connectionOf('event', page, result);
      },
    },
    {
      name: 'EventConnection',
      fields: (t) => ({
        totalCount: t.int({ resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }),
      }),
    },
  ),
}));
