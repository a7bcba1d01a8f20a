import type { Scale, ScenarioContext, ScenarioResult } from '../types.ts';

/**
 * One entry of the suite (`npm run bench`). A scenario module (bench/suite/scenarios/<name>.ts)
 * exports an array of these; bench/suite/scenarios/index.ts registers every module.
 *
 * - `id` is what `--only` selects (an exact id, or the part before its first dash: `--only ingest`
 *   runs `ingest-16` and `ingest-64`) and the name of its JSON file in bench/results/.
 * - `scales` lists the scales it makes sense at (all when absent); at another scale it is skipped.
 * - `run` measures OpsGraph (`ctx.opsgraph`, already started, production mode) against its reference
 *   in `ctx.rounds` interleaved rounds and returns one ScenarioResult; harness/rounds.ts does the
 *   ABBA interleaving, harness/load.ts the autocannon side, harness/sql-per-request.ts the SQL count.
 *   Throwing fails that scenario (reported, the others still run); servers it started through
 *   `ctx.startReference` / `ctx.startOpsGraph` are stopped by the harness at the end.
 */
export interface Scenario {
  id: string;
  scales?: Scale[];
  /** Left out of a run without --only (the soak lasts minutes); `--only <id>` runs it. */
  onlyWhenNamed?: boolean;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}
