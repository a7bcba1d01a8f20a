import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newChamado, newDomain } from './helpers/factories.ts';
import { dataOf, startTestServer, type TestServer } from './helpers/server.ts';
import { statementsOf } from './helpers/sql-statements.ts';

/*
 * Chamado.timeline(first/after, last/before) (issue 12): consoles fetch only the entries they show.
 * A list of chamados still costs one statement per distinct window, whatever its length; bad
 * combinations are BAD_USER_INPUT, sizes outside 1–100 are refused before execution.
 */

type Json = Record<string, any>;
interface Entry {
  id: string;
  kind: string;
  summary: string | null;
}

let server: TestServer;
const domain = newDomain('tl-window');
/** Each chamado's full timeline (read without arguments), by public id. */
const full = new Map<string, Entry[]>();
let long: string;

/** POSTs to /graphql as the viewer; status, body and the SQL statements the request cost. */
async function send(query: string, variables: Json = {}): Promise<{ body: Json; statements: number }> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token('viewer')}` },
    body: JSON.stringify({ query, variables }),
  });
  return { body: (await res.json()) as Json, statements: Number(res.headers.get('x-sql-statements')) };
}

async function addNotes(publicId: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i += 1) {
    const data = await dataOf(
      server,
      `mutation WindowNote($publicId: String!, $texto: String!) {
        addChamadoNote(publicId: $publicId, texto: $texto) { __typename ... on Error { code message } }
      }`,
      { publicId, texto: `nota ${i}` },
      'ops',
    );
    expect(data.addChamadoNote.__typename, JSON.stringify(data)).toBe('AddChamadoNotePayload');
  }
}

const ONE = `query WindowOne($publicId: String!, $first: Int, $after: ID, $last: Int, $before: ID) {
  chamado(publicId: $publicId) { timeline(first: $first, after: $after, last: $last, before: $before) { id kind summary } }
}`;

async function windowOf(publicId: string, args: Json): Promise<Entry[]> {
  return (await dataOf(server, ONE, { publicId, ...args }, 'viewer')).chamado.timeline;
}

/** The test's chamados with their timelines read with these arguments (and `more` fields beside). */
const listWith = (timelineArgs: string, more = '') => `query WindowList($domain: String!) {
  chamados(filter: { domain: $domain }, first: 10) {
    edges { node { publicId assignee { username } timeline${timelineArgs} { id kind summary actor { username } } ${more} } }
  }
}`;

beforeAll(async () => {
  server = await startTestServer({ RUNBOOK_WORKER: 'false' });
  await server.token('viewer');
  await server.token('ops');
  // Timelines of 30, 5 and 1 entries (the `created` entry, then notes).
  const sizes = [30, 5, 1];
  for (const [i, size] of sizes.entries()) {
    const { publicId } = await newChamado(server, { domain, title: `Window ${i}` });
    await addNotes(publicId, size - 1);
    if (i === 0) long = publicId;
  }
  const data = await dataOf(server, listWith(''), { domain }, 'viewer');
  for (const { node } of data.chamados.edges) full.set(node.publicId, node.timeline.map(({ id, kind, summary }: Entry) => ({ id, kind, summary })));
  expect([...full.values()].map((t) => t.length).sort((a, b) => a - b)).toEqual([1, 5, 30]);
}, 120_000);
afterAll(() => server?.close());

describe('Chamado.timeline windows', () => {
  it('last N across a list: the newest N of each, oldest first, for the statements of the whole timeline', async () => {
    const whole = await statementsOf(server, listWith(''), { domain });
    const newest = await statementsOf(server, listWith('(last: 3)'), { domain });
    expect(newest.data.chamados.edges).toHaveLength(3);
    for (const { node } of newest.data.chamados.edges) {
      const entries = full.get(node.publicId)!;
      expect(node.timeline.map((e: Entry) => e.id)).toEqual(entries.slice(-3).map((e) => e.id));
    }
    expect(newest.statements).toBe(whole.statements);
    // The same window and selection asked twice is one loader; another window, or the same window
    // with other fields (a timeline reads only the columns it selects), is one statement more.
    const twice = await statementsOf(server, listWith('(last: 3)', 'again: timeline(last: 3) { id kind summary actor { username } }'), { domain });
    expect(twice.statements).toBe(whole.statements);
    const narrower = await statementsOf(server, listWith('(last: 3)', 'ids: timeline(last: 3) { id }'), { domain });
    expect(narrower.statements).toBe(whole.statements + 1);
    const two = await statementsOf(server, listWith('(last: 3)', 'oldest: timeline(first: 2) { id }'), { domain });
    expect(two.statements).toBe(whole.statements + 1);
    for (const { node } of two.data.chamados.edges) {
      expect(node.oldest.map((e: Entry) => e.id)).toEqual(full.get(node.publicId)!.slice(0, 2).map((e) => e.id));
    }
  });

  it('first/after pages through a 30-entry timeline exactly', async () => {
    const entries = full.get(long)!;
    const seen: Entry[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await windowOf(long, { first: 7, after });
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(7);
      seen.push(...page);
      after = page.at(-1)!.id;
      pages += 1;
    }
    expect(pages).toBe(5);
    expect(seen).toEqual(entries);
    expect(await windowOf(long, { first: 100 })).toEqual(entries);
    expect(await windowOf(long, { after: entries[27]!.id })).toEqual(entries.slice(28));
  });

  it('last/before pages backwards, each page oldest first', async () => {
    const entries = full.get(long)!;
    const pages: Entry[][] = [];
    let before: string | null = null;
    for (;;) {
      const page = await windowOf(long, { last: 8, before });
      if (page.length === 0) break;
      pages.push(page);
      before = page[0]!.id;
    }
    expect(pages.map((p) => p.length)).toEqual([8, 8, 8, 6]);
    expect(pages.reverse().flat()).toEqual(entries);
    expect(await windowOf(long, { before: entries[2]!.id })).toEqual(entries.slice(0, 2));
    expect(await windowOf(long, { first: 2, after: entries[3]!.id, last: null })).toEqual(entries.slice(4, 6));
  });

  it('refuses bad combinations, cursors of another type and sizes outside 1–100 as BAD_USER_INPUT', async () => {
    const entries = full.get(long)!;
    const chamadoId = (await dataOf(server, 'query WindowId($p: String!) { chamado(publicId: $p) { id } }', { p: long }, 'viewer')).chamado.id;
    const refused = async (args: Json, message: string) => {
      const { body } = await send(ONE, { publicId: long, ...args });
      expect(body.errors?.[0], JSON.stringify(body)).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
      expect(body.data?.chamado ?? null).toBeNull();
    };
    await refused({ first: 2, last: 2 }, 'timeline: give first or last, not both');
    await refused({ after: entries[1]!.id, before: entries[5]!.id }, 'timeline: give after or before, not both');
    await refused({ after: chamadoId }, 'timeline: after must be a TimelineEntry id');
    await refused({ before: 'not-a-cursor' }, 'timeline: before must be a TimelineEntry id');
    await refused({ after: '12' }, 'timeline: after must be a TimelineEntry id');
    // Sizes are checked before execution (argument-bounds.ts): no resolver, only the viewer's lookup.
    const contextOnly = (await send('{ __typename }')).statements;
    for (const [name, size] of [['first', 0], ['last', 101]] as const) {
      const { body, statements } = await send(ONE, { publicId: long, [name]: size });
      expect(body.errors?.[0]).toMatchObject({ message: `timeline: ${name} must be between 1 and 100`, extensions: { code: 'BAD_USER_INPUT' } });
      expect(body.data ?? null).toBeNull();
      expect(statements).toBe(contextOnly);
    }
  });
});
