/*
 * The fixed-cost floor: graphql-js `execute` straight on node:http, POST /graphql, the same
 * one-field schema as bare-yoga. Parsing and validation are cached per document (bounded), as
 * any server that wants to be fast does, so a request costs the JSON body, one `execute` and
 * one JSON answer. No auth, no limits. Sends no SQL.
 */
import { createServer, type ServerResponse } from 'node:http';
import { buildSchema, execute, parse, validate, type DocumentNode, type GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import { answerStats, listenAndAnnounce, readBody, referencePort } from './lifecycle.ts';

const schema = buildSchema(/* GraphQL */ `
  "The only type: the benchmark asks for { __typename }."
  type Query {
    "Always true; present because a query type needs a field."
    ok: Boolean!
  }
`);
const rootValue = { ok: true };

type Prepared = { document: DocumentNode } | { errors: readonly GraphQLError[] };
const prepared = new LRUCache<string, Prepared>({ max: 1000 });

function prepare(source: string): Prepared {
  const cached = prepared.get(source);
  if (cached) return cached;
  let result: Prepared;
  try {
    const document = parse(source);
    const errors = validate(schema, document);
    result = errors.length > 0 ? { errors } : { document };
  } catch (error) {
    result = { errors: [error as GraphQLError] };
  }
  prepared.set(source, result);
  return result;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  if (answerStats(req, res, () => 0)) return;
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { errors: [{ message: 'POST /graphql only' }] });
  const raw = await readBody(req, 1_048_576);
  if (raw === null) return send(res, 413, { errors: [{ message: 'body too large' }] });
  let params: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    params = JSON.parse(raw) as typeof params;
  } catch {
    return send(res, 400, { errors: [{ message: 'malformed JSON body' }] });
  }
  if (typeof params?.query !== 'string') return send(res, 400, { errors: [{ message: 'query must be a string' }] });
  const ready = prepare(params.query);
  if ('errors' in ready) return send(res, 400, { errors: ready.errors });
  const result = await execute({
    schema,
    document: ready.document,
    rootValue,
    variableValues: (params.variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: typeof params.operationName === 'string' ? params.operationName : undefined,
  });
  send(res, 200, result);
});
await listenAndAnnounce(server, referencePort());
