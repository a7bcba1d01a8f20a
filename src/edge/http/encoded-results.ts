import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { utf8JsonOfLongLists, utf8Of } from './utf8-json.ts';

/**
 * Text of at least this many UTF-16 code units is sent as bytes. Below it a string costs nothing
 * measurable either way (`{ __typename }`, a mutation's payload), so it stays a string.
 */
export const ENCODE_FROM_LENGTH = 8192;

/** How yoga serialises a result: the result's own `stringify` when it has one (graphql-jit sets it), else JSON.stringify. */
type Stringify = (result: ExecutionResult) => string;
type WithStringify = ExecutionResult & { stringify?: Stringify };

/**
 * Large GraphQL answers leave as UTF-8 bytes encoded once, not as a string. Yoga hands a string
 * body to Node, which measures its UTF-8 length (for Content-Length) and then converts it again
 * while writing it to the socket; a body with any character beyond Latin-1 ('—', '→' in titles and
 * summaries) is a two-byte string, the slow case of both. For the console's 50-chamado list
 * (~158 KB) that was ~1.2–1.7 ms of its ~8.6 ms of CPU per request; TextEncoder does the one
 * conversion in ~0.45 ms, and a Buffer body is written as it is.
 *
 * The hook is the one graphql-jit's plugin uses (`result.stringify`, which yoga's JSON result
 * processor calls, and passes on to the Response as its body). The text is JSON.stringify's either
 * way: the serialiser the result came with (graphql-jit's is JSON.stringify, compiled-execution.ts
 * asks for no custom one), or utf8-json.ts's walk, which writes the same bytes. Yoga never batches
 * operations here (no `batching` option), so a result is never joined into a larger text; a
 * streamed result (@defer/@stream, subscriptions) is left alone.
 */
export function encodedResults(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          const withStringify = result as WithStringify;
          const serialise = withStringify.stringify ?? JSON.stringify;
          // Typed as the string yoga expects: its result processor passes it to `new Response(...)`, which takes either.
          withStringify.stringify = (value) => jsonBody(value, () => serialise(value)) as string;
        },
      };
    },
  };
}

/**
 * `value`'s JSON as a response body (GraphQL answers through the hook above, the REST shims' in
 * src/edge/rest/router.ts): an answer with a long list is written straight to UTF-8 member by
 * member (utf8-json.ts, JSON.stringify's text); any other is stringified, and sent as bytes when large.
 */
export function jsonBody(value: unknown, text: () => string = () => JSON.stringify(value)): string | Buffer<ArrayBuffer> {
  return utf8JsonOfLongLists(value) ?? utf8WhenLarge(text());
}

/** The text as UTF-8 bytes when it is large, else the text itself. */
function utf8WhenLarge(text: string): string | Buffer<ArrayBuffer> {
  return text.length < ENCODE_FROM_LENGTH ? text : utf8Of(text);
}
