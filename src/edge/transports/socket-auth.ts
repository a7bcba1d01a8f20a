import jwt from 'jsonwebtoken';
import { actorById } from '../../services/auth/accounts.ts';
import { verifyToken } from '../../services/auth/tokens.ts';
import type { Config } from '../../config.ts';
import type { App } from '../../yoga.ts';
import { openEnvelope } from '../envelope.ts';

/** What the watch needs of a socket: ws's WebSocket, as both transports hold it. */
export interface ClosableSocket {
  close(code: number, reason: string): void;
}

/** The close code for "your credentials no longer hold", the one graphql-ws uses at connect. */
export const CLOSE_FORBIDDEN = 4403;

interface Watched {
  userId: number;
  expiresAtMs: number;
  sinceMs: number;
}

/** The verified token's `exp` in ms; a token without one never verifies (verifyToken requires it). */
function expiresAtMs(token: string): number {
  const { exp } = jwt.decode(token) as { exp: number };
  return exp * 1000;
}

/**
 * A socket is authenticated once, when it opens; without this, a token that expires or a user who
 * is disabled afterwards would stream for as long as the client kept the socket open. One sweep
 * per transport, every `config.live.authRecheckMs` (WS_AUTH_RECHECK), closes with 4403:
 *  - sockets whose token expired (so within one period of `exp`);
 *  - sockets whose user is disabled or gone, by the same `actorById` every request's context
 *    uses, once per distinct user. A socket younger than one period is left to the check each
 *    subscribe makes (its context is built from the token), so a client refused there gets its
 *    UNAUTHENTICATED answer instead of racing a close: a user disabled while connected is cut off
 *    within two periods.
 */
export function socketAuthWatch(app: App, config: Config) {
  const periodMs = config.live.authRecheckMs;
  const watched = new Map<ClosableSocket, Watched>();
  let sweeping = false;

  const revoke = (socket: ClosableSocket, reason: string) => {
    watched.delete(socket);
    socket.close(CLOSE_FORBIDDEN, reason);
  };

  async function sweep(): Promise<void> {
    const now = Date.now();
    const byUser = new Map<number, ClosableSocket[]>();
    for (const [socket, w] of watched) {
      if (w.expiresAtMs <= now) revoke(socket, 'token expired');
      else if (now - w.sinceMs >= periodMs) {
        // Pushed, not spread: a thousand sockets of one console user would copy the list a thousand times.
        const sockets = byUser.get(w.userId);
        if (sockets) sockets.push(socket);
        else byUser.set(w.userId, [socket]);
      }
    }
    if (byUser.size === 0) return;
    // A context only for its EntityManager: the transport holds no ORM, and this is the same fork
    // (own identity map) every request gets.
    const { em } = await openEnvelope(app, new Request('http://internal/graphql'), { query: '' }).context();
    await Promise.all(
      [...byUser].map(async ([userId, sockets]) => {
        if (await actorById(em, userId)) return;
        for (const socket of sockets) if (watched.has(socket)) revoke(socket, 'user not allowed any more');
      }),
    );
  }

  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweep()
      .catch((err: unknown) => app.logger.error('socket auth sweep failed', err))
      .finally(() => (sweeping = false));
  }, periodMs);
  timer.unref();

  /** The user a token admits now: it verifies and has not expired (verifyToken allows some skew). */
  const admitted = (token: string): { userId: number; expiresAtMs: number } | null => {
    const userId = verifyToken(config.jwt, token);
    if (userId === null) return null;
    const expiry = expiresAtMs(token);
    return expiry > Date.now() ? { userId, expiresAtMs: expiry } : null;
  };

  return {
    /** Whether a socket opened with `token` may be accepted. */
    admits: (token: string): boolean => admitted(token) !== null,
    /** Starts watching a socket opened with `token`; false (and nothing watched) when it is not admitted. */
    watch(socket: ClosableSocket, token: string): boolean {
      const admission = admitted(token);
      if (!admission) return false;
      watched.set(socket, { ...admission, sinceMs: Date.now() });
      return true;
    },
    forget(socket: ClosableSocket): void {
      watched.delete(socket);
    },
    stop(): void {
      clearInterval(timer);
      watched.clear();
    },
  };
}
