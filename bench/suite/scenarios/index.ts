import type { Scenario } from '../harness/scenario.ts';
import { discoverScenarios } from './discover.ts';
import { fixedCostScenarios } from './fixed-cost.ts';
import { ingestScenarios } from './ingest.ts';
import { listScenarios } from './list.ts';
import { liveScenarios } from './live.ts';
import { restListScenarios } from './rest-list.ts';
import { soakScenarios } from './soak.ts';

/** Every scenario of `npm run bench`, in the order a full run takes them. */
export const SCENARIOS: Scenario[] = [...listScenarios, ...restListScenarios, ...fixedCostScenarios, ...ingestScenarios, ...liveScenarios, ...discoverScenarios, ...soakScenarios];
