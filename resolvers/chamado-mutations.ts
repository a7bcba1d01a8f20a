import { builder } from '../src/builder.ts';
import { freshChamado } from './refresh.ts';
import { requireViewer } from '../src/context.ts';
import {
  ClaimConflictError,
  ForbiddenActionError,
  InvalidTransitionError,
  UnknownReferenceError,
} from '../src/errors.ts';
import {
  addChamadoNote,
  attachEvents,
  changeChamadoStatus,
  claimChamado,
  createChamado,
} from '../src/services/chamados/commands.ts';
import type { ChamadoRow, TimelineRow } from '../src/services/chamados/reads.ts';
import { ChamadoOriginEnum, ChamadoRef, ChamadoStatusEnum } from './chamados.ts';
import { CHAMADO_MUTATION_ERRORS } from './errors.ts';
import { TimelineEntryRef } from './timeline.ts';

const NotePayload = builder.objectRef<{ chamado: ChamadoRow; entry: TimelineRow }>('AddChamadoNotePayload').implement({
  fields: (f) => ({
    chamado: f.field({ type: ChamadoRef, resolve: (p) => p.chamado }),
    entry: f.field({ type: TimelineEntryRef, resolve: (p) => p.entry }),
  }),
});

const AttachPayload = builder.objectRef<{ chamado: ChamadoRow; attached: number; timelineCount: number }>('AttachEventsPayload').implement({
  fields: (f) => ({
    chamado: f.field({ type: ChamadoRef, resolve: (p) => p.chamado }),
    attached: f.exposeInt('attached', { description: 'Events newly put on the timeline (already attached ones are skipped).' }),
    timelineCount: f.exposeInt('timelineCount', { description: 'Timeline entries after attaching.' }),
  }),
});

const VERSION_DESCRIPTION = 'Fail with VersionConflictError unless the chamado is at this version.';

builder.mutationFields((t) => ({
  claimChamado: t.field({
    type: ChamadoRef,
    description: 'Assumir: become the assignee. Held by someone else → ClaimConflictError, unless an ops_lead/admin sets override.',
    authScopes: { role: 'ops' },
    errors: { types: [...CHAMADO_MUTATION_ERRORS, ClaimConflictError, ForbiddenActionError, InvalidTransitionError] },
    args: {
      publicId: t.arg.string(),
      nota: t.arg.string({ required: false }),
      override: t.arg.boolean({ required: false, defaultValue: false }),
      expectedVersion: t.arg.int({ required: false, description: VERSION_DESCRIPTION }),
    },
    resolve: async (_, args, ctx) => {
      const chamado = await claimChamado(ctx.em, requireViewer(ctx), args);
      return freshChamado(ctx, chamado.id);
    },
  }),
  changeChamadoStatus: t.field({
    type: ChamadoRef,
    description: 'Moves the chamado along its lifecycle; an illegal move is an InvalidTransitionError listing what is allowed.',
    authScopes: { role: 'ops' },
    errors: { types: [...CHAMADO_MUTATION_ERRORS, InvalidTransitionError] },
    args: {
      publicId: t.arg.string(),
      status: t.arg({ type: ChamadoStatusEnum }),
      nota: t.arg.string({ required: false }),
      expectedVersion: t.arg.int({ required: false, description: VERSION_DESCRIPTION }),
    },
    resolve: async (_, args, ctx) => {
      const chamado = await changeChamadoStatus(ctx.em, requireViewer(ctx), args);
      return freshChamado(ctx, chamado.id);
    },
  }),
  addChamadoNote: t.field({
    type: NotePayload,
    authScopes: { role: 'ops' },
    errors: { types: CHAMADO_MUTATION_ERRORS },
    args: {
      publicId: t.arg.string(),
      texto: t.arg.string(),
      expectedVersion: t.arg.int({ required: false, description: VERSION_DESCRIPTION }),
    },
    resolve: async (_, args, ctx) => {
      const { chamado, entry } = await addChamadoNote(ctx.em, requireViewer(ctx), args);
      const row = await freshChamado(ctx, chamado.id);
      return { chamado: row, entry: (await ctx.loaders.timelineEntry.load(entry.id))! };
    },
  }),
  attachEventsToChamado: t.field({
    type: AttachPayload,
    description: 'Anexar eventos: puts received events on the timeline. Idempotent per event.',
    authScopes: { role: 'ops' },
    errors: { types: [...CHAMADO_MUTATION_ERRORS, UnknownReferenceError] },
    args: {
      publicId: t.arg.string(),
      eventIds: t.arg.intList(),
      expectedVersion: t.arg.int({ required: false, description: VERSION_DESCRIPTION }),
    },
    resolve: async (_, args, ctx) => {
      const result = await attachEvents(ctx.em, requireViewer(ctx), args);
      return { ...result, chamado: await freshChamado(ctx, result.chamado.id) };
    },
  }),
  createChamado: t.field({
    type: ChamadoRef,
    description: 'Opens a chamado by hand (origin manual or support).',
    authScopes: { role: 'ops' },
    errors: { types: CHAMADO_MUTATION_ERRORS },
    args: {
      input: t.arg({
        type: builder.inputType('CreateChamadoInput', {
          fields: (f) => ({
            title: f.string(),
            description: f.string({ required: false }),
            domain: f.string({ required: false }),
            sessionId: f.string({ required: false }),
            severity: f.int({ required: false, description: '0–15.' }),
            origin: f.field({ type: ChamadoOriginEnum, required: false, defaultValue: 'manual', description: 'manual or support.' }),
            legacyTicketId: f.int({ required: false }),
          }),
        }),
      }),
    },
    resolve: async (_, { input }, ctx) => {
      const chamado = await createChamado(ctx.em, requireViewer(ctx), input as Parameters<typeof createChamado>[2]);
      return freshChamado(ctx, chamado.id);
    },
  }),
}));
