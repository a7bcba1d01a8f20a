import type { Measurement, Round } from '../types.ts';
import { round } from './load.ts';

export interface RoundsPlan {
  rounds: number;
  subject: () => Promise<Measurement>;
  reference: () => Promise<Measurement>;
  /** The headline ratio of one round; req/s ÷ req/s unless the scenario says otherwise. */
  ratio?: (subject: Measurement, reference: Measurement) => number;
  log: (line: string) => void;
}

export const throughputRatio = (subject: Measurement, reference: Measurement) => subject.requestsPerSecond / reference.requestsPerSecond;

/**
 * Interleaved rounds, alternating which side goes first (subject, reference | reference, subject
 * | …, i.e. ABBA), so a drift of the machine over the run (thermal, other load, a growing
 * table) weighs on both sides alike; the verdict is the median of the per-round ratios.
 */
export async function interleavedRounds(plan: RoundsPlan): Promise<{ rounds: Round[]; medianRatio: number }> {
  const ratioOf = plan.ratio ?? throughputRatio;
  const rounds: Round[] = [];
  for (let n = 1; n <= plan.rounds; n++) {
    const subjectFirst = n % 2 === 1;
    let subject: Measurement;
    let reference: Measurement;
    if (subjectFirst) {
      subject = await plan.subject();
      reference = await plan.reference();
    } else {
      reference = await plan.reference();
      subject = await plan.subject();
    }
    const ratio = round(ratioOf(subject, reference), 3);
    plan.log(
      `round ${n}/${plan.rounds} (${subjectFirst ? 'subject' : 'reference'} first): ` +
        `${subject.requestsPerSecond} vs ${reference.requestsPerSecond} req/s, ` +
        `p99 ${subject.latencyMs.p99} vs ${reference.latencyMs.p99} ms, ratio ${ratio}` +
        (subject.errors + reference.errors > 0 ? `, ERRORS ${subject.errors} / ${reference.errors}` : ''),
    );
    rounds.push({ round: n, subject, reference, ratio });
  }
  return { rounds, medianRatio: median(rounds.map((r) => r.ratio)) };
}

/** Fewer completed requests per connection than this, and the window is short next to the latency. */
const MIN_REQUESTS_PER_CONNECTION = 10;

/**
 * Notes for sides whose measured window held only a few requests per connection: autocannon counts
 * what completes inside the window, so when a request takes a sizeable part of it, req/s is coarse
 * and the slowest requests fall outside (p99 flattered). A longer --duration fixes it.
 */
export function shortWindowNotes(rounds: Round[]): string[] {
  const notes: string[] = [];
  for (const r of rounds) {
    for (const side of ['subject', 'reference'] as const) {
      const { requests, connections } = r[side].extra ?? {};
      if (typeof requests !== 'number' || typeof connections !== 'number') continue;
      const perConnection = requests / connections;
      if (perConnection < MIN_REQUESTS_PER_CONNECTION) {
        notes.push(`Round ${r.round} ${side}: ${perConnection.toFixed(1)} requests per connection in the window; too short next to the latency, rerun with a longer --duration.`);
      }
    }
  }
  return notes;
}

export function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
