import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newChamado } from './helpers/factories.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/**
 * PostgreSQL cannot store U+0000: a NUL in any GraphQL string is refused up front with
 * BAD_USER_INPUT (REST 400), never a 500, and nothing changes.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const NOTE = `mutation NulNote($id: String!, $t: String!) { addChamadoNote(publicId: $id, texto: $t) { __typename ... on Error { code message } } }`;

async function timelineLength(publicId: string): Promise<number> {
  const res = await server.gql(`query NulRead($id: String!) { chamado(publicId: $id) { timeline { id } } }`, { id: publicId }, { as: 'viewer' });
  return res.data.chamado.timeline.length;
}

describe('text with a NUL character', () => {
  it('GraphQL: a variable or an inline string with U+0000 is BAD_USER_INPUT and adds nothing', async () => {
    const { publicId } = await newChamado(server);
    const before = await timelineLength(publicId);
    const viaVariable = await server.gql(NOTE, { id: publicId, t: 'a\u0000b' }, { as: 'ops' });
    expect(viaVariable.data ?? null).toBeNull();
    expect(viaVariable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(viaVariable.errors?.[0]?.message).toMatch(/NUL/);
    const inline = await server.gql(
      `mutation NulInline($id: String!) { addChamadoNote(publicId: $id, texto: "a\\u0000b") { __typename } }`,
      { id: publicId },
      { as: 'ops' },
    );
    expect(inline.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await timelineLength(publicId)).toBe(before);
    // The control: the same note without the character lands.
    const fine = await server.gql(NOTE, { id: publicId, t: 'ab' }, { as: 'ops' });
    expect(fine.data.addChamadoNote.__typename).toBe('AddChamadoNotePayload');
    expect(await timelineLength(publicId)).toBe(before + 1);
  });

  it('REST: a note with U+0000 is a 400 with a JSON body, not a 500', async () => {
    const { publicId } = await newChamado(server);
    const before = await timelineLength(publicId);
    const res = await server.rest('POST', `/api/v1/chamados/${encodeURIComponent(publicId)}/notas`, { as: 'ops', body: { texto: 'a\u0000b' } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringMatching(/NUL/) });
    expect(await timelineLength(publicId)).toBe(before);
  });

  it('graphql-ws: the operation gets the error and the socket stays usable', async () => {
    const { publicId } = await newChamado(server);
    const client = createClient({
      url: `${server.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${await server.token('ops')}` },
      retryAttempts: 0,
    });
    try {
      const once = async (variables: Record<string, unknown>) => {
        for await (const result of client.iterate({ query: NOTE, variables })) return result;
        throw new Error('no result');
      };
      const refused = await once({ id: publicId, t: 'x\u0000' });
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const fine = await once({ id: publicId, t: 'x' });
      expect((fine.data as { addChamadoNote: { __typename: string } }).addChamadoNote.__typename).toBe('AddChamadoNotePayload');
    } finally {
      await client.dispose();
    }
  });
});
