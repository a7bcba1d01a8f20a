import type { ChamadoStatus } from '../../../entities/chamado-status.ts';
import type { WorkItemMode } from '../../../entities/recurrence-work-item-entry.entity.ts';
import type { GroupRuns } from './group-runs.ts';
import type { RecurrenceGroupRow } from './reads.ts';
import { groupLabel, groupWorkItem } from './work-item-text.ts';
import type { WorkItemState } from './work-item-state.ts';

/*
 * The work-item plan (spec 002 preview / dry-run / hand-off): from what is known about a group,
 * the next step, the pre-flight checks and what the call promises not to touch. Pure: the
 * services gather the facts, this decides the words.
 */

export const PREFLIGHT_STATUSES = ['PASS', 'WARN', 'FAIL'] as const;
export type PreflightStatus = (typeof PREFLIGHT_STATUSES)[number];

export interface PreflightCheck {
  name: string;
  status: PreflightStatus;
  detail: string;
}

/** The tables none of preview, dry-run and hand-off ever writes (the tests count their rows). */
const UNCHANGED_BY_WORK_ITEMS = ['chamados', 'approvals', 'runbook_executions', 'timeline_entries', 'outbound_deliveries'];

export interface WorkItemGuarantees {
  readOnly: boolean;
  writes: string[];
  unchanged: string[];
}

/** What the plan is for: a preview writes nothing; a dry run and a hand-off write one history entry. */
export type PlanPurpose = 'preview' | 'dry_run' | 'handoff';

export interface WorkItemSituation {
  group: RecurrenceGroupRow;
  runs: GroupRuns;
  /** The newest open chamado the group's events joined, if any. */
  openChamado: { publicId: string; status: ChamadoStatus } | null;
  /** The newest ticket proposal still waiting to be accepted. */
  pendingProposalId: string | null;
}

export interface WorkItemPlan {
  workItemId: string;
  projectId: string;
  mode: WorkItemMode;
  /** The mode `auto` stands for in this state (the asked mode otherwise). */
  effectiveMode: Exclude<WorkItemMode, 'auto'>;
  state: WorkItemState;
  reason: string;
  title: string;
  nextStep: string;
  /** No pre-flight check failed. */
  ready: boolean;
  preflightChecks: PreflightCheck[];
  guarantees: WorkItemGuarantees;
}

const DAY_MS = 24 * 3_600_000;
const IN_FLIGHT: readonly string[] = ['aprovado', 'em_fila', 'executando'];
const iso = (d: Date | string | null) => (d === null ? 'never' : new Date(d).toISOString());

function guaranteesOf(purpose: PlanPurpose): WorkItemGuarantees {
  return purpose === 'preview'
    ? { readOnly: true, writes: [], unchanged: [...UNCHANGED_BY_WORK_ITEMS] }
    : // The new entry also moves the group's change_seq, so live recurrence views show it.
      { readOnly: false, writes: ['recurrence_work_item_entries', 'recurrence_groups.change_seq'], unchanged: [...UNCHANGED_BY_WORK_ITEMS] };
}

/** What `auto` means per state: run a repair where a chamado can take it, else a ticket or people. */
function autoMode(state: WorkItemState, s: WorkItemSituation): WorkItemPlan['effectiveMode'] {
  switch (state) {
    case 'automation_gap':
      return 'ticket';
    case 'open':
      return s.openChamado ? 'repair' : 'ticket';
    case 'failed_repair':
    case 'manual_gate':
    case 'verified_repair':
      return 'manual';
  }
}

export function workItemPlan(s: WorkItemSituation, mode: WorkItemMode, purpose: PlanPurpose, now: Date): WorkItemPlan {
  const { state, reason, title, nextStep } = groupWorkItem(s.group, s.runs);
  const effectiveMode = mode === 'auto' ? autoMode(state, s) : mode;
  const preflightChecks = checks(s, effectiveMode, now);
  return {
    workItemId: s.group.uuid,
    projectId: s.group.projectId,
    mode,
    effectiveMode,
    state,
    reason,
    title,
    nextStep: mode === 'auto' ? nextStep : modeStep(s, effectiveMode),
    ready: preflightChecks.every((c) => c.status !== 'FAIL'),
    preflightChecks,
    guarantees: guaranteesOf(purpose),
  };
}

function modeStep(s: WorkItemSituation, mode: WorkItemPlan['effectiveMode']): string {
  const run = s.runs.latestRun;
  switch (mode) {
    case 'repair':
      if (run?.nivel === 'R3') return `Hand off: the latest run (${run.runbookCode}) is R3, which never runs by itself`;
      return s.openChamado
        ? `Request a runbook on ${s.openChamado.publicId}`
        : 'Hand off a ticket proposal and accept it first: a runbook runs on a chamado and none is open';
    case 'ticket':
      if (s.pendingProposalId) return `Accept ticket proposal ${s.pendingProposalId}`;
      return s.openChamado
        ? `Hand off a ticket proposal: accepting it puts the group's events on ${s.openChamado.publicId}`
        : 'Hand off a ticket proposal: accepting it opens a chamado with the group’s events';
    case 'manual':
      return `Hand off for manual takeover: people own ${groupLabel(s.group)} from here`;
  }
}

function checks(s: WorkItemSituation, mode: WorkItemPlan['effectiveMode'], now: Date): PreflightCheck[] {
  const { group, runs, openChamado, pendingProposalId } = s;
  const repair = mode === 'repair';
  const run = runs.latestRun;
  const out: PreflightCheck[] = [];
  const add = (name: string, status: PreflightStatus, detail: string) => out.push({ name, status, detail });

  const last = group.latestOccurrenceAt ? new Date(group.latestOccurrenceAt) : null;
  if (last && now.getTime() - last.getTime() <= DAY_MS) {
    add('recurring_last_24h', 'PASS', `last occurred ${iso(last)} (${group.occurrenceTotal} occurrences in total)`);
  } else {
    add('recurring_last_24h', 'WARN', `no occurrence in the last 24 h (last ${iso(last)}): it may have stopped by itself`);
  }

  const silencedUntil = group.silencedUntil ? new Date(group.silencedUntil) : null;
  if (silencedUntil && silencedUntil.getTime() > now.getTime()) {
    add('silence', 'WARN', `silenced until ${iso(silencedUntil)} (${group.silenceReason ?? 'no reason given'}): its events open no chamado meanwhile`);
  } else {
    add('silence', 'PASS', 'not silenced');
  }

  if (openChamado) {
    const use = mode === 'ticket' ? 'accepting a ticket proposal puts the events on it' : 'runs and hand-offs act on it';
    add('open_chamado', 'PASS', `${openChamado.publicId} (${openChamado.status}) is open: ${use}`);
  } else if (repair) {
    add('open_chamado', 'FAIL', 'no open chamado: a runbook runs on a chamado (accept a ticket proposal first)');
  } else {
    add('open_chamado', mode === 'ticket' ? 'PASS' : 'WARN', 'no open chamado: accepting a ticket proposal opens one');
  }

  if (!run) {
    add('latest_run', 'WARN', 'no runbook has run on this group yet');
  } else if (run.status === 'sucesso') {
    add('latest_run', 'PASS', `${run.runbookCode} succeeded at ${iso(run.finishedAt)}`);
  } else if (IN_FLIGHT.includes(run.status)) {
    add('latest_run', repair ? 'FAIL' : 'WARN', `${run.runbookCode} is ${run.status}: wait for it before another run`);
  } else {
    add('latest_run', 'WARN', `${run.runbookCode} is ${run.status}`);
  }

  const waiting = runs.runStateCounts['pendente_aprovacao'] ?? 0;
  if (waiting > 0) {
    add('approval_pending', repair ? 'FAIL' : 'WARN', `${waiting} run(s) wait for approval: decide them before requesting another`);
  } else {
    add('approval_pending', 'PASS', 'no run waits for approval');
  }

  if (run?.nivel === 'R3') {
    add('runbook_level', repair ? 'FAIL' : 'WARN', `the latest run (${run.runbookCode}) is R3: hand-off is the only path`);
  } else {
    add('runbook_level', 'PASS', run ? `the latest run is ${run.nivel}` : 'no run, so no R3 hand-off is required');
  }

  if (pendingProposalId) {
    add('ticket_proposal', 'WARN', `ticket proposal ${pendingProposalId} is pending: accept it rather than proposing again`);
  } else {
    add('ticket_proposal', 'PASS', 'no ticket proposal pending');
  }
  return out;
}
