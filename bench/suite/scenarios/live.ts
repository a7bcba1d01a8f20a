import { interleavedRounds, median } from '../harness/rounds.ts';
import type { Scenario } from '../harness/scenario.ts';
import { DEFAULT_DURATION_SECONDS } from '../harness/side.ts';
import { measureLiveSide } from '../live/measure.ts';
import { bareWsPublisher, FEED_DOCUMENT, feedVariables, opsgraphPublisher, uniqueAgent } from '../live/publishers.ts';
import type { Measurement, Round, ScenarioResult } from '../types.ts';

interface LiveShape {
  subscribers: number;
  eventsPerSecond: number;
}

/**
 * N subscribers of OpsGraph's Discover feed (one graphql-ws socket each, in a process of their own)
 * and events published at a steady rate, against bare-ws, which broadcasts one pre-serialised frame
 * per subscriber. Each side runs on a fresh server process, so its RSS before the subscribers is
 * an idle server's and nothing of an earlier side lingers in its heap.
 */
function liveScenario(id: string, shape: LiveShape): Scenario {
  return {
    id,
    async run(ctx) {
      const token = await ctx.token('viewer');
      const seconds = ctx.durationSeconds ?? DEFAULT_DURATION_SECONDS;
      const measure = async (side: 'subject' | 'reference'): Promise<Measurement> => {
        await ctx.settle();
        const server = side === 'subject' ? await ctx.startOpsGraph() : await ctx.startReference('bare-ws');
        try {
          const agent = uniqueAgent();
          const measured = await measureLiveSide({
            server,
            publish: side === 'subject' ? opsgraphPublisher(server.url, ctx.webhookSecret, agent) : bareWsPublisher(server.url),
            subscribers: { count: shape.subscribers, document: FEED_DOCUMENT, variables: feedVariables(agent), authorization: `Bearer ${token}` },
            eventsPerSecond: shape.eventsPerSecond,
            seconds,
            log: (line) => ctx.log(`${id} ${side}: ${line}`),
          });
          ctx.log(`${id} ${describe(server.name, measured)}`);
          return measured;
        } finally {
          await server.stop();
        }
      };
      const { rounds, medianRatio } = await interleavedRounds({
        rounds: ctx.rounds,
        subject: () => measure('subject'),
        reference: () => measure('reference'),
        ratio: (subject, reference) => reference.latencyMs.p50 / subject.latencyMs.p50,
        log: (line) => ctx.log(`${id} ${line}`),
      });
      return result(id, shape, seconds, rounds, medianRatio);
    },
  };
}

function describe(name: string, m: Measurement): string {
  const x = m.extra!;
  return `${name} p50 ${m.latencyMs.p50} ms p99 ${m.latencyMs.p99} ms (first receipt p50 ${x.firstReceiptP50Ms} ms, publish answered p50 ${x.publishAckP50Ms} ms), ${x.deliveriesReceived}/${x.deliveriesExpected} delivered, ${x.rssPerSubscriberKiB} KiB/subscriber`;
}

function result(id: string, shape: LiveShape, seconds: number, rounds: Round[], medianRatio: number): ScenarioResult {
  // OpsGraph ÷ bare-ws, median over the rounds: the form the targets are stated in.
  const ratioOf = (f: (m: Measurement) => number) => median(rounds.map((r) => f(r.subject) / f(r.reference)));
  const p50 = ratioOf((m) => m.latencyMs.p50);
  const p99 = ratioOf((m) => m.latencyMs.p99);
  const rss = ratioOf((m) => Number(m.extra!.rssPerSubscriberKiB));
  const lost = rounds.reduce((n, r) => n + Number(r.subject.extra!.lost) + Number(r.reference.extra!.lost), 0);
  const errors = rounds.reduce((n, r) => n + r.subject.errors + r.reference.errors, 0);
  const checks = [
    { text: `p50 ≤ 1.5× bare-ws (median ${p50.toFixed(2)}×)`, met: p50 <= 1.5 },
    { text: `p99 ≤ 2× (median ${p99.toFixed(2)}×)`, met: p99 <= 2 },
    { text: `RSS per subscriber ≤ 2× (median ${rss.toFixed(2)}×)`, met: rss <= 2 },
    { text: `no delivery lost (${lost} lost)`, met: lost === 0 },
    { text: `no failed publish (${errors})`, met: errors === 0 },
  ];
  return {
    scenario: id,
    title: `Live fan-out: ${shape.subscribers} graphql-ws subscribers, ${shape.eventsPerSecond} events/s`,
    subjectName: 'opsgraph',
    referenceName: 'bare-ws',
    ratioMeaning: 'reference p50 ÷ OpsGraph p50, publish to receipt (higher is better; 1 = as fast as bare-ws)',
    rounds,
    medianRatio,
    target: { description: checks.map((c) => `${c.met ? '✓' : '✗'} ${c.text}`).join('; '), met: checks.every((c) => c.met) },
    notes: [
      `One socket and one subscription per subscriber, opened by a separate process (bench/suite/live/clients.ts, graphql-ws client on ws); ${seconds} s of publishing per side.`,
      "Latency: the system's monotonic clock just before the publish (OpsGraph: webhook POST of a Wazuh alert, stored and fanned out; bare-ws: POST /publish) to the `next` frame at each subscriber.",
      'After the last publish, receipts are awaited while they keep coming (trailingSeconds: how long they did); a delivery counts as lost only after 15 s without any receipt.',
      'RSS per subscriber: (server RSS with every subscriber live − RSS of the idle server) ÷ subscribers; each side on a fresh process.',
    ],
  };
}

export const liveScenarios: Scenario[] = [
  liveScenario('live-5000', { subscribers: 5000, eventsPerSecond: 2 }),
  liveScenario('live-1000', { subscribers: 1000, eventsPerSecond: 10 }),
];
