import type { EntityManager } from '@mikro-orm/postgresql';
import { anyOf } from '../../src/db/sql.ts';
import type { CycleSummary } from '../../src/services/discovery/monitor/cycle.ts';
import type { Estate } from './estate.ts';
import type { Registered } from './register.ts';

export interface Stored {
  /** History rows the cycle wrote for the size's resources. */
  checksStored: number;
  /** Resources per status after the cycle. */
  statuses: Record<string, number>;
  /** Status changes whose `discovery` event is missing (announcement failed). */
  unannounced: number;
}

/** What the cycle left in the database for this size's resources, since `since`. */
export async function storedSince(em: EntityManager, registered: Registered, since: Date): Promise<Stored> {
  const mine = anyOf('resource_id', registered.resourceIds, 'int');
  const [row] = await em.fork().execute<{ checks: number; unannounced: number }[]>(
    `select (select count(*) from discovery_checks where ? and checked_at >= ?)::int as checks,
       (select count(*) from discovery_health_changes where ? and event_id is null)::int as unannounced`,
    [mine, since, mine],
  );
  const statuses = await em.fork().execute<{ status: string; n: number }[]>(
    'select status, count(*)::int as n from discovered_resources where ? group by status order by status',
    [anyOf('id', registered.resourceIds, 'int')],
  );
  return { checksStored: row!.checks, statuses: Object.fromEntries(statuses.map((s) => [s.status, s.n])), unannounced: row!.unannounced };
}

/**
 * What makes a run wrong rather than slow: a resource not checked, a result not stored, an open
 * listener judged down or a closed port judged up, a status change not announced.
 */
export function problemsOf(estate: Estate, summary: CycleSummary, stored: Stored): string[] {
  const size = estate.resources.length;
  const up = estate.resources.filter((r) => r.up).length;
  const problems: string[] = [];
  if (summary.checked !== size) problems.push(`checked ${summary.checked} of ${size} resources`);
  if (stored.checksStored !== size) problems.push(`stored ${stored.checksStored} checks for ${size} resources`);
  if (summary.passed !== up) problems.push(`${summary.passed} passed, ${up} listen`);
  if (summary.failed !== size - up) problems.push(`${summary.failed} failed, ${size - up} closed ports`);
  if (summary.skipped !== 0) problems.push(`${summary.skipped} skipped as outside the allowed networks (all are loopback)`);
  if (stored.unannounced !== 0) problems.push(`${stored.unannounced} status changes without their discovery event`);
  return problems;
}
