import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './__generated__/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const Me = graphql(`
  query Me {
    me { username fullName role email }
  }
`);

describe('me', () => {
  it('is the signed-in user', async () => {
    const res = await server.gql(Me, {}, { as: 'lead' });
    expect(res.data?.me).toEqual({ username: 'lead', fullName: 'Luís Lead', role: 'ops_lead', email: 'lead@opsgraph.test' });
  });

  it('is null without a token', async () => {
    const res = await server.gql(Me);
    expect(res.errors).toBeUndefined();
    expect(res.data?.me).toBeNull();
  });
});
