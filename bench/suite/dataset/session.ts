import { processCpuMs } from '../harness/cpu-time.ts';
import pg from 'pg';

/**
 * One connection for the whole load: the steps share temp tables and functions, and one
 * transaction. (Two connections splitting the inserts used twice the CPU for the same wall time
 * on this 2-core machine.)
 */
export interface LoadSession {
  /** Runs one statement, logs its label, affected rows and seconds. */
  step(label: string, sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export async function openLoadSession(databaseUrl: string, log: (line: string) => void): Promise<LoadSession> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  // Temp tables hold the plan (~1M narrow rows at the large scale): keep them in memory. Parallel
  // plans would make the order of ids assigned inside a statement depend on timing; merge joins
  // would sort the events away from id order (every join here is on a small table).
  await client.query(`set temp_buffers = '512MB'; set work_mem = '256MB'; set maintenance_work_mem = '512MB';
    set max_parallel_workers_per_gather = 0; set jit = off; set synchronous_commit = off; set enable_mergejoin = off`);
  const cpu = await backendCpu(client);
  return {
    async step(label, sql, params = []) {
      const started = performance.now();
      const cpuBefore = cpu();
      const result = await client.query(sql, params);
      const rows = result.rowCount == null ? '' : ` ${result.rowCount} rows`;
      const cpuSeconds = cpuBefore === null ? '' : ` (server CPU ${(cpu()! - cpuBefore).toFixed(1)} s)`;
      log(`  ${label}:${rows} in ${((performance.now() - started) / 1000).toFixed(1)} s${cpuSeconds}`);
      return result;
    },
    async query(sql, params = []) {
      return (await client.query(sql, params)).rows;
    },
    close: () => client.end(),
  };
}

/**
 * CPU seconds the server process has used so far, when it runs on this machine (null otherwise):
 * on a shared machine the wall time says more about the neighbours than about the load.
 */
async function backendCpu(client: pg.Client): Promise<() => number | null> {
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  const read = (): number | null => {
    const ms = processCpuMs(rows[0]!.pid);
    return ms === null ? null : ms / 1000;
  };
  return read() === null ? () => null : read;
}
