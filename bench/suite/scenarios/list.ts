import type { Scenario } from '../harness/scenario.ts';
import { graphqlTarget, prepareSide } from '../harness/side.ts';
import { SQL_NOTE } from '../harness/sql-per-request.ts';
import { interleavedRounds, median, shortWindowNotes } from '../harness/rounds.ts';
import { POSTGRAPHILE_LIST_CHECK, POSTGRAPHILE_LIST_QUERY } from '../references/postgraphile-list-query.ts';
import type { RunningServer, ScenarioContext, ScenarioResult } from '../types.ts';

/** The contract's list query (bench/suite contract), as a console's first screen sends it. */
export const OPSGRAPH_LIST_QUERY = `query ChamadoList { chamados(first: 50) { totalCount edges { node { publicId status title domain maxSeverity eventCount createdAt updatedAt assignee { username fullName } observables { tipo valor } timeline { kind eventType summary createdAt } } } pageInfo { hasNextPage endCursor } } }`;

const TARGET_RATIO = 1.2;

/**
 * 50 chamados with assignee, observables and timeline: OpsGraph (bench-viewer's token, every
 * rule and limit on) against PostGraphile v5 over the same tables, after checking that both
 * answer the same data — a faster server answering something else would prove nothing.
 */
export const listScenarios: Scenario[] = [
  {
    id: 'list',
    async run(ctx) {
      const postgraphile = await ctx.startReference('postgraphile');
      try {
        return await compare(ctx, postgraphile);
      } finally {
        await postgraphile.stop();
      }
    },
  },
];

async function compare(ctx: ScenarioContext, postgraphile: RunningServer): Promise<ScenarioResult> {
  const token = await ctx.token('viewer');
  const subject = await prepareSide(ctx, ctx.opsgraph, graphqlTarget(ctx.opsgraph, { query: OPSGRAPH_LIST_QUERY }, token), { sqlRoute: '/graphql' });
  const reference = await prepareSide(ctx, postgraphile, graphqlTarget(postgraphile, { query: POSTGRAPHILE_LIST_QUERY }));
  const check = POSTGRAPHILE_LIST_CHECK(subject.sample, reference.sample);
  if (!check.same) throw new Error(`OpsGraph and PostGraphile answer different data: ${check.difference}`);
  ctx.log(`list: both servers answer the same ${check.rows} chamados`);

  const { rounds, medianRatio } = await interleavedRounds({ rounds: ctx.rounds, subject: subject.measure, reference: reference.measure, log: ctx.log });
  const p99 = (side: 'subject' | 'reference') => median(rounds.map((r) => r[side].latencyMs.p99));
  const errors = rounds.reduce((n, r) => n + r.subject.errors + r.reference.errors, 0);
  return {
    scenario: 'list',
    title: 'Chamado list: 50 with assignee, observables and timeline (GraphQL)',
    subjectName: 'OpsGraph',
    referenceName: 'PostGraphile v5',
    ratioMeaning: 'OpsGraph req/s ÷ PostGraphile req/s (higher is better)',
    rounds,
    medianRatio,
    target: {
      description: `≥ ${TARGET_RATIO}× req/s, p99 no worse (median p99 ${p99('subject')} vs ${p99('reference')} ms), no errors`,
      met: medianRatio >= TARGET_RATIO && p99('subject') <= p99('reference') && errors === 0,
    },
    notes: [`Same data checked once before the load: ${check.rows} chamados, POSTGRAPHILE_LIST_CHECK.`, SQL_NOTE, ...shortWindowNotes(rounds)],
  };
}
