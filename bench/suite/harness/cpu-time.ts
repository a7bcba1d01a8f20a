import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ, fixed for user space). */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) process `pid` has used so far, from /proc; null when it is not on this machine. */
export function processCpuMs(pid: number, { withEndedChildren = false } = {}): number | null {
  try {
    // Fields after the command's closing parenthesis: utime, stime, cutime, cstime are the 12th to 15th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    const children = withEndedChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return ((own + children) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU milliseconds every PostgreSQL process on this machine has used so far (backends, WAL writer,
 * checkpointer …, whichever database they serve): what a scenario's statements cost the server,
 * on a bench machine where nothing else uses it. A backend that ended meanwhile still counts:
 * the postmaster that reaped it carries its time (its children's, in /proc).
 */
export function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${entry}/comm`, 'utf8');
    } catch {
      continue; // ended while listed
    }
    if (command.startsWith('postgres')) total += processCpuMs(Number(entry), { withEndedChildren: true }) ?? 0;
  }
  return total;
}

/** Where a side's CPU went, per request: its server process, PostgreSQL, and the bench process (the load generator). */
export interface CpuPerRequest {
  serverMs: number;
  postgresMs: number;
  loadMs: number;
}

/** Starts counting now; the returned function gives each part's CPU milliseconds per request over `requests`. */
export function cpuMeter(serverPid: number): (requests: number) => CpuPerRequest {
  const before = { server: processCpuMs(serverPid) ?? 0, postgres: postgresCpuMs(), load: process.cpuUsage() };
  return (requests) => {
    const load = process.cpuUsage(before.load);
    const per = (ms: number) => Math.round((ms / requests) * 1000) / 1000;
    return {
      serverMs: per((processCpuMs(serverPid) ?? before.server) - before.server),
      postgresMs: per(postgresCpuMs() - before.postgres),
      loadMs: per((load.user + load.system) / 1000),
    };
  };
}
