import type { EntityManager } from '@mikro-orm/postgresql';
import { Chamado } from '../../../entities/chamado.entity.ts';
import type { RunbookExecution } from '../../../entities/runbook-execution.entity.ts';
import { TimelineEntry } from '../../../entities/timeline-entry.entity.ts';
import { User } from '../../../entities/user.entity.ts';

/**
 * Every step of an execution is a timeline entry on its chamado (`runbook.requested`,
 * `runbook.approved`, `runbook.started`, `runbook.sucesso` …) with the actor, or none for the worker.
 */
export function runbookEntry(
  em: EntityManager,
  execution: RunbookExecution,
  step: string,
  summary: string,
  actorId: number | null,
  data: Record<string, unknown> = {},
): void {
  em.create(TimelineEntry, {
    chamado: em.getReference(Chamado, execution.chamado.id),
    kind: 'runbook',
    eventType: `runbook.${step}`,
    source: 'ops',
    summary,
    actor: actorId ? em.getReference(User, actorId) : null,
    data: { execId: execution.id, runbookCode: execution.runbookCode, nivel: execution.nivel, status: execution.status, ...data },
  });
}
