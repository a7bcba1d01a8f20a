import { builder } from '../src/builder.ts';
import { requireViewer } from '../src/context.ts';
import { NotFoundError, ValidationError } from '../src/errors.ts';
import {
  MAX_LISTED_WINDOWS,
  MAX_WINDOW_DAYS,
  cancelMaintenance,
  isActive,
  listMaintenanceWindows,
  scheduleMaintenance,
  type MaintenanceWindowRow,
} from '../src/services/discovery/maintenance.ts';
import { DiscoveredResourceRef, DiscoveryEnvironmentRef } from './discovery.ts';
import { UserRef } from './users.ts';

/* Maintenance windows: planned work whose outages are recorded but open no chamado (src/services/discovery/maintenance.ts). */

const MaintenanceWindowRef = builder.objectRef<MaintenanceWindowRow>('MaintenanceWindow').implement({
  description: 'Planned work on a resource or a whole environment: while it runs, their status changes are recorded but open no chamado.',
  fields: (t) => ({
    windowId: t.exposeString('uuid', { description: 'Its public id (a UUID): pass it to cancelDiscoveryMaintenance.' }),
    resource: t.field({
      type: DiscoveredResourceRef,
      nullable: true,
      description: 'The resource it covers; null for a whole environment’s window (or once the resource is retired).',
      resolve: (w, _, ctx) => (w.resourceId ? ctx.loaders.discoveredResource.load(w.resourceId) : null),
    }),
    environment: t.field({
      type: DiscoveryEnvironmentRef,
      nullable: true,
      description: 'The environment it covers as a whole; null for a single resource’s window (or once the environment is retired).',
      resolve: (w, _, ctx) => (w.environmentId ? ctx.loaders.discoveryEnvironment.load(w.environmentId) : null),
    }),
    startsAt: t.expose('startsAt', { type: 'DateTime', description: 'When it starts.' }),
    endsAt: t.expose('endsAt', { type: 'DateTime', description: 'When it ends.' }),
    reason: t.exposeString('reason', { description: 'Why: the planned work.' }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who scheduled it.',
      resolve: (w, _, ctx) => (w.createdById ? ctx.loaders.user.load(w.createdById) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was scheduled.' }),
    cancelledAt: t.expose('cancelledAt', { type: 'DateTime', nullable: true, description: 'When it was cancelled; null unless it was.' }),
    cancelledBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who cancelled it; null unless it was.',
      resolve: (w, _, ctx) => (w.cancelledById ? ctx.loaders.user.load(w.cancelledById) : null),
    }),
    active: t.boolean({ description: 'Whether it runs now: started, not ended, not cancelled.', resolve: (w) => isActive(w, new Date()) }),
  }),
});

builder.objectFields(DiscoveredResourceRef, (t) => ({
  maintenanceWindows: t.field({
    type: [MaintenanceWindowRef],
    description: 'The maintenance windows covering it (its own and its environment’s), earliest start first: running and upcoming ones, or all with `includeEnded`.',
    args: { includeEnded: t.arg.boolean({ defaultValue: false, description: 'Also ended and cancelled windows.' }) },
    resolve: (r, { includeEnded }, ctx) => ctx.loaders.discoveryMaintenanceOfResources(includeEnded).load(r.id),
  }),
  inMaintenance: t.boolean({
    description: 'Whether a maintenance window (its own or its environment’s) runs now: its status changes open no chamado.',
    resolve: async (r, _, ctx) => {
      const now = new Date();
      return (await ctx.loaders.discoveryMaintenanceOfResources(false).load(r.id)).some((w) => isActive(w, now));
    },
  }),
}));

builder.objectFields(DiscoveryEnvironmentRef, (t) => ({
  maintenanceWindows: t.field({
    type: [MaintenanceWindowRef],
    description: 'The maintenance windows on the whole environment (a resource’s own are on the resource), earliest start first: running and upcoming ones, or all with `includeEnded`.',
    args: { includeEnded: t.arg.boolean({ defaultValue: false, description: 'Also ended and cancelled windows.' }) },
    resolve: (e, { includeEnded }, ctx) => ctx.loaders.discoveryMaintenanceOfEnvironments(includeEnded).load(e.id),
  }),
}));

builder.queryFields((t) => ({
  discoveryMaintenanceWindows: t.field({
    type: [MaintenanceWindowRef],
    authScopes: { authenticated: true },
    description: `Maintenance windows of live resources and environments, earliest start first (at most ${MAX_LISTED_WINDOWS}). Signed-in users.`,
    args: {
      activeOnly: t.arg.boolean({ defaultValue: true, description: 'true: only those running now; false: running and upcoming ones.' }),
      totvsId: t.arg.string({ required: false, description: 'Only this installation’s.' }),
    },
    resolve: (_, { activeOnly, totvsId }, ctx) => listMaintenanceWindows(ctx.em, { activeOnly, totvsId }, new Date()),
  }),
}));

const ScheduleInput = builder.inputType('ScheduleDiscoveryMaintenanceInput', {
  description: 'A maintenance window: on one resource (`resourceId`) or a whole environment (`totvsId` with `environment`), never both.',
  fields: (t) => ({
    resourceId: t.string({ required: false, description: 'Public id of the resource it covers.' }),
    totvsId: t.string({ required: false, description: 'TOTVS id of the installation whose environment it covers (with `environment`).' }),
    environment: t.string({ required: false, description: 'Name of the environment it covers (with `totvsId`).' }),
    startsAt: t.field({ type: 'DateTime', required: false, description: 'When it starts; now when omitted.' }),
    endsAt: t.field({ type: 'DateTime', description: `When it ends: after startsAt, in the future, at most ${MAX_WINDOW_DAYS} days after startsAt.` }),
    reason: t.string({ description: 'Why: the planned work (1–500 characters).' }),
  }),
});

const OPS_LEAD = { role: 'ops_lead' } as const;

builder.mutationFields((t) => ({
  scheduleDiscoveryMaintenance: t.field({
    type: MaintenanceWindowRef,
    authScopes: OPS_LEAD,
    description: 'Schedules a maintenance window: while it runs, status changes of what it covers are recorded but open no chamado (recoveries still resolve theirs). Ops leads and admins.',
    errors: { types: [NotFoundError, ValidationError] },
    args: { input: t.arg({ type: ScheduleInput, description: 'The window.' }) },
    resolve: (_, { input }, ctx) => scheduleMaintenance(ctx.em, requireViewer(ctx), input),
  }),
  cancelDiscoveryMaintenance: t.field({
    type: MaintenanceWindowRef,
    authScopes: OPS_LEAD,
    description: 'Cancels a running or upcoming maintenance window; an ended or already cancelled one is a ValidationError. Ops leads and admins.',
    errors: { types: [NotFoundError, ValidationError] },
    args: { windowId: t.arg.string({ description: 'The window’s public id.' }) },
    resolve: (_, { windowId }, ctx) => cancelMaintenance(ctx.em, requireViewer(ctx), windowId),
  }),
}));
