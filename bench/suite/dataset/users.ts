import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../../src/services/auth/passwords.ts';
import { OPERATORS } from './catalogs.ts';
import type { LoadSession } from './session.ts';

export interface BenchUser {
  username: string;
  password: string;
  role: 'ops_lead' | 'viewer';
}

/** Ids of the users chamados can be assigned to, in a fixed order (the lead first). */
export interface Operators {
  ids: number[];
  usernames: string[];
}

/**
 * The bench users with real hashes (they sign in), and ~20 operators who only appear as assignees
 * and actors: they share one hash of a random password, as nobody signs in as them and hashing
 * twenty argon2id passwords would only slow the load.
 */
export async function createUsers(session: LoadSession, benchUsers: BenchUser[], createdAt: Date): Promise<Operators> {
  const unusable = await hashPassword(randomBytes(24).toString('base64url'));
  const rows = [
    ...(await Promise.all(
      benchUsers.map(async (u) => ({ username: u.username, fullName: `Bench ${u.role}`, role: u.role, hash: await hashPassword(u.password) })),
    )),
    ...OPERATORS.map(([username, fullName, role]) => ({ username, fullName, role, hash: unusable })),
  ];
  const result = await session.step(
    'users',
    `insert into users (username, email, full_name, role, password_hash, disabled, dialect, created_at, updated_at)
     select u.username, u.username || '@ops.example', u."fullName", u.role, u.hash, false, 'pt-BR', $2, $2
     from jsonb_to_recordset($1::jsonb) as u(username text, "fullName" text, role text, hash text)
     returning id, username, role`,
    [JSON.stringify(rows), createdAt],
  );
  const assignable = (result.rows as { id: number; username: string; role: string }[]).filter((u) => u.role !== 'viewer');
  return { ids: assignable.map((u) => u.id), usernames: assignable.map((u) => u.username) };
}
