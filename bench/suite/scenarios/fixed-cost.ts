import type { Scenario } from '../harness/scenario.ts';
import { graphqlTarget, prepareSide } from '../harness/side.ts';
import { SQL_NOTE } from '../harness/sql-per-request.ts';
import { interleavedRounds, shortWindowNotes } from '../harness/rounds.ts';
import type { ReferenceName, ScenarioContext, ScenarioResult } from '../types.ts';

const TYPENAME = { query: '{ __typename }' };

/**
 * What every OpsGraph request pays before any resolver runs (auth, limits, masking, logging,
 * metrics, the request's context): `{ __typename }` with bench-viewer's token, against
 * graphql-yoga with no plugins (the target) and graphql-js on node:http (no target: shown to
 * place yoga itself). It must send no SQL at all.
 */
export const fixedCostScenarios: Scenario[] = [
  {
    id: 'fixed-cost',
    run: (ctx) => compare(ctx, 'bare-yoga', 'fixed-cost', 1.0),
  },
  {
    id: 'fixed-cost-graphql-js',
    run: (ctx) => compare(ctx, 'graphql-js-http', 'fixed-cost-graphql-js', null),
  },
];

async function compare(ctx: ScenarioContext, name: ReferenceName, id: string, targetRatio: number | null): Promise<ScenarioResult> {
  const reference = await ctx.startReference(name);
  try {
    const token = await ctx.token('viewer');
    const subjectSide = await prepareSide(ctx, ctx.opsgraph, graphqlTarget(ctx.opsgraph, TYPENAME, token), { sqlRoute: '/graphql' });
    const referenceSide = await prepareSide(ctx, reference, graphqlTarget(reference, TYPENAME));
    const { rounds, medianRatio } = await interleavedRounds({ rounds: ctx.rounds, subject: subjectSide.measure, reference: referenceSide.measure, log: ctx.log });
    // Judged on the statements inside the requests' own scope: the process counter also catches
    // the queue's and clocks' background statements, a few per hundred requests, which no request sent.
    const first = rounds[0]!.subject;
    const sql = Number(first.extra?.sqlPerRequestInScope ?? first.sqlPerRequest);
    const errors = rounds.reduce((n, r) => n + r.subject.errors + r.reference.errors, 0);
    const ratioMet = targetRatio === null || medianRatio >= targetRatio;
    return {
      scenario: id,
      title: `Fixed cost: { __typename } with a bearer token, against ${name}`,
      subjectName: 'OpsGraph',
      referenceName: name,
      ratioMeaning: `OpsGraph req/s ÷ ${name} req/s (higher is better)`,
      rounds,
      medianRatio,
      target: {
        description: `${targetRatio === null ? 'no ratio target (shown for scale)' : `≥ ${targetRatio}× req/s`}, 0 SQL/request in request scope (got ${sql}), no errors`,
        met: ratioMet && sql === 0 && errors === 0,
      },
      notes: [SQL_NOTE, ...shortWindowNotes(rounds)],
    };
  } finally {
    await reference.stop();
  }
}
