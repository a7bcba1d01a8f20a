import { HEALTH_STATUSES, type HealthItem, type HealthStatus } from '../../../entities/discovery.entity.ts';

/** A resource's status from its health items: the worst item wins, `success` when there are none (DOMAIN.md). */
export function worstStatus(health: readonly Pick<HealthItem, 'type'>[]): HealthStatus {
  let worst = 0;
  for (const item of health) worst = Math.max(worst, HEALTH_STATUSES.indexOf(item.type));
  return HEALTH_STATUSES[worst]!;
}
