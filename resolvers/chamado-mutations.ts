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
  description: 'A note was added.',
  fields: (f) => ({
    chamado: f.field({ type: ChamadoRef, description: 'The chamado after the note (new version).', resolve: (p) => p.chamado }),
    entry: f.field({ type: TimelineEntryRef, description: 'The note’s timeline entry.', resolve: (p) => p.entry }),
  }),
});

const AttachPayload = builder.objectRef<{ chamado: ChamadoRow; attached: number; timelineCount: number }>('AttachEventsPayload').implement({
  description: 'Events were attached (anexar eventos).',
  fields: (f) => ({
    chamado: f.field({ type: ChamadoRef, description: 'The chamado after attaching.', resolve: (p) => p.chamado }),
    attached: f.exposeInt('attached', { description: 'Events newly put on the timeline (already attached ones are skipped).' }),
    timelineCount: f.exposeInt('timelineCount', { description: 'Timeline entries after attaching.' }),
  }),
});

const VERSION_DESCRIPTION = 'Fail with VersionConflictError unless the chamado is at this version.';
const PUBLIC_ID_DESCRIPTION = 'The chamado, CH-<year>-<5 digits>.';
const NOTA_DESCRIPTION = 'Optional note (nota) recorded with the change on the timeline.';

builder.mutationFields((t) => ({
  claimChamado: t.field({
    type: ChamadoRef,
    description: 'Assumir: become the assignee. Held by someone else → ClaimConflictError, unless an ops_lead/admin sets override. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: [...CHAMADO_MUTATION_ERRORS, ClaimConflictError, ForbiddenActionError, InvalidTransitionError] },
    args: {
      publicId: t.arg.string({ description: PUBLIC_ID_DESCRIPTION }),
      nota: t.arg.string({ required: false, description: NOTA_DESCRIPTION }),
      override: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: 'Take it over from its current assignee (ops_lead/admin only; others get ForbiddenActionError).',
      }),
      expectedVersion: t.arg.int({ required: false, description: VERSION_DESCRIPTION }),
    },
    resolve: async (_, args, ctx) => {
      const chamado = await claimChamado(ctx.em, requireViewer(ctx), args);
      return freshChamado(ctx, chamado);
    },
  }),
  changeChamadoStatus: t.field({
    type: ChamadoRef,
    description:
      'Moves the chamado along its lifecycle; an illegal move is an InvalidTransitionError listing what is allowed. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: [...CHAMADO_MUTATION_ERRORS, InvalidTransitionError] },
    args: {
      publicId: t.arg.string({ description: PUBLIC_ID_DESCRIPTION }),
      status: t.arg({ type: ChamadoStatusEnum, description: 'The status to move to (see allowedTransitions).' }),
      nota: t.arg.string({ required: false, description: NOTA_DESCRIPTION }),
      expectedVersion: t.arg.int({ required: false, description: VERSION_DESCRIPTION }),
    },
    resolve: async (_, args, ctx) => {
      const chamado = await changeChamadoStatus(ctx.em, requireViewer(ctx), args);
      return freshChamado(ctx, chamado);
    },
  }),
  addChamadoNote: t.field({
    type: NotePayload,
    description: 'Adds an investigation note (nota) to the timeline. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: CHAMADO_MUTATION_ERRORS },
    args: {
      publicId: t.arg.string({ description: PUBLIC_ID_DESCRIPTION }),
      texto: t.arg.string({ description: 'The note text (texto).' }),
      expectedVersion: t.arg.int({ required: false, description: VERSION_DESCRIPTION }),
    },
    resolve: async (_, args, ctx) => {
      const { chamado, entry } = await addChamadoNote(ctx.em, requireViewer(ctx), args);
      const row = await freshChamado(ctx, chamado);
      return { chamado: row, entry: (await ctx.loaders.timelineEntry.load(entry.id))! };
    },
  }),
  attachEventsToChamado: t.field({
    type: AttachPayload,
    description: 'Anexar eventos: puts received events on the timeline. Idempotent per event. Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: [...CHAMADO_MUTATION_ERRORS, UnknownReferenceError] },
    args: {
      publicId: t.arg.string({ description: PUBLIC_ID_DESCRIPTION }),
      eventIds: t.arg.intList({ description: 'Numeric event ids (Event.eventId); unknown ones → UnknownReferenceError.' }),
      expectedVersion: t.arg.int({ required: false, description: VERSION_DESCRIPTION }),
    },
    resolve: async (_, args, ctx) => {
      const result = await attachEvents(ctx.em, requireViewer(ctx), args);
      return { ...result, chamado: await freshChamado(ctx, result.chamado) };
    },
  }),
  createChamado: t.field({
    type: ChamadoRef,
    description: 'Opens a chamado by hand (origin manual or support). Role ops or above.',
    authScopes: { role: 'ops' },
    errors: { types: CHAMADO_MUTATION_ERRORS },
    args: {
      input: t.arg({
        type: builder.inputType('CreateChamadoInput', {
          description: 'A chamado opened by hand.',
          fields: (f) => ({
            title: f.string({ description: 'One-line subject.' }),
            description: f.string({ required: false, description: 'Longer free text.' }),
            domain: f.string({ required: false, description: 'Customer domain it concerns.' }),
            sessionId: f.string({ required: false, description: 'Onboarding portal session id, if it concerns one.' }),
            severity: f.int({ required: false, description: '0–15.' }),
            origin: f.field({ type: ChamadoOriginEnum, required: false, defaultValue: 'manual', description: 'manual or support.' }),
            legacyTicketId: f.int({ required: false, description: 'Its ticket number in the legacy desk, if any.' }),
          }),
        }),
        description: 'What to open.',
      }),
    },
    resolve: async (_, { input }, ctx) => {
      const chamado = await createChamado(ctx.em, requireViewer(ctx), input as Parameters<typeof createChamado>[2]);
      return freshChamado(ctx, chamado);
    },
  }),
}));
