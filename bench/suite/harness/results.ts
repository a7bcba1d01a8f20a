import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import type { Measurement, Scale, ScenarioResult } from '../types.ts';
import type { MachineInfo } from './machine.ts';
import { round } from './load.ts';
import { median } from './rounds.ts';

/** What a result file says about the run that produced it. */
export interface RunInfo {
  startedAt: string;
  scale: Scale;
  rounds: number;
  durationSeconds: number;
  machine: MachineInfo;
  postgresOrigin: string;
  /** Milliseconds each way between the servers and PostgreSQL (--db-hop-ms); 0 when they talk directly. */
  dbHopMs: number;
  /** generateDataset's summary (counts of each table, seconds it took). */
  dataset: unknown;
}

/** When a scenario ended and the machine's load then (other work on the machine skews both sides, rarely alike). */
export interface Finished {
  at: string;
  loadAverage1m: number;
}

export type ResultFile = (ScenarioResult & { run: RunInfo; finished: Finished }) | { scenario: string; failed: string; run: RunInfo; finished: Finished };

export function finishedNow(): Finished {
  return { at: new Date().toISOString(), loadAverage1m: Math.round(loadavg()[0]! * 100) / 100 };
}

export const RESULTS_DIR = path.resolve(import.meta.dirname, '../../results');

/** Writes bench/results/<scenario>.json and prints the scenario's one JSON line on stdout. */
export async function recordResult(file: ResultFile): Promise<void> {
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, `${file.scenario}.json`), `${JSON.stringify(file, null, 2)}\n`);
  const line =
    'failed' in file
      ? { scenario: file.scenario, failed: file.failed }
      : {
          scenario: file.scenario,
          scale: file.run.scale,
          loadAverage1m: file.finished.loadAverage1m,
          medianRatio: file.medianRatio,
          ratioMeaning: file.ratioMeaning,
          target: file.target.description,
          met: file.target.met,
          subject: headline(file.rounds.map((r) => r.subject)),
          reference: headline(file.rounds.map((r) => r.reference)),
        };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * bench/results/summary.md, from every result file there: a run with `--only` refreshes its rows
 * and keeps the others (each row says its scale and when it ran).
 */
export async function writeSummary(): Promise<string> {
  const names = (await readdir(RESULTS_DIR)).filter((n) => n.endsWith('.json')).sort();
  const files = await Promise.all(names.map(async (n) => JSON.parse(await readFile(path.join(RESULTS_DIR, n), 'utf8')) as ResultFile));
  const rows = files.map((f) =>
    'failed' in f
      ? `| ${f.scenario} | ${f.run.scale} | failed: ${cell(f.failed)} | | | | **no** | ${ended(f)} |`
      : `| ${f.scenario} | ${f.run.scale} | ${f.subjectName}: ${figures(f.rounds.map((r) => r.subject))} | ` +
        `${f.referenceName}: ${figures(f.rounds.map((r) => r.reference))} | ${round(f.medianRatio, 3)} (${cell(f.ratioMeaning)}) | ` +
        `${cell(f.target.description)} | ${f.target.met ? 'yes' : '**no**'} | ${ended(f)} |`,
  );
  const newest = files.toSorted((a, b) => b.run.startedAt.localeCompare(a.run.startedAt))[0]?.run;
  const text = [
    '# Bench results',
    '',
    'Written by `npm run bench` (bench/suite/main.ts); figures are medians over the rounds, ratios the median of per-round ratios.',
    newest
      ? `Newest run ${newest.startedAt}: ${newest.machine.cpus} × ${newest.machine.cpuModel}, load ${newest.machine.loadAverage1m} at its start, ` +
        `Node ${newest.machine.node}, ${newest.machine.postgres.split(' on ')[0]} (${newest.postgresOrigin}${newest.dbHopMs ? `, reached through a ${newest.dbHopMs} ms hop each way` : ''}), commit ${newest.machine.gitCommit}.`
      : '',
    '',
    '| scenario | scale | subject | reference | median ratio | target | met? | finished (load 1 min) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  await writeFile(path.join(RESULTS_DIR, 'summary.md'), text);
  return text;
}

function headline(sides: Measurement[]) {
  return {
    requestsPerSecond: round(median(sides.map((m) => m.requestsPerSecond)), 1),
    p50Ms: round(median(sides.map((m) => m.latencyMs.p50)), 1),
    p99Ms: round(median(sides.map((m) => m.latencyMs.p99)), 1),
    sqlPerRequest: sides[0]?.sqlPerRequest === undefined ? undefined : round(sides[0].sqlPerRequest, 2),
    errors: sides.reduce((sum, m) => sum + m.errors, 0),
  };
}

function figures(sides: Measurement[]): string {
  const h = headline(sides);
  const bytes = sides[0]?.extra?.responseBytes;
  return [
    `${h.requestsPerSecond} req/s`,
    `p50 ${h.p50Ms} / p99 ${h.p99Ms} ms`,
    h.sqlPerRequest === undefined ? null : `${h.sqlPerRequest} SQL/req`,
    bytes === undefined ? null : `${bytes} B/resp`,
    h.errors > 0 ? `**${h.errors} errors**` : '0 errors',
  ]
    .filter(Boolean)
    .join(', ');
}

const ended = (f: ResultFile) => `${f.finished.at} (${f.finished.loadAverage1m})`;

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
