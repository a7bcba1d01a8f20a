import { groupWorkItemState, type GroupRuns } from './group-runs.ts';
import type { RecurrenceGroupRow } from './reads.ts';
import type { WorkItemState } from './work-item-state.ts';

/** What a work item's text is made from: the group's naming facts, its count and its runs. */
export interface WorkItemFacts {
  provider: string;
  alertname: string | null;
  ruleId: string | null;
  fingerprint: string | null;
  targetResource: string | null;
  recurrenceKey: string;
  occurrenceTotal: number;
  latestOccurrenceAt: Date | string | null;
}

/** How people name the group: its alert (or rule, or fingerprint), where, and from which provider. */
export function groupLabel(g: WorkItemFacts): string {
  const what = g.alertname ?? (g.ruleId ? `rule ${g.ruleId}` : null) ?? g.fingerprint ?? g.recurrenceKey;
  return `${what}${g.targetResource ? ` on ${g.targetResource}` : ''} (${g.provider})`;
}

const iso = (d: Date | string | null) => (d === null ? 'never' : new Date(d).toISOString());
const times = (n: number) => (n === 1 ? 'once' : `${n} times`);

/**
 * The work item's title and next step for people, per state (GraphQL `workItem`, the work-item
 * preview). Pure, so the preview and the read model say the same words.
 */
export function workItemText(g: WorkItemFacts, state: WorkItemState, runs: Pick<GroupRuns, 'latestRun'>): { title: string; nextStep: string } {
  const label = groupLabel(g);
  const run = runs.latestRun;
  const runName = run ? `run ${run.uuid} (${run.runbookCode}, ${run.nivel})` : 'run';
  switch (state) {
    case 'automation_gap':
      return { title: `Automation gap: ${label}`, nextStep: `Write or link a runbook: it recurred ${times(g.occurrenceTotal)} with none` };
    case 'verified_repair':
      return { title: `Repair verified: ${label}`, nextStep: `Watch: the repair held since ${iso(run?.finishedAt ?? null)} (${runName})` };
    case 'failed_repair':
      return { title: `Repair failed: ${label}`, nextStep: `Review the failed ${runName}: it ended ${run?.status}; fix and run again, or hand off` };
    case 'manual_gate':
      if (run?.status === 'pendente_aprovacao') {
        return { title: `Waiting on approval: ${label}`, nextStep: `Decide the pending approval of ${runName}, or hand off` };
      }
      if (run?.status === 'handoff') return { title: `Handed off: ${label}`, nextStep: `Follow up with the people who took over ${runName}` };
      if (run?.nivel === 'R3') return { title: `Manual only: ${label}`, nextStep: `Hand off ${runName}: R3 never runs by itself` };
      return { title: `Waiting on people: ${label}`, nextStep: `Request ${run?.runbookCode} again or hand off: the ${runName} was ${run?.status}` };
    case 'open':
      return {
        title: `Open: ${label}`,
        nextStep: `Investigate: ${times(g.occurrenceTotal)} so far, last at ${iso(g.latestOccurrenceAt)}${run ? `; the latest ${runName} was ${run.status}` : ''}`,
      };
  }
}

export interface WorkItem {
  /** The group's public id (REST `work_item_id`). */
  id: string;
  state: WorkItemState;
  reason: string;
  title: string;
  nextStep: string;
}

/** A group's work item: its derived state and why, with the words for people. */
export function groupWorkItem(group: RecurrenceGroupRow, runs: GroupRuns): WorkItem {
  const { state, reason } = groupWorkItemState(group, runs);
  return { id: group.uuid, state, reason, ...workItemText(group, state, runs) };
}
