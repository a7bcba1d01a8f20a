/**
 * What every source's normalizer produces from one delivery: the Discover fields plus what dedup,
 * correlation and the opening rules need. A delivery may hold several events (Alertmanager sends
 * one webhook per group of alerts).
 */
export interface NormalizedEvent {
  source: EventSource;
  /** e.g. `account.created`, `wazuh.alert`, `alert.firing`, `alert.resolved`, `issue.created`. */
  eventType: string;
  /** The provider's own id for this event (exact-redelivery dedup key together with source). */
  providerEventId: string | null;
  domain: string | null;
  sessionId: string | null;
  /** 0–15 (Wazuh scale; DOMAIN.md maps the other sources onto it). */
  severity: number | null;
  ruleId: string | null;
  agent: string | null;
  summary: string | null;
  /** The provider's fingerprint when it gives one (Alertmanager, SigNoz, Sentry issue id). */
  fingerprint: string | null;
  /** Recurrence inputs (spec 002): alert name or rule, namespace, target resource. */
  alertname: string | null;
  namespace: string | null;
  targetResource: string | null;
  /** For alerts: `firing` or `resolved`; null when the source has no such notion. */
  alertStatus: 'firing' | 'resolved' | null;
  /** The source's own severity word, kept for explanations (`critical`, `error`, level 12 …). */
  sourceSeverity: string | null;
  occurredAt: Date | null;
  /** Links back to the provider: Sentry issue URL, Alertmanager generatorURL, Wazuh alert id … */
  sourceRefs: Record<string, string>;
  /** Extra typed facts beyond the columns above (email, ip, host …). */
  observables: { tipo: string; valor: string }[];
  /** Onboarding wizard progress carried by the event, if any. */
  wizardStep: string | null;
  wizardStepLabel: string | null;
  /** Onboarding only: `data.email`, used in the chamado title. */
  email: string | null;
  /** An explicit link to a chamado given by the sender (generic envelope). */
  chamadoPublicId: string | null;
  /** Title for a chamado this event opens (per-source format from the issue). */
  title: string;
  /** The part of the payload this event came from (one alert of an Alertmanager group). */
  payload: Record<string, unknown>;
}

export const EVENT_SOURCES = ['onboard', 'wazuh', 'alertmanager', 'signoz', 'sentry', 'support', 'audit'] as const;
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
