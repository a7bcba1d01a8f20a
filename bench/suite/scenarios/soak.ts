import type { Scenario } from '../harness/scenario.ts';
import { DEFAULT_DURATION_SECONDS } from '../harness/side.ts';
import { driveSoak, WINDOW_SECONDS, type SoakMix } from '../soak/drive.ts';
import { connectHeapInspector, inspectorEnv } from '../soak/inspector.ts';
import { soakResult, type SoakResult } from '../soak/result.ts';

/**
 * A console's steady traffic, not a saturation test: a server pushed past what it can serve
 * grows a backlog, and its memory then climbs without any leak.
 */
const MIX: SoakMix = {
  subscribers: 1000,
  list: { perSecond: 2, connections: 2 },
  discover: { perSecond: 4, connections: 2 },
  ingest: { perSecond: 50, connections: 8 },
  feedEvery: 10,
};
/** `--duration` is seconds per side elsewhere; the soak lasts this many times as long (default 10 s → 10 min). */
const SECONDS_PER_DURATION_SECOND = 60;
const MIN_WINDOWS = 6;

/**
 * Issue 12's soak: ONE fresh OpsGraph under list queries, Discover queries and webhook ingest at
 * steady rates while 1,000 discoverFeed subscribers receive one ingested alert in ten; its RSS and
 * heap every 10 s, and a verdict on their slopes once warm. No reference server: the first half
 * of the run is the reference column (the warm-up level).
 */
export const soakScenarios: Scenario[] = [
  {
    id: 'soak',
    onlyWhenNamed: true,
    async run(ctx): Promise<SoakResult> {
      const seconds = SECONDS_PER_DURATION_SECOND * (ctx.durationSeconds ?? DEFAULT_DURATION_SECONDS);
      if (seconds / WINDOW_SECONDS < MIN_WINDOWS)
        throw new Error(`soak: ${seconds} s is fewer than ${MIN_WINDOWS} windows of ${WINDOW_SECONDS} s`);
      const token = await ctx.token('viewer');
      const { env, port } = await inspectorEnv();
      const server = await ctx.startOpsGraph(env);
      const inspector = await connectHeapInspector(port);
      try {
        const run = await driveSoak({ server, inspector, token, webhookSecret: ctx.webhookSecret, seconds, mix: MIX, log: ctx.log });
        return soakResult(run, { seconds, secondsPerDurationSecond: SECONDS_PER_DURATION_SECOND, mix: MIX });
      } finally {
        inspector.close();
        await server.stop();
      }
    },
  },
];
