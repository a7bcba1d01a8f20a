import { startChildServer } from './child-server.ts';

/**
 * `databaseUrl` reached through a hop of `hopMs` each way (db-hop-process.ts), for the servers a
 * run benchmarks — OpsGraph and every reference alike; the harness's own work (the dataset, the
 * vacuum between sides) still goes straight to the database. Null for no hop.
 */
export async function startDbHop(databaseUrl: string, hopMs: number): Promise<{ url: string; stop: () => Promise<void> } | null> {
  if (hopMs <= 0) return null;
  const direct = new URL(databaseUrl);
  const hop = await startChildServer({
    name: 'db-hop',
    script: 'bench/suite/harness/db-hop-process.ts',
    env: { DB_HOST: direct.hostname, DB_PORT: direct.port || '5432', HOP_MS: String(hopMs) },
    ready: 'ready-line',
    sqlStatements: async () => 0,
  });
  const hopped = new URL(databaseUrl);
  hopped.hostname = '127.0.0.1';
  hopped.port = new URL(hop.url).port;
  return { url: hopped.toString(), stop: () => hop.stop() };
}
