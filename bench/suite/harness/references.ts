import type { ReferenceName, RunningServer } from '../types.ts';
import { startChildServer } from './child-server.ts';

/** A reference server of bench/suite/references/ on a port of its own choosing, against the run's database. */
export function startReferenceProcess(name: ReferenceName, databaseUrl: string, env: Record<string, string> = {}): Promise<RunningServer> {
  return startChildServer({
    name,
    script: `bench/suite/references/${name}.ts`,
    // Production mode like OpsGraph's, so no side pays for development-only checks.
    env: { NODE_ENV: 'production', PORT: '0', DATABASE_URL: databaseUrl, ...env },
    ready: 'ready-line',
    sqlStatements: async (url) => {
      const res = await fetch(`${url}/bench/stats`);
      if (!res.ok) throw new Error(`GET ${url}/bench/stats answered ${res.status}`);
      return ((await res.json()) as { sqlStatements: number }).sqlStatements;
    },
  });
}
