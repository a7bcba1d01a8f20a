/**
 * Deep link into the Wazuh dashboard (VM104) for a chamado: its agent's events around the
 * chamado's own events (contract 019: `GET /api/v1/chamados/{id}/wazuh-link` →
 * `{url, agent, from, to}`, and `links.wazuh_deep_link` of the detail). Pure: no I/O.
 *
 * URL form — Wazuh 4.x (4.8+) "Threat Hunting" app, events tab:
 *
 *   {base}/app/threat-hunting#/overview/?tab=general&tabView=events
 *     &_g=(filters:!(),refreshInterval:(pause:!t,value:0),time:(from:'{from}',to:'{to}'))
 *     &_a=(filters:!(('$state':(store:appState),
 *                     meta:(alias:!n,disabled:!f,index:'{indexPattern}',key:agent.name,negate:!f,
 *                           params:(query:'{agent}'),type:phrase),
 *                     query:(match_phrase:(agent.name:'{agent}')))),
 *          query:(language:kuery,query:''))
 *
 * `_g`/`_a` are rison (the dashboards' URL state format). The agent name goes into rison
 * single-quoted strings, where `!` is written `!!` and `'` is written `!'`; each rison value is
 * then percent-encoded with encodeURIComponent (the dashboards decode the hash's query string
 * before parsing rison), so `&`, `#`, `=`, spaces, `/` and non-ASCII in an agent name cannot
 * break out of its parameter or the fragment. The filter carries a full `meta` block because
 * OpenSearch Dashboards' filter bar expects one to render the pill.
 *
 * Older 4.x dashboards (≤ 4.7) served the same view at `app/wazuh#/overview/…&tabView=discover`;
 * VM104 runs the Threat Hunting app, so that form is not generated.
 */

export const DEFAULT_WAZUH_MARGIN_MS = 60 * 60 * 1000;
export const DEFAULT_WAZUH_INDEX_PATTERN = 'wazuh-alerts-*';

export interface WazuhLinkInput {
  /** WAZUH_DASHBOARD_URL, e.g. `https://wazuh.itecnologys.com`; null → no link. */
  baseUrl: string | null;
  agent: string | null;
  eventTimes: Date[];
  /** Added before the earliest and after the latest event. Default 1 h. */
  marginMs?: number;
  /** The index pattern named in the filter's meta. Default `wazuh-alerts-*`. */
  indexPattern?: string;
}

export interface WazuhLink {
  url: string;
  agent: string;
  /** ISO 8601, UTC, whole seconds: `2026-06-16T09:00:00Z`. */
  from: string;
  to: string;
}

export interface ObservableLike {
  tipo: string;
  valor: string;
  fonte: string;
}

/** A rison single-quoted string: `!` → `!!`, `'` → `!'`. */
export function risonString(value: string): string {
  return `'${value.replace(/!/g, '!!').replace(/'/g, "!'")}'`;
}

/** `2026-06-16T09:00:00Z` — toISOString without the milliseconds. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function dashboardBase(raw: string | null): string | null {
  const trimmed = raw?.trim() ?? '';
  if (trimmed.length === 0) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.search || url.hash) return null;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

// The largest instant a Date can hold, ±8.64e15 ms.
const MAX_DATE_MS = 8.64e15;

/**
 * The dashboard link for `agent` over [earliest event − margin, latest event + margin], widened
 * to whole seconds. Null when there is no agent, no usable base URL or no valid event time.
 */
export function wazuhDeepLink(input: WazuhLinkInput): WazuhLink | null {
  const base = dashboardBase(input.baseUrl);
  const agent = input.agent?.trim() ?? '';
  if (!base || agent.length === 0) return null;

  const times = (input.eventTimes ?? [])
    .filter((d): d is Date => d instanceof Date)
    .map((d) => d.getTime())
    .filter((t) => Number.isFinite(t));
  if (times.length === 0) return null;

  const margin =
    typeof input.marginMs === 'number' && Number.isFinite(input.marginMs) && input.marginMs >= 0
      ? input.marginMs
      : DEFAULT_WAZUH_MARGIN_MS;
  const fromMs = Math.floor((Math.min(...times) - margin) / 1000) * 1000;
  const toMs = Math.ceil((Math.max(...times) + margin) / 1000) * 1000;
  if (Math.abs(fromMs) > MAX_DATE_MS || Math.abs(toMs) > MAX_DATE_MS) return null;
  const from = isoSeconds(fromMs);
  const to = isoSeconds(toMs);

  const indexPattern = input.indexPattern?.trim() || DEFAULT_WAZUH_INDEX_PATTERN;
  const agentR = risonString(agent);
  const g = `(filters:!(),refreshInterval:(pause:!t,value:0),time:(from:${risonString(from)},to:${risonString(to)}))`;
  const filter =
    `('$state':(store:appState),` +
    `meta:(alias:!n,disabled:!f,index:${risonString(indexPattern)},key:agent.name,negate:!f,params:(query:${agentR}),type:phrase),` +
    `query:(match_phrase:(agent.name:${agentR})))`;
  const a = `(filters:!(${filter}),query:(language:kuery,query:''))`;

  const url =
    `${base}/app/threat-hunting#/overview/?tab=general&tabView=events` +
    `&_g=${encodeURIComponent(g)}&_a=${encodeURIComponent(a)}`;
  return { url, agent, from, to };
}

/**
 * The chamado's Wazuh agent: the first `agent` observable reported by the `wazuh` source, else
 * the first `agent` observable from any source, else null. Comparisons ignore case and
 * surrounding spaces; empty values are skipped.
 */
export function wazuhAgentOf(observables: readonly ObservableLike[]): string | null {
  const agents = (observables ?? []).filter(
    (o) => o?.tipo?.trim().toLowerCase() === 'agent' && typeof o.valor === 'string' && o.valor.trim().length > 0,
  );
  const fromWazuh = agents.find((o) => o.fonte?.trim().toLowerCase() === 'wazuh');
  return (fromWazuh ?? agents[0])?.valor.trim() ?? null;
}
