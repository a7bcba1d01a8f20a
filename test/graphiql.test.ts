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

async function graphiqlPage(path = '/graphql'): Promise<{ html: string; url: URL }> {
  const res = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html' } });
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

    const loads: string[] = [];
    const local: string[] = [];
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
        const res = await fetch(new URL(ref, url));
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

  it('stays off in production', async () => {
    const prod = await startTestServer({
      NODE_ENV: 'production',
      JWT_SECRET: 'graphiql-test-secret-0123456789',
      WEBHOOK_SECRET: 'graphiql-test-webhook-secret',
      OPERATOR_KEY: 'graphiql-test-operator-key',
      OPS_SECRET: 'graphiql-test-ops-secret',
      ADMIN_USERNAME: 'graphiql-root',
      ADMIN_PASSWORD: 'graphiql-root-password',
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
if (noChromium) console.warn(`graphiql.test.ts: ${CHROMIUM} is missing, the browser tests are skipped (apt-get install chromium)`);

describe.skipIf(noChromium)(`GraphiQL in Chromium with no network but this server${noChromium ? ` (skipped: ${CHROMIUM} is missing)` : ''}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(() => browser?.close());

  /** A browser context that reaches only the test server; `elsewhere` lists what it tried beyond. */
  async function offlineContext(): Promise<{ context: BrowserContext; elsewhere: string[] }> {
    const context = await browser.newContext();
    const origin = new URL(server.url).origin;
    const elsewhere: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.continue();
      elsewhere.push(url);
      return route.abort('internetdisconnected');
    });
    return { context, elsewhere };
  }

  async function run(page: Page, tab: number): Promise<void> {
    await page.locator('.graphiql-tab').nth(tab).click();
    await page.locator('.graphiql-execute-button').click();
  }

  /** Waits until the result pane shows `text`; returns all it shows. */
  async function answer(page: Page, text: string): Promise<string> {
    const pane = page.locator('.graphiql-response');
    try {
      await expect.poll(() => pane.innerText(), { timeout: 10_000 }).toContain(text);
    } catch (e) {
      await page.screenshot({ path: '/tmp/graphiql-fail.png' });
      console.log('TABS', await page.evaluate(() => document.querySelector('.graphiql-tab')?.parentElement?.outerHTML));
      throw e;
    }
    return pane.innerText();
  }

  it('renders the editor, signs in through the login tab and runs a signed-in query', async () => {
    const { context, elsewhere } = await offlineContext();
    const errors: string[] = [];
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => console.log('console', m.type(), m.text().slice(0, 300)));
    await page.goto(`${server.url}/graphql`);
    try {
      await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor({ timeout: 15000 });
    } catch (e) {
      await page.screenshot({ path: '/tmp/graphiql-fail.png' });
      console.log('elsewhere', elsewhere, errors, (await page.content()).slice(-3000));
      throw e;
    }

    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor();
    expect(await page.locator('body').innerText()).not.toContain('Loading');

    // Not signed in yet: the Chamados tab is refused.
    await run(page, 1);
    await answer(page, 'UNAUTHENTICATED');
    await run(page, 0);
    await answer(page, '"token"');
    await run(page, 1);
    expect(await answer(page, '"totalCount"')).not.toContain('UNAUTHENTICATED');
    await page.screenshot({ path: '/tmp/graphiql.png' });

    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
