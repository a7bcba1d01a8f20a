import { generateKeyPairSync, randomBytes, randomInt, scrypt } from 'node:crypto';
import { request } from 'node:http';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { ensureUser, login } from '../src/services/auth/accounts.ts';
import { LoginRateLimitedError } from '../src/services/auth/login-rate-limited-error.ts';
import { keyId } from '../src/services/auth/tokens.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * Issue 11, auth: key ids and rotation, argon2id with OWASP parameters (older scrypt hashes still
 * verify and are upgraded), whole passwords of 8–128 characters, and failed-login limits counted
 * in PostgreSQL, so they hold across instances and refuse before any hash is computed.
 */

const OLD_SECRET = `old-secret-${randomBytes(12).toString('hex')}`;
const NEW_SECRET = `new-secret-${randomBytes(12).toString('hex')}`;
const JWT = loadConfig({ NODE_ENV: 'test' }).jwt;

const LOGIN = `mutation HardenedLogin($u: String!, $p: String!) {
  login(username: $u, password: $p) {
    __typename
    ... on LoginPayload { token }
    ... on Error { code message }
    ... on RateLimitedError { retryAfter }
  }
}`;
const ME = 'query HardenedMe { me { username } }';

type LoginAnswer = { __typename: string; token?: string; code?: string; message?: string; retryAfter?: number };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function tryLogin(on: TestServer, username: string, password: string): Promise<LoginAnswer> {
  const res = await on.gql<{ login: LoginAnswer }>(LOGIN, { u: username, p: password });
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.login;
}

async function newUser(password = `pw-${randomBytes(8).toString('hex')}`): Promise<{ username: string; password: string }> {
  const username = unique('auth11');
  await ensureUser(server.orm.em.fork(), { username, password, fullName: 'Hardening', role: 'ops' });
  return { username, password };
}

async function storedHash(username: string): Promise<string> {
  const rows = await server.orm.em.getConnection().execute<{ password_hash: string }[]>('select password_hash from users where username = ?', [username]);
  return rows[0]!.password_hash;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

describe('JWT key ids and rotation', () => {
  async function meOn(on: TestServer, token: string): Promise<{ username?: string; status: 'ok' | 'refused' }> {
    const res = await on.gql<{ me: { username: string } | null }>(ME, {}, { token });
    return res.data?.me ? { username: res.data.me.username, status: 'ok' } : { status: 'refused' };
  }

  it('signs with a kid derived from the secret, HS256', async () => {
    const token = (await tryLogin(server, 'ops', 'opsgraph-ops')).token!;
    const { header } = jwt.decode(token, { complete: true })!;
    expect(header).toMatchObject({ alg: 'HS256', kid: keyId(JWT.secret) });
    expect(header.kid).not.toContain(JWT.secret.slice(0, 8));
  });

  it('keeps the previous secret valid beside the new one, and refuses it once dropped', async () => {
    const before = await startTestServer({ JWT_SECRET: OLD_SECRET });
    const during = await startTestServer({ JWT_SECRET: NEW_SECRET, JWT_SECRET_PREVIOUS: OLD_SECRET });
    const after = await startTestServer({ JWT_SECRET: NEW_SECRET });
    try {
      const oldToken = (await tryLogin(before, 'ops', 'opsgraph-ops')).token!;
      const newToken = (await tryLogin(during, 'ops', 'opsgraph-ops')).token!;
      expect(jwt.decode(oldToken, { complete: true })!.header.kid).toBe(keyId(OLD_SECRET));
      expect(jwt.decode(newToken, { complete: true })!.header.kid).toBe(keyId(NEW_SECRET));
      expect(await meOn(during, oldToken)).toEqual({ username: 'ops', status: 'ok' });
      expect(await meOn(during, newToken)).toEqual({ username: 'ops', status: 'ok' });
      expect(await meOn(after, newToken)).toEqual({ username: 'ops', status: 'ok' });
      expect(await meOn(after, oldToken)).toEqual({ status: 'refused' });
      expect((await after.rest('GET', '/api/v1/chamados', { token: oldToken })).status).toBe(401);
    } finally {
      await Promise.all([before.close(), during.close(), after.close()]);
    }
  });

  it('refuses a kid that names no key, or the wrong one, even with a valid signature', async () => {
    const sub = String((await server.orm.em.getConnection().execute<{ id: number }[]>(`select id from users where username = 'ops'`))[0]!.id);
    const sign = (secret: string, kid: string) =>
      jwt.sign({ username: 'ops', role: 'ops' }, secret, { algorithm: 'HS256', keyid: kid, subject: sub, issuer: JWT.issuer, audience: JWT.audience, expiresIn: '5m' });
    expect((await server.rest('GET', '/api/v1/chamados', { token: sign(JWT.secret, keyId(JWT.secret)) })).status).toBe(200);
    for (const token of [sign(JWT.secret, 'no-such-key'), sign(JWT.secret, ''), sign(OLD_SECRET, keyId(JWT.secret))]) {
      expect((await server.rest('GET', '/api/v1/chamados', { token })).status).toBe(401);
    }
  });

  it('refuses an RS256 token and alg:none even when they carry the right kid', async () => {
    const sub = String((await server.orm.em.getConnection().execute<{ id: number }[]>(`select id from users where username = 'admin'`))[0]!.id);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const claims = { username: 'admin', role: 'admin' };
    const opts = { keyid: keyId(JWT.secret), subject: sub, issuer: JWT.issuer, audience: JWT.audience, expiresIn: '5m' } as const;
    const rs256 = jwt.sign(claims, privateKey, { ...opts, algorithm: 'RS256' });
    const none = jwt.sign(claims, '', { ...opts, algorithm: 'none' });
    for (const token of [rs256, none]) expect((await server.rest('GET', '/api/v1/chamados', { token })).status).toBe(401);
  });
});

describe('password hashing', () => {
  it('stores argon2id with m=19 MiB, t=2, p=1', async () => {
    const { username } = await newUser();
    expect(await storedHash(username)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  });

  it('still accepts a password stored with the old scrypt parameters, and upgrades its hash at that login', async () => {
    const { username, password } = await newUser();
    const salt = randomBytes(16);
    const key = await new Promise<Buffer>((resolve, reject) =>
      scrypt(password, salt, 64, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, k) => (err ? reject(err) : resolve(k))),
    );
    const legacy = ['scrypt', 32768, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
    await server.orm.em.getConnection().execute('update users set password_hash = ? where username = ?', [legacy, username]);
    expect((await tryLogin(server, username, 'wrong-password')).code).toBe('INVALID_CREDENTIALS');
    expect(await storedHash(username)).toBe(legacy);
    expect((await tryLogin(server, username, password)).__typename).toBe('LoginPayload');
    expect(await storedHash(username)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await tryLogin(server, username, password)).__typename).toBe('LoginPayload');
  });

  it('checks the whole of a 128-character password (no truncation) and refuses 7 or 129 characters', async () => {
    const long = 'x'.repeat(127) + 'A';
    const { username } = await newUser(long);
    expect((await tryLogin(server, username, long)).__typename).toBe('LoginPayload');
    expect((await tryLogin(server, username, 'x'.repeat(127) + 'B')).code).toBe('INVALID_CREDENTIALS');
    expect((await tryLogin(server, username, long + 'A')).code).toBe('INVALID_CREDENTIALS');
    const em = server.orm.em.fork();
    await expect(ensureUser(em, { username: unique('short'), password: 'seven77', fullName: 'x', role: 'ops' })).rejects.toThrow(/8 to 128/);
    await expect(ensureUser(em, { username: unique('long'), password: 'y'.repeat(129), fullName: 'x', role: 'ops' })).rejects.toThrow(/8 to 128/);
  });

  it('takes as long for an unknown user as for a wrong password (no enumeration by timing)', async () => {
    const { username } = await newUser();
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push((await timed(() => tryLogin(server, username, `wrong-${i}-password`))).ms);
      unknown.push((await timed(() => tryLogin(server, unique('nobody'), `wrong-${i}-password`))).ms);
    }
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});

describe('failed-login limits', () => {
  const restLogin = (on: TestServer, username: string, password: string) =>
    on.rest('POST', '/discovery/v1/authentication', { body: { username, password: `base64:${Buffer.from(password).toString('base64')}` } });

  it('answers 100 wrong passwords with 401 and the 101st attempt with 429 and retryAfter, counted across instances', async () => {
    const { username, password } = await newUser();
    const other = await startTestServer();
    try {
      // Half through REST on one instance, half through GraphQL on another: one shared count.
      for (let i = 0; i < 100; i += 2) {
        expect((await restLogin(server, username, `wrong-${i}-password`)).status, `attempt ${i + 1}`).toBe(401);
        expect((await tryLogin(other, username, `wrong-${i + 1}-password`)).code, `attempt ${i + 2}`).toBe('INVALID_CREDENTIALS');
      }
      // The limit counts attempts for the account: now even the right password is refused.
      const limited = await tryLogin(other, username, password);
      expect(limited).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
      expect(limited.retryAfter).toBeGreaterThan(3500);
      expect(limited.retryAfter).toBeLessThanOrEqual(3600);

      const rest = await restLogin(server, username, password);
      expect(rest.status).toBe(429);
      expect(rest.body).toMatchObject({ error: 'RATE_LIMITED', retry_after: expect.any(Number) });
      expect(rest.body.retry_after).toBeGreaterThan(3500);
      expect(rest.headers.get('retry-after')).toBe(String(rest.body.retry_after));
    } finally {
      await other.close();
    }
  });

  it('answers over the limit before any hash is computed (far faster than one wrong password)', async () => {
    const limitedServer = await startTestServer({ LOGIN_MAX_FAILURES_PER_HOUR: '3' });
    try {
      const { username } = await newUser();
      const hashing: number[] = [];
      for (let i = 0; i < 3; i++) hashing.push((await timed(() => tryLogin(limitedServer, username, `wrong-${i}-password`))).ms);
      const refused: number[] = [];
      for (let i = 0; i < 7; i++) {
        const { value, ms } = await timed(() => tryLogin(limitedServer, username, `wrong-more-${i}-password`));
        expect(value.code).toBe('RATE_LIMITED');
        refused.push(ms);
      }
      expect(median(refused)).toBeLessThan(median(hashing) / 3);
    } finally {
      await limitedServer.close();
    }
  });

  it('counts only failures (a good login gives its attempt back) and counts unknown users alike', async () => {
    const limitedServer = await startTestServer({ LOGIN_MAX_FAILURES_PER_HOUR: '3' });
    try {
      const { username, password } = await newUser();
      const codes: (string | undefined)[] = [];
      for (const attempt of ['bad-one-password', 'bad-two-password', password, 'bad-three-password', 'bad-four-password']) {
        codes.push((await tryLogin(limitedServer, username, attempt)).code);
      }
      expect(codes).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', undefined, 'INVALID_CREDENTIALS', 'RATE_LIMITED']);

      const nobody = unique('nobody');
      const unknown: (string | undefined)[] = [];
      for (let i = 0; i < 4; i++) unknown.push((await tryLogin(limitedServer, nobody, `bad-${i}-password`)).code);
      expect(unknown).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'RATE_LIMITED']);
    } finally {
      await limitedServer.close();
    }
  });

  /** A POST sent from a loopback address of our own (127.x.y.z), so this test owns its address's count. */
  function postFrom(localAddress: string, on: TestServer, path: string, body: unknown): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
    return new Promise((resolve, reject) => {
      const req = request(`${on.url}${path}`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }
  const loopback = () => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

  it('limits failures per client address (the socket, not a header), whatever the usernames, with Retry-After on REST', async () => {
    const limitedServer = await startTestServer({ LOGIN_MAX_FAILURES_PER_IP_PER_HOUR: '3' });
    try {
      const [address, elsewhere] = [loopback(), loopback()];
      const graphqlFrom = async (from: string) =>
        (await postFrom(from, limitedServer, '/graphql', { query: LOGIN, variables: { u: unique('spray'), p: 'sprayed-password' } })).body.data.login;
      for (let i = 0; i < 3; i++) expect((await graphqlFrom(address)).code).toBe('INVALID_CREDENTIALS');
      expect(await graphqlFrom(address)).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
      expect((await graphqlFrom(elsewhere)).code).toBe('INVALID_CREDENTIALS');

      const rest = await postFrom(address, limitedServer, '/discovery/v1/authentication', {
        username: unique('spray'),
        password: `base64:${Buffer.from('sprayed-password').toString('base64')}`,
      });
      expect(rest.status).toBe(429);
      expect(rest.body).toMatchObject({ error: 'RATE_LIMITED' });
      expect(rest.headers['retry-after']).toBe(String(rest.body.retry_after));
      expect(Number(rest.headers['retry-after'])).toBeGreaterThan(3500);
    } finally {
      await limitedServer.close();
    }
  });

  it('limits failures per client address too, whatever the usernames (service level)', async () => {
    const address = `2001:db8::${randomBytes(4).toString('hex').replace(/(....)(....)/, '$1:$2')}`;
    const settings = { tokens: JWT, limits: { maxFailuresPerAccountPerHour: 100, maxFailuresPerAddressPerHour: 3 } };
    const attempt = (clientAddress: string) => login(server.orm.em.fork(), settings, { username: unique('spray'), password: 'sprayed-password', clientAddress });
    for (let i = 0; i < 3; i++) await expect(attempt(address)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const refused = await attempt(address).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LoginRateLimitedError);
    expect((refused as LoginRateLimitedError).retryAfter).toBeGreaterThan(3500);
    await expect(attempt(`${address}1`)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});
