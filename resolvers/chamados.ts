import { CHAMADO_STATUSES, allowedTransitions } from '../entities/chamado-status.ts';
import { CHAMADO_ORIGINS } from '../entities/chamado.entity.ts';
import { loadAll } from '../src/loaders.ts';
import { builder } from '../src/builder.ts';
import type { ChamadoAlertRow } from '../src/services/chamados/alerts.ts';
import {
  listChamados,
  type ChamadoField,
  type ChamadoRow,
  type ObservableField,
  type ObservableRow,
} from '../src/services/chamados/reads.ts';
import type { ChamadoInfra } from '../src/services/discovery/infra.ts';
import { describedValues } from './described.ts';
import { CLIENT_PAGE_MAX, CLIENT_PAGED, connectionOf, DEFAULT_PAGE, pageOf } from './pagination.ts';
import { selectedRowFields, type RowFieldsOf } from './selected-fields.ts';
import { timelineFieldsOf, TimelineEntryRef, timelineWindowArgs, timelineWindowOf } from './timeline.ts';
import { UserRef } from './users.ts';

export const ChamadoStatusEnum = builder.enumType('ChamadoStatus', {
  description:
    'novo → assumido → em_correcao → resolvido → fechado; aguardando from assumido/em_correcao; resolvido/fechado reopen to assumido.',
  values: describedValues(CHAMADO_STATUSES, {
    novo: 'New: opened, nobody has claimed it yet.',
    assumido: 'Claimed: an operator (the assignee) owns it.',
    em_correcao: 'Being fixed: the assignee is working on a remedy.',
    aguardando: 'Waiting on the customer or a third party.',
    resolvido: 'Resolved: fixed (or every alert resolved); reopens to assumido when a related event arrives within the reopen window.',
    fechado: 'Closed: done; may still be reopened to assumido.',
  }),
});

export const ChamadoOriginEnum = builder.enumType('ChamadoOrigin', {
  description: 'Where a chamado came from: an ingested source, or a person opening it by hand.',
  values: describedValues(CHAMADO_ORIGINS, {
    manual: 'Opened by hand in the console.',
    support: 'Opened by hand for a support request, or by a support-desk event.',
    onboard: 'An onboarding portal event (account.created, onboarding.failed …).',
    wazuh: 'A Wazuh security alert.',
    alertmanager: 'A Prometheus Alertmanager alert.',
    signoz: 'A SigNoz alert.',
    sentry: 'A Sentry issue.',
    audit: 'An audit-trail event.',
    discovery: 'A discovered resource changed health (the discovery monitor).',
  }),
});

/** The row fields each Observable field reads (see RowFieldsOf). */
const OBSERVABLE_ROW_FIELDS: RowFieldsOf<ObservableField> = {
  __typename: [],
  tipo: ['tipo'],
  valor: ['valor'],
  fonte: ['fonte'],
  createdAt: ['createdAt'],
};

const ObservableRef = builder.objectRef<ObservableRow>('Observable').implement({
  description: 'A typed fact about a chamado (domain, agent, rule_id, ip, email, host, fingerprint …).',
  fields: (t) => ({
    tipo: t.exposeString('tipo', { description: 'Kind of fact (tipo): domain, agent, rule_id, ip, email, host, fingerprint …' }),
    valor: t.exposeString('valor', { description: 'The value (valor), e.g. `myvexx.com` for a domain.' }),
    fonte: t.exposeString('fonte', { description: 'The source it came from.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was first seen on this chamado.' }),
  }),
});

const InfraRef = builder.objectRef<ChamadoInfra>('InfraStatus').implement({
  description:
    'Health of the discovered resources behind the chamado (contract: infra): those whose host is its domain (or a host of it), one of its domain/host/ip observables, whose agent is one of its agent observables, or whose outage opened it.',
  fields: (t) => ({
    score: t.exposeString('score', {
      description:
        'Passing checks over total, as "passing/total", over the latest probe of each linked resource (one never checked adds none).',
    }),
    status: t.exposeString('status', {
      description:
        '`down` (a linked resource is danger), `degraded` (a check fails, or a linked resource is warning or error) or `ok` (all pass).',
    }),
    checks: t.field({
      type: ['JSON'],
      description:
        "One item per check (dns, tcp, tls, http) of each linked resource's latest probe: {resourceId, host, port, category, resourceStatus, check, passing, reason, value, durationMs, checkedAt}.",
      resolve: (i) => i.checks,
    }),
  }),
});

const AlertStatusEnum = builder.enumType('AlertStatus', {
  description: 'Whether an alert is still going on, as its latest notification says.',
  values: {
    firing: { description: 'Its latest notification says it fires.' },
    resolved: { description: 'Its latest notification says it resolved.' },
  },
});

const ChamadoAlertRef = builder.objectRef<ChamadoAlertRow>('ChamadoAlert').implement({
  description:
    'One alert of a chamado (Alertmanager, SigNoz, Sentry): an alert identity and the status of its latest event on this chamado, duplicates ignored.',
  fields: (t) => ({
    key: t.exposeString('key', {
      description: 'The recurrence key: provider and fingerprint, else a hash of provider, alertname, namespace and target.',
    }),
    source: t.exposeString('source', { description: 'The source that sent it (alertmanager, signoz, sentry).' }),
    alertname: t.exposeString('alertname', { nullable: true, description: 'The alert or rule name.' }),
    namespace: t.exposeString('namespace', { nullable: true, description: 'Namespace (or project) of the target.' }),
    target: t.exposeString('target', { nullable: true, description: 'The resource it is about (pod, instance, service …).' }),
    status: t.expose('status', { type: AlertStatusEnum, description: 'The status of its latest event on this chamado.' }),
    firstFiredAt: t.expose('firstFiredAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it first fired on this chamado; null when only its resolution reached it.',
    }),
    lastChangeAt: t.expose('lastChangeAt', {
      type: 'DateTime',
      description: "When its latest event happened (the source's time, else when it was received).",
    }),
    lastEventId: t.exposeInt('lastEventId', { description: 'The Discover event id of its latest event.' }),
    eventCount: t.exposeInt('eventCount', { description: 'Its firings and resolutions on this chamado.' }),
  }),
});

/**
 * The row fields each Chamado field reads (see RowFieldsOf); the id is always read, so the fields
 * that load by it (observables, timeline …) read nothing more. Fields other files add to Chamado
 * are not here: selecting one reads every column.
 */
export const CHAMADO_ROW_FIELDS: RowFieldsOf<ChamadoField> = {
  __typename: [],
  id: [],
  publicId: ['publicId'],
  ticketId: [],
  mergedInto: ['mergedIntoId'],
  status: ['status'],
  allowedTransitions: ['status', 'mergedIntoId'],
  origin: ['origin'],
  title: ['title'],
  description: ['description'],
  projectId: ['projectId'],
  domain: ['domain'],
  sessionId: ['sessionId'],
  wizardStep: ['wizardStep'],
  wizardStepLabel: ['wizardStepLabel'],
  wizardStepAt: ['wizardStepAt'],
  sources: ['sources'],
  maxSeverity: ['maxSeverity'],
  eventCount: ['eventCount'],
  assignee: ['assigneeId'],
  createdBy: ['createdById'],
  legacyTicketId: ['legacyTicketId'],
  version: ['version'],
  observables: [],
  alerts: [],
  firingAlertCount: [],
  timeline: [],
  infra: [],
  createdAt: ['createdAt'],
  updatedAt: ['updatedAt'],
  resolvedAt: ['resolvedAt'],
  closedAt: ['closedAt'],
};

export const ChamadoRef = builder.objectRef<ChamadoRow>('Chamado');
builder.node(ChamadoRef, {
  description: 'A ticket an operator works on.',
  id: { resolve: (c) => c.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.chamado, ids.map(Number)),
  authScopes: { authenticated: true },
  fields: (t) => ({
    publicId: t.exposeString('publicId', { description: 'CH-<year>-<5 digits>.' }),
    ticketId: t.exposeInt('id', { description: 'Numeric id (the legacy desk API calls it `id`).' }),
    mergedInto: t.field({
      type: ChamadoRef,
      nullable: true,
      description: 'Set when this chamado was merged into another (the survivor).',
      resolve: (c, _, ctx) => (c.mergedIntoId ? ctx.loaders.chamado.load(c.mergedIntoId) : null),
    }),
    status: t.expose('status', { type: ChamadoStatusEnum, description: 'Where it is in its lifecycle.' }),
    allowedTransitions: t.field({
      type: [ChamadoStatusEnum],
      description: 'Statuses this chamado may move to now.',
      resolve: (c) => [...allowedTransitions(c.status, c.mergedIntoId != null)],
    }),
    origin: t.expose('origin', { type: ChamadoOriginEnum, description: 'Where it came from.' }),
    title: t.exposeString('title', { description: 'One-line subject (for onboarding: `[{event}] {domain} — {email}`).' }),
    description: t.exposeString('description', { nullable: true, description: 'Longer free text, when given.' }),
    projectId: t.exposeString('projectId', {
      description:
        'Tenant: the project of the event that opened it (`default` for chamados opened by hand); events correlate only within it.',
    }),
    domain: t.exposeString('domain', { nullable: true, description: 'Customer domain it concerns (lowercase), when known.' }),
    sessionId: t.exposeString('sessionId', { nullable: true, description: 'Onboarding portal session id, for onboarding chamados.' }),
    wizardStep: t.exposeString('wizardStep', { nullable: true, description: 'Last onboarding wizard step seen for the session (code).' }),
    wizardStepLabel: t.exposeString('wizardStepLabel', { nullable: true, description: 'That step’s human label.' }),
    wizardStepAt: t.expose('wizardStepAt', { type: 'DateTime', nullable: true, description: 'When the session reached that step.' }),
    sources: t.exposeStringList('sources', { description: 'Distinct event sources seen on it (wazuh, onboard …), sorted.' }),
    maxSeverity: t.exposeInt('maxSeverity', { nullable: true, description: '0–15 (Wazuh scale).' }),
    eventCount: t.exposeInt('eventCount', { description: 'Events on its timeline (duplicates not counted twice).' }),
    assignee: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who has claimed it; null while novo.',
      resolve: (c, _, ctx) => (c.assigneeId ? ctx.loaders.user.load(c.assigneeId) : null),
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who opened it by hand; null when ingestion opened it.',
      resolve: (c, _, ctx) => (c.createdById ? ctx.loaders.user.load(c.createdById) : null),
    }),
    legacyTicketId: t.exposeInt('legacyTicketId', {
      nullable: true,
      description: 'Its ticket number in the legacy desk, when it has one.',
    }),
    version: t.exposeInt('version', { description: 'Send back as expectedVersion to detect concurrent edits.' }),
    observables: t.field({
      type: [ObservableRef],
      description: 'Typed facts gathered from its events.',
      resolve: (c, _, ctx, info) => ctx.loaders.observablesFor(selectedRowFields(info, OBSERVABLE_ROW_FIELDS)).load(c.id),
    }),
    alerts: t.field({
      type: [ChamadoAlertRef],
      description:
        'Its alerts, each with the status of its latest event, first fired first. When the last one resolves, an unclaimed chamado moves to resolvido (RULE_AUTO_RESOLVE_SOURCES).',
      resolve: (c, _, ctx) => ctx.loaders.alerts.load(c.id),
    }),
    firingAlertCount: t.int({
      description: 'How many of its alerts still fire.',
      resolve: async (c, _, ctx) => (await ctx.loaders.alerts.load(c.id)).filter((a) => a.status === 'firing').length,
    }),
    timeline: t.field({
      type: [TimelineEntryRef],
      description: `Its events, claims, status changes and notes, oldest first: every one, or the window first/after or last/before asks for (1–${CLIENT_PAGE_MAX} entries).`,
      args: timelineWindowArgs,
      extensions: { [CLIENT_PAGED]: true },
      resolve: (c, args, ctx, info) => ctx.loaders.timelineFor(timelineWindowOf(args), timelineFieldsOf(info)).load(c.id),
    }),
    infra: t.field({
      type: InfraRef,
      nullable: true,
      description: 'Health of the discovered resources linked to it (see InfraStatus); null when none is linked.',
      resolve: (c, _, ctx) => ctx.loaders.chamadoInfra.load(c.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was opened.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last change of any kind.' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true, description: 'When it last became resolvido; null if never.' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true, description: 'When it became fechado; null if never.' }),
  }),
});

const ChamadoFilter = builder.inputType('ChamadoFilter', {
  description: 'Narrows the chamado list; every criterion given must hold.',
  fields: (t) => ({
    status: t.field({ type: [ChamadoStatusEnum], required: false, description: 'Any of these statuses.' }),
    domain: t.string({ required: false, description: 'Exact customer domain (case-insensitive).' }),
    assignee: t.string({ required: false, description: 'Username of the assignee.' }),
    source: t.string({ required: false, description: 'wazuh, onboard, support, audit …' }),
    sessionId: t.string({ required: false, description: 'Onboarding session id.' }),
    projectId: t.string({
      required: false,
      description: 'Tenant: chamados opened by events of this project (`default` for those opened by hand).',
    }),
  }),
});

builder.queryFields((t) => ({
  chamado: t.field({
    type: ChamadoRef,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'One chamado by its public id; null when there is none. Signed-in users.',
    args: { publicId: t.arg.string({ description: 'CH-<year>-<5 digits>.' }) },
    resolve: (_, { publicId }, ctx) => ctx.loaders.chamadoByPublicId.load(publicId),
  }),
  chamados: t.connection(
    {
      type: ChamadoRef,
      authScopes: { authenticated: true },
      description: `Newest first. \`first\` defaults to ${DEFAULT_PAGE}, at most ${CLIENT_PAGE_MAX}. \`offset\` serves legacy offset paging; prefer \`after\`.`,
      args: {
        filter: t.arg({ type: ChamadoFilter, required: false, description: 'Which chamados; all when omitted.' }),
        offset: t.arg.int({ required: false, description: 'Legacy offset paging: skip this many (0 or more). Prefer `after`.' }),
      },
      resolve: async (_, args, ctx, info) => {
        const page = pageOf('chamado', args);
        const fields = selectedRowFields(info, CHAMADO_ROW_FIELDS, ['edges', 'node']);
        const result = await listChamados(ctx.em, args.filter ?? {}, page, fields);
        // Only whole rows go to the cache other readers share.
        if (!fields) for (const row of result.rows) ctx.loaders.chamado.prime(row.id, row);
        return connectionOf('chamado', page, result);
      },
    },
    {
      name: 'ChamadoConnection',
      description: 'A page of chamados, newest first.',
      fields: (t) => ({
        totalCount: t.int({
          description: 'Chamados matching the filter, across all pages.',
          resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
  ),
}));
