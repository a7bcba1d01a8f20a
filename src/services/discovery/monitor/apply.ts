import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DiscoveredResource } from '../../../../entities/discovery.entity.ts';
import { DiscoveryCheck, ResourceHealthChange } from '../../../../entities/discovery-monitor.entity.ts';
import type { ProbeOutcome } from '../probes/types.ts';
import { evaluate } from './evaluate.ts';
import type { MonitorSettings } from './settings.ts';
import { suppressionOf } from './suppression.ts';

/**
 * Stores one probe's result on its resource, in one transaction with the resource row locked (a
 * manual check racing the schedule is applied after it, never interleaved): the judged status and
 * streaks, the check in the history and, when the status changed, the status change. Returns the
 * change's id, which announce.ts turns into a `discovery` event after the commit; null when the
 * status held or the resource was retired meanwhile.
 */
export async function applyOutcome(
  em: EntityManager,
  resourceId: number,
  outcome: ProbeOutcome,
  settings: MonitorSettings,
  now: Date,
): Promise<number | null> {
  return em.transactional(async (tx) => {
    const resource = await tx.findOne(DiscoveredResource, resourceId, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!resource || resource.retiredAt) return null;
    const before = resource.status;
    const judged = evaluate(resource, outcome, settings, now);
    tx.assign(resource, {
      status: judged.status,
      failStreak: judged.failStreak,
      passStreak: judged.passStreak,
      down: judged.down,
      health: judged.health,
      info: judged.info,
      nextCheckAt: judged.nextCheckAt,
      lastCheckedAt: now,
      lastSuccess: outcome.allowed ? outcome.ok : null,
      lastReason: outcome.reason,
      lastDurationMs: Math.round(outcome.durationMs),
      certExpiresAt: outcome.certExpiresAt ?? resource.certExpiresAt,
      lastChecks: outcome.checks,
    });
    tx.create(DiscoveryCheck, {
      resource,
      checkedAt: now,
      allowed: outcome.allowed,
      ok: outcome.ok,
      reason: outcome.reason,
      durationMs: Math.round(outcome.durationMs),
      status: judged.status,
      checks: outcome.checks,
    });
    let change: ResourceHealthChange | null = null;
    if (judged.status !== before) {
      resource.statusChangedAt = now;
      // A recovery is never held back: it is what resolves the chamado an outage opened.
      const suppression = judged.status === 'success' ? null : await suppressionOf(tx, resource.id, now);
      change = tx.create(ResourceHealthChange, {
        resource,
        fromStatus: before,
        toStatus: judged.status,
        reason: judged.status === 'danger' && judged.down ? outcome.reason : null,
        detail: judged.detail.slice(0, 500),
        suppressedBy: suppression?.by ?? null,
        suppressionDetail: suppression?.detail.slice(0, 500) ?? null,
        changedAt: now,
      });
    }
    await tx.flush();
    return change?.id ?? null;
  });
}
