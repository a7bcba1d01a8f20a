import { builder } from '../src/builder.ts';
import { requireViewer } from '../src/context.ts';
import { AlreadyExistsError, NotFoundError, ValidationError } from '../src/errors.ts';
import { registerEnvironment, registerInstallation, registerResource, updateResource } from '../src/services/discovery/commands.ts';
import { retireEnvironment, retireInstallation, retireResource, type Retirement } from '../src/services/discovery/retire.ts';
import { HISTORY_DAYS, MONITOR_INTERVAL_MINUTES, updateDiscoveryConfig } from '../src/services/discovery/config.ts';
import {
  DiscoveredResourceRef,
  DiscoveryConfigRef,
  DiscoveryEnvironmentRef,
  DiscoveryInstallationRef,
  HealthStatusEnum,
  ResourceCategoryEnum,
} from './discovery.ts';
import { DiscoveryProbeKindEnum } from './discovery-health.ts';
import { ErrorInterface } from './errors.ts';

/* Admin changes to the discovery inventory and the monitor settings; the rules live in src/services/discovery/. */

builder.objectType(AlreadyExistsError, {
  name: 'AlreadyExistsError',
  description: 'Something with that key already exists (code ALREADY_EXISTS).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    resource: t.exposeString('resource', { description: 'What kind of thing (discovery installation, discovery environment, discovered resource).' }),
    key: t.exposeString('key', { description: 'The key that is taken (TOTVS id, `totvsId/name`, `host:port`).' }),
  }),
});

const RetirementRef = builder.objectRef<Retirement>('DiscoveryRetirement').implement({
  description: 'Something of the inventory was retired: hidden from every read from now on, kept for history.',
  fields: (t) => ({
    retiredAt: t.expose('retiredAt', { type: 'DateTime', description: 'When it was retired.' }),
    resourcesRetired: t.exposeInt('resourcesRetired', { description: 'Resources retired with it (those under a retired environment or installation included).' }),
  }),
});

const InstallationInput = builder.inputType('RegisterDiscoveryInstallationInput', {
  description: 'A License installation to register. Registering a retired TOTVS id brings it back with these values.',
  fields: (t) => ({
    totvsId: t.string({ description: 'Its TOTVS id (unique).' }),
    name: t.string({ required: false, description: 'Its name.' }),
    alias: t.string({ required: false, description: 'Its alias.' }),
    receive: t.string({ required: false, description: 'For internal control (spec 003); empty when omitted.' }),
  }),
});

const InfoItemInput = builder.inputType('DiscoveryInfoItemInput', {
  description: 'One evaluated item.',
  fields: (t) => ({
    code: t.string({ description: 'Key of the item, e.g. `cpu` (1–100 characters).' }),
    title: t.string({ description: 'Short title (up to 200 characters).' }),
    detail: t.string({ required: false, description: 'More words (up to 2000 characters).' }),
    value: t.string({ required: false, description: 'Its value as text (up to 2000 characters).' }),
  }),
});

const HealthItemInput = builder.inputType('DiscoveryHealthItemInput', {
  description: 'One health finding.',
  fields: (t) => ({
    type: t.field({ type: HealthStatusEnum, description: 'How bad it is.' }),
    message: t.string({ description: 'Short message (up to 500 characters).' }),
    detail: t.string({ required: false, description: 'More words (up to 2000 characters).' }),
    helpUrl: t.string({ required: false, description: 'A help page (a URL).' }),
  }),
});

/** The resource fields, required as `required` says (registering) or all optional (editing). */
type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
function resourceFields<Required extends boolean>(required: Required) {
  return (t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) => ({
    totvsId: t.string({ required, description: 'Its installation’s TOTVS id (must exist). When editing, moves it together with `environment`.' }),
    environment: t.string({ required, description: 'Its environment’s name (must exist in that installation).' }),
    host: t.string({ required, description: 'IP address or DNS name (up to 253 characters).' }),
    port: t.int({ required: false, description: 'Port, 1–65535; null for a whole machine.' }),
    category: t.field({ type: ResourceCategoryEnum, required, description: 'What it is.' }),
    description: t.string({ required: false, description: 'What it is, for people (up to 500 characters).' }),
    agent: t.string({ required: false, description: 'The Wazuh agent on the same machine.' }),
    dependsOn: t.string({ required: false, description: 'Public id of the resource it depends on, in the same installation; no cycles. When editing, null clears it.' }),
    info: t.field({ type: [InfoItemInput], required: false, description: 'Evaluated items (at most 100).' }),
    health: t.field({ type: [HealthItemInput], required: false, description: 'Health findings (at most 100).' }),
    status: t.field({ type: HealthStatusEnum, required: false, description: 'Its status; when omitted, the worst finding’s (`success` when none).' }),
    monitored: t.boolean({ required: false, description: 'Whether the monitor checks it; true when omitted at registration. When editing, null keeps it.' }),
    probe: t.field({
      type: DiscoveryProbeKindEnum,
      required: false,
      description: 'How the monitor probes it; null (or omitted at registration): by its port, from the well-known port table.',
    }),
    httpPath: t.string({
      required: false,
      description: 'Path of the http/https probe’s GET: starts with `/`, no spaces, up to 500 characters; `/` when omitted at registration. When editing, null resets it to `/`.',
    }),
  });
}

const ResourceInput = builder.inputType('RegisterDiscoveredResourceInput', {
  description: 'A resource to register in an existing installation and environment.',
  fields: resourceFields(true),
});

const ResourceChangeInput = builder.inputType('UpdateDiscoveredResourceInput', {
  description:
    'What to change on a resource: only the fields given; null clears port, agent, dependsOn and probe. Changing host, port, probe or httpPath makes it due at the next monitor tick and restarts its failure and pass counts (its status stays until checks of the new target move it).',
  fields: resourceFields(false),
});

const ConfigInput = builder.inputType('UpdateDiscoveryConfigInput', {
  description: 'The settings to change; the others keep their values (null keeps them too). Rules tying two settings are checked on the result.',
  fields: (t) => ({
    monitorActive: t.boolean({ required: false, description: 'Whether the monitor checks the resources.' }),
    historyDays: t.int({ required: false, description: `Days of history to keep, ${HISTORY_DAYS.min}–${HISTORY_DAYS.max}.` }),
    monitorInterval: t.int({ required: false, description: `Minutes between cycles, ${MONITOR_INTERVAL_MINUTES.min}–${MONITOR_INTERVAL_MINUTES.max}.` }),
    sendDataTOTVS: t.boolean({ required: false, description: 'Whether monitored data is sent to TOTVS.' }),
    failuresBeforeDanger: t.int({ required: false, description: 'Consecutive failed checks that make a resource danger (down), 1–20.' }),
    passesBeforeSuccess: t.int({ required: false, description: 'Consecutive passed checks that end an outage, 1–20.' }),
    retryInterval: t.int({
      required: false,
      description: `Minutes between checks of a failing or recovering resource, ${MONITOR_INTERVAL_MINUTES.min}–${MONITOR_INTERVAL_MINUTES.max} and at most monitorInterval.`,
    }),
    probeTimeoutMs: t.int({ required: false, description: 'Timeout of each probe step in milliseconds, 100–60000.' }),
    probeConcurrency: t.int({ required: false, description: 'Probes running at once, 1–1024.' }),
    tlsWarningDays: t.int({ required: false, description: 'Certificate days left below which it is a warning, 0–365.' }),
    tlsDangerDays: t.int({ required: false, description: 'Certificate days left below which it is a danger, 0–365 and at most tlsWarningDays.' }),
    slowMs: t.int({ required: false, description: 'A connect or HTTP answer this slow (milliseconds) is a warning, 1–60000.' }),
    allowedNetworks: t.stringList({
      required: false,
      description: 'Replaces the networks besides loopback that probes may reach: IP addresses or CIDR networks (e.g. 10.20.0.0/16), at most 100 of up to 64 characters; [] for loopback only.',
    }),
  }),
});

const ADMIN = { role: 'admin' } as const;
const NOT_FOUND_OR_INVALID = [NotFoundError, ValidationError];

builder.mutationFields((t) => ({
  registerDiscoveryInstallation: t.field({
    type: DiscoveryInstallationRef,
    authScopes: ADMIN,
    description: 'Registers a License installation. Admins.',
    errors: { types: [AlreadyExistsError, ValidationError] },
    args: { input: t.arg({ type: InstallationInput, description: 'The installation.' }) },
    resolve: (_, { input }, ctx) => registerInstallation(ctx.em, input),
  }),
  registerDiscoveryEnvironment: t.field({
    type: DiscoveryEnvironmentRef,
    authScopes: ADMIN,
    description: 'Registers an environment in an existing installation. Admins.',
    errors: { types: [AlreadyExistsError, ...NOT_FOUND_OR_INVALID] },
    args: {
      totvsId: t.arg.string({ description: 'The installation’s TOTVS id.' }),
      name: t.arg.string({ description: 'The environment’s name (1–100 characters), unique in the installation.' }),
    },
    resolve: (_, { totvsId, name }, ctx) => registerEnvironment(ctx.em, totvsId, name),
  }),
  registerDiscoveredResource: t.field({
    type: DiscoveredResourceRef,
    authScopes: ADMIN,
    description: 'Registers a resource; its installation and environment must exist. The same host and port twice in one environment is refused. Admins.',
    errors: { types: [AlreadyExistsError, ...NOT_FOUND_OR_INVALID] },
    args: { input: t.arg({ type: ResourceInput, description: 'The resource.' }) },
    resolve: (_, { input }, ctx) => registerResource(ctx.em, requireViewer(ctx), input),
  }),
  updateDiscoveredResource: t.field({
    type: DiscoveredResourceRef,
    authScopes: ADMIN,
    description:
      'Edits a resource. New health findings without a status re-derive it. A new host, port, probe or httpPath makes it due now and restarts its streaks, keeping its status. Admins.',
    errors: { types: [AlreadyExistsError, ...NOT_FOUND_OR_INVALID] },
    args: {
      resourceId: t.arg.string({ description: 'The resource’s public id.' }),
      input: t.arg({ type: ResourceChangeInput, description: 'What to change.' }),
    },
    resolve: (_, { resourceId, input }, ctx) => updateResource(ctx.em, resourceId, input),
  }),
  retireDiscoveredResource: t.field({
    type: RetirementRef,
    authScopes: ADMIN,
    description: 'Retires a resource: hidden from every read, kept for history. Resources depending on it lose their `dependsOn`. Admins.',
    errors: { types: [NotFoundError] },
    args: { resourceId: t.arg.string({ description: 'The resource’s public id.' }) },
    resolve: (_, { resourceId }, ctx) => retireResource(ctx.em, resourceId),
  }),
  retireDiscoveryEnvironment: t.field({
    type: RetirementRef,
    authScopes: ADMIN,
    description: 'Retires an environment and its resources. Registering the name again brings the environment back, empty. Admins.',
    errors: { types: [NotFoundError] },
    args: {
      totvsId: t.arg.string({ description: 'The installation’s TOTVS id.' }),
      name: t.arg.string({ description: 'The environment’s name.' }),
    },
    resolve: (_, { totvsId, name }, ctx) => retireEnvironment(ctx.em, totvsId, name),
  }),
  retireDiscoveryInstallation: t.field({
    type: RetirementRef,
    authScopes: ADMIN,
    description: 'Retires an installation with its environments and resources. Registering the TOTVS id again brings it back, empty. Admins.',
    errors: { types: [NotFoundError] },
    args: { totvsId: t.arg.string({ description: 'The installation’s TOTVS id.' }) },
    resolve: (_, { totvsId }, ctx) => retireInstallation(ctx.em, totvsId),
  }),
  updateDiscoveryConfig: t.field({
    type: DiscoveryConfigRef,
    authScopes: ADMIN,
    description: 'Changes the monitor settings given and answers the stored settings. Admins.',
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: ConfigInput, description: 'The settings to change.' }) },
    resolve: (_, { input }, ctx) => updateDiscoveryConfig(ctx.em, requireViewer(ctx), input),
  }),
}));
