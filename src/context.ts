import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { Loaders } from './loaders.ts';
import { bearerToken, verifyToken } from './services/auth/tokens.ts';
import type { ViewerCache } from './services/auth/viewer-cache.ts';
import type { Actor } from './services/actor.ts';
import type { RunbookQueue } from './services/runbooks/queue.ts';
import type { LiveDelivery, LivePubSub } from './services/live/pubsub.ts';
import type { PortalAssistClient } from './services/assist/portal-client.ts';

/** Why a request has no viewer: no credentials at all, or credentials that did not verify. */
export type AuthProblem = 'missing' | 'invalid' | null;

/**
 * The machine caller holding the operator key (`X-Operator-Key`, DOMAIN.md): separate from the
 * viewer, because synthetic calls (provider heartbeats) are made by schedulers, not people.
 */
export interface OperatorPrincipal {
  status: 'missing' | 'invalid' | 'valid';
}

/** Why a request may not act as the operator, said the same way by GraphQL and REST; null when it may. */
export function operatorRefusal(
  operator: OperatorPrincipal,
): { code: 'UNAUTHENTICATED' | 'FORBIDDEN'; status: 401 | 403; message: string } | null {
  if (operator.status === 'valid') return null;
  return operator.status === 'invalid'
    ? { code: 'FORBIDDEN', status: 403, message: 'the operator key does not match' }
    : { code: 'UNAUTHENTICATED', status: 401, message: 'X-Operator-Key required' };
}

export interface Context {
  em: EntityManager;
  assist: PortalAssistClient;
  pubsub: LivePubSub;
  queue: RunbookQueue;
  viewer: Actor | null;
  authProblem: AuthProblem;
  /** The caller's IP address when the transport passes it (per-address login limits), else null. */
  clientAddress: string | null;
  operator: OperatorPrincipal;
  loaders: Loaders;
  config: Config;
  log: Logger;
  requestId: string;
}

export interface AppDeps {
  orm: MikroORM;
  assist: PortalAssistClient;
  pubsub: LivePubSub;
  /** How live pokes travel now (in-process, through Redis, or Redis unreachable), for /health. */
  liveDelivery?: () => LiveDelivery;
  queue: RunbookQueue;
  /** Who a token's user is, cached across requests and dropped when PostgreSQL says the user changed. */
  viewers: ViewerCache;
  config: Config;
  log: Logger;
}

/** Where the lazy members keep what they made, on the context object itself (one per request). */
const DEPS = Symbol('app deps');
const EM = Symbol('entity manager');
const LOADERS = Symbol('loaders');
const LOG = Symbol('request log');

/**
 * The members a request pays for only when it uses them: the forked EntityManager, the
 * DataLoaders and the request's logger (a request answered from memory, `{ __typename }` with a
 * cached viewer, makes none). They are accessors on the context's prototype, so building a context
 * defines no property and allocates no closure; they are settable, as plain fields were (a
 * subscription replaces its loaders: resolvers/live.ts). Accessors are not enumerable, so yoga's
 * and envelop's Object.assign onto the context never calls them.
 */
class LazyMembers {
  declare requestId: string;
  declare [DEPS]: AppDeps;
  declare [EM]: EntityManager | undefined;
  declare [LOADERS]: Loaders | undefined;
  declare [LOG]: Logger | undefined;

  get em(): EntityManager {
    return (this[EM] ??= this[DEPS].orm.em.fork({ loggerContext: { requestId: this.requestId } }) as EntityManager);
  }
  set em(value: EntityManager) {
    this[EM] = value;
  }
  get loaders(): Loaders {
    return (this[LOADERS] ??= new Loaders(this.em));
  }
  set loaders(value: Loaders) {
    this[LOADERS] = value;
  }
  get log(): Logger {
    return (this[LOG] ??= this[DEPS].log.child({ requestId: this.requestId }));
  }
  set log(value: Logger) {
    this[LOG] = value;
  }
}

/**
 * One context per request: a forked EntityManager (its own identity map and unit of work), the
 * viewer from the bearer token, and fresh DataLoaders. Nothing here outlives the request.
 *
 * It is built in `into` — yoga's context object itself, which every plugin and resolver then
 * sees (a plain object of this request: the server context, `request`, `params`) — given the lazy
 * members above as its prototype. A viewer already in memory is answered synchronously, so yoga
 * goes on without a promise; otherwise the one lookup is awaited.
 */
export function createContext(
  deps: AppDeps,
  request: Request,
  requestId: string,
  clientAddress: string | null = null,
  into: object = {},
): Context | Promise<Context> {
  const ctx = Object.setPrototypeOf(into, LazyMembers.prototype) as Context & LazyMembers;
  ctx[DEPS] = deps;
  ctx.requestId = requestId;
  ctx.assist = deps.assist;
  ctx.pubsub = deps.pubsub;
  ctx.queue = deps.queue;
  ctx.config = deps.config;
  ctx.clientAddress = clientAddress;
  ctx.operator = operatorOf(request.headers.get('x-operator-key'), deps.config);
  const { token, userId } = bearerOf(request, deps.config);
  const known = userId ? deps.viewers.cached(userId) : undefined;
  if (!userId || known) return withViewer(ctx, token, known ?? null);
  return deps.viewers.actor(userId, () => ctx.em).then((viewer) => withViewer(ctx, token, viewer));
}

function withViewer(ctx: Context, token: string | null, viewer: Actor | null): Context {
  ctx.viewer = viewer;
  ctx.authProblem = !token ? 'missing' : viewer ? null : 'invalid';
  return ctx;
}

/** A request's bearer token and the user it was issued to (null when missing or not valid). */
interface Bearer {
  token: string | null;
  userId: number | null;
}

const bearers = new WeakMap<Request, Bearer>();

/**
 * The request's bearer token, verified once per request: validation (may this caller introspect?)
 * asks before the context exists, and the context asks again.
 */
export function bearerOf(request: Request, config: Config): Bearer {
  let bearer = bearers.get(request);
  if (!bearer) {
    const token = bearerToken(request.headers.get('authorization'));
    bearer = { token, userId: token ? verifyToken(config.jwt, token) : null };
    bearers.set(request, bearer);
  }
  return bearer;
}

/**
 * The caller's IP address from the socket node:http handed to yoga (its server context). Never
 * from X-Forwarded-For: a header the caller writes would let it pick its own limit bucket.
 */
export function clientAddressOf(serverContext: Record<string, unknown>): string | null {
  return (serverContext.req as IncomingMessage | undefined)?.socket?.remoteAddress ?? null;
}

/** The operator principals, shared by every request (nothing writes to a context's `operator`). */
const OPERATOR: Record<OperatorPrincipal['status'], OperatorPrincipal> = {
  missing: Object.freeze({ status: 'missing' }),
  invalid: Object.freeze({ status: 'invalid' }),
  valid: Object.freeze({ status: 'valid' }),
};

/**
 * Compares SHA-256 digests so the comparison takes the same time whatever the key's length or
 * its first wrong byte. An empty header counts as missing.
 */
function operatorOf(given: string | null, config: Config): OperatorPrincipal {
  if (!given) return OPERATOR.missing;
  const keys = [config.operatorKey, config.operatorKeyPrevious];
  const digest = (text: string) => createHash('sha256').update(text).digest();
  // Every configured key is compared (the current and, during a rotation, the previous one), so
  // the time taken does not say which matched.
  const matches = keys.filter((k): k is string => Boolean(k)).map((k) => timingSafeEqual(digest(given), digest(k)));
  return matches.some(Boolean) ? OPERATOR.valid : OPERATOR.invalid;
}

/**
 * The viewer of a resolver whose auth scope already required one. A missing viewer here is a
 * wiring bug (a field without its scope), not a client error, so it fails loudly and is masked.
 */
export function requireViewer(ctx: Context): Actor {
  if (!ctx.viewer) throw new Error('resolver reached without a viewer: is its auth scope missing?');
  return ctx.viewer;
}
