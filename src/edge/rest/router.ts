import { print } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { operatorRefusal, type AppDeps } from '../../context.ts';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from '../../db/unavailable.ts';
import type { App } from '../../yoga.ts';
import { executeThroughEnvelope, openEnvelope } from '../envelope.ts';
import { jsonBody } from '../http/encoded-results.ts';
import { fromGraphQLErrors, RestError } from './errors.ts';
import { fastApiBodyError, fastApiFromBadInput, fastApiJsonError } from './fastapi-validation.ts';
import { compilePath, type RestRoute } from './route.ts';

interface CompiledRoute {
  route: RestRoute<unknown>;
  match: (pathname: string) => Record<string, string> | null;
  /** The route's operation as text, for the envelope's parser (and its cache). */
  query: string;
}

const MAX_BODY_BYTES = 1024 * 1024;

type ResponseCtor = typeof Response;

function jsonResponse(ResponseImpl: ResponseCtor, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new ResponseImpl(jsonBody(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

async function readBody(request: Request, route: RestRoute<unknown>): Promise<unknown> {
  if (!route.body) return undefined;
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) throw new RestError(413, 'PAYLOAD_TOO_LARGE', `body over ${MAX_BODY_BYTES} bytes`);
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new RestError(413, 'PAYLOAD_TOO_LARGE', `body over ${MAX_BODY_BYTES} bytes`);
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw route.validation === 'fastapi' ? fastApiJsonError() : new RestError(400, 'MALFORMED_JSON', 'the body is not valid JSON');
    }
  }
  const parsed = route.body.safeParse(value);
  if (!parsed.success) {
    if (route.validation === 'fastapi') throw fastApiBodyError(parsed.error, value);
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    throw new RestError(400, 'BAD_REQUEST', issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues });
  }
  return parsed.data;
}

/**
 * Serves the legacy REST paths from a table of routes. Each request runs its route's GraphQL
 * operation through yoga's envelope (src/edge/envelope.ts), exactly as /graphql would: the same
 * context, auth and role checks, limits, plugins and error masking.
 *
 * `app` is a getter because this plugin is part of the app it executes through: yoga.ts builds
 * the plugin list before createYoga returns, and the getter is first called on a request.
 */
export function restRouter(deps: AppDeps, app: () => App, routes: RestRoute<any>[]): Plugin {
  const compiled: CompiledRoute[] = routes.map((route) => ({ route, match: compilePath(route.path), query: print(route.document) }));
  const handle = async (request: Request, url: URL, ResponseImpl: ResponseCtor, serverContext: Record<string, unknown>): Promise<Response | null> => {
    const json = (status: number, body: unknown, headers?: Record<string, string>) =>
      jsonResponse(ResponseImpl, status, body, headers);
    const allowed = new Set<string>();
    for (const { route, match, query } of compiled) {
      const params = match(url.pathname);
      if (!params) continue;
      if (route.method !== request.method) {
        allowed.add(route.method);
        continue;
      }
      try {
        const envelope = openEnvelope(app(), request, { query }, serverContext);
        const contextValue = await envelope.context();
        // Who you are is answered before what you sent: without valid credentials a bad body
        // is still a 401, so a caller is never told more than that it must sign in.
        if (route.operator) {
          const refusal = operatorRefusal(contextValue.operator);
          if (refusal) throw new RestError(refusal.status, refusal.code, refusal.message);
        } else if (!route.public && !contextValue.viewer) {
          const invalid = contextValue.authProblem === 'invalid';
          throw new RestError(401, 'UNAUTHENTICATED', invalid ? 'invalid or expired token' : 'authentication required');
        }
        const input = { params, query: url.searchParams, body: await readBody(request, route) };
        envelope.params.variables = route.variables(input);
        const result = await executeThroughEnvelope(envelope, contextValue);
        if (result.errors?.length) {
          const first = result.errors[0]!;
          if (route.validation === 'fastapi' && first.extensions?.code === 'BAD_USER_INPUT') {
            const [where, given] = route.body ? (['body', input.body] as const) : (['query', Object.fromEntries(url.searchParams)] as const);
            throw fastApiFromBadInput(first, where, given as Record<string, unknown>);
          }
          const restError = fromGraphQLErrors(result.errors);
          if (restError.status >= 500) deps.log.error({ err: result.errors[0], path: url.pathname }, 'REST shim failed');
          throw restError;
        }
        const [status, body] = route.respond(result.data as Record<string, unknown>, input);
        return json(status, body);
      } catch (err) {
        if (err instanceof RestError) return json(err.status, err.body(), err.headers);
        deps.log.error({ err, path: url.pathname }, 'REST shim failed');
        if (isDatabaseUnavailable(err)) {
          return json(503, { error: DATABASE_UNAVAILABLE, message: UNAVAILABLE_MESSAGE }, { 'retry-after': String(RETRY_AFTER_SECONDS) });
        }
        return json(500, { error: 'INTERNAL_SERVER_ERROR', message: 'unexpected error' });
      }
    }
    if (allowed.size) {
      // RFC 9110 §15.5.6: a 405 must say which methods the path does allow.
      const allow = [...allowed].join(', ');
      return json(405, { error: 'METHOD_NOT_ALLOWED', message: `${request.method} is not allowed here` }, { allow });
    }
    if (REST_PREFIX.test(url.pathname)) return json(404, { error: 'NOT_FOUND', message: 'no such path' });
    return null;
  };
  // Only paths under a route's first segment (or the REST prefixes) can be answered here; every
  // other request (/graphql) passes synchronously, without a promise per request.
  const segments = new Set(routes.map((route) => firstSegment(route.path)));
  return {
    onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (!segments.has(firstSegment(url.pathname)) && !REST_PREFIX.test(url.pathname)) return;
      return handle(request, url, fetchAPI.Response, serverContext as Record<string, unknown>).then((response) => {
        if (response) endResponse(response);
      });
    },
  };
}

const REST_PREFIX = /^\/(api|discovery)\//;
const firstSegment = (path: string): string => path.split('/', 2)[1] ?? '';
