import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { signToken } from '../src/services/auth/tokens.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/*
 * REST shims run their operation through yoga's envelope (src/edge/envelope.ts), so the limits
 * /graphql enforces apply to them too. A server with a tiny depth limit shows it: the list path's
 * operation is deeper than 2, so it is refused the way /graphql refuses the same depth.
 */
describe('REST through the envelope', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ MAX_QUERY_DEPTH: '2' });
    // The login mutation is deeper than 2 itself: sign the viewer's token directly.
    const [viewer] = await server.orm.em.getConnection().execute<{ id: number }[]>(`select id from users where username = 'viewer'`);
    token = signToken(loadConfig({ NODE_ENV: 'test' }).jwt, { userId: viewer!.id, username: 'viewer', role: 'viewer' }).token;
  });
  afterAll(async () => {
    await server.close();
  });

  it('applies the GraphQL depth limit to a REST path, as a 400 in the REST error shape', async () => {
    const res = await server.rest('GET', '/api/v1/chamados', { token });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringMatching(/depth/i) });
  });

  it('still answers 401 before anything else', async () => {
    const res = await server.rest('GET', '/api/v1/chamados');
    expect(res.status).toBe(401);
  });

  it('refuses the same depth on /graphql', async () => {
    const res = await server.gql('{ chamados(first: 1) { edges { node { publicId } } } }', undefined, { token });
    expect(res.errors?.[0]?.message).toMatch(/depth/i);
  });
});
