import { z } from 'zod';
import { PayloadSchemaError, type EventSource, type Normalizer } from '../normalized-event.ts';
import { definedRefs, event, normalizeDomain, observablesFrom, optionalText, parseBody, parseTimestamp } from './shared.ts';

/**
 * Alertmanager's webhook (format version 4): one delivery per alert group, each alert becoming its
 * own event. SigNoz's alerting is an Alertmanager fork and posts the same body, so it shares this.
 */
const Status = z.enum(['firing', 'resolved']).optional().catch(undefined);
const StringMap = z.record(z.string(), z.unknown()).optional().catch(undefined);

const AlertmanagerBody = z.looseObject({
  version: optionalText,
  status: Status,
  externalURL: optionalText,
  alerts: z
    .array(
      z.looseObject({
        status: Status,
        labels: z.record(z.string(), z.unknown()),
        annotations: StringMap,
        startsAt: optionalText,
        endsAt: optionalText,
        generatorURL: optionalText,
        fingerprint: optionalText,
      }),
    )
    .min(1),
});

/**
 * The provider event id of one notification: a re-notification of the same firing alert repeats
 * all three parts (exact redelivery); a new firing of the same fingerprint has a new startsAt, and
 * its resolution a new status.
 */
const alertEventId = (fingerprint: string, startsAt: string, status: 'firing' | 'resolved') => `${fingerprint}:${startsAt}:${status}`;

/** The provider event id of the resolution that ends the firing whose id is `firingId`, if it is one. */
export function resolutionIdOf(firingId: string): string | null {
  const suffix = ':firing';
  return firingId.endsWith(suffix) ? `${firingId.slice(0, -suffix.length)}:resolved` : null;
}

/** DOMAIN.md severity mapping for Alertmanager/SigNoz `severity` labels. */
const SEVERITY: Record<string, number> = { critical: 12, error: 10, warning: 7, info: 3 };

/** Label and annotation values are strings in Alertmanager; anything else is ignored, not fatal. */
function text(map: Record<string, unknown> | undefined, key: string): string | null {
  const v = map?.[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function alertNormalizer(source: Extract<EventSource, 'alertmanager' | 'signoz'>): Normalizer {
  return (body) => {
    const b = parseBody(AlertmanagerBody, body);
    const { alerts: rawAlerts, ...group } = body as Record<string, unknown> & { alerts: unknown[] };
    return b.alerts.map((alert, i) => {
      const status = alert.status ?? b.status;
      if (!status) throw new PayloadSchemaError([{ path: `alerts.${i}.status`, message: 'expected "firing" or "resolved"' }]);
      const labels = alert.labels;
      const alertname = text(labels, 'alertname');
      const namespace = text(labels, 'namespace');
      const target = text(labels, 'pod') ?? text(labels, 'instance') ?? text(labels, 'service') ?? text(labels, 'job');
      const severityWord = text(labels, 'severity');
      const fingerprint = alert.fingerprint ?? null;
      return event({
        source,
        eventType: `alert.${status}`,
        providerEventId: fingerprint && alert.startsAt ? alertEventId(fingerprint, alert.startsAt, status) : null,
        domain: normalizeDomain(text(labels, 'domain')),
        severity: severityWord ? (SEVERITY[severityWord.toLowerCase()] ?? null) : null,
        sourceSeverity: severityWord,
        // SigNoz labels each alert with the id of the rule that fired it.
        ruleId: text(labels, 'ruleId'),
        agent: text(labels, 'instance') ?? text(labels, 'host'),
        summary: text(alert.annotations, 'summary') ?? text(alert.annotations, 'description') ?? alertname,
        fingerprint,
        alertname,
        namespace,
        targetResource: target,
        alertStatus: status,
        // A resolution happened when it ended; a firing when it started.
        occurredAt:
          status === 'resolved'
            ? (parseTimestamp(alert.endsAt) ?? parseTimestamp(alert.startsAt))
            : parseTimestamp(alert.startsAt),
        sourceRefs: definedRefs({ generatorURL: alert.generatorURL, externalURL: b.externalURL }),
        observables: observablesFrom([['host', text(labels, 'node') ?? text(labels, 'host')]]),
        title: `[${alertname ?? '-'}] ${namespace ?? '-'}/${target ?? '-'}`,
        // The alert itself plus the group it was delivered in (minus the sibling alerts).
        payload: { ...(rawAlerts[i] as Record<string, unknown>), group },
      });
    });
  };
}

export const alertmanager = alertNormalizer('alertmanager');
export const signoz = alertNormalizer('signoz');
