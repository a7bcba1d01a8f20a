import type { RecurrenceSettings } from '../recurrence/settings.ts';
import type { BatchingSettings } from './batcher.ts';

/** Which events open a chamado (DOMAIN.md's rule table); the thresholds come from configuration. */
export interface IngestRules {
  onboardOpenEvents: string[];
  wazuhMinLevel: number;
  alertSeverities: string[];
  sentryActions: string[];
  genericMinSeverity: number;
  /** Discovery status changes that open a chamado (a resource turning `danger`, by default). */
  discoveryOpenStatuses: string[];
  /** Sources whose resolutions may move an unclaimed chamado to resolvido (DOMAIN.md); empty: never. */
  autoResolveSources: string[];
}

/** What ingestion and the webhook receivers need; src/config.ts fills it from the environment. */
export interface IngestSettings {
  rules: IngestRules;
  recurrence: RecurrenceSettings;
  correlationWindowMs: number;
  reopenWindowMs: number;
  maxBodyBytes: number;
  batching: BatchingSettings;
  /** Shared secret per receiver path segment (onboard, wazuh, …, events). */
  webhookSecrets: Record<string, string>;
  sentryClientSecret: string;
  /** The secret each receiver accepted before a rotation, accepted beside the current one while set. */
  previousWebhookSecrets: Record<string, string | null>;
  previousSentryClientSecret: string | null;
}
