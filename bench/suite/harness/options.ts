import { parseArgs } from 'node:util';
import type { Scale } from '../types.ts';

export interface SuiteOptions {
  scale: Scale;
  rounds: number;
  /** Ids or id prefixes to run; null runs every registered scenario. */
  only: string[] | null;
  keepDatabase: boolean;
  /** Seconds each measured side of a round lasts (its warm-up comes on top). */
  durationSeconds: number;
  /** Milliseconds each way between the servers and PostgreSQL (db-hop.ts); 0 for none. */
  dbHopMs: number;
}

const USAGE = 'npm run bench -- [--scale small|large] [--rounds 3] [--only list,fixed-cost] [--keep-database] [--duration 10] [--db-hop-ms 0]';

/** The command line, or a usage line and exit 2. */
export function readOptions(argv: string[]): SuiteOptions {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        scale: { type: 'string', default: 'small' },
        rounds: { type: 'string', default: '3' },
        only: { type: 'string' },
        'keep-database': { type: 'boolean', default: false },
        duration: { type: 'string', default: '10' },
        'db-hop-ms': { type: 'string', default: '0' },
      },
    });
    const rounds = Number(values.rounds);
    const durationSeconds = Number(values.duration);
    if (values.scale !== 'small' && values.scale !== 'large') throw new Error('--scale is small or large');
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number of at least 1');
    if (!Number.isInteger(durationSeconds) || durationSeconds < 1) throw new Error('--duration takes whole seconds, at least 1');
    const dbHopMs = Number(values['db-hop-ms']);
    if (!Number.isInteger(dbHopMs) || dbHopMs < 0) throw new Error('--db-hop-ms takes whole milliseconds, 0 or more');
    const only = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : null;
    return { scale: values.scale, rounds, only, keepDatabase: values['keep-database']!, durationSeconds, dbHopMs };
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
}

/** `--only ingest` selects `ingest` and `ingest-16`; `--only ingest-16` only that one. */
export function selected(id: string, only: string[] | null): boolean {
  return only === null || only.some((o) => id === o || id.startsWith(`${o}-`));
}
