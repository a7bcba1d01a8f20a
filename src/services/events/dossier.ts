import { cutToLength } from '../../../entities/column-facts.ts';
import { HEARTBEAT_EVENT_TYPE } from './provider-heartbeat.ts';
import type { EventRow } from './reads.ts';

/*
 * The event dossier's derived fields (spec 002 `ChannelEventDossierItem`), computed from a feed row:
 * how the reference's words map onto our events.
 */

/** Sources that are alert providers; onboarding, support and audit events have no provider. */
const ALERT_PROVIDERS: ReadonlySet<string> = new Set(['alertmanager', 'signoz', 'sentry', 'wazuh']);

export const CONTENT_PREVIEW_CHARS = 200;
export const CONTENT_REDACTED_CHARS = 4000;

/** Source refs that link to the provider's own view of the event, best first. */
const PREFERRED_REFS = ['sentryIssue', 'generatorURL', 'externalURL'] as const;

type Row = Pick<EventRow, 'id' | 'source' | 'eventType' | 'alertStatus' | 'summary' | 'sourceRefs' | 'providerEventId' | 'deliveryId'>;

export function providerOf(row: Pick<Row, 'source'>): string | null {
  return ALERT_PROVIDERS.has(row.source) ? row.source : null;
}

/** `heartbeat` for a provider heartbeat, else the alert status (firing / resolved), else `received`. */
export function stageOf(row: Pick<Row, 'eventType' | 'alertStatus'>): string {
  if (row.eventType === HEARTBEAT_EVENT_TYPE) return 'heartbeat';
  return row.alertStatus ?? 'received';
}

/** Cut by code point, like every other cut (never half an emoji). */
export function contentPreviewOf(row: Pick<Row, 'summary'>): string | null {
  return row.summary === null ? null : cutToLength(row.summary, CONTENT_PREVIEW_CHARS).value;
}

/** The stored payload is already redacted at ingest; this is it as JSON text, cut. */
export function contentRedactedOf(payload: unknown): string | null {
  if (payload === null || payload === undefined) return null;
  return cutToLength(JSON.stringify(payload), CONTENT_REDACTED_CHARS).value;
}

/** The provider's link: the preferred refs first, else any http(s) ref. */
export function sourceUrlOf(row: Pick<Row, 'sourceRefs'>): string | null {
  const refs = row.sourceRefs ?? {};
  for (const key of PREFERRED_REFS) {
    if (typeof refs[key] === 'string' && refs[key]) return refs[key];
  }
  return Object.values(refs).find((v) => typeof v === 'string' && /^https?:\/\//i.test(v)) ?? null;
}

/**
 * Never null: the provider's id, else the delivery header id, else our numeric id — the spec's
 * `provider_event_id` is required and some senders (Wazuh without an id, generic events) give none.
 */
export function providerEventIdOrFallbackOf(row: Pick<Row, 'id' | 'providerEventId' | 'deliveryId'>): string {
  return row.providerEventId ?? (row.deliveryId ? `delivery-${row.deliveryId}` : String(row.id));
}

/**
 * What ties the event to logs and to the chamado: the delivery id, the recurrence key, the chamado
 * it belongs to now (it may have been attached or merged after ingest) and ingestion's decision.
 */
export function logCorrelationOf(row: Pick<EventRow, 'deliveryId' | 'recurrenceKey' | 'chamadoPublicId' | 'correlation'>): Record<string, unknown> {
  const correlation = row.correlation ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    delivery_id: row.deliveryId,
    recurrence_key: row.recurrenceKey,
    chamado_public_id: row.chamadoPublicId,
    decision: text(correlation.decision),
    rule: text(correlation.rule),
  };
}
