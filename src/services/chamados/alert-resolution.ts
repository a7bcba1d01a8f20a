import type { EntityManager } from '@mikro-orm/postgresql';
import type { Chamado } from '../../../entities/chamado.entity.ts';
import { TimelineEntry } from '../../../entities/timeline-entry.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { alertsByChamadoIds, alertStatesByChamadoIds, type ChamadoAlertRow } from './alerts.ts';

/** The event that just joined the chamado, as far as this rule cares. */
export interface JoinedAlertEvent {
  id: number;
  source: string;
  alertStatus?: string | null;
  recurrenceKey?: string | null;
}

export type AlertResolutionOutcome = 'auto_resolved' | 'left_as_is' | null;

/** An alert's resolution from a source the rule listens to (RULE_AUTO_RESOLVE_SOURCES): the only events it looks at. */
export function isRuledResolution(event: Omit<JoinedAlertEvent, 'id'>, sources: readonly string[]): boolean {
  return event.alertStatus === 'resolved' && Boolean(event.recurrenceKey) && sources.includes(event.source);
}

/** Timeline `eventType`s of the two entries this rule writes (kind `status`). */
const AUTO_RESOLVED = 'auto_resolved';
const ALERTS_RESOLVED = 'alerts_resolved';

const NAMED = 5;

/**
 * DOMAIN.md: when every alert of a chamado has resolved and nobody has claimed it, it moves to
 * `resolvido` with a timeline entry saying why; a claimed chamado only gets the entry. Runs in the
 * transaction that ingested `event`, after the event joined the chamado and with the chamado row
 * locked, so two resolutions delivered at once cannot both miss (or both make) the last step.
 *
 * Acts only on the resolution that ends the last firing alert, and only for sources listed in
 * `sources` (RULE_AUTO_RESOLVE_SOURCES). A chamado that a person opened, or that also holds events
 * with no firing/resolved lifecycle (a Wazuh alert, an onboarding failure …), is never resolved by
 * its alerts: those events have nobody to say they are over, so it only gets the entry.
 */
export async function resolveWhenAlertsEnd(
  em: EntityManager,
  chamado: Chamado,
  event: JoinedAlertEvent,
  sources: readonly string[],
  now: Date,
): Promise<AlertResolutionOutcome> {
  if (!isRuledResolution(event, sources)) return null;
  if (chamado.status === 'resolvido' || chamado.status === 'fechado') return null;
  // First the latest event of each alert alone (cheap however many events the chamado holds):
  // most resolutions leave another alert firing, or are not their alert's latest event.
  const states = await alertStatesByChamadoIds(em, [chamado.id]);
  const latest = states.find((a) => a.key === event.recurrenceKey);
  if (!latest || latest.lastEventId !== event.id || states.some((a) => a.status === 'firing')) return null;
  const alerts = await alertsByChamadoIds(em, [chamado.id]);
  const ended = alerts.find((a) => a.key === event.recurrenceKey);
  // Only the event that turned its alert from firing to resolved, so a late or repeated
  // resolution never writes the entry twice.
  if (!ended || ended.lastEventId !== event.id || ended.previousStatus !== 'firing') return null;
  if (alerts.some((a) => a.status === 'firing')) return null;

  const what = `${alerts.length === 1 ? 'its alert' : `all ${alerts.length} alerts`} resolved (${describe(alerts)})`;
  const reason = await whyLeftAsIs(em, chamado);
  const data = {
    rule: 'all_alerts_resolved',
    from: chamado.status,
    alerts: alerts.map((a) => ({ key: a.key, alertname: a.alertname, target: a.target, source: a.source })),
    resolvedByEvent: event.id,
  };
  if (reason === null && chamado.autoResolve(now)) {
    em.create(TimelineEntry, {
      chamado,
      kind: 'status',
      eventType: AUTO_RESOLVED,
      source: event.source,
      summary: `${what}; nobody had claimed it`,
      data: { ...data, to: 'resolvido' },
      createdAt: now,
    });
    return 'auto_resolved';
  }
  em.create(TimelineEntry, {
    chamado,
    kind: 'status',
    eventType: ALERTS_RESOLVED,
    source: event.source,
    summary: `${what}; left as is because ${reason ?? `it is ${chamado.status}`}`,
    data: { ...data, to: chamado.status, leftAsIs: reason },
    createdAt: now,
  });
  return 'left_as_is';
}

function describe(alerts: ChamadoAlertRow[]): string {
  const names = alerts.slice(0, NAMED).map((a) => `${a.alertname ?? a.key} on ${a.target ?? a.namespace ?? '-'}`);
  return alerts.length > NAMED ? `${names.join(', ')} and ${alerts.length - NAMED} more` : names.join(', ');
}

/** Null when nothing stops the chamado from resolving; else the reason, as the entry says it. */
async function whyLeftAsIs(em: EntityManager, chamado: Chamado): Promise<string | null> {
  if (chamado.assignee) {
    const user = await em.findOne(User, chamado.assignee.id);
    return `${user?.username ?? 'someone'} has claimed it`;
  }
  if (chamado.status !== 'novo') return `it is ${chamado.status}`;
  if (chamado.origin === 'manual') return 'a person opened it';
  const others = await em.execute<{ source: string; n: number }[]>(
    `select source, count(*)::int as n from events
     where chamado_id = ? and not is_duplicate and (alert_status is null or recurrence_key is null)
     group by source order by source`,
    [chamado.id],
  );
  if (others.length === 0) return null;
  const list = others.map((o) => `${o.n} ${o.source} event${o.n === 1 ? '' : 's'}`).join(', ');
  return `it also holds events that do not resolve by themselves (${list})`;
}
