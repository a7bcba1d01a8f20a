import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../../../entities/user.entity.ts';
import type { Role } from '../../../entities/roles.ts';
import { decoy, hashPassword, needsRehash, passwordLengthAllowed, verifyPassword } from './passwords.ts';
import { loginLimiterFor, type LoginLimits } from './login-limiter.ts';
import { signToken, type TokenSettings } from './tokens.ts';
import { InvalidCredentialsError, UserDisabledError } from '../../errors.ts';
import type { Actor } from '../actor.ts';

export interface LoginResult {
  userId: number;
  token: string;
  expiresAt: Date;
}

export interface LoginSettings {
  tokens: TokenSettings;
  limits: LoginLimits;
}

export interface LoginAttempt {
  username: string;
  password: string;
  /** The caller's address, when the transport knows it: failures are also limited per address. */
  clientAddress: string | null;
}

/**
 * Checks a username and password. The rate limit answers first, before any hash is computed, so
 * guessing costs the server one upsert once the limit is reached. Unknown users are checked
 * against a decoy hash so the answer takes as long as for a real user, and "disabled" is only
 * revealed once the password was right.
 */
export async function login(em: EntityManager, settings: LoginSettings, attempt: LoginAttempt): Promise<LoginResult> {
  const { username, password, clientAddress } = attempt;
  const limiter = await loginLimiterFor(em, settings.limits);
  await limiter.take(username, clientAddress);
  // Longer than any stored password can be: refused without hashing up to a megabyte of input.
  if (!passwordLengthAllowed(password)) throw new InvalidCredentialsError();
  const rows = await em.execute<{ id: number; role: Role; disabled: boolean; password_hash: string }[]>(
    'select id, role, disabled, password_hash from users where username = ?',
    [username],
  );
  const user = rows[0];
  const ok = await verifyPassword(password, user?.password_hash ?? (await decoy()));
  if (!user || !ok) throw new InvalidCredentialsError();
  await limiter.giveBack(username, clientAddress);
  if (user.disabled) throw new UserDisabledError();
  if (needsRehash(user.password_hash)) {
    await em.execute('update users set password_hash = ? where id = ?', [await hashPassword(password), user.id]);
  }
  const { token, expiresAt } = signToken(settings.tokens, { userId: user.id, username, role: user.role });
  return { userId: user.id, token, expiresAt };
}

/** The actor behind a verified token, or null when the user is gone or disabled. */
export async function actorById(em: EntityManager, userId: number): Promise<Actor | null> {
  const rows = await em.execute<{ id: number; username: string; role: Role }[]>(
    'select id, username, role from users where id = ? and not disabled',
    [userId],
  );
  return rows[0] ?? null;
}

export interface NewUser {
  username: string;
  password: string;
  fullName: string;
  role: Role;
  email?: string | null;
}

/** Creates a user unless the username exists (used by bootstrap and demo seeding). */
export async function ensureUser(em: EntityManager, input: NewUser): Promise<{ created: boolean }> {
  const existing = await em.count(User, { username: input.username });
  if (existing > 0) return { created: false };
  em.create(User, {
    username: input.username,
    fullName: input.fullName,
    role: input.role,
    email: input.email ?? null,
    passwordHash: await hashPassword(input.password),
  });
  await em.flush();
  return { created: true };
}
