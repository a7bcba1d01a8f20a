import { DEAD_LETTER_STATUSES, type DeadLetter } from '../entities/dead-letter.entity.ts';
import { builder } from '../src/builder.ts';
import { requireViewer } from '../src/context.ts';
import { ForbiddenActionError, NotFoundError, ValidationError } from '../src/errors.ts';
import { discardDeadLetter, replayDeadLetter } from '../src/services/ingest/dead-letters.ts';
import type { Receipt } from '../src/services/ingest/ingest.ts';
import { ingestPayload } from '../src/services/ingest/ingest-payload.ts';
import { NORMALIZERS } from '../src/services/ingest/sources/index.ts';
import { listDeadLetters, type DeadLetterRow } from '../src/services/ingest/dead-letter-reads.ts';
import { ChamadoRef } from './chamados.ts';
import { EventRef } from './events.ts';
import { UserRef } from './users.ts';

const IngestSourceEnum = builder.enumType('IngestSource', {
  description: 'The receiver a payload is in the format of (same as POST /api/v1/webhooks/{source}).',
  values: Object.keys(NORMALIZERS) as (keyof typeof NORMALIZERS)[],
});

const DeadLetterStatusEnum = builder.enumType('DeadLetterStatus', { values: DEAD_LETTER_STATUSES });

export const ReceiptRef = builder.objectRef<Receipt>('IngestReceipt').implement({
  description: 'What ingestion did with one event, and why.',
  fields: (t) => ({
    status: t.exposeString('status', { description: '`accepted` or `duplicate`.' }),
    event: t.field({ type: EventRef, resolve: async (r, _, ctx) => (await ctx.loaders.event.load(r.eventId))! }),
    chamado: t.field({
      type: ChamadoRef,
      nullable: true,
      resolve: (r, _, ctx) => (r.chamadoPublicId ? ctx.loaders.chamadoByPublicId.load(r.chamadoPublicId) : null),
    }),
    duplicateOf: t.exposeInt('duplicateOf', { nullable: true }),
    correlation: t.expose('correlation', { type: 'JSON' }),
    warnings: t.exposeStringList('warnings'),
  }),
});

const IngestPayload = builder.objectRef<{ receipts: Receipt[] }>('IngestEventPayload').implement({
  fields: (t) => ({ receipts: t.field({ type: [ReceiptRef], resolve: (p) => p.receipts }) }),
});

export const DeadLetterRef = builder.objectRef<DeadLetterRow>('DeadLetter').implement({
  description: 'A delivery that authenticated but did not fit its source format: kept (redacted) for replay.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    source: t.exposeString('source'),
    reason: t.exposeString('reason'),
    issues: t.expose('issues', { type: 'JSON' }),
    content: t.expose('content', { type: 'JSON', description: 'The body with secrets redacted.' }),
    contentSha256: t.exposeString('contentSha256'),
    contentLength: t.exposeInt('contentLength'),
    deliveryId: t.exposeString('deliveryId', { nullable: true }),
    status: t.expose('status', { type: DeadLetterStatusEnum }),
    replayedAt: t.expose('replayedAt', { type: 'DateTime', nullable: true }),
    replayedBy: t.field({ type: UserRef, nullable: true, resolve: (d, _, ctx) => (d.replayedById ? ctx.loaders.user.load(d.replayedById) : null) }),
    replayEventIds: t.field({ type: ['Int'], resolve: (d) => d.replayEventIds ?? [] }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
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
  fields: (t) => ({
    deadLetter: t.field({ type: DeadLetterRef, resolve: (p) => p.deadLetter }),
    receipts: t.field({ type: [ReceiptRef], resolve: (p) => p.receipts }),
  }),
});

builder.queryField('deadLetters', (t) =>
  t.field({
    type: [DeadLetterRef],
    authScopes: { role: 'ops' },
    description: 'Newest first, at most 200.',
    args: {
      status: t.arg({ type: DeadLetterStatusEnum, required: false, defaultValue: 'pending' }),
      source: t.arg.string({ required: false }),
      limit: t.arg.int({ required: false, defaultValue: 50 }),
    },
    resolve: (_, args, ctx) =>
      listDeadLetters(ctx.em, { status: args.status ?? null, source: args.source ?? null, limit: Math.min(Math.max(args.limit ?? 50, 1), 200) }),
  }),
);

builder.mutationFields((t) => ({
  ingestEvent: t.field({
    type: IngestPayload,
    description: 'Ingests a payload in a receiver format, exactly as the webhook path would (for operators and tests).',
    authScopes: { role: 'ops' },
    errors: { types: [ValidationError] },
    args: { source: t.arg({ type: IngestSourceEnum }), payload: t.arg({ type: 'JSON' }) },
    resolve: async (_, { source, payload }, ctx) => {
      const { receipts } = await ingestPayload(ctx.em, ctx.config.ingest, { source, body: payload, deliveryId: null }, 'reject');
      return { receipts };
    },
  }),
  replayDeadLetter: t.field({
    type: ReplayPayload,
    description: 'Runs a dead letter through ingestion again, as stored or with a corrected payload.',
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError, ValidationError, ForbiddenActionError] },
    args: { id: t.arg.int(), correctedPayload: t.arg({ type: 'JSON', required: false }) },
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
    authScopes: { role: 'ops' },
    errors: { types: [NotFoundError, ForbiddenActionError] },
    args: { id: t.arg.int() },
    resolve: async (_, args, ctx) => rowOf(await discardDeadLetter(ctx.em, requireViewer(ctx), args.id)),
  }),
}));
