import type { EntityManager } from '@mikro-orm/postgresql';
import type { Chamado } from '../../../entities/chamado.entity.ts';
import { Event } from '../../../entities/event.entity.ts';
import { putEventsOnTimeline } from '../chamados/absorb-events.ts';
import type { TouchedGroup } from './maintain.ts';
import type { RecurrenceSettings } from './settings.ts';

export interface Hold {
  by: 'silence' | 'threshold';
  reason: string;
}

interface GroupScope {
  projectId: string;
  recurrenceKey: string;
  now: Date;
}

/** The threshold in force for a group: its own, else the configured default. */
export function openingThreshold(group: Pick<TouchedGroup, 'openThreshold' | 'openWindowMinutes'>, settings: RecurrenceSettings) {
  return {
    occurrences: group.openThreshold ?? settings.openThreshold,
    windowMs: group.openWindowMinutes != null ? group.openWindowMinutes * 60_000 : settings.openWindowMs,
  };
}

/**
 * Whether a ticket-worthy event that correlates with no chamado must wait instead of opening one:
 * its group is silenced, or has fewer than its threshold's occurrences within the window (this
 * one included). Held events are stored with `held_by` in their correlation, and attached when
 * the group does open one.
 */
export async function openingHold(em: EntityManager, settings: RecurrenceSettings, group: TouchedGroup, scope: GroupScope): Promise<Hold | null> {
  if (group.silencedUntil && new Date(group.silencedUntil).getTime() > scope.now.getTime()) {
    const until = new Date(group.silencedUntil).toISOString();
    return { by: 'silence', reason: `recurrence group silenced until ${until}: ${group.silenceReason ?? 'no reason given'}` };
  }
  const { occurrences, windowMs } = openingThreshold(group, settings);
  if (occurrences <= 1) return null;
  const [row] = await em.execute<{ n: number }[]>(
    `select count(*)::int as n from events
     where project_id = ? and recurrence_key = ? and received_at > ? and not is_duplicate and alert_status is distinct from 'resolved'`,
    [scope.projectId, scope.recurrenceKey, new Date(scope.now.getTime() - windowMs)],
  );
  const seen = row?.n ?? 0;
  if (seen >= occurrences) return null;
  return { by: 'threshold', reason: `held by the opening threshold: ${seen} of ${occurrences} occurrences within ${Math.round(windowMs / 60_000)} min` };
}

/**
 * Puts the group's held occurrences that counted towards the threshold (those inside its window)
 * on the chamado it finally opened; older held ones stay in the group's history only.
 */
export async function attachHeldOccurrences(
  em: EntityManager,
  settings: RecurrenceSettings,
  group: TouchedGroup,
  chamado: Chamado,
  scope: GroupScope & { exceptEventId: number },
): Promise<void> {
  const { windowMs } = openingThreshold(group, settings);
  const held = await em.find(Event, {
    receivedAt: { $gt: new Date(scope.now.getTime() - windowMs) },
    projectId: scope.projectId,
    recurrenceKey: scope.recurrenceKey,
    chamado: null,
    isDuplicate: false,
    id: { $ne: scope.exceptEventId },
    correlation: { held_by: 'threshold' },
  });
  if (held.length === 0) return;
  await putEventsOnTimeline(em, chamado, held, { actorId: null, data: { heldUntilThreshold: true }, at: scope.now });
  await em.flush();
}
