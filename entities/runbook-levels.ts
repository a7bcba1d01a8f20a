/** Runbook levels (DOMAIN.md): R0 runs at once, R1 needs one approval, R2 two, R3 never runs automatically. */
export const NIVEIS = ['R0', 'R1', 'R2', 'R3'] as const;
export type Nivel = (typeof NIVEIS)[number];

/** `force_nivel` may raise a level, never lower it. */
export function effectiveNivel(runbook: Nivel, forced: Nivel | null | undefined): Nivel {
  return forced && NIVEIS.indexOf(forced) > NIVEIS.indexOf(runbook) ? forced : runbook;
}

/** Approvals each level needs before it may run; null where approvals cannot make it run. */
export const APPROVALS_REQUIRED: Record<Nivel, number | null> = { R0: 0, R1: 1, R2: 2, R3: null };

export const EXECUTION_STATUSES = [
  'pendente_aprovacao',
  'aprovado',
  'em_fila',
  'executando',
  'sucesso',
  'falha',
  'timeout',
  'rejeitado',
  'cancelado',
  'expirado',
  // R3: recorded and waiting to be handed off to people; `handoff` once it was.
  'handoff_pendente',
  'handoff',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/**
 * The execution lifecycle as one transition table (RunbookExecution.transitionTo is the only way a
 * status changes). A request starts at `initialExecutionStatus`; a statusless list is terminal.
 */
export const EXECUTION_TRANSITIONS: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = {
  pendente_aprovacao: ['aprovado', 'rejeitado', 'expirado', 'cancelado'],
  aprovado: ['em_fila', 'cancelado'],
  // falha from the queue: a job whose workers kept dying before it started used up its retries.
  em_fila: ['executando', 'cancelado', 'falha'],
  // executando again: the previous attempt's worker died mid-run and the job was retried.
  executando: ['executando', 'sucesso', 'falha', 'timeout'],
  sucesso: [],
  falha: [],
  timeout: [],
  rejeitado: [],
  cancelado: [],
  expirado: [],
  handoff_pendente: ['handoff', 'cancelado'],
  handoff: [],
};

export function canTransitionExecution(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return EXECUTION_TRANSITIONS[from].includes(to);
}

/** Done for good: sucesso, falha, timeout, rejeitado, cancelado, expirado, handoff. */
export function isTerminalExecution(status: ExecutionStatus): boolean {
  return EXECUTION_TRANSITIONS[status].length === 0;
}

/**
 * Where a request starts: R3 waits for a hand-off, R1/R2 for approvals, and R0 — which needs
 * none — counts as approved at once and is queued in the same transaction.
 */
export function initialExecutionStatus(nivel: Nivel): ExecutionStatus {
  const required = APPROVALS_REQUIRED[nivel];
  return required === null ? 'handoff_pendente' : required === 0 ? 'aprovado' : 'pendente_aprovacao';
}

/** Executions that still call for someone's attention (the contract's `acoes_pendentes`): every non-terminal one. */
export const OPEN_EXECUTION_STATUSES: readonly ExecutionStatus[] = EXECUTION_STATUSES.filter((s) => !isTerminalExecution(s));

export const APPROVAL_STATUSES = ['pendente', 'aprovado', 'rejeitado', 'expirado', 'cancelado'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
