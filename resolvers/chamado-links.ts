import { builder } from '../src/builder.ts';
import type { Context } from '../src/context.ts';
import type { AssistInfo, AssistResult } from '../src/services/assist/portal-client.ts';
import { wazuhAgentOf, wazuhDeepLink, type WazuhLink } from '../src/services/assist/wazuh-link.ts';
import type { ChamadoRow } from '../src/services/chamados/reads.ts';
import { ChamadoRef } from './chamados.ts';

/*
 * What a chamado shows from outside systems: the onboarding portal's view of the session
 * (`assist`, fetched server-side with X-Ops-Secret, cached, behind a circuit breaker) and the
 * Wazuh dashboard link. A portal that is down never fails the query: `assist` is null and
 * `assistStatus` says why. Meant for detail views: a list asking for `assist` calls the portal
 * once per session (cached), not once per row per request.
 */

const AssistRef = builder.objectRef<AssistInfo>('Assist').implement({
  description: "The onboarding portal's view of the session (contract: assist).",
  fields: (t) => ({
    timeOnStepSec: t.exposeInt('timeOnStepSec', { nullable: true, description: 'Seconds the customer has been on the current wizard step.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'The last error the portal showed the customer.' }),
    plannedEmail: t.exposeString('plannedEmail', { nullable: true, description: 'The email address the customer plans to create (e.g. admin@myvexx.com).' }),
    wizardStep: t.exposeString('wizardStep', { nullable: true, description: 'Current onboarding wizard step (code, e.g. dns_cloudflare).' }),
    wizardStepLabel: t.exposeString('wizardStepLabel', { nullable: true, description: 'That step’s human label.' }),
  }),
});

const AssistStatusRef = builder.objectRef<AssistResult>('AssistStatus').implement({
  description: 'Why `assist` is what it is: ok, not_configured, not_found, timeout, unreachable, unauthorized, bad_response, circuit_open.',
  fields: (t) => ({
    status: t.exposeString('status', { description: 'One of the words above; `ok` means `assist` is filled.' }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why it is not `ok`, for people; null when ok.' }),
    fetchedAt: t.expose('fetchedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the portal answered (also for a cached answer); null when it did not.',
    }),
    cached: t.exposeBoolean('cached', { description: 'Served from the short-lived cache (ASSIST_CACHE_TTL) rather than a fresh call.' }),
  }),
});

const WazuhLinkRef = builder.objectRef<WazuhLink>('WazuhLink').implement({
  description: "The Wazuh dashboard filtered on the chamado's agent over its Wazuh events ±1 h.",
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Link to open in a browser.' }),
    agent: t.exposeString('agent', { description: 'The Wazuh agent name it filters on.' }),
    from: t.exposeString('from', { description: 'Start of the time range (ISO-8601, UTC).' }),
    to: t.exposeString('to', { description: 'End of the time range (ISO-8601, UTC).' }),
  }),
});

const assistOf = (c: ChamadoRow, ctx: Context): Promise<AssistResult> | null =>
  c.sessionId ? ctx.assist.assistFor(c.sessionId) : null;

async function wazuhLinkOf(c: ChamadoRow, ctx: Context): Promise<WazuhLink | null> {
  const base = ctx.config.links.wazuhDashboardUrl;
  if (!base) return null;
  const [observables, timeline] = await Promise.all([ctx.loaders.observables.load(c.id), ctx.loaders.timeline.load(c.id)]);
  const wazuhTimes = timeline.filter((e) => e.source === 'wazuh').map((e) => new Date(e.createdAt));
  return wazuhDeepLink({ baseUrl: base, agent: wazuhAgentOf(observables), eventTimes: wazuhTimes });
}

const LinksRef = builder.objectRef<ChamadoRow>('ChamadoLinks').implement({
  description: 'Links from the chamado to outside tools (contract: links).',
  fields: (t) => ({
    wazuhDeepLink: t.string({
      nullable: true,
      description: 'Wazuh dashboard link (null without WAZUH_DASHBOARD_URL or a Wazuh agent on the chamado).',
      resolve: async (c, _, ctx) => (await wazuhLinkOf(c, ctx))?.url ?? null,
    }),
    wizardAdmin: t.string({ nullable: true, description: 'Link to the onboarding wizard admin. Not provided yet (null).', resolve: () => null }),
  }),
});

builder.objectFields(ChamadoRef, (t) => ({
  assist: t.field({
    type: AssistRef,
    nullable: true,
    description: 'Live data from the onboarding portal for the chamado’s session; null when unavailable (see assistStatus).',
    resolve: async (c, _, ctx) => (await assistOf(c, ctx))?.assist ?? null,
  }),
  assistStatus: t.field({
    type: AssistStatusRef,
    nullable: true,
    description: 'How the portal call went; null when the chamado has no session.',
    resolve: (c, _, ctx) => assistOf(c, ctx),
  }),
  wazuhLink: t.field({
    type: WazuhLinkRef,
    nullable: true,
    description: 'Wazuh dashboard link with its agent and range; null without WAZUH_DASHBOARD_URL or a Wazuh agent.',
    resolve: (c, _, ctx) => wazuhLinkOf(c, ctx),
  }),
  links: t.field({ type: LinksRef, description: 'Links to outside tools.', resolve: (c) => c }),
}));
