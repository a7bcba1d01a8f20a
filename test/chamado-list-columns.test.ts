import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachEvents, insertEvents } from './helpers/fixtures.ts';
import { newChamado, newDomain } from './helpers/factories.ts';
import { dataOf, startTestServer, type TestServer } from './helpers/server.ts';

/*
 * The chamado list reads only the chamado and observable columns its query selects, its page and
 * total in one statement (issue 12). Whatever the selection — fragments, aliases, fields that
 * read other columns than their name — every field asked for comes back as a full read gives it,
 * and the total holds on every page, an empty one included.
 */

type Json = Record<string, any>;
let server: TestServer;
const domain = newDomain('list-columns');

const ALL_FIELDS = `id publicId ticketId status allowedTransitions origin title description projectId domain sessionId wizardStep
  wizardStepLabel wizardStepAt sources maxSeverity eventCount assignee { username } createdBy { username } legacyTicketId version
  createdAt updatedAt resolvedAt closedAt mergedInto { publicId } observables { tipo valor fonte createdAt }`;

async function listOf(selection: string, args = 'first: 10', fragments = ''): Promise<Json> {
  const data = await dataOf(
    server,
    `query ListColumns($domain: String!) { chamados(filter: { domain: $domain }, ${args}) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${selection} } } } } ${fragments}`,
    { domain },
    'viewer',
  );
  return data.chamados;
}

const nodesOf = (list: Json): Json[] => list.edges.map((e: Json) => e.node);

/** The full read's objects cut down to these fields. */
function pick(objects: Json[], fields: string[]): Json[] {
  return objects.map((o) => Object.fromEntries(fields.map((f) => [f, o[f]])));
}

beforeAll(async () => {
  server = await startTestServer({ RUNBOOK_WORKER: 'false' });
  for (let i = 0; i < 3; i += 1) {
    const { publicId } = await newChamado(server, { domain, title: `Columns ${i}` });
    const eventIds = await insertEvents(server, [{ domain, agent: `agent-${i}`, ruleId: `r-${i}`, severity: 5 + i }]);
    await attachEvents(server, publicId, eventIds);
  }
});

afterAll(async () => {
  await server?.close();
});

describe('chamado list columns follow the selection', () => {
  it('a narrow selection gives the same values as the full read', async () => {
    const full = nodesOf(await listOf(ALL_FIELDS));
    expect(full).toHaveLength(3);
    expect(full.every((c) => c.observables.length > 0)).toBe(true);
    expect(full.every((c) => c.createdBy?.username === 'ops' && c.allowedTransitions.length > 0)).toBe(true);
    expect(nodesOf(await listOf('publicId status'))).toEqual(pick(full, ['publicId', 'status']));
    const narrow = nodesOf(await listOf('allowedTransitions eventCount observables { valor }'));
    expect(narrow).toEqual(
      full.map((c) => ({
        allowedTransitions: c.allowedTransitions,
        eventCount: c.eventCount,
        observables: pick(c.observables, ['valor']),
      })),
    );
  });

  it('fields reached through fragments and aliases are read', async () => {
    const full = nodesOf(await listOf(ALL_FIELDS));
    const viaFragments = nodesOf(
      await listOf(
        '...Who titulo: title ... on Node { id }',
        'first: 10',
        'fragment Who on Chamado { createdBy { username } sources obs: observables { fonte createdAt } }',
      ),
    );
    expect(viaFragments).toEqual(
      full.map((c) => ({
        createdBy: c.createdBy,
        sources: c.sources,
        obs: pick(c.observables, ['fonte', 'createdAt']),
        titulo: c.title,
        id: c.id,
      })),
    );
  });

  it('the total holds on every page, past the last one included', async () => {
    const first = await listOf('publicId', 'first: 2');
    expect(first.totalCount).toBe(3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await listOf('publicId', `first: 2, after: "${first.pageInfo.endCursor}"`);
    expect(rest).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: false } });
    expect(rest.edges).toHaveLength(1);
    const past = await listOf('publicId', `first: 2, after: "${rest.pageInfo.endCursor}"`);
    expect(past).toEqual({ totalCount: 3, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
    const byOffset = await listOf('publicId', 'first: 2, offset: 5');
    expect(byOffset).toEqual({ totalCount: 3, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });
});
