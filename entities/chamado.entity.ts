import { defineEntity, p } from '@mikro-orm/core';
import { CHAMADO_STATUSES, allowedTransitions, type ChamadoStatus } from './chamado-status.ts';
import { User } from './user.entity.ts';

/** Where a chamado came from: an ingested source or a person opening one by hand. */
export const CHAMADO_ORIGINS = ['manual', 'support', 'onboard', 'wazuh', 'alertmanager', 'signoz', 'sentry', 'audit', 'discovery'] as const;
export type ChamadoOrigin = (typeof CHAMADO_ORIGINS)[number];

const ChamadoSchema = defineEntity({
  name: 'Chamado',
  tableName: 'chamados',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** CH-<year>-<5 digits>, from the per-year sequence in chamado_sequences. */
    publicId: p.string().length(32).unique(),
    /** Tenant (spec 002 project_id): the project of the event that opened it; events correlate only within it. */
    projectId: p.string().length(64).default('default'),
    status: p.enum(CHAMADO_STATUSES).default('novo').index(),
    origin: p.enum(CHAMADO_ORIGINS),
    title: p.string().length(500),
    description: p.text().nullable(),
    domain: p.string().length(253).nullable().index(),
    sessionId: p.string().length(128).nullable().index(),
    wizardStep: p.string().length(128).nullable(),
    wizardStepLabel: p.string().length(200).nullable(),
    wizardStepAt: p.datetime().nullable(),
    /** Distinct event sources seen on this chamado, kept sorted. */
    sources: p.array().default([]),
    maxSeverity: p.integer().nullable(),
    eventCount: p.integer().default(0),
    assignee: () => p.manyToOne(User).nullable().index(),
    createdBy: () => p.manyToOne(User).nullable(),
    legacyTicketId: p.integer().nullable(),
    /** Recurrence key of the events that opened it (ingestion and recurrence groups use it). */
    fingerprint: p.string().length(128).nullable().index(),
    /** Set when an operator merged this chamado into another; its events now go to that one. */
    mergedInto: () => p.manyToOne(Chamado).nullable(),
    resolvedAt: p.datetime().nullable(),
    closedAt: p.datetime().nullable(),
    /** Incremented on every change; clients send it back as expectedVersion. */
    version: p.integer().version(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  indexes: [{ properties: ['createdAt'] }],
});

export class Chamado extends ChamadoSchema.class {
  /** Merged into another chamado: terminal, whatever its status says. */
  isMerged(): boolean {
    return this.mergedInto != null;
  }

  allowedTransitions(): readonly ChamadoStatus[] {
    return allowedTransitions(this.status, this.isMerged());
  }

  /** Moves to `to` when the lifecycle allows it; returns false (and changes nothing) otherwise. */
  transitionTo(to: ChamadoStatus, at: Date): boolean {
    if (!this.allowedTransitions().includes(to)) return false;
    this.status = to;
    if (to === 'resolvido') this.resolvedAt = at;
    if (to === 'fechado') this.closedAt = at;
    if (to === 'assumido') {
      this.resolvedAt = null;
      this.closedAt = null;
    }
    return true;
  }

  /**
   * Closes this chamado into `survivor`, from any status: the merge is the lifecycle's other way
   * to `fechado`, and a terminal one. Returns false (and changes nothing) when either side was
   * already merged or they are the same chamado.
   */
  mergeInto(survivor: Chamado, at: Date): boolean {
    if (survivor === this || this.isMerged() || survivor.isMerged()) return false;
    this.mergedInto = survivor;
    this.status = 'fechado';
    this.closedAt = at;
    return true;
  }

  /**
   * The system's own way to resolvido, outside the operator table on purpose: operators may not
   * skip from novo to resolvido (a person who resolves something has claimed it first), but when
   * every alert that made this chamado has resolved and nobody ever claimed it, there is nothing
   * left to do (DOMAIN.md). Only an unclaimed `novo` chamado qualifies; returns false otherwise.
   */
  autoResolve(at: Date): boolean {
    if (this.status !== 'novo' || this.assignee) return false;
    this.status = 'resolvido';
    this.resolvedAt = at;
    return true;
  }
}
ChamadoSchema.setClass(Chamado);
export { ChamadoSchema };
