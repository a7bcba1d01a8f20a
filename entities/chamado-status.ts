/**
 * The chamado lifecycle from DOMAIN.md as a pure transition table, so the entity, the services and
 * the schema's descriptions all read the same rules.
 */
export const CHAMADO_STATUSES = ['novo', 'assumido', 'em_correcao', 'aguardando', 'resolvido', 'fechado'] as const;
export type ChamadoStatus = (typeof CHAMADO_STATUSES)[number];

export const TRANSITIONS: Readonly<Record<ChamadoStatus, readonly ChamadoStatus[]>> = {
  novo: ['assumido'],
  assumido: ['em_correcao', 'aguardando'],
  em_correcao: ['resolvido', 'aguardando'],
  aguardando: ['assumido', 'em_correcao'],
  // Reopening goes back to assumido (DOMAIN.md): by an operator here, by a correlated event later.
  resolvido: ['fechado', 'assumido'],
  fechado: ['assumido'],
};

/**
 * Where a chamado may go from `status`. A merged chamado goes nowhere: the merge closed it and its
 * work lives on in the survivor, so claiming, moving or reopening it would split that work again.
 */
export function allowedTransitions(status: ChamadoStatus, merged: boolean): readonly ChamadoStatus[] {
  return merged ? [] : TRANSITIONS[status];
}

/** Statuses in which a chamado still counts as open work (correlation joins only these). */
export const OPEN_STATUSES: readonly ChamadoStatus[] = ['novo', 'assumido', 'em_correcao', 'aguardando'];
