import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newChamado, newDomain } from './helpers/factories.ts';
import { dataOf, startTestServer, type TestServer } from './helpers/server.ts';

/*
 * The `timeline` field reads only the columns its query selects (issue 12: a console's list skips
 * the entries' JSON `data`). Whatever the selection — fragments, aliases, @include with variables,
 * a write earlier in the same document — every field asked for comes back as a full read gives it.
 */

type Json = Record<string, any>;
let server: TestServer;
const domain = newDomain('tl-columns');
let publicId: string;

const ALL_FIELDS = 'id kind eventType source summary severity eventId data createdAt actor { username }';

async function timelineOf(selection: string, variables: Json = {}, declared = ''): Promise<Json[]> {
  const data = await dataOf(
    server,
    `query Columns($domain: String!${declared}) { chamados(filter: { domain: $domain }, first: 5) { edges { node { timeline ${selection} } } } }`,
    { domain, ...variables },
    'viewer',
  );
  return data.chamados.edges[0].node.timeline;
}

/** The full read's entries cut down to these fields. */
function pick(entries: Json[], fields: string[]): Json[] {
  return entries.map((entry) => Object.fromEntries(fields.map((f) => [f, entry[f]])));
}

beforeAll(async () => {
  server = await startTestServer({ RUNBOOK_WORKER: 'false' });
  ({ publicId } = await newChamado(server, { domain }));
  for (const texto of ['primeira nota', 'segunda nota']) {
    await dataOf(server, `mutation ColumnsNote($publicId: String!, $texto: String!) { addChamadoNote(publicId: $publicId, texto: $texto) { __typename } }`, { publicId, texto }, 'ops');
  }
});

afterAll(async () => {
  await server?.close();
});

describe('timeline columns follow the selection', () => {
  it('a narrow selection gives the same values as the full read', async () => {
    const full = await timelineOf(`{ ${ALL_FIELDS} }`);
    expect(full.length).toBe(3);
    expect(full.some((e) => e.data !== null)).toBe(true);
    expect(await timelineOf('{ kind summary }')).toEqual(pick(full, ['kind', 'summary']));
    expect(await timelineOf('(last: 2) { createdAt eventType }')).toEqual(pick(full.slice(1), ['createdAt', 'eventType']));
  });

  it('fields reached through fragments and aliases are read', async () => {
    const full = await timelineOf(`{ ${ALL_FIELDS} }`);
    const viaFragments = await dataOf(
      server,
      `query ColumnsFragments($domain: String!) {
        chamados(filter: { domain: $domain }, first: 5) { edges { node {
          timeline { ...Who ... on TimelineEntry { texto: summary } }
          recent: timeline(last: 1) { ...Who }
        } } }
      }
      fragment Who on TimelineEntry { kind actor { username } data }`,
      { domain },
      'viewer',
    );
    const node = viaFragments.chamados.edges[0].node;
    expect(node.timeline).toEqual(full.map((e) => ({ kind: e.kind, actor: e.actor, data: e.data, texto: e.summary })));
    expect(node.recent).toEqual(pick(full.slice(-1), ['kind', 'actor', 'data']));
    expect(full.at(-1)!.actor).toEqual({ username: 'ops' });
  });

  it('@include with a variable reads what each request asks for', async () => {
    const full = await timelineOf(`{ ${ALL_FIELDS} }`);
    const selection = '{ kind summary @include(if: $withSummary) }';
    expect(await timelineOf(selection, { withSummary: false }, ', $withSummary: Boolean!')).toEqual(pick(full, ['kind']));
    expect(await timelineOf(selection, { withSummary: true }, ', $withSummary: Boolean!')).toEqual(pick(full, ['kind', 'summary']));
  });

  it('a write earlier in the same document is seen by a narrow window after it', async () => {
    const data = await dataOf(
      server,
      `mutation ColumnsTwoNotes($publicId: String!) {
        a: addChamadoNote(publicId: $publicId, texto: "terceira nota") { ... on AddChamadoNotePayload { chamado { timeline(last: 1) { summary } } } }
        b: addChamadoNote(publicId: $publicId, texto: "quarta nota") { ... on AddChamadoNotePayload { chamado { timeline(last: 1) { summary } } } }
      }`,
      { publicId },
      'ops',
    );
    expect(data.a.chamado.timeline).toEqual([{ summary: expect.stringContaining('terceira nota') }]);
    expect(data.b.chamado.timeline).toEqual([{ summary: expect.stringContaining('quarta nota') }]);
  });
});
