import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
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

/** Returns the user id the token was issued to, or null for any invalid, expired or forged token. */
export function verifyToken(settings: TokenSettings, token: string): number | null {
  try {
    const decoded = jwt.decode(token, { complete: true });
    const secret = decoded ? secretFor(settings, decoded.header.kid) : null;
    if (!secret) return null;
    const payload = jwt.verify(token, secret, {
      algorithms: [ALGORITHM],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: 5,
    });
    if (typeof payload === 'string' || typeof payload.exp !== 'number') return null;
    const userId = Number(payload.sub);
    return Number.isInteger(userId) && userId > 0 ? userId : null;
  } catch {
    return null;
  }
}

/** Pulls the bearer token out of an `Authorization` header value. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1] ?? null;
}
