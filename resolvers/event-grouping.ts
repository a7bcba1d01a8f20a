import { builder } from '../src/builder.ts';
import { freshChamado } from './refresh.ts';
import { requireViewer } from '../src/context.ts';
import { ForbiddenActionError, NotFoundError, ValidationError } from '../src/errors.ts';
import { detachEvent, mergeChamados, moveEvent } from '../src/services/events/grouping.ts';
import { ChamadoRef } from './chamados.ts';

const ERRORS = [NotFoundError, ValidationError, ForbiddenActionError];

builder.mutationFields((t) => ({
  detachEvent: t.field({
    type: ChamadoRef,
    description: 'Takes an event off the chamado correlation put it on; answers with that chamado.',
    authScopes: { role: 'ops' },
    errors: { types: ERRORS },
    args: { eventId: t.arg.int(), nota: t.arg.string({ required: false }) },
    resolve: async (_, args, ctx) => freshChamado(ctx, (await detachEvent(ctx.em, requireViewer(ctx), args)).id),
  }),
  moveEvent: t.field({
    type: ChamadoRef,
    description: 'Moves an event to another chamado; answers with the target.',
    authScopes: { role: 'ops' },
    errors: { types: ERRORS },
    args: { eventId: t.arg.int(), toPublicId: t.arg.string(), nota: t.arg.string({ required: false }) },
    resolve: async (_, args, ctx) => freshChamado(ctx, (await moveEvent(ctx.em, requireViewer(ctx), args)).id),
  }),
  mergeChamados: t.field({
    type: ChamadoRef,
    description: 'Merges `sourcePublicId` into `targetPublicId` (timelines combined; the source closes and points at the survivor, and later events for it go to the survivor). Answers with the survivor.',
    authScopes: { role: 'ops' },
    errors: { types: ERRORS },
    args: { sourcePublicId: t.arg.string(), targetPublicId: t.arg.string(), nota: t.arg.string({ required: false }) },
    resolve: async (_, args, ctx) => freshChamado(ctx, (await mergeChamados(ctx.em, requireViewer(ctx), args)).id),
  }),
}));
