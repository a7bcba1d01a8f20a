import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../../../entities/user.entity.ts';
import type { Role } from '../../../entities/roles.ts';
import { decoy, hashPassword, verifyPassword } from './passwords.ts';
import { signToken, type TokenSettings } from './tokens.ts';
import { InvalidCredentialsError, UserDisabledError } from '../../errors.ts';
import type { Actor } from '../actor.ts';

export interface LoginResult {
  userId: number;
  token: string;
  expiresAt: Date;
}

/**
 * Checks a username and password. Unknown users are checked against a decoy hash so the answer
 * takes as long as for a real user, and "disabled" is only revealed once the password was right.
 */
export async function login(
  em: EntityManager,
  tokens: TokenSettings,
  username: string,
  password: string,
): Promise<LoginResult> {
  const rows = await em.execute<{ id: number; role: Role; disabled: boolean; password_hash: string }[]>(
    'select id, role, disabled, password_hash from users where username = ?',
    [username],
  );
  const user = rows[0];
  const ok = await verifyPassword(password, user?.password_hash ?? (await decoy()));
  if (!user || !ok) throw new InvalidCredentialsError();
  if (user.disabled) throw new UserDisabledError();
  const { token, expiresAt } = signToken(tokens, { userId: user.id, username, role: user.role });
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
