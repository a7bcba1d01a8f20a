import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DiscoveredResource } from '../../../../entities/discovery.entity.ts';
import { DiscoveryCheck, ResourceHealthChange } from '../../../../entities/discovery-monitor.entity.ts';
import type { ProbeOutcome } from '../probes/types.ts';
import { evaluate } from './evaluate.ts';
import type { MonitorSettings } from './settings.ts';
import { suppressionOf } from './suppression.ts';

const CHANGE_ORDER_LOCK = "select pg_advisory_xact_lock(hashtext('discovery_health_changes'))";

/**
 * An outage that began while suppressed (its parent down, a maintenance window) and outlasts
 * the suppression: it has had no chamado, and no status change is coming to open one, so a
 * `danger → danger` change says it is still down, unsuppressed. One statement per failed check
 * of a resource that is down; none otherwise.
 */
async function outlastedSuppression(
  tx: EntityManager,
  resource: DiscoveredResource,
  outcome: ProbeOutcome,
  down: string,
  now: Date,
): Promise<ResourceHealthChange | null> {
  const [latest] = await tx.execute<{ suppressedBy: string | null }[]>(
    'select suppressed_by as "suppressedBy" from discovery_health_changes where resource_id = ? order by id desc limit 1',
    [resource.id],
  );
  if (!latest?.suppressedBy || (await suppressionOf(tx, resource.id, now))) return null;
  const ended = latest.suppressedBy === 'maintenance' ? 'its maintenance window ended' : 'the resource it depends on came back';
  return tx.create(ResourceHealthChange, {
    resource,
    fromStatus: 'danger',
    toStatus: 'danger',
    reason: outcome.reason,
    detail: `Still down after ${ended}. ${down}`.slice(0, 500),
    suppressedBy: null,
    suppressionDetail: null,
    changedAt: now,
  });
}

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
    if (judged.status === before && judged.down && !outcome.ok) {
      change = await outlastedSuppression(tx, resource, outcome, judged.health[0]?.message ?? 'Down', now);
    } else if (judged.status !== before) {
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
    // Changes get their ids in commit order (the lock is held from the insert to the commit), so
    // the resourceHealthChanged feed, which follows ids, never skips one committed late.
    if (change) await tx.execute(CHANGE_ORDER_LOCK);
    await tx.flush();
    return change?.id ?? null;
  });
}
