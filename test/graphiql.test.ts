import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.ts';

/**
 * GraphiQL must work on a machine without internet: the page may load nothing from another host.
 * The static check reads what the server sends; the browser check proves it by running GraphiQL
 * with every other host cut off.
 */

const CHROMIUM = '/usr/bin/chromium';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function graphiqlPage(): Promise<{ html: string; url: URL }> {
  const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/html');
  return { html: await res.text(), url: new URL(res.url) };
}

/**
 * Hosts the bundle names only as text: XML namespaces and JSON-Schema ids (identifiers, never
 * fetched), documentation links (<a href>, error messages, comments). A new host here means the
 * page changed: look at how it uses it before adding it.
 */
const TEXT_ONLY_HOSTS = new Set([
  'www.w3.org', 'lists.w3.org', 'json-schema.org', 'www.example.com', 'dummyhostname.com',
  'github.com', 'react.dev', 'radix-ui.com', 'yarnpkg.com', 'prettier.io', 'commonmark.org',
  'en.wikipedia.org', 'code.visualstudio.com', 'microsoft.com', 'www.onegraph.com',
  'www.rapidtables.com', '24ways.org',
]);

const REMOTE = String.raw`(?:(?:https?|wss?):)?//`;
/** In scripts: a call or property that makes the browser fetch, given a literal remote URL. */
const SCRIPT_LOADS = new RegExp(
  String.raw`(?:\b(?:importScripts|Worker|SharedWorker|fetch|import|EventSource|WebSocket|sendBeacon|open)\s*\(\s*|\b(?:src|srcset|poster)\s*[:=]\s*)\\?["'\`](${REMOTE}[^"'\`\\]*)`,
  'g',
);
/** In CSS (style blocks, style attributes, CSS built by scripts): url(...) and @import. */
const CSS_LOADS = /(?:url\(\s*\\?["']?|@import\s+\\?["'])([^"')\\\s]*)/g;
/** Outside scripts and styles: every attribute the browser resolves and may fetch. */
const ATTR_LOADS = /\s(?:src|href|srcset|poster|data|action|formaction|background|manifest|ping)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;

/** Splits a page into its inline scripts, its styles and the markup around them. */
function parts(html: string): { markup: string; scripts: string[]; styles: string[] } {
  const scripts: string[] = [];
  const styles: string[] = [];
  const markup = html
    .replace(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi, (_, attrs: string, body: string) => {
      scripts.push(body);
      return `<script${attrs}></script>`;
    })
    .replace(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi, (_, body: string) => {
      styles.push(body);
      return '<style></style>';
    });
  for (const m of markup.matchAll(/\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) styles.push(m[1] ?? m[2] ?? '');
  return { markup, scripts, styles };
}

/** Whether the browser would go to another host for this reference (relative, data: and blob: stay here). */
function leavesServer(ref: string, base: URL): boolean {
  const value = ref.trim();
  if (!value || value.startsWith('#') || /^(data|blob|about|javascript):/i.test(value)) return false;
  return new URL(value, base).origin !== base.origin;
}

describe('GraphiQL without internet', () => {
  it('sends a page that loads nothing from another host', async () => {
    const { html, url } = await graphiqlPage();
    expect(html).toContain('<title>OpsGraph</title>');
    // The response has no charset; the page's own declaration counts only in its first 1024 bytes.
    expect(html.slice(0, 1024)).toMatch(/<meta charset="utf-8"/i);

    const loads: string[] = [];
    const local: string[] = [];
    const read = new Set([url.href]);
    const texts: string[] = [html];
    const pending = [html];
    while (pending.length) {
      const { markup, scripts, styles } = parts(pending.pop()!);
      for (const m of markup.matchAll(ATTR_LOADS)) {
        const ref = m[1] ?? m[2] ?? m[3] ?? '';
        if (leavesServer(ref, url)) loads.push(ref);
        else if (/^(?!data:|blob:|#)/i.test(ref.trim()) && ref.trim()) local.push(ref.trim());
      }
      for (const css of [...styles, ...scripts]) {
        for (const m of css.matchAll(CSS_LOADS)) if (leavesServer(m[1]!, url)) loads.push(m[1]!);
      }
      for (const js of scripts) for (const m of js.matchAll(SCRIPT_LOADS)) loads.push(m[1]!);
      // Scripts and styles the page takes from this server are read too (none today: all inline).
      for (const ref of local.splice(0)) {
        const target = new URL(ref, url);
        if (read.has(target.href)) continue;
        read.add(target.href);
        const res = await fetch(target);
        const text = await res.text();
        texts.push(text);
        pending.push(/javascript|css/.test(res.headers.get('content-type') ?? '') ? `<script>${text}</script>` : text);
      }
    }
    expect(loads).toEqual([]);

    const hosts = new Set(texts.flatMap((t) => [...t.matchAll(/\b(?:https?|wss?):\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)+)/gi)].map((m) => m[1]!.toLowerCase())));
    expect([...hosts].filter((h) => !TEXT_ONLY_HOSTS.has(h))).toEqual([]);
    expect(html).not.toMatch(/unpkg|jsdelivr|cdnjs|googleapis|gstatic|githubusercontent/i);
  });

  it('sends the page gzipped with an ETag, so a reload is a 304', async () => {
    const { request } = await import('node:http');
    const { gunzipSync } = await import('node:zlib');
    // node:http, not fetch: fetch would decompress and hide what went over the wire.
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = request(`${server.url}/graphql`, { headers: { accept: 'text/html', ...headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
      });
    const plain = await get({});
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await get({ 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(zipped.headers['x-request-id']).toEqual(expect.any(String));
    const etag = String(zipped.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(plain.headers.etag).toBe(etag);
    const again = await get({ 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('stays off in production', async () => {
    const prod = await startTestServer({
      NODE_ENV: 'production',
      JWT_SECRET: 'graphiql-test-secret-0123456789',
      WEBHOOK_SECRET: 'graphiql-test-webhook-secret',
      OPERATOR_KEY: 'graphiql-test-operator-key',
      OPS_SECRET: 'graphiql-test-ops-secret',
      // The existing admin: bootstrap leaves it as it is, so this run adds no user.
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'unused-admin-password',
      RUNBOOK_HMAC_SECRET: 'graphiql-test-runbook-secret',
      OUTBOUND_WORKER: 'false',
    });
    try {
      const res = await fetch(`${prod.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
      expect(await res.text()).not.toContain('<title>OpsGraph</title>');
    } finally {
      await prod.close();
    }
  });
});

const noChromium = !existsSync(CHROMIUM);
if (noChromium) console.warn(`graphiql.test.ts: ${CHROMIUM} is missing, so the browser tests are skipped (apt-get install chromium)`);

describe.skipIf(noChromium)(`GraphiQL in Chromium with no network but this server${noChromium ? ` (skipped: ${CHROMIUM} is missing)` : ''}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
        // Belt and braces under the routing below: no name resolves, so nothing leaves loopback.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
  });
  afterAll(() => browser?.close());

  /**
   * A page that reaches only the test server, optionally behind `prefix` the way a reverse proxy
   * would put it (`/ops/graphql` → `/graphql`). `elsewhere` lists every request it tried beyond
   * that, each aborted as if offline; `errors` the page's uncaught errors.
   */
  async function offlinePage(prefix = ''): Promise<{ page: Page; context: BrowserContext; elsewhere: string[]; errors: string[] }> {
    const context = await browser.newContext();
    const origin = new URL(server.url).origin;
    const elsewhere: string[] = [];
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin === origin && url.pathname.startsWith(`${prefix}/`)) {
        if (!prefix) return route.continue();
        url.pathname = url.pathname.slice(prefix.length);
        return route.fulfill({ response: await route.fetch({ url: url.href }) });
      }
      elsewhere.push(url.href);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return { page, context, elsewhere, errors };
  }

  async function openGraphiQL(page: Page, url: string): Promise<void> {
    await page.goto(url);
    await page.locator('.graphiql-query-editor .monaco-editor').waitFor();
    expect(await page.locator('body').innerText()).not.toContain('Loading');
  }

  /** Runs the operation in a tab and returns what the result pane shows once it contains `expected`. */
  async function run(page: Page, tab: 'Chamados' | 'SignIn', expected: string): Promise<string> {
    // Tabs are framer-motion drag items that swallow Playwright's instant press-release; a
    // click event is what a person's click delivers.
    await page.locator('.graphiql-tab-button', { hasText: tab }).dispatchEvent('click');
    // Monaco renders spaces as U+00A0.
    await expect.poll(async () => (await page.locator('.graphiql-query-editor').innerText()).replace(/\s/g, ' ')).toContain(`${tab} {`);
    // GraphiQL takes the tab's operation name from the editor a moment after the switch; running
    // sooner sends the previous tab's name ("Cannot infer operation").
    await page.waitForTimeout(1000);
    await page.locator('.graphiql-execute-button').click();
    const pane = page.locator('.graphiql-response');
    await expect.poll(async () => (await pane.innerText()).replace(/\s/g, ' '), { timeout: 15_000 }).toContain(expected);
    return (await pane.innerText()).replace(/\s/g, ' ');
  }

  it('renders the editor, signs in through the SignIn tab and runs a signed-in query', async () => {
    const { page, context, elsewhere, errors } = await offlinePage();
    await openGraphiQL(page, `${server.url}/graphql`);
    await expect.poll(() => page.locator('.graphiql-tab-active').innerText()).toBe('SignIn');

    await run(page, 'Chamados', '"UNAUTHENTICATED"');
    await run(page, 'SignIn', '"token"');
    expect(await run(page, 'Chamados', '"totalCount"')).not.toContain('UNAUTHENTICATED');
    await page.screenshot({ path: '/tmp/graphiql.png' });

    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('works behind a path prefix and takes a token from #token=, which #token= alone drops', async () => {
    const { page, context, elsewhere, errors } = await offlinePage('/ops');
    const origin = new URL(server.url).origin;
    await openGraphiQL(page, `${origin}/ops/graphql#token=${await server.token('viewer')}`);
    expect(page.url()).toBe(`${origin}/ops/graphql`);

    expect(await run(page, 'Chamados', '"totalCount"')).not.toContain('UNAUTHENTICATED');
    // GraphiQL sends through the page's fetch, which adds the kept token unless the request already
    // carries one (a header typed in the Headers pane).
    const me = (authorization?: string): Promise<string | null> =>
      page.evaluate(async (auth) => {
        const res = await fetch(location.pathname, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
          body: JSON.stringify({ query: '{ me { username } }' }),
        });
        return ((await res.json()) as { data?: { me: { username: string } | null } }).data?.me?.username ?? null;
      }, authorization);
    expect(await me()).toBe('viewer');
    expect(await me('Bearer not-a-token')).toBeNull();

    await page.goto(`${origin}/ops/graphql#token=`);
    await run(page, 'Chamados', '"UNAUTHENTICATED"');

    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
