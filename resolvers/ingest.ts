import { DEAD_LETTER_STATUSES, type DeadLetter } from '../entities/dead-letter.entity.ts';
import { builder } from '../src/builder.ts';
import { requireViewer } from '../src/context.ts';
import { ForbiddenActionError, NotFoundError, ValidationError } from '../src/errors.ts';
import { discardDeadLetter, replayDeadLetter } from '../src/services/ingest/dead-letters.ts';
import type { Receipt } from '../src/services/ingest/ingest.ts';
import { ingestPayload } from '../src/services/ingest/ingest-payload.ts';
import { NORMALIZERS, type WebhookSegment } from '../src/services/ingest/sources/index.ts';
import { listDeadLetters, type DeadLetterRow } from '../src/services/ingest/dead-letter-reads.ts';
import { ChamadoRef } from './chamados.ts';
import { projectIdOf } from '../src/services/ingest/project-id.ts';
import { describedValues } from './described.ts';
import { EventRef } from './events.ts';
import { UserRef } from './users.ts';

const IngestSourceEnum = builder.enumType('IngestSource', {
  description: 'The receiver a payload is in the format of (same as POST /api/v1/webhooks/{source}).',
  values: describedValues(Object.keys(NORMALIZERS) as WebhookSegment[], {
    onboard: 'Onboarding portal funnel events.',
    wazuh: 'A Wazuh alert.',
    alertmanager: 'A Prometheus Alertmanager webhook (one or more alerts).',
    signoz: 'A SigNoz alert webhook (Alertmanager-shaped).',
    sentry: 'A Sentry issue webhook.',
    events: 'The generic envelope of support and audit events (its `source` says which).',
  }),
});

const DeadLetterStatusEnum = builder.enumType('DeadLetterStatus', {
  description: 'Where a dead letter stands.',
  values: describedValues(DEAD_LETTER_STATUSES, {
    pending: 'Waiting for an operator to replay or discard it.',
    replayed: 'Run through ingestion again (see replayEventIds).',
    discarded: 'Set aside by an operator; kept for the record.',
  }),
});

export const ReceiptRef = builder.objectRef<Receipt>('IngestReceipt').implement({
  description: 'What ingestion did with one event, and why.',
  fields: (t) => ({
    status: t.exposeString('status', { description: '`accepted` or `duplicate`.' }),
    event: t.field({ type: EventRef, description: 'The stored event.', resolve: async (r, _, ctx) => (await ctx.loaders.event.load(r.eventId))! }),
    chamado: t.field({
      type: ChamadoRef,
      nullable: true,
      description: 'The chamado it opened or joined; null when it was only stored.',
      resolve: (r, _, ctx) => (r.chamadoPublicId ? ctx.loaders.chamadoByPublicId.load(r.chamadoPublicId) : null),
    }),
    duplicateOf: t.exposeInt('duplicateOf', { nullable: true, description: 'Numeric id of the original event, for a duplicate.' }),
    correlation: t.expose('correlation', {
      type: 'JSON',
      description: 'The decision (duplicate, opened, attached or stored) with the rule behind it, as on Event.correlation.',
    }),
    warnings: t.exposeStringList('warnings', { description: 'What was accepted but flagged (truncated fields …).' }),
  }),
});

const IngestPayload = builder.objectRef<{ receipts: Receipt[] }>('IngestEventPayload').implement({
  description: 'The payload was ingested.',
  fields: (t) => ({
    receipts: t.field({ type: [ReceiptRef], description: 'One per event in the payload (an Alertmanager group may hold several).', resolve: (p) => p.receipts }),
  }),
});

export const DeadLetterRef = builder.objectRef<DeadLetterRow>('DeadLetter').implement({
  description: 'A delivery that authenticated but did not fit its source format: kept (redacted) for replay.',
  fields: (t) => ({
    id: t.exposeInt('id', { description: 'Numeric id, for replayDeadLetter and discardDeadLetter.' }),
    source: t.exposeString('source', { description: 'The receiver it was sent to (onboard, wazuh …).' }),
    reason: t.exposeString('reason', { description: 'Why it was refused, for people.' }),
    issues: t.expose('issues', { type: 'JSON', description: 'The schema problems, as a list of `{ path, message }`.' }),
    content: t.expose('content', { type: 'JSON', description: 'The body with secrets redacted.' }),
    contentSha256: t.exposeString('contentSha256', { description: 'SHA-256 of the body as received (hex).' }),
    contentLength: t.exposeInt('contentLength', { description: 'Bytes of the body as received.' }),
    deliveryId: t.exposeString('deliveryId', { nullable: true, description: 'The delivery header id it arrived with, if any.' }),
    status: t.expose('status', { type: DeadLetterStatusEnum, description: 'Pending, replayed or discarded.' }),
    replayedAt: t.expose('replayedAt', { type: 'DateTime', nullable: true, description: 'When it was replayed or discarded.' }),
    replayedBy: t.field({ type: UserRef, nullable: true, description: 'Who replayed or discarded it.', resolve: (d, _, ctx) => (d.replayedById ? ctx.loaders.user.load(d.replayedById) : null) }),
    replayEventIds: t.field({ type: ['Int'], description: 'Numeric ids of the events the replay stored.', resolve: (d) => d.replayEventIds ?? [] }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime', description: 'When it arrived.' }),
  }),
});

function rowOf(letter: DeadLetter): DeadLetterRow {
  return {
    id: letter.id,
    source: letter.source,
    reason: letter.reason,
    issues: letter.issues,
    content: letter.content,
    contentSha256: letter.contentSha256,
    contentLength: letter.contentLength,
    deliveryId: letter.deliveryId ?? null,
    status: letter.status,
    replayedAt: letter.replayedAt ?? null,
    replayedById: letter.replayedBy?.id ?? null,
    replayEventIds: letter.replayEventIds ?? null,
    receivedAt: letter.receivedAt,
  };
}

const ReplayPayload = builder.objectRef<{ deadLetter: DeadLetterRow; receipts: Receipt[] }>('ReplayDeadLetterPayload').implement({
  description: 'A dead letter went through ingestion again.',
  fields: (t) => ({
    deadLetter: t.field({ type: DeadLetterRef, description: 'The dead letter, now replayed.', resolve: (p) => p.deadLetter }),
    receipts: t.field({ type: [ReceiptRef], description: 'What ingestion did with each of its events.', resolve: (p) => p.receipts }),
  }),
});

builder.queryField('deadLetters', (t) =>
  t.field({
    type: [DeadLetterRef],
    authScopes: { role: 'ops' },
    description: 'Deliveries refused for not fitting their source format, newest first, at most 200. Role ops or above.',
    args: {
      status: t.arg({ type: DeadLetterStatusEnum, required: false, defaultValue: 'pending', description: 'Only these; null for all.' }),
      source: t.arg.string({ required: false, description: 'Only this receiver (onboard, wazuh …).' }),
      limit: t.arg.int({ required: false, defaultValue: 50, description: '1 to 200.' }),
    },
    resolve: (_, args, ctx) =>
      listDeadLetters(ctx.em, { status: args.status ?? null, source: args.source ?? null, limit: args.limit ?? 50 }),
  }),
);

builder.mutationFields((t) => ({
  ingestEvent: t.field({
    type: IngestPayload,
    description: 'Ingests a payload in a receiver format, exactly as the webhook path would (for operators and tests). Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: [ValidationError] },
    args: {
      source: t.arg({ type: IngestSourceEnum, description: 'Which receiver’s format the payload is in.' }),
      payload: t.arg({ type: 'JSON', description: 'The body, as that receiver would get it.' }),
      projectId: t.arg.string({ required: false, description: 'The project (tenant) it belongs to; `default` when omitted, like the receivers’ `?project_id=`.' }),
    },
    resolve: async (_, { source, payload, projectId }, ctx) => {
      const body = { source, body: payload, deliveryId: null, projectId: projectIdOf(projectId) };
      const { receipts } = await ingestPayload(ctx.em, ctx.config.ingest, body, 'reject');
      return { receipts };
    },
  }),
  replayDeadLetter: t.field({
    type: ReplayPayload,
    description:
      'Runs a pending dead letter through ingestion again, as stored or with a corrected payload. Role ops or above; an already replayed or discarded one is a ForbiddenActionError.',
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError, ValidationError, ForbiddenActionError] },
    args: {
      id: t.arg.int({ description: 'The dead letter’s id.' }),
      correctedPayload: t.arg({ type: 'JSON', required: false, description: 'A fixed body to ingest instead of the stored one.' }),
    },
    resolve: async (_, args, ctx) => {
      const { letter, receipts } = await replayDeadLetter(ctx.em, ctx.config.ingest, requireViewer(ctx), {
        id: args.id,
        correctedBody: args.correctedPayload ?? undefined,
      });
      return { deadLetter: rowOf(letter), receipts };
    },
  }),
  discardDeadLetter: t.field({
    type: DeadLetterRef,
    description: 'Sets a pending dead letter aside without ingesting it. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError, ForbiddenActionError] },
    args: { id: t.arg.int({ description: 'The dead letter’s id.' }) },
    resolve: async (_, args, ctx) => rowOf(await discardDeadLetter(ctx.em, requireViewer(ctx), args.id)),
  }),
}));
