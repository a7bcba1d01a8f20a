import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_GRAPHQL_BODY_BYTES } from '../src/edge/http/request-body-limit.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/*
 * The size limit on /graphql bodies holds whether the sender states the length or streams the
 * body in chunks; and multipart (file upload) requests are not parsed at all.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const TYPENAME = JSON.stringify({ query: '{ __typename }' });

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** POSTs to /graphql over a socket; `chunks` are written one by one (chunked unless content-length is given). */
function post(headers: Record<string, string>, chunks: (string | Buffer)[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A socket of its own: one refused before its body arrived cannot carry another request.
    const options = {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    };
    const req = httpRequest(`${server.url}/graphql`, options, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    // The server may answer (and close) before it has read everything sent.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('GraphQL request body limit', () => {
  it('answers a body within the limit, whether its length is stated or streamed', async () => {
    const stated = await post({ 'content-length': String(Buffer.byteLength(TYPENAME)) }, [TYPENAME]);
    expect(stated.status).toBe(200);
    expect(JSON.parse(stated.body)).toEqual({ data: { __typename: 'Query' } });
    const streamed = await post({}, [TYPENAME.slice(0, 10), TYPENAME.slice(10)]);
    expect(streamed.status).toBe(200);
    expect(JSON.parse(streamed.body)).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a stated length over the limit with 413 before the body arrives', async () => {
    const answer = await post({ 'content-length': String(MAX_GRAPHQL_BODY_BYTES + 1) }, []);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('refuses a chunked body once it passes the limit with 413', async () => {
    const padding = Buffer.alloc(1024 * 1024, ' ');
    const chunks = Array.from({ length: Math.ceil(MAX_GRAPHQL_BODY_BYTES / padding.length) + 1 }, () => padding);
    const answer = await post({}, chunks);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('does not parse multipart requests: no field takes a file', async () => {
    const answer = await post({ 'content-type': 'multipart/form-data; boundary=x' }, [
      '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n',
      TYPENAME,
      '\r\n--x--\r\n',
    ]);
    expect(answer.status).toBe(415);
  });
});
