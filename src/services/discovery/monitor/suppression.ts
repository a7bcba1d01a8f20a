import type { EntityManager } from '@mikro-orm/postgresql';
import type { Suppression } from '../../../../entities/discovery-monitor.entity.ts';

export interface SuppressionFound {
  by: Suppression;
  detail: string;
}

/**
 * Why a resource getting worse should open no chamado: a resource it depends on (directly or up
 * the chain) is down, so the parent's chamado already explains it; or a maintenance window on it
 * or its environment is running. Maintenance wins when both hold: it is the planned cause.
 */
export async function suppressionOf(em: EntityManager, resourceId: number, now: Date): Promise<SuppressionFound | null> {
  const [window] = await em.execute<{ reason: string; endsAt: Date; scope: string }[]>(
    `select w.reason, w.ends_at as "endsAt", case when w.resource_id is null then 'environment' else 'resource' end as scope
     from discovery_maintenance_windows w join discovered_resources r on r.id = ?
     where w.cancelled_at is null and w.starts_at <= ? and w.ends_at > ?
       and (w.resource_id = r.id or w.environment_id = r.environment_id)
     order by w.ends_at desc limit 1`,
    [resourceId, now, now],
  );
  if (window) {
    return { by: 'maintenance', detail: `${window.scope} maintenance until ${new Date(window.endsAt).toISOString()}: ${window.reason}` };
  }
  // `union` (not `union all`) stops on a row already seen, so even a damaged chain ends.
  const [parent] = await em.execute<{ host: string; port: number | null }[]>(
    `with recursive chain(id, parent, depth) as (
       select id, depends_on_id, 0 from discovered_resources where id = ?
       union select r.id, r.depends_on_id, c.depth + 1 from discovered_resources r join chain c on r.id = c.parent
     )
     select r.host, r.port from chain c join discovered_resources r on r.id = c.id
     where c.depth > 0 and r.down and r.retired_at is null order by c.depth limit 1`,
    [resourceId],
  );
  if (parent) {
    return { by: 'dependency', detail: `depends on ${parent.port == null ? parent.host : `${parent.host}:${parent.port}`}, which is down` };
  }
  return null;
}
