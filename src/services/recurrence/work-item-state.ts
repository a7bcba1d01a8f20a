import type { ExecutionStatus, Nivel } from '../../../entities/runbook-levels.ts';

/** The work a recurrence group calls for (DOMAIN.md "Recurrence key"), derived when read. */
export const WORK_ITEM_STATES = ['verified_repair', 'failed_repair', 'manual_gate', 'automation_gap', 'open'] as const;
export type WorkItemState = (typeof WORK_ITEM_STATES)[number];

/** A group recurring at least this often with no runbook run is an automation gap. */
export const AUTOMATION_GAP_OCCURRENCES = 3;

export interface LatestRun {
  status: ExecutionStatus;
  nivel: Nivel;
  createdAt: Date;
  finishedAt: Date | null;
}

const FAILED: readonly ExecutionStatus[] = ['falha', 'timeout'];
/** Waiting on people: an approval not yet given, or a request that was refused or lapsed. */
const GATED: readonly ExecutionStatus[] = ['pendente_aprovacao', 'rejeitado', 'expirado'];

/**
 * The latest linked run decides first: it succeeded after the last occurrence (verified), it
 * failed, or it waits on an approval or is R3 (manual gate). Without any run, a group that keeps
 * recurring is an automation gap; everything else is open.
 */
export function workItemState(
  group: { occurrenceTotal: number; latestOccurrenceAt: Date | null },
  latestRun: LatestRun | null,
  linkedRunTotal: number,
): { state: WorkItemState; reason: string } {
  if (latestRun) {
    const after = (d: Date | null) => d !== null && (group.latestOccurrenceAt === null || d.getTime() >= group.latestOccurrenceAt.getTime());
    if (latestRun.status === 'sucesso' && after(latestRun.finishedAt)) {
      return { state: 'verified_repair', reason: 'the latest linked run succeeded and nothing has recurred since' };
    }
    if (FAILED.includes(latestRun.status)) return { state: 'failed_repair', reason: `the latest linked run ended in ${latestRun.status}` };
    if (latestRun.nivel === 'R3') return { state: 'manual_gate', reason: 'the latest linked run is R3: hand-off is the only path' };
    if (GATED.includes(latestRun.status)) return { state: 'manual_gate', reason: `the latest linked run is ${latestRun.status}` };
  }
  if (linkedRunTotal === 0 && group.occurrenceTotal >= AUTOMATION_GAP_OCCURRENCES) {
    return { state: 'automation_gap', reason: `recurred ${group.occurrenceTotal} times with no runbook run` };
  }
  return { state: 'open', reason: latestRun ? `it recurred after the latest linked run (${latestRun.status})` : 'no runbook has run on it yet' };
}
