import { describe, expect, it } from 'vitest';
import { RunbookExecution } from '../entities/runbook-execution.entity.ts';
import {
  EXECUTION_STATUSES,
  EXECUTION_TRANSITIONS,
  OPEN_EXECUTION_STATUSES,
  initialExecutionStatus,
  type ExecutionStatus,
} from '../entities/runbook-levels.ts';

/*
 * The runbook execution lifecycle is one table on the entity side; every status change in the
 * services goes through RunbookExecution.transitionTo, which refuses what the table does not list.
 * Unit level: plain entity instances, no database.
 */

const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-01T00:05:00Z');

function executionAt(status: ExecutionStatus): RunbookExecution {
  const execution = new RunbookExecution();
  Object.assign(execution, { status, attempt: 1, queuedAt: T0, startedAt: T0, finishedAt: null });
  return execution;
}

const snapshot = (e: RunbookExecution) => ({
  status: e.status,
  attempt: e.attempt,
  queuedAt: e.queuedAt,
  startedAt: e.startedAt,
  finishedAt: e.finishedAt,
});

describe('runbook execution transitions', () => {
  it('the table is the lifecycle DOMAIN.md describes', () => {
    expect(EXECUTION_TRANSITIONS).toEqual({
      pendente_aprovacao: ['aprovado', 'rejeitado', 'expirado', 'cancelado'],
      aprovado: ['em_fila', 'cancelado'],
      em_fila: ['executando', 'cancelado', 'falha'],
      executando: ['executando', 'sucesso', 'falha', 'timeout'],
      sucesso: [],
      falha: [],
      timeout: [],
      rejeitado: [],
      cancelado: [],
      expirado: [],
      handoff_pendente: ['handoff', 'cancelado'],
      handoff: [],
    });
    expect(Object.keys(EXECUTION_TRANSITIONS).sort()).toEqual([...EXECUTION_STATUSES].sort());
  });

  it('open executions (acoes_pendentes) are exactly the non-terminal ones', () => {
    expect([...OPEN_EXECUTION_STATUSES].sort()).toEqual(['aprovado', 'em_fila', 'executando', 'handoff_pendente', 'pendente_aprovacao']);
  });

  it('a request starts where its level says: R0 approved (then queued), R1/R2 awaiting approval, R3 awaiting hand-off', () => {
    expect(initialExecutionStatus('R0')).toBe('aprovado');
    expect(initialExecutionStatus('R1')).toBe('pendente_aprovacao');
    expect(initialExecutionStatus('R2')).toBe('pendente_aprovacao');
    expect(initialExecutionStatus('R3')).toBe('handoff_pendente');
  });

  it('transitionTo allows exactly the listed moves and refuses every other one, changing nothing', () => {
    let allowed = 0;
    let refused = 0;
    for (const from of EXECUTION_STATUSES) {
      for (const to of EXECUTION_STATUSES) {
        const execution = executionAt(from);
        const before = snapshot(execution);
        const moved = execution.transitionTo(to, T1);
        if (EXECUTION_TRANSITIONS[from].includes(to)) {
          expect(moved, `${from} → ${to}`).toBe(true);
          expect(execution.status).toBe(to);
          allowed += 1;
        } else {
          expect(moved, `${from} → ${to}`).toBe(false);
          expect(snapshot(execution), `${from} → ${to}`).toEqual(before);
          refused += 1;
        }
      }
    }
    expect(allowed).toBe(15);
    expect(refused).toBe(EXECUTION_STATUSES.length ** 2 - 15);
  });

  it('terminal statuses never move again (a finished, cancelled or handed-off execution stays so)', () => {
    for (const from of ['sucesso', 'falha', 'timeout', 'rejeitado', 'cancelado', 'expirado', 'handoff'] as const) {
      for (const to of EXECUTION_STATUSES) expect(executionAt(from).transitionTo(to, T1), `${from} → ${to}`).toBe(false);
    }
  });

  it('stamps the time each status records: queued, started (a new attempt), finished', () => {
    const queued = executionAt('aprovado');
    queued.transitionTo('em_fila', T1);
    expect(snapshot(queued)).toMatchObject({ status: 'em_fila', queuedAt: T1, startedAt: T0, finishedAt: null, attempt: 1 });

    const started = executionAt('em_fila');
    started.transitionTo('executando', T1);
    expect(snapshot(started)).toMatchObject({ status: 'executando', startedAt: T1, attempt: 2, finishedAt: null });
    started.transitionTo('executando', T1); // the retry of a lost attempt
    expect(started.attempt).toBe(3);

    for (const to of ['sucesso', 'falha', 'timeout'] as const) {
      const finished = executionAt('executando');
      finished.transitionTo(to, T1);
      expect(snapshot(finished)).toMatchObject({ status: to, finishedAt: T1, attempt: 1 });
    }
    const cancelled = executionAt('pendente_aprovacao');
    cancelled.transitionTo('cancelado', T1);
    expect(cancelled.finishedAt).toEqual(T1);
  });
});
