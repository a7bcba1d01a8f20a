import type { Chamado } from '../../../entities/chamado.entity.ts';
import type { RowOf } from '../../../entities/column-facts.ts';
import type { Event } from '../../../entities/event.entity.ts';

/**
 * Fields stored in the events table under the same names; their types and lengths are the entity's
 * (ingest.ts copies them, sanitize.ts cuts them to the column lengths).
 */
export const EVENT_COLUMN_FIELDS = [
  'eventType',
  'providerEventId',
  'domain',
  'sessionId',
  'severity',
  'ruleId',
  'agent',
  'summary',
  'fingerprint',
  'alertname',
  'namespace',
  'targetResource',
  'sourceSeverity',
  'occurredAt',
] as const satisfies readonly (keyof Event)[];

/** Fields a chamado the event opens (or moves along the wizard) takes under the same names. */
export const CHAMADO_COLUMN_FIELDS = ['title', 'domain', 'sessionId', 'wizardStep', 'wizardStepLabel'] as const satisfies readonly (keyof Chamado)[];

/**
 * What every source's normalizer produces from one delivery: the Discover fields plus what dedup,
 * correlation and the opening rules need. A delivery may hold several events (Alertmanager sends
 * one webhook per group of alerts). Besides the columns: `eventType` is e.g. `account.created`,
 * `wazuh.alert`, `alert.firing`, `issue.created`; `severity` is 0–15 on the Wazuh scale (DOMAIN.md
 * maps the other sources onto it); `fingerprint` is the provider's own when it gives one
 * (Alertmanager, SigNoz, Sentry issue id); `title` is for a chamado this event opens.
 */
export interface NormalizedEvent
  extends RowOf<Event, (typeof EVENT_COLUMN_FIELDS)[number]>,
    RowOf<Chamado, (typeof CHAMADO_COLUMN_FIELDS)[number]> {
  source: EventSource;
  /** For alerts: `firing` or `resolved`; null when the source has no such notion. */
  alertStatus: 'firing' | 'resolved' | null;
  /** Links back to the provider: Sentry issue URL, Alertmanager generatorURL, Wazuh alert id … */
  sourceRefs: Record<string, string>;
  /** Extra typed facts beyond the columns above (email, ip, host …). */
  observables: { tipo: string; valor: string }[];
  /** Onboarding only: `data.email`, used in the chamado title. */
  email: string | null;
  /** An explicit link to a chamado given by the sender (generic envelope). */
  chamadoPublicId: string | null;
  /** The part of the payload this event came from (one alert of an Alertmanager group). */
  payload: Record<string, unknown>;
}

export const EVENT_SOURCES = ['onboard', 'wazuh', 'alertmanager', 'signoz', 'sentry', 'support', 'audit', 'discovery'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** Thrown by a normalizer when the body authenticates but does not fit the source's schema. */
export class PayloadSchemaError extends Error {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.issues = issues;
  }
}

/** One source's normalizer: validates the parsed JSON body and returns its events. */
export type Normalizer = (body: unknown) => NormalizedEvent[];
