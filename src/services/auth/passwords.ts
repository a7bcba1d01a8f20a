import { argon2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../../errors.ts';

/**
 * OWASP's first choice (Password Storage Cheat Sheet): argon2id, 19 MiB, 2 passes, 1 lane. Node's
 * own argon2 (node:crypto, no native add-on) does the work; the parameters travel with each hash
 * in the PHC string format, so they can grow and older hashes still verify.
 */
const ARGON2 = { memory: 19 * 1024, passes: 2, parallelism: 1, tagLength: 32 } as const;

/** Characters (code points, after NFKC), checked whole: a password is never truncated. */
export const PASSWORD_LENGTH = { min: 8, max: 128 } as const;

const normalized = (password: string) => password.normalize('NFKC');

/** Whether a password could be one this system stores; longer input is refused before any hashing. */
export function passwordLengthAllowed(password: string): boolean {
  const length = [...normalized(password)].length;
  return length >= PASSWORD_LENGTH.min && length <= PASSWORD_LENGTH.max;
}

function argon2id(password: string, salt: Buffer, params: { memory: number; passes: number; parallelism: number; tagLength: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    argon2('argon2id', { message: normalized(password), nonce: salt, ...params }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  if (!passwordLengthAllowed(password)) {
    throw new ValidationError(`a password has ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`, [
      { path: 'password', message: `${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters` },
    ]);
  }
  const salt = randomBytes(16);
  const key = await argon2id(password, salt, ARGON2);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$argon2id$v=19$m=${ARGON2.memory},t=${ARGON2.passes},p=${ARGON2.parallelism}$${b64(salt)}$${b64(key)}`;
}

/** A well-formed hash of a random password: checked against when the username is unknown, so a
 *  login takes the same time whether or not the user exists. */
let decoyHash: Promise<string> | undefined;
export function decoy(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return decoyHash;
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('scrypt$')) return verifyLegacyScrypt(password, stored);
  const match = PHC.exec(stored);
  if (!match) return false;
  const [, m, t, p, salt, key] = match;
  const expected = Buffer.from(key!, 'base64');
  const actual = await argon2id(password, Buffer.from(salt!, 'base64'), {
    memory: Number(m),
    passes: Number(t),
    parallelism: Number(p),
    tagLength: expected.length,
  });
  return timingSafeEqual(actual, expected);
}

/** True when a stored hash is weaker than today's parameters: rehashed at the next good login. */
export function needsRehash(stored: string): boolean {
  const match = PHC.exec(stored);
  if (!match) return true;
  const [, m, t, p] = match.map(Number);
  return m! < ARGON2.memory || t! < ARGON2.passes || p! < ARGON2.parallelism;
}

/** Hashes written before argon2id (scrypt N=2^15, r=8, p=1): still verified until their user signs in. */
async function verifyLegacyScrypt(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, key] = stored.split('$');
  if (!n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(normalized(password), Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 }, (err, k) =>
      err ? reject(err) : resolve(k),
    ),
  );
  return timingSafeEqual(actual, expected);
}
