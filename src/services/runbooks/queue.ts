import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * What the runbook services need from the job queue. The implementation (src/workers) is pg-boss;
 * services only see this, so they stay free of infrastructure and tests can read the contract.
 */
export interface RunbookQueue {
  /**
   * Enqueues the execution inside the caller's transaction: the job exists exactly when the
   * execution's `em_fila` status commits (no lost or phantom jobs). Returns the job id.
   */
  enqueue(em: EntityManager, execId: number, timeoutMs: number): Promise<string | null>;
  /** Best effort: the worker re-checks the execution's status before starting anyway. */
  cancel(jobId: string): Promise<void>;
}
