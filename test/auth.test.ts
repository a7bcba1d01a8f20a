import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { graphql } from './__generated__/index.ts';
import { createChamado, insertEvents } from './helpers/fixtures.ts';
import { newDomain } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * Login, token verification and role checks through the real server. Token tests sign their own
 * JWTs with the development secret the test server runs with, and prove the signing helper right
 * with a positive control first, so each rejection is about the one thing that was changed.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const JWT_SETTINGS = loadConfig({ NODE_ENV: 'test' }).jwt;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const AuthLogin = graphql(`
  mutation AuthLogin($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      __typename
      ... on LoginPayload { token expiresAt user { id username role fullName disabled } }
      ... on Error { code message }
    }
  }
`);

const AuthMe = graphql(`
  query AuthMe {
    me { username role }
  }
`);

const AuthChamados = graphql(`
  query AuthChamados($domain: String!) {
    chamados(filter: { domain: $domain }) { totalCount edges { node { publicId status assignee { username } } } }
  }
`);

const AuthDetail = graphql(`
  query AuthDetail($publicId: String!) {
    chamado(publicId: $publicId) {
      publicId
      status
      version
      eventCount
      assignee { username }
      timeline { kind summary data actor { username } }
    }
  }
`);

const AuthClaim = graphql(`
  mutation AuthClaim($publicId: String!, $override: Boolean) {
    claimChamado(publicId: $publicId, override: $override) {
      __typename
      ... on Chamado { version assignee { username } }
      ... on ClaimConflictError { currentAssignee }
      ... on Error { code message }
    }
  }
`);

const AuthStatus = graphql(`
  mutation AuthStatus($publicId: String!) {
    changeChamadoStatus(publicId: $publicId, status: assumido) { __typename ... on Error { code } }
  }
`);

const AuthNote = graphql(`
  mutation AuthNote($publicId: String!) {
    addChamadoNote(publicId: $publicId, texto: "nota do viewer") { __typename ... on Error { code } }
  }
`);

const AuthAttach = graphql(`
  mutation AuthAttach($publicId: String!, $eventIds: [Int!]!) {
    attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) { __typename ... on Error { code } }
  }
`);

const AuthCreate = graphql(`
  mutation AuthCreate($domain: String!) {
    createChamado(input: { title: "Aberto sem permissão?", domain: $domain }) { __typename ... on Error { code } }
  }
`);


async function userId(username: string): Promise<number> {
  const rows = await server.orm.em.getConnection().execute<{ id: number }[]>('select id from users where username = ?', [username]);
  if (!rows[0]) throw new Error(`no user ${username}`);
  return Number(rows[0].id);
}

/** A token as the server would sign it, with any claim or option overridden. */
function sign(sub: number, overrides: { secret?: string; options?: jwt.SignOptions; payload?: Record<string, unknown> } = {}): string {
  return jwt.sign({ username: 'x', role: 'ops', ...overrides.payload }, overrides.secret ?? JWT_SETTINGS.secret, {
    algorithm: 'HS256',
    subject: String(sub),
    issuer: JWT_SETTINGS.issuer,
    audience: JWT_SETTINGS.audience,
    expiresIn: '5m',
    ...overrides.options,
  });
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function expectUnauthenticated(res: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }, message: RegExp) {
  expect(res.errors, JSON.stringify(res)).toHaveLength(1);
  expect(res.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
  expect(res.errors![0]!.message).toMatch(message);
  expect((res.data as { chamados?: unknown } | undefined)?.chamados ?? null).toBeNull();
}

describe('login', () => {
  it('returns a token, its expiry and the user', async () => {
    const before = Date.now();
    const res = await server.gql(AuthLogin, { username: 'ops', password: 'opsgraph-ops' });
    expect(res.errors).toBeUndefined();
    const login = res.data!.login;
    if (login.__typename !== 'LoginPayload') throw new Error(`login failed: ${JSON.stringify(login)}`);
    expect(login.user).toMatchObject({ username: 'ops', role: 'ops', disabled: false });
    expect(login.expiresAt).toMatch(ISO);
    // JWT_TTL defaults to 8h, counted from when the token was signed (between before and after;
    // `exp` has whole seconds, so it may fall up to a second before `before + 8h`).
    const after = Date.now();
    const expiresAt = Date.parse(login.expiresAt);
    expect(expiresAt).toBeGreaterThan(before + 8 * 3600_000 - 1_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 8 * 3600_000);

    const claims = jwt.verify(login.token, JWT_SETTINGS.secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ iss: 'opsgraph', aud: 'opsgraph-api', sub: String(await userId('ops')), role: 'ops' });
    expect(claims.exp! * 1000).toBe(Date.parse(login.expiresAt));
    expect(jwt.decode(login.token, { complete: true })!.header.alg).toBe('HS256');

    // The token signs requests in.
    const me = await server.gql(AuthMe, {}, { token: login.token });
    expect(me.data?.me).toEqual({ username: 'ops', role: 'ops' });
  });

  it('answers InvalidCredentialsError, with one message, for a wrong password and for an unknown user', async () => {
    const wrong = await server.gql(AuthLogin, { username: 'ops', password: 'opsgraph-lead' });
    const unknownUser = await server.gql(AuthLogin, { username: unique('nobody'), password: 'opsgraph-ops' });
    const empty = await server.gql(AuthLogin, { username: 'ops', password: '' });
    for (const res of [wrong, unknownUser, empty]) {
      expect(res.errors).toBeUndefined();
      expect(res.data!.login).toEqual({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS', message: expect.any(String) });
    }
    const messages = [wrong, unknownUser, empty].map((r) => (r.data!.login as { message: string }).message);
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).not.toMatch(/ops|exist|unknown/i);
  });

  it('is case-sensitive about passwords', async () => {
    const res = await server.gql(AuthLogin, { username: 'ops', password: 'OPSGRAPH-OPS' });
    expect(res.data!.login.__typename).toBe('InvalidCredentialsError');
  });

  it('reveals UserDisabledError only to the right password', async () => {
    const right = await server.gql(AuthLogin, { username: 'disabled', password: 'opsgraph-disabled' });
    expect(right.data!.login).toEqual({ __typename: 'UserDisabledError', code: 'USER_DISABLED', message: expect.any(String) });
    const wrong = await server.gql(AuthLogin, { username: 'disabled', password: 'opsgraph-nope' });
    expect(wrong.data!.login).toMatchObject({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS' });
  });
});

describe('tokens', () => {
  const domain = newDomain('auth');
  const query = (token?: string) => server.gql(AuthChamados, { domain }, token === undefined ? {} : { token });

  it('accepts a token signed like the server signs them (control for the cases below)', async () => {
    const res = await query(sign(await userId('viewer')));
    expect(res.errors).toBeUndefined();
    expect(res.data!.chamados.totalCount).toBe(0);
  });

  it('rejects a missing token', async () => {
    expectUnauthenticated(await query(), /authentication required/);
  });

  it('rejects garbage and malformed Authorization headers', async () => {
    expectUnauthenticated(await query('garbage'), /invalid or expired token/);
    expectUnauthenticated(await query('a.b.c'), /invalid or expired token/);
    // A token under another scheme is no bearer token at all.
    const valid = sign(await userId('ops'));
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${valid}` },
      body: JSON.stringify({ query: '{ chamados { totalCount } }' }),
    });
    expectUnauthenticated((await res.json()) as never, /authentication required/);
  });

  it('rejects an expired token', async () => {
    const id = await userId('ops');
    expectUnauthenticated(await query(sign(id, { options: { expiresIn: -10 } })), /invalid or expired token/);
    // Well past the verifier's clock tolerance, set through the payload instead.
    const past = Math.floor(Date.now() / 1000) - 3600;
    const viaExp = jwt.sign(
      { username: 'ops', role: 'ops', exp: past, iat: past - 60 },
      JWT_SETTINGS.secret,
      { algorithm: 'HS256', subject: String(id), issuer: JWT_SETTINGS.issuer, audience: JWT_SETTINGS.audience },
    );
    expectUnauthenticated(await query(viaExp), /invalid or expired token/);
  });

  it('rejects a token without an expiry', async () => {
    const id = await userId('ops');
    const eternal = jwt.sign({ username: 'ops', role: 'ops' }, JWT_SETTINGS.secret, {
      algorithm: 'HS256',
      subject: String(id),
      issuer: JWT_SETTINGS.issuer,
      audience: JWT_SETTINGS.audience,
    });
    expectUnauthenticated(await query(eternal), /invalid or expired token/);
  });

  it('rejects a token signed with another secret', async () => {
    const forged = sign(await userId('admin'), { secret: 'not-the-server-secret-at-all-0123' });
    expectUnauthenticated(await query(forged), /invalid or expired token/);
  });

  it('rejects alg: none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: String(await userId('admin')), username: 'admin', role: 'admin', iss: JWT_SETTINGS.issuer, aud: JWT_SETTINGS.audience, iat: now, exp: now + 300 };
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64url({ alg, typ: 'JWT' })}.${b64url(payload)}.`;
      expectUnauthenticated(await query(unsigned), /invalid or expired token/);
    }
  });

  it('rejects another HMAC algorithm than HS256', async () => {
    const hs512 = sign(await userId('admin'), { options: { algorithm: 'HS512' } });
    expectUnauthenticated(await query(hs512), /invalid or expired token/);
  });

  it('rejects the wrong issuer and the wrong audience', async () => {
    const id = await userId('ops');
    expectUnauthenticated(await query(sign(id, { options: { issuer: 'someone-else' } })), /invalid or expired token/);
    expectUnauthenticated(await query(sign(id, { options: { audience: 'another-api' } })), /invalid or expired token/);
  });

  it('rejects a token of a disabled user, and of a user that does not exist', async () => {
    expectUnauthenticated(await query(sign(await userId('disabled'))), /invalid or expired token/);
    expectUnauthenticated(await query(sign(2_000_000_000)), /invalid or expired token/);
    expectUnauthenticated(await query(sign(0)), /invalid or expired token/);
  });

  it('takes the user from the subject, not from the role claim', async () => {
    // A viewer token that claims admin is still a viewer.
    const token = sign(await userId('viewer'), { payload: { username: 'admin', role: 'admin' } });
    const me = await server.gql(AuthMe, {}, { token });
    expect(me.data?.me).toEqual({ username: 'viewer', role: 'viewer' });
    const res = await server.gql(AuthCreate, { domain }, { token });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('answers me with null (no error) for an invalid token', async () => {
    const res = await server.gql(AuthMe, {}, { token: 'garbage' });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ me: null });
  });

  it('answers 401 over HTTP for an unauthenticated request with the modern media type', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: 'Bearer garbage' },
      body: JSON.stringify({ query: '{ chamados { totalCount } }' }),
    });
    expect(res.status).toBe(401);
  });
});

describe('roles', () => {
  it('me is each signed-in user', async () => {
    const expected: [TestUser, string][] = [['admin', 'admin'], ['lead', 'ops_lead'], ['lead2', 'ops_lead'], ['ops', 'ops'], ['viewer', 'viewer']];
    for (const [user, role] of expected) {
      const res = await server.gql(AuthMe, {}, { as: user });
      expect(res.data?.me, user).toEqual({ username: user, role });
    }
  });

  it('a viewer reads chamados but every mutation is FORBIDDEN and changes nothing', async () => {
    const domain = newDomain('auth');
    const c = await createChamado(server, { domain });
    const [ev] = await insertEvents(server, [{ domain }]);

    const list = await server.gql(AuthChamados, { domain }, { as: 'viewer' });
    expect(list.errors).toBeUndefined();
    expect(list.data!.chamados.edges.map((e) => e.node.publicId)).toEqual([c.publicId]);
    const one = await server.gql(AuthDetail, { publicId: c.publicId }, { as: 'viewer' });
    expect(one.data!.chamado).toMatchObject({ publicId: c.publicId, version: 1 });

    const attempts = [
      server.gql(AuthClaim, { publicId: c.publicId }, { as: 'viewer' }),
      server.gql(AuthClaim, { publicId: c.publicId, override: true }, { as: 'viewer' }),
      server.gql(AuthStatus, { publicId: c.publicId }, { as: 'viewer' }),
      server.gql(AuthNote, { publicId: c.publicId }, { as: 'viewer' }),
      server.gql(AuthAttach, { publicId: c.publicId, eventIds: [ev!] }, { as: 'viewer' }),
      server.gql(AuthCreate, { domain }, { as: 'viewer' }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.errors, JSON.stringify(res)).toHaveLength(1);
      expect(res.errors![0]!.extensions?.code).toBe('FORBIDDEN');
      expect(res.data ?? null).toBeNull();
    }

    const after = await server.gql(AuthDetail, { publicId: c.publicId }, { as: 'viewer' });
    expect(after.data!.chamado).toMatchObject({ status: 'novo', version: 1, eventCount: 0, assignee: null });
    expect(after.data!.chamado!.timeline.map((e) => e.kind)).toEqual(['created']);
    expect((await server.gql(AuthChamados, { domain }, { as: 'viewer' })).data!.chamados.totalCount).toBe(1);
  });

  it('without a token every mutation is UNAUTHENTICATED', async () => {
    const domain = newDomain('auth');
    const c = await createChamado(server, { domain });
    const results = await Promise.all([
      server.gql(AuthClaim, { publicId: c.publicId }),
      server.gql(AuthStatus, { publicId: c.publicId }),
      server.gql(AuthNote, { publicId: c.publicId }),
      server.gql(AuthAttach, { publicId: c.publicId, eventIds: [] }),
      server.gql(AuthCreate, { domain }),
    ]);
    for (const res of results) expect(res.errors?.[0]?.extensions?.code, JSON.stringify(res)).toBe('UNAUTHENTICATED');
    const read = await server.gql(AuthDetail, { publicId: c.publicId }, { as: 'ops' });
    expect(read.data!.chamado).toMatchObject({ version: 1, assignee: null });
  });

  it('ops claims; ops cannot override; ops_lead and admin can', async () => {
    const c = await createChamado(server, { domain: newDomain('auth') });
    expect((await server.gql(AuthClaim, { publicId: c.publicId }, { as: 'lead' })).data!.claimChamado).toMatchObject({
      __typename: 'Chamado',
      assignee: { username: 'lead' },
      version: 2,
    });

    // ops without override: conflict; with override: not allowed for the role.
    expect((await server.gql(AuthClaim, { publicId: c.publicId }, { as: 'ops' })).data!.claimChamado).toMatchObject({
      __typename: 'ClaimConflictError',
      code: 'CLAIMED_BY_ANOTHER',
      currentAssignee: 'lead',
    });
    expect((await server.gql(AuthClaim, { publicId: c.publicId, override: true }, { as: 'ops' })).data!.claimChamado).toEqual({
      __typename: 'ForbiddenActionError',
      code: 'FORBIDDEN_ACTION',
      message: expect.any(String),
    });
    expect((await server.gql(AuthDetail, { publicId: c.publicId }, { as: 'ops' })).data!.chamado).toMatchObject({
      version: 2,
      assignee: { username: 'lead' },
    });

    // Another ops_lead needs override too, and then takes it over.
    expect((await server.gql(AuthClaim, { publicId: c.publicId }, { as: 'lead2' })).data!.claimChamado).toMatchObject({
      __typename: 'ClaimConflictError',
      currentAssignee: 'lead',
    });
    expect((await server.gql(AuthClaim, { publicId: c.publicId, override: true }, { as: 'lead2' })).data!.claimChamado).toMatchObject({
      __typename: 'Chamado',
      assignee: { username: 'lead2' },
      version: 3,
    });
    expect((await server.gql(AuthClaim, { publicId: c.publicId, override: true }, { as: 'admin' })).data!.claimChamado).toMatchObject({
      __typename: 'Chamado',
      assignee: { username: 'admin' },
      version: 4,
    });

    const read = (await server.gql(AuthDetail, { publicId: c.publicId }, { as: 'ops' })).data!.chamado!;
    const claims = read.timeline.filter((e) => e.kind === 'claim');
    expect(claims.map((e) => [e.actor?.username, e.summary])).toEqual([
      ['lead', 'Assumido por lead'],
      ['lead2', 'Assumido por lead2 (antes: lead)'],
      ['admin', 'Assumido por admin (antes: lead2)'],
    ]);
    expect(claims[1]!.data).toMatchObject({ previousAssignee: 'lead', override: true });
  });

  it('an ops user may override a chamado nobody holds, and the holder may re-claim with override', async () => {
    const c = await createChamado(server, { domain: newDomain('auth') });
    // override on a free chamado is a plain claim for any operator.
    expect((await server.gql(AuthClaim, { publicId: c.publicId, override: true }, { as: 'ops' })).data!.claimChamado).toMatchObject({
      __typename: 'Chamado',
      assignee: { username: 'ops' },
    });
    expect((await server.gql(AuthClaim, { publicId: c.publicId, override: true }, { as: 'ops' })).data!.claimChamado).toMatchObject({
      __typename: 'Chamado',
      assignee: { username: 'ops' },
      version: 2,
    });
  });
});
