import type { NormalizedEvent } from '../../src/services/ingest/normalized-event.ts';
import { nextLifecycle, TRAILING_HOURS } from '../../src/services/recurrence/lifecycle.ts';
import { recurrenceWhy } from '../../src/services/recurrence/rule.ts';
import type { RecurrenceSettings } from '../../src/services/recurrence/settings.ts';
import { sourceRefFacts } from '../../src/services/recurrence/source-refs.ts';

const HOUR_MS = 3_600_000;
const hourOf = (at: Date) => Math.floor(at.getTime() / HOUR_MS) * HOUR_MS;

/** A group as touchRecurrenceGroup keeps it, in memory. */
export interface GroupRow {
  project_id: string;
  recurrence_key: string;
  basis: string;
  why: Record<string, string | null>;
  provider: string;
  alertname: string | null;
  rule_id: string | null;
  severity: string | null;
  namespace: string | null;
  target_resource: string | null;
  fingerprint: string | null;
  occurrence_total: number;
  resolved_total: number;
  duplicate_total: number;
  source_ref_total: number;
  missing_source_refs_total: number;
  sentry_ref_total: number;
  signoz_ref_total: number;
  alert_ref_total: number;
  first_event_id: number;
  latest_event_id: number;
  first_received_at: Date;
  latest_received_at: Date;
  latest_occurrence_at: Date | null;
  latest_alert_status: string | null;
  lifecycle: ReturnType<typeof nextLifecycle>['lifecycle'];
  lifecycle_changed_at: Date;
  lifecycle_reason: string | null;
  /** Occurrences per clock hour (recurrence_hours). */
  hours: Map<number, number>;
}

/** touchRecurrenceGroup's upsert, on the in-memory row (the history has no runs, so no last run). */
export function touchGroup(groups: Map<string, GroupRow>, settings: RecurrenceSettings, project: string, key: string, ev: NormalizedEvent, eventId: number, duplicate: boolean, at: Date): void {
  const id = `${project}\u0000${key}`;
  let g = groups.get(id);
  const resolution = ev.alertStatus === 'resolved';
  const occurrence = !duplicate && !resolution;
  const hour = hourOf(at);
  const change = duplicate
    ? null
    : nextLifecycle(
        g
          ? {
              lifecycle: g.lifecycle,
              latestOccurrenceAt: g.latest_occurrence_at,
              lastRun: null,
              currentHour: g.hours.get(hour) ?? 0,
              previousHour: g.hours.get(hour - HOUR_MS) ?? 0,
              trailing: Array.from({ length: TRAILING_HOURS }, (_, i) => g!.hours.get(hour - (i + 2) * HOUR_MS) ?? 0).reduce((a, b) => a + b, 0),
            }
          : null,
        resolution,
        at,
        settings,
      );
  const refs = sourceRefFacts(ev.source, ev.sourceRefs);
  if (!g) {
    const { basis, why } = recurrenceWhy(ev);
    g = {
      project_id: project,
      recurrence_key: key,
      basis,
      why,
      provider: ev.source,
      alertname: ev.alertname,
      rule_id: ev.ruleId,
      severity: null,
      namespace: ev.namespace,
      target_resource: ev.targetResource,
      fingerprint: ev.fingerprint,
      occurrence_total: 0,
      resolved_total: 0,
      duplicate_total: 0,
      source_ref_total: 0,
      missing_source_refs_total: 0,
      sentry_ref_total: 0,
      signoz_ref_total: 0,
      alert_ref_total: 0,
      first_event_id: eventId,
      latest_event_id: eventId,
      first_received_at: at,
      latest_received_at: at,
      latest_occurrence_at: null,
      latest_alert_status: duplicate ? null : ev.alertStatus,
      lifecycle: change?.lifecycle ?? 'new',
      lifecycle_changed_at: at,
      lifecycle_reason: change?.reason ?? null,
      hours: new Map(),
    };
    groups.set(id, g);
  } else {
    g.latest_event_id = eventId;
    if (at > g.latest_received_at) g.latest_received_at = at;
    if (!duplicate) g.latest_alert_status = ev.alertStatus;
    if (change) {
      if (change.lifecycle !== g.lifecycle) g.lifecycle_changed_at = at;
      g.lifecycle = change.lifecycle;
      g.lifecycle_reason = change.reason;
    }
  }
  if (!duplicate && ev.sourceSeverity !== null) g.severity = ev.sourceSeverity;
  if (occurrence) {
    g.occurrence_total++;
    g.latest_occurrence_at = at;
    g.hours.set(hour, (g.hours.get(hour) ?? 0) + 1);
  }
  if (!duplicate && resolution) g.resolved_total++;
  if (duplicate) g.duplicate_total++;
  g.source_ref_total += refs.count;
  if (refs.count === 0) g.missing_source_refs_total++;
  if (refs.sentry) g.sentry_ref_total++;
  if (refs.signoz) g.signoz_ref_total++;
  if (refs.alert) g.alert_ref_total++;
}
