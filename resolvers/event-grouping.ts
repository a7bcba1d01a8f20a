import { builder } from '../src/builder.ts';
import { freshChamado } from './refresh.ts';
import { requireViewer } from '../src/context.ts';
import { ForbiddenActionError, NotFoundError, ValidationError } from '../src/errors.ts';
import { detachEvent, mergeChamados, moveEvent } from '../src/services/events/grouping.ts';
import { ChamadoRef } from './chamados.ts';

const ERRORS = [NotFoundError, ValidationError, ForbiddenActionError];
const NOTA = 'Optional note (nota) recorded on the timelines involved.';
const EVENT_ID = 'Numeric event id (Event.eventId); duplicates follow their original and are refused.';

builder.mutationFields((t) => ({
  detachEvent: t.field({
    type: ChamadoRef,
    description: 'Takes an event off the chamado correlation put it on; answers with that chamado. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: ERRORS },
    args: { eventId: t.arg.int({ description: EVENT_ID }), nota: t.arg.string({ required: false, description: NOTA }) },
    resolve: async (_, args, ctx) => freshChamado(ctx, await detachEvent(ctx.em, requireViewer(ctx), args)),
  }),
  moveEvent: t.field({
    type: ChamadoRef,
    description: 'Moves an event to another chamado; answers with the target. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: ERRORS },
    args: {
      eventId: t.arg.int({ description: EVENT_ID }),
      toPublicId: t.arg.string({ description: 'The chamado to move it to (CH-<year>-<5 digits>).' }),
      nota: t.arg.string({ required: false, description: NOTA }),
    },
    resolve: async (_, args, ctx) => freshChamado(ctx, await moveEvent(ctx.em, requireViewer(ctx), args)),
  }),
  mergeChamados: t.field({
    type: ChamadoRef,
    description: 'Merges `sourcePublicId` into `targetPublicId` (timelines combined; the source closes and points at the survivor, and later events for it go to the survivor). Answers with the survivor. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: ERRORS },
    args: {
      sourcePublicId: t.arg.string({ description: 'The chamado that is merged away (it closes).' }),
      targetPublicId: t.arg.string({ description: 'The chamado that survives.' }),
      nota: t.arg.string({ required: false, description: NOTA }),
    },
    resolve: async (_, args, ctx) => freshChamado(ctx, await mergeChamados(ctx.em, requireViewer(ctx), args)),
  }),
}));
