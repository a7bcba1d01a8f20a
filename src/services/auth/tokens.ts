import jwt from 'jsonwebtoken';
import type { Role } from '../../../entities/roles.ts';

/** HS256 only: verification pins the algorithm, so `alg: none` and RS/HS confusion are refused. */
const ALGORITHM = 'HS256' as const;

export interface TokenSettings {
  secret: string;
  ttl: string;
  issuer: string;
  audience: string;
}

export interface TokenClaims {
  userId: number;
  username: string;
  role: Role;
}

export function signToken(settings: TokenSettings, claims: TokenClaims): { token: string; expiresAt: Date } {
  const token = jwt.sign({ username: claims.username, role: claims.role }, settings.secret, {
    algorithm: ALGORITHM,
    subject: String(claims.userId),
    issuer: settings.issuer,
    audience: settings.audience,
    expiresIn: settings.ttl as jwt.SignOptions['expiresIn'],
  });
  const { exp } = jwt.decode(token) as { exp: number };
  return { token, expiresAt: new Date(exp * 1000) };
}

/** Returns the user id the token was issued to, or null for any invalid, expired or forged token. */
export function verifyToken(settings: TokenSettings, token: string): number | null {
  try {
    const payload = jwt.verify(token, settings.secret, {
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
