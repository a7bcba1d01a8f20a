import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { columnLimits, selectList, type RowOf } from '../../../entities/column-facts.ts';
import { MaintenanceWindow, MaintenanceWindowSchema } from '../../../entities/discovery-monitor.entity.ts';
import { DiscoveryInstallationSchema } from '../../../entities/discovery.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { anyOf, isUuid, sqlPart, whereAll } from '../../db/sql.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { parseInput } from '../validation.ts';
import { liveEnvironment, liveResource } from './commands.ts';
import { EnvironmentName } from './inputs.ts';

/*
 * Maintenance windows (ops leads): while one runs on a resource or its environment, the monitor
 * still records the resource's status changes but opens no chamado for them
 * (monitor/suppression.ts reads these rows). Windows are cancelled, never deleted, so a
 * suppressed change can always be traced to the window that held it back.
 */

/** The longest window: planned work, not a way to silence a resource for good. */
export const MAX_WINDOW_DAYS = 90;
/** The installation-wide list is of current and upcoming windows: a handful, but bounded all the same. */
export const MAX_LISTED_WINDOWS = 500;

const WINDOW_PROPS = ['id', 'uuid', 'startsAt', 'endsAt', 'reason', 'createdAt', 'cancelledAt'] as const satisfies readonly (keyof MaintenanceWindow)[];
const WINDOW_REFS = ['resource', 'environment', 'createdBy', 'cancelledBy'] as const satisfies readonly (keyof MaintenanceWindow)[];
export type MaintenanceWindowRow = RowOf<MaintenanceWindow, (typeof WINDOW_PROPS)[number], (typeof WINDOW_REFS)[number]>;
const WINDOW_COLUMNS = selectList('w', MaintenanceWindowSchema, WINDOW_PROPS, WINDOW_REFS);

/**
 * Running now: started, not ended, not cancelled (what monitor/suppression.ts holds changes back
 * for). Raw rows carry timestamps as text (the ORM leaves pg's date parsing to its hydration).
 */
export function isActive(window: Pick<MaintenanceWindowRow, 'startsAt' | 'endsAt' | 'cancelledAt'>, now: Date): boolean {
  return window.cancelledAt == null && new Date(window.startsAt) <= now && now < new Date(window.endsAt);
}

const DAY_MS = 86_400_000;
const issue = (ctx: z.RefinementCtx, path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });

/** A window to schedule: exactly one subject (a resource, or an environment by TOTVS id and name) and a future end. */
function windowInput(now: Date) {
  return z
    .object({
      resourceId: z.uuid('must be a resource id (a UUID)').nullish(),
      totvsId: z.string().trim().min(1, 'must not be empty').max(columnLimits(DiscoveryInstallationSchema).totvsId!).nullish(),
      environment: EnvironmentName.nullish(),
      startsAt: z.date().nullish(),
      endsAt: z.date(),
      reason: z.string().trim().min(1, 'must not be empty').max(columnLimits(MaintenanceWindowSchema).reason!),
    })
    .superRefine((w, ctx) => {
      const environmentGiven = w.totvsId != null || w.environment != null;
      if ((w.resourceId != null) === environmentGiven) issue(ctx, 'resourceId', 'give either resourceId or totvsId with environment (exactly one subject)');
      else if (environmentGiven && (w.totvsId == null || w.environment == null)) issue(ctx, w.totvsId == null ? 'totvsId' : 'environment', 'totvsId and environment go together');
      const startsAt = w.startsAt ?? now;
      if (w.endsAt <= startsAt) issue(ctx, 'endsAt', 'must be after startsAt');
      else if (w.endsAt <= now) issue(ctx, 'endsAt', 'must be in the future');
      else if (w.endsAt.getTime() - startsAt.getTime() > MAX_WINDOW_DAYS * DAY_MS) issue(ctx, 'endsAt', `at most ${MAX_WINDOW_DAYS} days after startsAt`);
    });
}

async function windowById(em: EntityManager, id: number): Promise<MaintenanceWindowRow> {
  const [row] = await em.execute<MaintenanceWindowRow[]>(`select ${WINDOW_COLUMNS} from discovery_maintenance_windows w where w.id = ?`, [id]);
  return row!;
}

export async function scheduleMaintenance(em: EntityManager, actor: Actor, input: unknown): Promise<MaintenanceWindowRow> {
  const now = new Date();
  const given = parseInput(windowInput(now), input);
  return em.transactional(async (tx) => {
    const subject = given.resourceId
      ? { resource: (await liveResource(tx, given.resourceId)).id }
      : { environment: (await liveEnvironment(tx, given.totvsId!, given.environment!)).id };
    const window = tx.create(MaintenanceWindow, {
      ...subject,
      startsAt: given.startsAt ?? now,
      endsAt: given.endsAt,
      reason: given.reason,
      createdBy: tx.getReference(User, actor.id),
    });
    await tx.flush();
    return windowById(tx, window.id);
  });
}

function closed(message: string): ValidationError {
  return new ValidationError(`windowId: ${message}`, [{ path: 'windowId', message }]);
}

/** Ends a window early (or drops an upcoming one); changes already suppressed stay as they were. */
export async function cancelMaintenance(em: EntityManager, actor: Actor, windowId: string): Promise<MaintenanceWindowRow> {
  if (!isUuid(windowId)) throw new NotFoundError('maintenance window', windowId);
  const now = new Date();
  // One statement: of two cancellations at once, exactly one finds the window still open.
  const [cancelled] = await em.execute<MaintenanceWindowRow[]>(
    `update discovery_maintenance_windows w set cancelled_at = ?, cancelled_by_id = ?
     where w.uuid = ? and w.cancelled_at is null and w.ends_at > ? returning ${WINDOW_COLUMNS}`,
    [now, actor.id, windowId, now],
  );
  if (cancelled) return cancelled;
  const [current] = await em.execute<{ cancelledAt: Date | null }[]>(
    'select cancelled_at as "cancelledAt" from discovery_maintenance_windows where uuid = ?',
    [windowId],
  );
  if (!current) throw new NotFoundError('maintenance window', windowId);
  throw closed(current.cancelledAt ? 'the window was already cancelled' : 'the window already ended');
}

/** Current and upcoming windows only, unless the ended and cancelled ones are asked for too. */
const notEnded = (includeEnded: boolean, now: Date) => (includeEnded ? null : sqlPart('w.cancelled_at is null and w.ends_at > ?', now));

/** The windows that cover each resource: its own and its environment's, earliest start first. */
export async function windowsCoveringResources(
  em: EntityManager,
  resourceIds: readonly number[],
  includeEnded: boolean,
  now: Date,
): Promise<(MaintenanceWindowRow & { coveredResourceId: number })[]> {
  if (resourceIds.length === 0) return [];
  return em.execute(
    `select ${WINDOW_COLUMNS}, r.id as "coveredResourceId"
     from discovered_resources r join discovery_maintenance_windows w on w.resource_id = r.id or w.environment_id = r.environment_id
     ? order by w.starts_at, w.id`,
    [whereAll([anyOf('r.id', resourceIds, 'int'), notEnded(includeEnded, now)])],
  );
}

/** The windows on each environment as a whole, earliest start first. */
export async function windowsOfEnvironments(
  em: EntityManager,
  environmentIds: readonly number[],
  includeEnded: boolean,
  now: Date,
): Promise<MaintenanceWindowRow[]> {
  if (environmentIds.length === 0) return [];
  return em.execute(`select ${WINDOW_COLUMNS} from discovery_maintenance_windows w ? order by w.starts_at, w.id`, [
    whereAll([anyOf('w.environment_id', environmentIds, 'int'), notEnded(includeEnded, now)]),
  ]);
}

/**
 * Running windows (or, with `activeOnly` false, running and upcoming ones) of live subjects,
 * earliest start first; with a TOTVS id, only that installation's.
 */
export async function listMaintenanceWindows(
  em: EntityManager,
  filter: { activeOnly: boolean; totvsId?: string | null },
  now: Date,
): Promise<MaintenanceWindowRow[]> {
  return em.execute(
    `select ${WINDOW_COLUMNS} from discovery_maintenance_windows w
     left join discovered_resources r on r.id = w.resource_id
     join discovery_environments e on e.id = coalesce(w.environment_id, r.environment_id) and e.retired_at is null
     join discovery_installations i on i.id = e.installation_id and i.retired_at is null
     ? order by w.starts_at, w.id limit ?`,
    [
      whereAll([
        sqlPart('r.retired_at is null'),
        notEnded(false, now),
        filter.activeOnly ? sqlPart('w.starts_at <= ?', now) : null,
        filter.totvsId ? sqlPart('i.totvs_id = ?', filter.totvsId) : null,
      ]),
      MAX_LISTED_WINDOWS,
    ],
  );
}
