import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { z } from 'zod';

/** The allow-list file (scripts/build-persisted-operations.ts writes it): sha256 hex of a document → the document. */
const allowListFile = z.record(z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hash in lowercase hex'), z.string().min(1));

export type AllowList = ReadonlyMap<string, string>;

/** Reads and validates the file once, at start: a missing or malformed allow-list is a start-up error, never "allow all". */
export function loadAllowList(file: string): AllowList {
  const parsed = allowListFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`PERSISTED_OPERATIONS_FILE ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return new Map(Object.entries(parsed.data));
}

// Codes a client can act on; the plugin's defaults (CANNOT_SEND_PQ_ID_AND_BODY …) describe APQ, not an allow-list.
const refusal = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });
const refusals = {
  persistedQueryOnly: () => refusal('only persisted operations are accepted: send extensions.persistedQuery.sha256Hash or documentId', 'PERSISTED_QUERY_ONLY'),
  notFound: () => refusal('this operation is not in the allow-list', 'PERSISTED_QUERY_NOT_FOUND'),
  keyNotFound: () => refusal('no operation: send extensions.persistedQuery.sha256Hash or documentId', 'PERSISTED_QUERY_ID_REQUIRED'),
};

interface OperationRequest {
  query?: unknown;
  documentId?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } } | null;
}

/**
 * The operation's id, in either shape a client sends it: Apollo's `extensions.persistedQuery.sha256Hash`
 * or the GraphQL-over-HTTP `documentId` (body or GET query string, bare or as `sha256:<hash>`).
 */
function operationIdOf(params: OperationRequest, request: Request | undefined): string | null {
  const apollo = params.extensions?.persistedQuery?.sha256Hash;
  if (typeof apollo === 'string') return apollo.replace(/^sha256:/, '');
  const documentId = params.documentId ?? (request?.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : null);
  return typeof documentId === 'string' ? documentId.replace(/^sha256:/, '') : null;
}

/**
 * PERSISTED_OPERATIONS_FILE: /graphql runs only the operations of the allow-list, named by hash;
 * any document sent as text, or an unknown hash, is refused before parsing, so no resolver runs.
 *
 * Two doors lead to execution. HTTP (GET, POST and SSE) goes through yoga's `onParams`, where
 * @graphql-yoga/plugin-persisted-operations swaps the hash for its document. graphql-ws builds
 * its envelope itself (src/edge/envelope.ts) and never calls `onParams`, so for its subscribes
 * (recognised by the `socket` the transport puts in the context) the same swap happens when the
 * envelope opens, and the refusal is thrown when it parses. The REST shims and the legacy live
 * socket also open envelopes, but with fixed documents of this server and no `socket`: they are
 * ours, not a client's, so they are not asked for a hash and keep working with the list on.
 */
export function persistedOperations(allowList: AllowList): Plugin[] {
  const refusedSubscribes = new WeakMap<object, GraphQLError>();
  return [
    usePersistedOperations({
      getPersistedOperation: (id) => allowList.get(id) ?? null,
      extractPersistedOperationId: (params, request) => operationIdOf(params as OperationRequest, request),
      customErrors: refusals,
    }),
    {
      onEnveloped({ context }) {
        if (!context || !('socket' in context)) return;
        const params = (context as { params?: OperationRequest }).params;
        if (!params) return;
        const id = operationIdOf(params, undefined);
        const document = id === null ? undefined : allowList.get(id);
        if (params.query) refusedSubscribes.set(context, refusals.persistedQueryOnly());
        else if (id === null) refusedSubscribes.set(context, refusals.keyNotFound());
        else if (document === undefined) refusedSubscribes.set(context, refusals.notFound());
        // The envelope parses `params.query` when it prepares, so the hash becomes its document here.
        else params.query = document;
      },
      onParse({ context }) {
        const refused = refusedSubscribes.get(context);
        if (refused) throw refused;
      },
    },
  ];
}
