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

/** Executions that still call for someone's attention (the contract's `acoes_pendentes`). */
export const OPEN_EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'pendente_aprovacao',
  'aprovado',
  'em_fila',
  'executando',
  'handoff_pendente',
];

/** Executions that may still be cancelled (not yet started). */
export const CANCELLABLE_STATUSES: readonly ExecutionStatus[] = ['pendente_aprovacao', 'aprovado', 'em_fila', 'handoff_pendente'];

export const APPROVAL_STATUSES = ['pendente', 'aprovado', 'rejeitado', 'expirado', 'cancelado'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
