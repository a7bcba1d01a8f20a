import type { Normalizer } from '../normalized-event.ts';
import { alertmanager, signoz } from './alertmanager.ts';
import { generic } from './generic.ts';
import { onboard } from './onboard.ts';
import { sentry } from './sentry.ts';
import { wazuh } from './wazuh.ts';

/** The receiver's path segment (`/api/v1/webhooks/{segment}`) → the normalizer for that body. */
export type WebhookSegment = 'onboard' | 'wazuh' | 'alertmanager' | 'signoz' | 'sentry' | 'events';

export const NORMALIZERS: Record<WebhookSegment, Normalizer> = {
  onboard,
  wazuh,
  alertmanager,
  signoz,
  sentry,
  // Support and audit share the generic envelope; its `source` field says which one sent it.
  events: generic,
};
