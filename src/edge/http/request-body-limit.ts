import { IncomingMessage } from 'node:http';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * The most bytes a GraphQL request's body may have: yoga's own default, kept (see below for why
 * yoga's plugin is replaced rather than configured).
 */
export const MAX_GRAPHQL_BODY_BYTES = 25_000_000;

const tooLarge = () =>
  createGraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });
const invalidLength = () =>
  createGraphQLError('Content-Length header is invalid.', { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });

/** One non-negative integer; anything else (a comma-joined list, as in request smuggling) is refused. */
const CONTENT_LENGTH = /^\d+$/;

/**
 * Yoga's body-size limit (`maxRequestBodySize`, turned off in yoga.ts in favour of this), with the
 * same answers: 413 when Content-Length says too much, 400 when it is not a number, 413 once a
 * streamed body passes the limit. Yoga wraps every body in a counting TransformStream, a stream
 * pipeline and a new Request; that wrapping was a sixth of the CPU of a small request. It is only
 * needed when the length is unknown: node's HTTP parser hands on exactly Content-Length bytes (and
 * refuses a request that also says Transfer-Encoding), so a request read from a socket whose
 * Content-Length is within the limit cannot bring more. Chunked bodies, and requests built in
 * process, are still counted as they stream.
 *
 * Placed after every request parser (yoga's and any plugin's), so it wraps the one that was chosen.
 */
export function requestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, serverContext, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (!CONTENT_LENGTH.test(declared)) throw invalidLength();
        if (Number(declared) > limit) throw tooLarge();
        if ((serverContext as { req?: unknown }).req instanceof IncomingMessage) return;
      }
      if (!requestParser || !request.body) return;
      setRequestParser((req) => requestParser(countedBody(req, limit, fetchAPI)));
    },
  };
}

type FetchApi = Parameters<NonNullable<Plugin['onRequestParse']>>[0]['fetchAPI'];

/** The request with its body counted as it streams: past `limit` bytes the stream fails with a 413. */
function countedBody(request: Request, limit: number, fetchAPI: FetchApi): Request {
  // A native stream (a Request built with the global fetch API) pipes only into a native TransformStream.
  const TransformStreamImpl = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let bytesRead = 0;
  const body = request.body!.pipeThrough(
    new TransformStreamImpl<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytesRead += chunk.byteLength;
        if (bytesRead > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body,
    duplex: 'half',
  } as RequestInit);
}
