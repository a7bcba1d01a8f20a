import type { RecurrenceBasis } from '../../../entities/recurrence-group.entity.ts';
import type { NormalizedEvent } from '../ingest/normalized-event.ts';

/**
 * Version of the grouping rule (DOMAIN.md "Recurrence key", implemented by recurrenceKey in
 * ingest/sanitize.ts). Stored on every group: a rule change bumps it and makes new groups, so
 * history is never silently regrouped.
 */
export const RECURRENCE_RULE_VERSION = 'rk1';

type Facts = Pick<NormalizedEvent, 'source' | 'fingerprint' | 'alertname' | 'ruleId' | 'namespace' | 'targetResource'>;

/** Why events share a key: which rule branch made it and the field values it was made from. */
export function recurrenceWhy(event: Facts): { basis: RecurrenceBasis; why: Record<string, string | null> } {
  if (event.fingerprint) return { basis: 'fingerprint', why: { provider: event.source, fingerprint: event.fingerprint } };
  return {
    basis: 'labels',
    why: {
      provider: event.source,
      [event.alertname ? 'alertname' : 'rule_id']: event.alertname ?? event.ruleId,
      namespace: event.namespace,
      target_resource: event.targetResource,
    },
  };
}
