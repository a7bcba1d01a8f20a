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
export function operatorRefusal(operator: OperatorPrincipal): { code: 'UNAUTHENTICATED' | 'FORBIDDEN'; status: 401 | 403; message: string } | null {
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

/**
 * One context per request: a forked EntityManager (its own identity map and unit of work), the
 * viewer from the bearer token, and fresh DataLoaders. Nothing here outlives the request.
 *
 * The EntityManager, the DataLoaders and the request's logger are made on first use: a request
 * answered from memory (`{ __typename }`, a cached viewer) never pays for them. They are defined on
 * `into` — yoga passes the context object itself, which every plugin and resolver then sees — as
 * non-enumerable getters, because yoga merges what this returns with Object.assign, which would
 * call an enumerable getter at once.
 */
export async function createContext(
  deps: AppDeps,
  request: Request,
  requestId: string,
  clientAddress: string | null = null,
  into: object = {},
): Promise<Context> {
  let em: EntityManager | undefined;
  let loaders: Loaders | undefined;
  let log: Logger | undefined;
  const forked = () => (em ??= deps.orm.em.fork({ loggerContext: { requestId } }) as EntityManager);
  // Settable, as plain fields were: a subscription replaces its loaders (resolvers/live.ts).
  Object.defineProperties(into, {
    em: { get: forked, set: (value: EntityManager) => void (em = value), configurable: true },
    loaders: { get: () => (loaders ??= new Loaders(forked())), set: (value: Loaders) => void (loaders = value), configurable: true },
    log: { get: () => (log ??= deps.log.child({ requestId })), set: (value: Logger) => void (log = value), configurable: true },
  });
  const token = bearerToken(request.headers.get('authorization'));
  let viewer: Actor | null = null;
  let authProblem: AuthProblem = token ? null : 'missing';
  if (token) {
    const userId = verifyToken(deps.config.jwt, token);
    viewer = userId ? await deps.viewers.actor(userId, forked) : null;
    if (!viewer) authProblem = 'invalid';
  }
  const eager: Omit<Context, 'em' | 'loaders' | 'log'> = {
    assist: deps.assist,
    pubsub: deps.pubsub,
    queue: deps.queue,
    viewer,
    authProblem,
    clientAddress,
    operator: operatorOf(request.headers.get('x-operator-key'), [deps.config.operatorKey, deps.config.operatorKeyPrevious]),
    config: deps.config,
    requestId,
  };
  return Object.assign(into, eager) as Context;
}

/**
 * The caller's IP address from the socket node:http handed to yoga (its server context). Never
 * from X-Forwarded-For: a header the caller writes would let it pick its own limit bucket.
 */
export function clientAddressOf(serverContext: Record<string, unknown>): string | null {
  return (serverContext.req as IncomingMessage | undefined)?.socket?.remoteAddress ?? null;
}

/**
 * Compares SHA-256 digests so the comparison takes the same time whatever the key's length or
 * its first wrong byte. An empty header counts as missing.
 */
function operatorOf(given: string | null, keys: readonly (string | null | undefined)[]): OperatorPrincipal {
  if (!given) return { status: 'missing' };
  const digest = (text: string) => createHash('sha256').update(text).digest();
  // Every configured key is compared (the current and, during a rotation, the previous one), so
  // the time taken does not say which matched.
  const matches = keys.filter((k): k is string => Boolean(k)).map((k) => timingSafeEqual(digest(given), digest(k)));
  return { status: matches.some(Boolean) ? 'valid' : 'invalid' };
}

/**
 * The viewer of a resolver whose auth scope already required one. A missing viewer here is a
 * wiring bug (a field without its scope), not a client error, so it fails loudly and is masked.
 */
export function requireViewer(ctx: Context): Actor {
  if (!ctx.viewer) throw new Error('resolver reached without a viewer: is its auth scope missing?');
  return ctx.viewer;
}
