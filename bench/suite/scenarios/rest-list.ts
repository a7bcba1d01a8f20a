import { isDeepStrictEqual } from 'node:util';
import { print } from 'graphql';
import { REST_ROUTES } from '../../../src/edge/rest/routes.ts';
import type { Scenario } from '../harness/scenario.ts';
import { graphqlTarget, prepareSide } from '../harness/side.ts';
import { SQL_NOTE } from '../harness/sql-per-request.ts';
import { interleavedRounds, shortWindowNotes } from '../harness/rounds.ts';

const PATH = '/api/v1/chamados';
const QUERY = 'limit=50&offset=0';
const TARGET_RATIO = 0.9;

/**
 * What the REST shim costs on top of the operation it runs: `GET /api/v1/chamados?limit=50`
 * against its GraphQL twin — the very document and variables the shim executes (taken from the
 * route table, not copied), posted to /graphql. Both answer the same 50 rows, checked by
 * reshaping the twin's data with the route's own `respond`.
 */
export const restListScenarios: Scenario[] = [
  {
    id: 'rest-list',
    async run(ctx) {
      const route = REST_ROUTES.find((r) => r.method === 'GET' && r.path === PATH);
      if (!route) throw new Error(`no GET ${PATH} in the REST route table`);
      const input = { params: {}, query: new URLSearchParams(QUERY), body: undefined };
      const twin = { query: print(route.document), variables: route.variables(input) };
      const token = await ctx.token('viewer');
      const subject = await prepareSide(
        ctx,
        ctx.opsgraph,
        { url: `${ctx.opsgraph.url}${PATH}?${QUERY}`, headers: { authorization: `Bearer ${token}` } },
        { sqlRoute: PATH },
      );
      const reference = await prepareSide(ctx, ctx.opsgraph, graphqlTarget(ctx.opsgraph, twin, token), { sqlRoute: '/graphql' });
      const [, reshaped] = route.respond((reference.sample as { data: Record<string, unknown> }).data, input);
      if (!isDeepStrictEqual(reshaped, subject.sample)) throw new Error('GET /api/v1/chamados and its GraphQL twin answer different data');
      const rows = (subject.sample as { chamados: unknown[] }).chamados.length;
      ctx.log(`rest-list: both answer the same ${rows} chamados`);

      const { rounds, medianRatio } = await interleavedRounds({ rounds: ctx.rounds, subject: subject.measure, reference: reference.measure, log: ctx.log });
      const errors = rounds.reduce((n, r) => n + r.subject.errors + r.reference.errors, 0);
      return {
        scenario: 'rest-list',
        title: `REST list (GET ${PATH}?${QUERY}) against the GraphQL operation it runs`,
        subjectName: 'OpsGraph REST',
        referenceName: 'OpsGraph GraphQL twin',
        ratioMeaning: 'REST req/s ÷ GraphQL twin req/s (higher is better)',
        rounds,
        medianRatio,
        target: { description: `≥ ${TARGET_RATIO}× req/s, no errors`, met: medianRatio >= TARGET_RATIO && errors === 0 },
        notes: [
          `Same data checked once before the load: ${rows} chamados; the twin's answer reshaped by the route's respond() equals the REST body.`,
          'One OpsGraph process serves both sides (bench-viewer token); only the edge differs.',
          SQL_NOTE,
          ...shortWindowNotes(rounds),
        ],
      };
    },
  },
];
