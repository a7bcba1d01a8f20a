import type { Plugin } from 'graphql-yoga';

/*
 * Headers every answer carries, so a browser treats OpsGraph's responses as data and its one page
 * (GraphiQL) as a page that loads nothing from another host and cannot be framed. HSTS is left to
 * the TLS terminator in front of us: we serve plain HTTP and cannot know the public scheme.
 */

const COMMON: readonly (readonly [name: string, value: string])[] = [
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'no-referrer'],
  ['cross-origin-opener-policy', 'same-origin'],
];

/** APIs: nothing in a response may load or run anything. */
const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * GraphiQL's page is one inline document (see graphiql.ts): inline scripts and styles, fonts and
 * icons as data: URIs, Monaco's workers as blob: URLs; it talks only to its own origin (HTTP and
 * WebSocket). Any other host is refused by the browser itself.
 */
const PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** What an API answer carries, for a transport that answers without yoga (node-receiver.ts). */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(COMMON),
  'content-security-policy': API_POLICY,
};

export function securityHeaders(): Plugin {
  return {
    onResponse({ response }) {
      const headers = response.headers;
      for (const [name, value] of COMMON) if (!headers.has(name)) headers.set(name, value);
      if (headers.has('content-security-policy')) return;
      const html = (headers.get('content-type') ?? '').startsWith('text/html');
      headers.set('content-security-policy', html ? PAGE_POLICY : API_POLICY);
    },
  };
}
