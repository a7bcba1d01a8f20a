import { GraphQLError, visit, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/*
 * PostgreSQL's text and jsonb cannot hold U+0000, so a NUL in any string that reaches a column
 * fails deep in a write and used to come back as a masked 500. It is refused up front instead, for
 * every operation on every transport (yoga's envelope: /graphql, REST shims, graphql-ws, SSE), as a
 * BAD_USER_INPUT (REST 400) that changes nothing. Webhook bodies are the one exception: nothing
 * accepted may be lost, so ingestion replaces the character there (src/services/ingest).
 */

const NUL = '\u0000';

function valueHasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(valueHasNul);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, inner]) => key.includes(NUL) || valueHasNul(inner));
  }
  return false;
}

/** Per document: yoga's parser cache hands back the same document for the same text, so it is walked once. */
const documentsWithNul = new WeakMap<DocumentNode, boolean>();

function documentHasNul(document: DocumentNode): boolean {
  let found = documentsWithNul.get(document);
  if (found !== undefined) return found;
  found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes(NUL)) found = true;
    },
  });
  documentsWithNul.set(document, found);
  return found;
}

function refusal() {
  return {
    // Refused before execution, so there is no data: over HTTP that is a 400, not a 200.
    errors: [new GraphQLError('text may not contain the NUL character (U+0000)', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } })],
  };
}

const carriesNul = (args: ExecutionArgs): boolean => valueHasNul(args.variableValues) || documentHasNul(args.document);

export function rejectNulText(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (carriesNul(args)) setResultAndStopExecution(refusal());
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (carriesNul(args)) setResultAndStopExecution(refusal());
    },
  };
}
