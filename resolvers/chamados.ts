import { CHAMADO_STATUSES, allowedTransitions } from '../entities/chamado-status.ts';
import { CHAMADO_ORIGINS } from '../entities/chamado.entity.ts';
import { loadAll } from '../src/loaders.ts';
import { builder } from '../src/builder.ts';
import type { ChamadoAlertRow } from '../src/services/chamados/alerts.ts';
import { listChamados, type ChamadoRow, type ObservableRow } from '../src/services/chamados/reads.ts';
import { connectionOf, DEFAULT_PAGE, MAX_PAGE, pageOf } from './pagination.ts';
import { TimelineEntryRef } from './timeline.ts';
import { UserRef } from './users.ts';

export const ChamadoStatusEnum = builder.enumType('ChamadoStatus', {
  description:
    'novo → assumido → em_correcao → resolvido → fechado; aguardando from assumido/em_correcao; resolvido/fechado reopen to assumido.',
  values: CHAMADO_STATUSES,
});

export const ChamadoOriginEnum = builder.enumType('ChamadoOrigin', { values: CHAMADO_ORIGINS });

const ObservableRef = builder.objectRef<ObservableRow>('Observable').implement({
  description: 'A typed fact about a chamado (domain, agent, rule_id, ip, email, host, fingerprint …).',
  fields: (t) => ({
    tipo: t.exposeString('tipo'),
    valor: t.exposeString('valor'),
    fonte: t.exposeString('fonte', { description: 'The source it came from.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const InfraRef = builder.objectRef<{ score: string; status: string; checks: unknown[] }>('InfraStatus').implement({
  description: 'Health of the infrastructure behind the chamado (contract: infra).',
  fields: (t) => ({
    score: t.exposeString('score'),
    status: t.exposeString('status'),
    checks: t.field({ type: ['JSON'], resolve: (i) => i.checks }),
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
      description: 'When its latest event happened (the source\'s time, else when it was received).',
    }),
    lastEventId: t.exposeInt('lastEventId', { description: 'The Discover event id of its latest event.' }),
    eventCount: t.exposeInt('eventCount', { description: 'Its firings and resolutions on this chamado.' }),
  }),
});

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
    status: t.expose('status', { type: ChamadoStatusEnum }),
    allowedTransitions: t.field({
      type: [ChamadoStatusEnum],
      description: 'Statuses this chamado may move to now.',
      resolve: (c) => [...allowedTransitions(c.status, c.mergedIntoId != null)],
    }),
    origin: t.expose('origin', { type: ChamadoOriginEnum }),
    title: t.exposeString('title'),
    description: t.exposeString('description', { nullable: true }),
    domain: t.exposeString('domain', { nullable: true }),
    sessionId: t.exposeString('sessionId', { nullable: true }),
    wizardStep: t.exposeString('wizardStep', { nullable: true }),
    wizardStepLabel: t.exposeString('wizardStepLabel', { nullable: true }),
    wizardStepAt: t.expose('wizardStepAt', { type: 'DateTime', nullable: true }),
    sources: t.exposeStringList('sources'),
    maxSeverity: t.exposeInt('maxSeverity', { nullable: true, description: '0–15 (Wazuh scale).' }),
    eventCount: t.exposeInt('eventCount'),
    assignee: t.field({
      type: UserRef,
      nullable: true,
      resolve: (c, _, ctx) => (c.assigneeId ? ctx.loaders.user.load(c.assigneeId) : null),
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      resolve: (c, _, ctx) => (c.createdById ? ctx.loaders.user.load(c.createdById) : null),
    }),
    legacyTicketId: t.exposeInt('legacyTicketId', { nullable: true }),
    version: t.exposeInt('version', { description: 'Send back as expectedVersion to detect concurrent edits.' }),
    observables: t.field({ type: [ObservableRef], resolve: (c, _, ctx) => ctx.loaders.observables.load(c.id) }),
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
      description: 'Every event, claim, status change and note, oldest first.',
      resolve: (c, _, ctx) => ctx.loaders.timeline.load(c.id),
    }),
    infra: t.field({
      type: InfraRef,
      nullable: true,
      description: 'Infrastructure health. Null until discovery and resource health land.',
      resolve: () => null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
  }),
});

const ChamadoFilter = builder.inputType('ChamadoFilter', {
  fields: (t) => ({
    status: t.field({ type: [ChamadoStatusEnum], required: false, description: 'Any of these statuses.' }),
    domain: t.string({ required: false }),
    assignee: t.string({ required: false, description: 'Username of the assignee.' }),
    source: t.string({ required: false, description: 'wazuh, onboard, support, audit …' }),
    sessionId: t.string({ required: false, description: 'Onboarding session id.' }),
  }),
});


builder.queryFields((t) => ({
  chamado: t.field({
    type: ChamadoRef,
    nullable: true,
    authScopes: { authenticated: true },
    args: { publicId: t.arg.string() },
    resolve: (_, { publicId }, ctx) => ctx.loaders.chamadoByPublicId.load(publicId),
  }),
  chamados: t.connection(
    {
      type: ChamadoRef,
      authScopes: { authenticated: true },
      description: `Newest first. \`first\` defaults to ${DEFAULT_PAGE}, at most ${MAX_PAGE}. \`offset\` serves legacy offset paging; prefer \`after\`.`,
      args: {
        filter: t.arg({ type: ChamadoFilter, required: false }),
        offset: t.arg.int({ required: false }),
      },
      resolve: async (_, args, ctx) => {
        const page = pageOf('chamado', args);
        const result = await listChamados(ctx.em, args.filter ?? {}, page);
        for (const row of result.rows) ctx.loaders.chamado.prime(row.id, row);
        return connectionOf('chamado', page, result);
      },
    },
    {
      name: 'ChamadoConnection',
      fields: (t) => ({
        totalCount: t.int({
          description: 'Chamados matching the filter, across all pages.',
          resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
  ),
}));
