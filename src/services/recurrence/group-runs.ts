import type { EntityManager } from '@mikro-orm/postgresql';
import type { ExecutionStatus, Nivel } from '../../../entities/runbook-levels.ts';
import { anyOf } from '../../db/sql.ts';
import { workItemState, type LatestRun, type WorkItemState } from './work-item-state.ts';
import type { RecurrenceGroupRow } from './reads.ts';

/** The runs of a group: runbook executions on the chamados its events joined. */
export interface GroupRuns {
  linkedRunTotal: number;
  /** Runs that needed no approval (R0): the reference's auto-repair count. */
  autoRepairTotal: number;
  runStateCounts: Record<string, number>;
  latestRun: (LatestRun & { id: number; uuid: string; runbookCode: string }) | null;
}

const NO_RUNS: GroupRuns = { linkedRunTotal: 0, autoRepairTotal: 0, runStateCounts: {}, latestRun: null };

/** Run statistics for many groups in one statement (for DataLoaders and the dossier). */
export async function runsByGroupIds(em: EntityManager, ids: readonly number[]): Promise<Map<number, GroupRuns>> {
  const out = new Map<number, GroupRuns>();
  if (ids.length === 0) return out;
  const rows = await em.execute<
    { groupId: number; id: number; uuid: string; runbookCode: string; status: ExecutionStatus; nivel: Nivel; createdAt: string; finishedAt: string | null }[]
  >(
    `select gc.group_id as "groupId", x.id, x.uuid, x.runbook_code as "runbookCode", x.status, x.nivel,
       x.created_at as "createdAt", x.finished_at as "finishedAt"
     from recurrence_group_chamados gc join runbook_executions x on x.chamado_id = gc.chamado_id
     where ? order by gc.group_id, x.created_at, x.id`,
    [anyOf('gc.group_id', ids, 'int')],
  );
  for (const row of rows) {
    const runs = out.get(row.groupId) ?? { linkedRunTotal: 0, autoRepairTotal: 0, runStateCounts: {}, latestRun: null };
    runs.linkedRunTotal += 1;
    if (row.nivel === 'R0') runs.autoRepairTotal += 1;
    runs.runStateCounts[row.status] = (runs.runStateCounts[row.status] ?? 0) + 1;
    // Rows come oldest first, so the last one seen is the latest.
    runs.latestRun = {
      id: row.id,
      uuid: row.uuid,
      runbookCode: row.runbookCode,
      status: row.status,
      nivel: row.nivel,
      createdAt: new Date(row.createdAt),
      finishedAt: row.finishedAt ? new Date(row.finishedAt) : null,
    };
    out.set(row.groupId, runs);
  }
  return out;
}

export function runsOf(map: Map<number, GroupRuns>, groupId: number): GroupRuns {
  return map.get(groupId) ?? NO_RUNS;
}

/** The group's work item state from its stored facts and its runs. */
export function groupWorkItemState(group: RecurrenceGroupRow, runs: GroupRuns): { state: WorkItemState; reason: string } {
  const latestOccurrenceAt = group.latestOccurrenceAt ? new Date(group.latestOccurrenceAt) : null;
  return workItemState({ occurrenceTotal: group.occurrenceTotal, latestOccurrenceAt }, runs.latestRun, runs.linkedRunTotal);
}
