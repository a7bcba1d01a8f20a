import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/**
 * GraphiQL that works without internet. Yoga's default page loads its scripts, styles, workers
 * and icons from unpkg.com; @graphql-yoga/render-graphiql inlines all of them (fonts and favicon as
 * data: URIs, Monaco's workers as blob: URLs), so the page needs nothing but this server, under
 * any host or path prefix (queries go to the page's own path).
 */

/** Where the page keeps the token between operations and reloads (this browser only). */
const TOKEN_KEY = 'opsgraph.graphiql.token';

const SIGN_IN_HINT = `# Demo users: admin, lead, lead2, ops, viewer
# (password opsgraph-<username>).
# Running login keeps its token in this browser and
# sends it as "Authorization: Bearer …" with every
# later operation. Or open this page with
# #token=<jwt> at the end of its address; #token=
# alone signs out. An Authorization header typed in
# Headers below wins.`;

const SIGN_IN = `${SIGN_IN_HINT}
mutation SignIn {
  login(username: "ops", password: "opsgraph-ops") {
    ... on LoginPayload { token expiresAt user { username role } }
    ... on Error { code message }
  }
}
`;

const CHAMADOS = `# Sign in first (SignIn tab): this query runs as you.
${SIGN_IN_HINT}
query Chamados {
  chamados(first: 10) {
    totalCount
    edges { node { publicId status title domain maxSeverity assignee { username } } }
  }
}
`;

const RECURRING = `# What keeps coming back, why it was grouped, and the work it calls for.
query RecurringProblems {
  recurrenceGroups(first: 10) {
    totalCount
    edges { node {
      provider alertname namespace targetResource lifecycle occurrenceTotal why
      workItem { state nextStep }
      occurrenceHistogram(bucket: HOUR) { start count }
    } }
  }
}
`;

export const graphiqlOptions: GraphiQLOptions = {
  title: 'OpsGraph',
  defaultQuery: CHAMADOS,
  // GraphiQL opens on the first tab: SignIn, the first thing to run.
  defaultTabs: [{ query: SIGN_IN }, { query: CHAMADOS }, { query: RECURRING }],
};

/**
 * Runs in the page before GraphiQL. Yoga's GraphiQL calls `globalThis.fetch` for every operation
 * (introspection, queries, SSE subscriptions), so wrapping it is the one place that sees both the
 * login answer and every later request. `#token=` uses the fragment because it never reaches the
 * server, its logs or a Referer; it is taken at load and on change, and removed from the address.
 */
const TOKEN_SCRIPT = `(() => {
  const key = ${JSON.stringify(TOKEN_KEY)};
  const takeHashToken = () => {
    const hash = new URLSearchParams(location.hash.slice(1));
    if (!hash.has('token')) return;
    const given = hash.get('token').trim();
    if (given) localStorage.setItem(key, given);
    else localStorage.removeItem(key);
    hash.delete('token');
    const rest = hash.toString();
    history.replaceState(history.state, '', location.pathname + location.search + (rest ? '#' + rest : ''));
  };
  takeHashToken();
  addEventListener('hashchange', takeHashToken);
  const endpoint = location.origin + location.pathname;
  const send = globalThis.fetch.bind(globalThis);
  globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (request.url.split(/[?#]/)[0] !== endpoint) return send(request);
    const token = localStorage.getItem(key);
    if (token && !request.headers.has('authorization')) request.headers.set('authorization', 'Bearer ' + token);
    const response = await send(request);
    if (/json/.test(response.headers.get('content-type') || '')) {
      const body = await response.clone().json().catch(() => null);
      const fresh = body && body.data && body.data.login && body.data.login.token;
      if (typeof fresh === 'string') localStorage.setItem(key, fresh);
    }
    return response;
  };
})();`;

let rendered: { options: string; html: Promise<string> } | undefined;

/** Yoga's `renderGraphiQL`: the self-contained page plus the token script, rendered once per options. */
export function renderGraphiQL(options: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(options);
  if (rendered?.options !== key) rendered = { options: key, html: render(options) };
  return rendered.html;
}

async function render(options: GraphiQLOptions): Promise<string> {
  // Imported on first use: the 9 MB bundle stays out of processes that never serve the page
  // (production, where GraphiQL is off, and workers).
  const { renderGraphiQL: renderPage } = await import('@graphql-yoga/render-graphiql');
  const html = renderPage(options);
  // At the end of <head>: before GraphiQL's script, and after <meta charset>, which browsers
  // only honour in the first 1024 bytes (yoga sends text/html without a charset).
  if (!html.includes('</head>')) throw new Error('@graphql-yoga/render-graphiql changed its page: no </head> for the token script');
  return html.replace('</head>', () => `<script>${TOKEN_SCRIPT}</script>\n</head>`);
}

/**
 * The page is one ~9 MB document (nothing else to fetch, nothing cacheable apart): gzip it once
 * (~2.5 MB on the wire) and give it an ETag, so a reload over a slow ops link costs a 304. Applies
 * only to the page this module rendered, on the GraphQL endpoint.
 */
const gzipAsync = promisify(gzip);

type ResponsePayload = Parameters<NonNullable<Plugin['onResponse']>>[0];

export function graphiqlDelivery(endpoint: string): Plugin {
  let packed: { html: string; etag: string; gzip: Uint8Array<ArrayBuffer> } | undefined;
  return {
    // Synchronous for every other response: an async hook would cost each request a promise.
    onResponse(payload) {
      const { request, response } = payload;
      if (request.method !== 'GET' || !rendered || !response.headers.get('content-type')?.startsWith('text/html')) return;
      if (new URL(request.url).pathname.replace(/\/$/, '') !== endpoint) return;
      return deliver(rendered.html, payload);
    },
  };

  async function deliver(page: Promise<string>, { request, response, setResponse, fetchAPI }: ResponsePayload) {
    const html = await page;
    if (packed?.html !== html) {
      packed = { html, etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`, gzip: Uint8Array.from(await gzipAsync(html)) };
    }
    // Keep what other plugins set (request id, CORS); describe the body anew.
    const headers = new fetchAPI.Headers(response.headers);
    headers.delete('content-length');
    headers.set('content-type', 'text/html; charset=utf-8');
    headers.set('etag', packed.etag);
    headers.set('cache-control', 'no-cache');
    headers.set('vary', 'accept-encoding');
    if (request.headers.get('if-none-match') === packed.etag) {
      setResponse(new fetchAPI.Response(null, { status: 304, headers }));
    } else if (/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
      headers.set('content-encoding', 'gzip');
      setResponse(new fetchAPI.Response(packed.gzip, { status: 200, headers }));
    } else {
      setResponse(new fetchAPI.Response(html, { status: 200, headers }));
    }
  }
}
