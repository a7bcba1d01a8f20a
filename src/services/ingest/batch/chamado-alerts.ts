import { isRuledResolution } from '../../chamados/alert-resolution.ts';
import type { AlertState as StoredAlertState } from '../../chamados/alerts.ts';
import type { BatchTurn } from './turn.ts';

/** An alert of a chamado as chamados/alerts.ts reads it: the status of its latest event there. */
interface AlertState {
  status: string;
  /** When that event happened (the source's time, else when it was received), ms. */
  at: number;
  eventId: number;
}

/** A chamado's alerts by alert identity (recurrence key). */
export type ChamadoAlerts = Map<string, AlertState>;

export function alertsOfRows(rows: readonly StoredAlertState[]): Map<number, ChamadoAlerts> {
  const byChamado = new Map<number, ChamadoAlerts>();
  for (const row of rows) {
    const alerts = byChamado.get(row.chamadoId) ?? new Map();
    alerts.set(row.key, { status: row.status, at: new Date(row.lastChangeAt).getTime(), eventId: Number(row.lastEventId) });
    byChamado.set(row.chamadoId, alerts);
  }
  return byChamado;
}

/**
 * What chamados/alerts.ts would read once `turn`'s event joined: the alerts, and the status its
 * alert had before it when it is that alert's latest event (null otherwise, or for its first).
 */
function withEvent(
  alerts: ChamadoAlerts,
  turn: BatchTurn,
  now: Date,
): { after: ChamadoAlerts; previous: string | null } | null {
  const { normalized: ev, recurrenceKey, entity } = turn.staged;
  // The alerts leave out duplicates and events with no alert lifecycle.
  if (turn.duplicate || !ev.alertStatus || !recurrenceKey) return null;
  // new Date(): an event made from a raw SQL row (a discovery status change) carries its time as text.
  const at = new Date(ev.occurredAt ?? now).getTime();
  const current = alerts.get(recurrenceKey);
  // "Latest" is by the time the event happened, then by id (a late resolution of an earlier firing
  // does not hide a newer firing).
  const latest = !current || at > current.at || (at === current.at && entity.id > current.eventId);
  // Not the latest: the alert's state is unchanged and the event had no status before it.
  if (!latest) return { after: alerts, previous: null };
  const after = new Map(alerts).set(recurrenceKey, { status: ev.alertStatus, at, eventId: entity.id });
  return { after, previous: current?.status ?? null };
}

/**
 * Whether alert-resolution.ts's resolveWhenAlertsEnd could act on this resolution once it joined a
 * chamado with these alerts: it turned its alert from firing to resolved and no alert is left
 * firing. Only then does the turn need the rule itself (the one-by-one path); otherwise the rule
 * does nothing and the turn is decided in memory. Unknown alerts (not read): it could.
 */
export function mayEndLastAlert(alerts: ChamadoAlerts | undefined, turn: BatchTurn, now: Date): boolean {
  if (!alerts) return true;
  const joined = withEvent(alerts, turn, now);
  // Only the event that turned its alert from firing to resolved (the latest, after a firing).
  if (!joined || joined.previous !== 'firing') return false;
  return ![...joined.after.values()].some((a) => a.status === 'firing');
}

/** The chamado's alerts once `turn`'s event joined it. */
export function alertsAfter(alerts: ChamadoAlerts, turn: BatchTurn, now: Date): ChamadoAlerts {
  return withEvent(alerts, turn, now)?.after ?? alerts;
}

/** Whether the turn's event is a resolution alert-resolution.ts's rule looks at (the batch reads alerts for those only). */
export function isRuledResolutionTurn(turn: BatchTurn, sources: readonly string[]): boolean {
  const { normalized: ev, recurrenceKey } = turn.staged;
  return isRuledResolution({ source: ev.source, alertStatus: ev.alertStatus, recurrenceKey }, sources);
}
