import { SUPPRESSIONS } from '../entities/discovery-monitor.entity.ts';
import { builder } from '../src/builder.ts';
import { loadAll } from '../src/loaders.ts';
import { listHealthChanges, type CheckRow, type HealthChangeRow } from '../src/services/discovery/history-reads.ts';
import { defaultProbeKind } from '../src/services/discovery/probes/port-table.ts';
import { FAILURE_REASONS, PROBE_KINDS, type CheckResult, type FailureReason } from '../src/services/discovery/probes/types.ts';
import { describedValues } from './described.ts';
import { DiscoveredResourceRef, HealthStatusEnum } from './discovery.ts';
import { EventRef } from './events.ts';
import { badInput, CLIENT_PAGE_MAX, connectionOf, DEFAULT_PAGE, MAX_PAGE, pageOf } from './pagination.ts';

/*
 * What the discovery monitor knows of each resource (probe settings, streaks, the latest probe, its
 * check history and status changes) and the status changes across the inventory. The lists under
 * a resource go through DataLoaders, so a page of resources costs the same statements whatever
 * its size.
 */

export const DiscoveryProbeKindEnum = builder.enumType('DiscoveryProbeKind', {
  description: 'How the monitor probes a resource (every probe first resolves the host).',
  values: describedValues(PROBE_KINDS, {
    tcp: 'Connects (a TCP handshake) and hangs up; for a resource without a port, name resolution alone.',
    tls: 'Connects and completes a TLS handshake; reads the certificate’s expiry.',
    http: 'Connects and sends a GET of `httpPath`; an answer 200–399 passes.',
    https: 'Like http over TLS; reads the certificate’s expiry too.',
  }),
});

const FailureReasonEnum = builder.enumType('DiscoveryFailureReason', {
  description: 'Why a probe (or one of its checks) failed.',
  values: describedValues(FAILURE_REASONS, {
    dns: 'The name does not resolve.',
    refused: 'Nothing listens on the port (connection refused).',
    timeout: 'No answer within the probe timeout (connect, handshake or HTTP answer).',
    unreachable: 'No route to the host.',
    reset: 'The peer closed or reset the connection during the check.',
    tls_handshake: 'The TLS handshake failed (the port does not speak TLS to us).',
    tls_expired: 'The certificate has expired (or is not valid yet).',
    http_status: 'The HTTP answer was outside 200–399.',
    error: 'Anything else; the detail says what.',
  }),
});

const SuppressionEnum = builder.enumType('DiscoverySuppression', {
  description: 'Why a status change opened no chamado.',
  values: describedValues(SUPPRESSIONS, {
    dependency: 'A resource it depends on (directly or up the chain) is down: that one’s chamado explains it.',
    maintenance: 'A maintenance window on it or on its environment was running.',
  }),
});

// A Record keyed by the probe contract's union: a check kind added there must be described here.
const CHECK_STEPS: Record<CheckResult['check'], string> = {
  dns: 'Name resolution (the value is the address found).',
  tcp: 'The TCP connect (the duration is the connect time).',
  tls: 'The TLS handshake (the value is the certificate’s days left).',
  http: 'The HTTP GET (the value is the status; the duration is the time to the answer’s headers).',
};
const CheckStepEnum = builder.enumType('DiscoveryCheckStep', {
  description: 'One step of a probe, in the order they run.',
  values: describedValues(Object.keys(CHECK_STEPS) as CheckResult['check'][], CHECK_STEPS),
});

/** Reasons are stored as text; one the schema does not know (an older or newer monitor) reads as `error` rather than failing the query. */
function reasonOf(value: string | null): FailureReason | null {
  if (value === null) return null;
  return (FAILURE_REASONS as readonly string[]).includes(value) ? (value as FailureReason) : 'error';
}

const DAY_MS = 86_400_000;

const CheckResultRef = builder.objectRef<CheckResult>('DiscoveryCheckResult').implement({
  description: 'One step of a probe and what it measured.',
  fields: (t) => ({
    check: t.expose('check', { type: CheckStepEnum, description: 'Which step.' }),
    ok: t.exposeBoolean('ok', { description: 'Whether it passed.' }),
    durationMs: t.exposeFloat('durationMs', { nullable: true, description: 'How long it took, in milliseconds (to the microsecond); null when it never ran to an end.' }),
    reason: t.field({ type: FailureReasonEnum, nullable: true, description: 'Why it failed; null when it passed.', resolve: (c) => reasonOf(c.reason) }),
    value: t.string({
      nullable: true,
      description: 'What it measured, as text: the address (dns), days left on the certificate (tls), the HTTP status (http).',
      resolve: (c) => (c.value == null ? null : String(c.value)),
    }),
    detail: t.exposeString('detail', { nullable: true, description: 'Details for people: the error, the certificate’s subject and trust, the status text.' }),
  }),
});

const DiscoveryCheckRef = builder.objectRef<CheckRow>('DiscoveryCheck').implement({
  description: 'One probe of a resource by the monitor, as recorded in its history (kept `historyDays`).',
  fields: (t) => ({
    checkedAt: t.expose('checkedAt', { type: 'DateTime', description: 'When it was probed.' }),
    allowed: t.exposeBoolean('allowed', { description: 'Whether it was probed: not when the host is outside the allowed networks (a skip, not a failure).' }),
    ok: t.exposeBoolean('ok', { description: 'Whether every step passed.' }),
    reason: t.field({ type: FailureReasonEnum, nullable: true, description: 'The first failing step’s reason; null when it passed.', resolve: (c) => reasonOf(c.reason) }),
    durationMs: t.exposeInt('durationMs', { description: 'Wall time of the whole probe, in milliseconds.' }),
    status: t.expose('status', { type: HealthStatusEnum, description: 'The resource’s status after this check was judged.' }),
    checks: t.field({ type: [CheckResultRef], description: 'Each step of the probe.', resolve: (c) => c.checks }),
  }),
});

const DiscoveryCheckConnection = builder.connectionObject(
  { type: DiscoveryCheckRef, name: 'DiscoveryCheckConnection', description: 'A page of a resource’s check history, newest first.' },
  { name: 'DiscoveryCheckConnectionEdge' },
);

export const ResourceHealthChangeRef = builder.objectRef<HealthChangeRow>('ResourceHealthChange');

builder.node(ResourceHealthChangeRef, {
  description: 'A discovered resource changing status, as the monitor judged it; each becomes a `discovery` event.',
  id: { resolve: (c) => c.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.resourceHealthChange, ids.map(Number)),
  authScopes: { authenticated: true },
  fields: (t) => ({
    changeId: t.exposeString('uuid', { description: 'Its public id (a UUID); the `discovery` event’s provider event id.' }),
    resource: t.field({
      type: DiscoveredResourceRef,
      description: 'The resource that changed.',
      resolve: async (c, _, ctx) => {
        const resource = await ctx.loaders.discoveredResource.load(c.resourceId);
        // The reads only return changes of live resources; one retired in between is a race, not a client error.
        if (!resource) throw new Error('the resource of a status change was retired meanwhile');
        return resource;
      },
    }),
    fromStatus: t.expose('fromStatus', { type: HealthStatusEnum, description: 'Its status before.' }),
    toStatus: t.expose('toStatus', { type: HealthStatusEnum, description: 'Its status after.' }),
    reason: t.field({
      type: FailureReasonEnum,
      nullable: true,
      description: 'Why checks failed, when it went down (danger after consecutive failures); null otherwise.',
      resolve: (c) => reasonOf(c.reason),
    }),
    detail: t.exposeString('detail', { description: 'What the new status says (the failure, the findings, “Back up after 2 consecutive passes” …).' }),
    suppressedBy: t.field({
      type: SuppressionEnum,
      nullable: true,
      description: 'Why it opened no chamado; null when it could (a recovery is never suppressed).',
      resolve: (c) => c.suppressedBy,
    }),
    suppressionDetail: t.exposeString('suppressionDetail', { nullable: true, description: 'Which parent is down, or which maintenance window runs.' }),
    changedAt: t.expose('changedAt', { type: 'DateTime', description: 'When the check that changed it ran.' }),
    event: t.field({
      type: EventRef,
      nullable: true,
      description: 'The `discovery` event it became; null until ingestion stored it (the monitor retries for a day).',
      resolve: (c, _, ctx) => (c.eventId ? ctx.loaders.event.load(c.eventId) : null),
    }),
  }),
});

/** Lists under a resource default to a short page: they are read per resource of a list. */
const NESTED_PAGE = 20;

builder.objectFields(DiscoveredResourceRef, (t) => ({
  monitored: t.exposeBoolean('monitored', { description: 'Whether the monitor checks it.' }),
  probe: t.expose('probe', {
    type: DiscoveryProbeKindEnum,
    nullable: true,
    description: 'How it is probed as set; null: by its port (see effectiveProbe).',
  }),
  effectiveProbe: t.field({
    type: DiscoveryProbeKindEnum,
    description: 'How the monitor probes it: `probe`, else the well-known port table’s kind (tcp for unknown ports and for a resource without a port).',
    resolve: (r) => r.probe ?? defaultProbeKind(r.port),
  }),
  httpPath: t.exposeString('httpPath', { description: 'Path of the http/https probe’s GET.' }),
  down: t.exposeBoolean('down', {
    description: 'In an outage: from failuresBeforeDanger consecutive failed checks until passesBeforeSuccess consecutive passes.',
  }),
  consecutiveFailures: t.exposeInt('failStreak', { description: 'Failed checks in a row (0 after a pass).' }),
  consecutivePasses: t.exposeInt('passStreak', { description: 'Passed checks in a row (0 after a failure).' }),
  lastCheckedAt: t.expose('lastCheckedAt', { type: 'DateTime', nullable: true, description: 'When the monitor last probed it; null: never.' }),
  nextCheckAt: t.expose('nextCheckAt', {
    type: 'DateTime',
    nullable: true,
    description: 'When the monitor may check it next (sooner while it fails); null: at the next tick.',
  }),
  lastSuccess: t.exposeBoolean('lastSuccess', { nullable: true, description: 'Whether the latest probe passed; null: never probed, or not allowed.' }),
  lastReason: t.field({
    type: FailureReasonEnum,
    nullable: true,
    description: 'Why the latest probe failed; null when it passed.',
    resolve: (r) => reasonOf(r.lastReason),
  }),
  lastDurationMs: t.exposeInt('lastDurationMs', { nullable: true, description: 'Wall time of the latest probe, in milliseconds.' }),
  certExpiresAt: t.expose('certExpiresAt', {
    type: 'DateTime',
    nullable: true,
    description: 'When its TLS certificate expires, as the latest handshake that reached it saw; null: never seen.',
  }),
  certDaysLeft: t.int({
    nullable: true,
    description: 'Whole days until certExpiresAt (negative once expired); null without a certificate.',
    resolve: (r) => (r.certExpiresAt ? Math.floor((new Date(r.certExpiresAt).getTime() - Date.now()) / DAY_MS) : null),
  }),
  statusChangedAt: t.expose('statusChangedAt', { type: 'DateTime', nullable: true, description: 'When its status last changed by a check; null: never.' }),
  lastChecks: t.field({
    type: [CheckResultRef],
    description: 'Each step of the latest probe; empty before the first.',
    // A row created through the entity's property default holds the JSON string "[]", not an array: never probed either way.
    resolve: (r) => (Array.isArray(r.lastChecks) ? r.lastChecks : []),
  }),
  checkHistory: t.field({
    type: DiscoveryCheckConnection,
    description: `Its checks, newest first (kept \`historyDays\`). \`first\` defaults to ${NESTED_PAGE}, at most ${CLIENT_PAGE_MAX}.`,
    args: {
      first: t.arg.int({ required: false, defaultValue: NESTED_PAGE, description: `Page size, 1–${CLIENT_PAGE_MAX}.` }),
      after: t.arg.string({ required: false, description: 'Continue after this cursor (an edge’s `cursor` or `pageInfo.endCursor`).' }),
      failedOnly: t.arg.boolean({ required: false, defaultValue: false, description: 'Only probes that ran and failed (skips are no failures).' }),
    },
    resolve: async (r, args, ctx) => {
      const page = pageOf('discoveryCheck', { first: args.first ?? NESTED_PAGE, after: args.after });
      const found = await ctx.loaders.discoveryCheckPages({ limit: page.limit, afterId: page.afterId, failedOnly: args.failedOnly ?? false }).load(r.id);
      return connectionOf('discoveryCheck', page, { ...found, total: 0 });
    },
  }),
  healthChanges: t.field({
    type: [ResourceHealthChangeRef],
    description: `Its newest status changes, newest first: \`first\` of them (default ${NESTED_PAGE}, at most ${CLIENT_PAGE_MAX}); resourceHealthChanges pages through all.`,
    args: { first: t.arg.int({ required: false, defaultValue: NESTED_PAGE, description: `How many, 1–${CLIENT_PAGE_MAX}.` }) },
    resolve: (r, args, ctx) => {
      const first = args.first ?? NESTED_PAGE;
      if (first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
      return ctx.loaders.resourceHealthChanges(first).load(r.id);
    },
  }),
}));

const HealthChangeFilterInput = builder.inputType('ResourceHealthChangeFilter', {
  description: 'Which status changes; every given criterion must match.',
  fields: (t) => ({
    totvsId: t.string({ required: false, description: 'Of this installation’s resources (TOTVS id).' }),
    environment: t.string({ required: false, description: 'Of this environment’s resources (its name, exact; usually with totvsId).' }),
    resourceId: t.string({ required: false, description: 'Of this resource (public id); a value that is not a UUID matches nothing.' }),
    toStatus: t.field({ type: HealthStatusEnum, required: false, description: 'Changes to this status.' }),
    suppressed: t.boolean({ required: false, description: 'When true, only changes that opened no chamado (suppressedBy set); when false, only the others.' }),
  }),
});

builder.queryFields((t) => ({
  resourceHealthChanges: t.connection(
    {
      type: ResourceHealthChangeRef,
      authScopes: { authenticated: true },
      description: `Status changes of live discovered resources, newest first. \`first\` defaults to ${DEFAULT_PAGE}, at most ${CLIENT_PAGE_MAX}. Signed-in users.`,
      args: { filter: t.arg({ type: HealthChangeFilterInput, required: false, description: 'Which changes; all when omitted.' }) },
      resolve: async (_, args, ctx) => {
        const page = pageOf('resourceHealthChange', args);
        const result = await listHealthChanges(ctx.em, args.filter ?? {}, page);
        for (const row of result.rows) ctx.loaders.resourceHealthChange.prime(row.id, row);
        return connectionOf('resourceHealthChange', page, result);
      },
    },
    {
      name: 'ResourceHealthChangeConnection',
      description: 'A page of status changes, newest first.',
      fields: (t) => ({
        totalCount: t.int({ description: 'Changes matching the filter, across all pages.', resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }),
      }),
    },
  ),
}));
