import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import type { Role } from '../../../entities/roles.ts';

/** HS256 only: verification pins the algorithm, so `alg: none` and RS/HS confusion are refused. */
const ALGORITHM = 'HS256' as const;

export interface TokenSettings {
  secret: string;
  /**
   * The secret being rotated out (JWT_SECRET_PREVIOUS): tokens it signed stay valid until they
   * expire, so a new JWT_SECRET can be deployed without signing anybody out.
   */
  previousSecret: string | null;
  ttl: string;
  issuer: string;
  audience: string;
}

export interface TokenClaims {
  userId: number;
  username: string;
  role: Role;
}

/**
 * A key's id is derived from the secret, so rotating is setting two variables and nobody has to
 * name keys; a one-way digest says which secret signed a token without saying anything about it.
 */
export function keyId(secret: string): string {
  return createHash('sha256').update(`opsgraph-jwt-kid:${secret}`).digest('base64url').slice(0, 16);
}

export function signToken(settings: TokenSettings, claims: TokenClaims): { token: string; expiresAt: Date } {
  const token = jwt.sign({ username: claims.username, role: claims.role }, settings.secret, {
    algorithm: ALGORITHM,
    keyid: keyId(settings.secret),
    subject: String(claims.userId),
    issuer: settings.issuer,
    audience: settings.audience,
    expiresIn: settings.ttl as jwt.SignOptions['expiresIn'],
  });
  const { exp } = jwt.decode(token) as { exp: number };
  return { token, expiresAt: new Date(exp * 1000) };
}

/**
 * The secret a token's `kid` names: the current one or the one being rotated out. A token with
 * no `kid` (signed before key ids existed) is checked against the current secret only; a `kid`
 * naming any other key is refused without trying a secret.
 */
function secretFor(settings: TokenSettings, kid: unknown): string | null {
  if (kid === undefined) return settings.secret;
  if (kid === keyId(settings.secret)) return settings.secret;
  if (settings.previousSecret && kid === keyId(settings.previousSecret)) return settings.previousSecret;
  return null;
}

const CLOCK_TOLERANCE_S = 5;

/**
 * Tokens that verified, per settings, with their expiry: every request of a client carries the
 * same token, and verifying it (a fresh key object and an HMAC each time) was a visible share of
 * a small request. The expiry is still checked on every use; only the signature work is saved.
 */
const verified = new WeakMap<TokenSettings, LRUCache<string, VerifiedToken>>();

function verifiedTokens(settings: TokenSettings) {
  let cache = verified.get(settings);
  if (!cache) verified.set(settings, (cache = new LRUCache({ max: 10_000 })));
  return cache;
}

/** Returns the user id the token was issued to, or null for any invalid, expired or forged token. */
export function verifyToken(settings: TokenSettings, token: string): number | null {
  const cache = verifiedTokens(settings);
  const cached = cache.get(token);
  const hit = cached ?? verifySignature(settings, token);
  if (!hit || Date.now() >= hit.expiresAtMs) {
    if (cached) cache.delete(token);
    return null;
  }
  // A not-before date would need checking on each use too; tokens signed here never carry one.
  if (!cached && !hit.notBefore) cache.set(token, hit);
  return hit.userId;
}

interface VerifiedToken {
  userId: number;
  /** `exp` plus the clock tolerance, as jsonwebtoken counts it. */
  expiresAtMs: number;
  notBefore: boolean;
}

function verifySignature(settings: TokenSettings, token: string): VerifiedToken | null {
  try {
    const decoded = jwt.decode(token, { complete: true });
    const secret = decoded ? secretFor(settings, decoded.header.kid) : null;
    if (!secret) return null;
    const payload = jwt.verify(token, secret, {
      algorithms: [ALGORITHM],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: CLOCK_TOLERANCE_S,
    });
    if (typeof payload === 'string' || typeof payload.exp !== 'number') return null;
    const userId = Number(payload.sub);
    if (!Number.isInteger(userId) || userId <= 0) return null;
    return { userId, expiresAtMs: (payload.exp + CLOCK_TOLERANCE_S) * 1000, notBefore: payload.nbf !== undefined };
  } catch {
    return null;
  }
}

/** Pulls the bearer token out of an `Authorization` header value. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1] ?? null;
}
