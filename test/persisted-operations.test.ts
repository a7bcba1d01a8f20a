import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadAllowList } from '../src/edge/http/persisted-operations.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/*
 * PERSISTED_OPERATIONS_FILE: with the allow-list, /graphql (POST, GET, SSE, graphql-ws) runs only
 * operations named by hash, refuses any other before a resolver (or SQL statement) runs, and the
 * REST shims keep answering; without it, any operation runs as before.
 */

type Json = Record<string, any>;

const ME = 'query PersistedMe { me { username } }';
const CHAMADOS = 'query PersistedChamados { chamados(first: 1) { totalCount } }';
const NOT_LISTED = 'query NotListed { chamados(first: 5) { totalCount edges { node { publicId } } } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const apollo = (document: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(document) } });
const UNKNOWN_HASH = sha256('query Unknown { me { username } }');

const dir = mkdtempSync(path.join(tmpdir(), 'persisted-'));
const allowListFile = path.join(dir, 'allow.json');
writeFileSync(allowListFile, JSON.stringify({ [sha256(ME)]: ME, [sha256(CHAMADOS)]: CHAMADOS }));

let locked: TestServer;
let open: TestServer;
let token: string;

beforeAll(async () => {
  [locked, open] = await Promise.all([startTestServer({ PERSISTED_OPERATIONS_FILE: allowListFile }), startTestServer()]);
  // Signing in through the REST shim (its own fixed document): the allow-list does not list it.
  const login = await locked.rest('POST', '/discovery/v1/authentication', {
    body: { username: 'viewer', password: `base64:${Buffer.from('opsgraph-viewer').toString('base64')}` },
  });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  token = login.body.token;
}, 60_000);

afterAll(async () => {
  await Promise.all([locked?.close(), open?.close()]);
});

async function post(server: TestServer, body: Json, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, statements: res.headers.get('x-sql-statements'), text, json: (headers.accept ? null : JSON.parse(text)) as Json | null };
}

async function get(server: TestServer, params: Record<string, string>) {
  const res = await fetch(`${server.url}/graphql?${new URLSearchParams(params)}`, {
    headers: { accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
  });
  return (await res.json()) as Json;
}

/** One operation over graphql-ws: everything the socket answered for it (results, or the error message's errors). */
async function overSocket(server: TestServer, payload: { query: string; extensions?: Json }): Promise<{ data?: Json; errors?: Json[] }> {
  const client = createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  try {
    return await new Promise((resolve, reject) => {
      let last: { data?: Json; errors?: Json[] } = {};
      client.subscribe(payload, {
        next: (value) => (last = value as never),
        error: (err) => (Array.isArray(err) ? resolve({ errors: err as Json[] }) : reject(err)),
        complete: () => resolve(last),
      });
    });
  } finally {
    await client.dispose();
  }
}

describe('with PERSISTED_OPERATIONS_FILE', () => {
  it('runs a listed operation named by its sha256 over POST, GET and documentId', async () => {
    const byApollo = await post(locked, { extensions: apollo(ME) });
    expect(byApollo.json).toEqual({ data: { me: { username: 'viewer' } } });
    const byDocumentId = await post(locked, { documentId: `sha256:${sha256(CHAMADOS)}` });
    expect(byDocumentId.json?.data?.chamados.totalCount).toEqual(expect.any(Number));
    expect(Number(byDocumentId.statements)).toBeGreaterThan(0);
    expect(await get(locked, { extensions: JSON.stringify(apollo(ME)) })).toEqual({ data: { me: { username: 'viewer' } } });
    expect(await get(locked, { documentId: sha256(ME) })).toEqual({ data: { me: { username: 'viewer' } } });
  });

  it('refuses a document sent as text, or an unknown hash, before any resolver runs', async () => {
    for (const [body, code] of [
      [{ query: NOT_LISTED }, 'PERSISTED_QUERY_ONLY'],
      // Even the text of a listed operation: the list names operations by hash, never by what a client sends.
      [{ query: CHAMADOS }, 'PERSISTED_QUERY_ONLY'],
      [{ extensions: { persistedQuery: { version: 1, sha256Hash: UNKNOWN_HASH } } }, 'PERSISTED_QUERY_NOT_FOUND'],
      [{ documentId: UNKNOWN_HASH }, 'PERSISTED_QUERY_NOT_FOUND'],
      [{ variables: {} }, 'PERSISTED_QUERY_ID_REQUIRED'],
    ] as const) {
      const res = await post(locked, body);
      expect(res.json?.data, JSON.stringify(body)).toBeUndefined();
      expect(res.json?.errors?.map((e: Json) => e.extensions?.code), JSON.stringify(body)).toEqual([code]);
      expect(res.statements, `SQL statements for ${JSON.stringify(body)}`).toBe('0');
    }
    const viaGet = await get(locked, { query: NOT_LISTED });
    expect(viaGet.errors?.map((e: Json) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_ONLY']);
  });

  it('applies over SSE', async () => {
    const refused = await post(locked, { query: NOT_LISTED }, { accept: 'text/event-stream' });
    expect(refused.text).toContain('PERSISTED_QUERY_ONLY');
    expect(refused.text).not.toContain('totalCount');
    const allowed = await post(locked, { extensions: apollo(ME) }, { accept: 'text/event-stream' });
    expect(allowed.text).toContain('"username":"viewer"');
  });

  it('applies over graphql-ws', async () => {
    expect(await overSocket(locked, { query: '', extensions: apollo(ME) })).toEqual({ data: { me: { username: 'viewer' } } });
    const refusedText = await overSocket(locked, { query: NOT_LISTED });
    expect(refusedText.data).toBeUndefined();
    expect(refusedText.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_ONLY']);
    const unknown = await overSocket(locked, { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: UNKNOWN_HASH } } });
    expect(unknown.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('keeps the REST shims answering (their documents are the server’s own)', async () => {
    const list = await locked.rest('GET', '/api/v1/chamados?limit=1', { token });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.total).toEqual(expect.any(Number));
  });

  it('keeps the legacy live socket running its own subscription (an unknown chamado is its 4404, not a refusal)', async () => {
    const ws = new WebSocket(`${locked.url.replace(/^http/, 'ws')}/api/v1/chamados/CH-2000-00000/live?token=${encodeURIComponent(token)}`);
    const messages: Json[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    const code = await new Promise<number>((resolve, reject) => {
      ws.on('close', (closeCode) => resolve(closeCode));
      ws.on('error', reject);
    });
    expect(code, JSON.stringify(messages)).toBe(4404);
    expect(JSON.stringify(messages)).not.toContain('PERSISTED');
  });

  it('serves no GraphiQL (anything typed into it would be refused)', async () => {
    const res = await fetch(`${locked.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
  });
});

describe('without PERSISTED_OPERATIONS_FILE', () => {
  it('runs any operation, as before, and serves GraphiQL', async () => {
    const res = await post(open, { query: NOT_LISTED });
    expect(res.json?.errors).toBeUndefined();
    expect(res.json?.data?.chamados.totalCount).toEqual(expect.any(Number));
    const page = await fetch(`${open.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    await page.body?.cancel();
  });
});

describe('the allow-list file', () => {
  it('is refused at start when malformed, never read as "allow all"', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ 'not-a-hash': ME }));
    expect(() => loadAllowList(bad)).toThrow(/PERSISTED_OPERATIONS_FILE/);
  });

  it('npm run persisted:build writes codegen’s documents keyed by their sha256', async () => {
    const out = path.join(dir, 'built.json');
    await promisify(execFile)(process.execPath, ['scripts/build-persisted-operations.ts', out], { timeout: 90_000 });
    const built = loadAllowList(out);
    expect(built.size).toBeGreaterThan(0);
    for (const [hash, document] of built) expect(sha256(document)).toBe(hash);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(Object.fromEntries(built));
  }, 120_000);
});
