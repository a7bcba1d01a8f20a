import { defineEntity, p } from '@mikro-orm/core';
import { Chamado } from './chamado.entity.ts';
import { EXECUTION_STATUSES, NIVEIS, canTransitionExecution, isTerminalExecution, type ExecutionStatus } from './runbook-levels.ts';
import { Runbook } from './runbook.entity.ts';
import { User } from './user.entity.ts';

/** One request to run a runbook on a chamado, from approval through the worker's outcome. */
const RunbookExecutionSchema = defineEntity({
  name: 'RunbookExecution',
  tableName: 'runbook_executions',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** Public id of the REST paths (spec 002 `run_id`). */
    uuid: p.uuid().unique().defaultRaw('gen_random_uuid()'),
    chamado: () => p.manyToOne(Chamado).index(),
    runbook: () => p.manyToOne(Runbook),
    runbookCode: p.string().length(64),
    /** The level it runs at: the runbook's, or higher when force_nivel raised it. */
    nivel: p.enum(NIVEIS),
    params: p.json<Record<string, unknown>>(),
    status: p.enum(EXECUTION_STATUSES).index(),
    requestedBy: () => p.manyToOne(User),
    /** Worker attempts so far (a worker lost mid-run means a second attempt). */
    attempt: p.integer().default(0),
    jobId: p.string().length(64).nullable(),
    output: p.text().nullable(),
    error: p.text().nullable(),
    exitCode: p.integer().nullable(),
    httpStatus: p.integer().nullable(),
    queuedAt: p.datetime().nullable(),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export class RunbookExecution extends RunbookExecutionSchema.class {
  /**
   * Moves to `to` when EXECUTION_TRANSITIONS allows it, stamping the time that status records
   * (entering `executando` starts a new attempt); returns false and changes nothing otherwise.
   */
  transitionTo(to: ExecutionStatus, at: Date): boolean {
    if (!canTransitionExecution(this.status, to)) return false;
    this.status = to;
    if (to === 'em_fila') this.queuedAt = at;
    if (to === 'executando') {
      this.attempt += 1;
      this.startedAt = at;
    }
    if (isTerminalExecution(to)) this.finishedAt = at;
    return true;
  }
}
RunbookExecutionSchema.setClass(RunbookExecution);
export { RunbookExecutionSchema };
