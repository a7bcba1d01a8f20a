import type { IngestRules } from './settings.ts';
import type { NormalizedEvent } from './normalized-event.ts';

/** Why an event opens a chamado: the rule's name and, for the receipt, what matched. */
export interface OpeningRule {
  rule: string;
  detail: string;
}

/**
 * The rule table from DOMAIN.md ("which events open a chamado"), with thresholds from
 * configuration. Returns null for events that are stored and only attached when they correlate.
 */
export function openingRule(event: NormalizedEvent, rules: IngestRules): OpeningRule | null {
  switch (event.source) {
    case 'onboard':
      return rules.onboardOpenEvents.includes(event.eventType)
        ? { rule: 'onboard.event', detail: `${event.eventType} is one of ${rules.onboardOpenEvents.join(', ')}` }
        : null;
    case 'wazuh':
      return event.severity != null && event.severity >= rules.wazuhMinLevel
        ? { rule: 'wazuh.level', detail: `level ${event.severity} ≥ ${rules.wazuhMinLevel}` }
        : null;
    case 'alertmanager':
    case 'signoz': {
      const word = (event.sourceSeverity ?? '').toLowerCase();
      return event.alertStatus === 'firing' && rules.alertSeverities.includes(word)
        ? { rule: `${event.source}.severity`, detail: `firing with severity ${word} (one of ${rules.alertSeverities.join(', ')})` }
        : null;
    }
    case 'sentry': {
      const action = event.eventType.replace(/^issue\./, '');
      return rules.sentryActions.includes(action)
        ? { rule: 'sentry.action', detail: `issue ${action} (one of ${rules.sentryActions.join(', ')})` }
        : null;
    }
    case 'discovery':
      return event.alertStatus === 'firing' && rules.discoveryOpenStatuses.includes(event.sourceSeverity ?? '')
        ? { rule: 'discovery.status', detail: `resource turned ${event.sourceSeverity} (one of ${rules.discoveryOpenStatuses.join(', ')})` }
        : null;
    case 'support':
    case 'audit':
      return event.severity != null && event.severity >= rules.genericMinSeverity
        ? { rule: `${event.source}.severity`, detail: `severity ${event.severity} ≥ ${rules.genericMinSeverity}` }
        : null;
  }
}
