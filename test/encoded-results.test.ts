import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCODE_FROM_LENGTH, encodedResults } from '../src/edge/http/encoded-results.ts';
import { newChamado, newDomain } from './helpers/factories.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/*
 * Large GraphQL answers leave as UTF-8 bytes encoded once (src/edge/http/encoded-results.ts):
 * the bytes on the wire must be the answer's JSON in UTF-8, whatever its characters — beyond
 * Latin-1 ('—', '→') and beyond the Basic Multilingual Plane (an emoji, two UTF-16 code units) —
 * with a Content-Length that counts those bytes, over plain JSON and over SSE alike.
 */

let server: TestServer;
const domain = newDomain('encoded');
// Long enough that two dozen of them (titles hold 500 characters at most) put the list's answer past the length that is encoded.
const titles = Array.from({ length: 24 }, (_, i) => `Fila ${i} — SMTP → relé ção 🚨 ${'x'.repeat(440)}`);

beforeAll(async () => {
  server = await startTestServer();
  for (const title of titles) await newChamado(server, { title, domain });
});
afterAll(() => server.close());

const LIST = `query Encoded($domain: String) { chamados(first: 50, filter: { domain: $domain }) { edges { node { title } } } }`;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

async function post(accept: string): Promise<Answer> {
  return send('POST', '/graphql', { 'content-type': 'application/json', accept }, JSON.stringify({ query: LIST, variables: { domain } }));
}

/** The answer's exact bytes, as they arrived. */
async function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const token = await server.token('viewer');
  return new Promise((resolve, reject) => {
    const options = { method, headers: { ...headers, authorization: `Bearer ${token}` } };
    const req = httpRequest(`${server.url}${path}`, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const titlesIn = (json: { data: { chamados: { edges: { node: { title: string } }[] } } }) =>
  json.data.chamados.edges.map((e) => e.node.title).sort();

describe('large GraphQL answers sent as bytes', () => {
  it('sends the JSON as UTF-8, every character intact, with the byte length as Content-Length', async () => {
    const answer = await post('application/graphql-response+json');
    expect(answer.status).toBe(200);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(answer.bytes);
    expect(text.length).toBeGreaterThan(ENCODE_FROM_LENGTH);
    expect(Number(answer.headers['content-length'])).toBe(answer.bytes.length);
    expect(answer.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8');
    expect(titlesIn(JSON.parse(text))).toEqual([...titles].sort());
  });

  it('sends the same answer over SSE', async () => {
    const answer = await post('text/event-stream');
    expect(answer.status).toBe(200);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(answer.bytes);
    const data = text.split('\n').find((line) => line.startsWith('data: {'));
    expect(data).toBeDefined();
    expect(titlesIn(JSON.parse(data!.slice('data: '.length)))).toEqual([...titles].sort());
  });

  it("sends a REST shim's large JSON the same way", async () => {
    const answer = await send('GET', `/api/v1/chamados?limit=50&domain=${encodeURIComponent(domain)}`, {});
    expect(answer.status).toBe(200);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(answer.bytes);
    expect(text.length).toBeGreaterThan(ENCODE_FROM_LENGTH);
    expect(Number(answer.headers['content-length'])).toBe(answer.bytes.length);
    expect((JSON.parse(text) as { chamados: { title: string }[] }).chamados.map((c) => c.title).sort()).toEqual([...titles].sort());
  });

  it('hands yoga bytes for a large result and the text itself for a small one', () => {
    const serialised = (result: Record<string, unknown>) => {
      const hooks = (encodedResults().onExecute as (payload: unknown) => { onExecuteDone: (payload: unknown) => void })({});
      hooks.onExecuteDone({ result });
      return (result.stringify as (r: unknown) => unknown)(result);
    };
    const large = serialised({ data: { title: `— ${'x'.repeat(ENCODE_FROM_LENGTH)}` } });
    expect(Buffer.isBuffer(large)).toBe(true);
    expect(JSON.parse((large as Buffer).toString('utf8')).data.title.startsWith('— x')).toBe(true);
    expect(serialised({ data: { __typename: 'Query' } })).toBe('{"data":{"__typename":"Query"}}');
  });
});
