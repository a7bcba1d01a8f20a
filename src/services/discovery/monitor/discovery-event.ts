import { isIP } from 'node:net';
import type { HealthStatus } from '../../../../entities/discovery.entity.ts';
import type { NormalizedEvent } from '../../ingest/normalized-event.ts';
import { domainIfLooksLikeOne, event, observablesFrom } from '../../ingest/sources/shared.ts';

/** A status change with what the event needs to say about its resource. */
export interface ChangeFacts {
  uuid: string;
  fromStatus: HealthStatus;
  toStatus: HealthStatus;
  reason: string | null;
  detail: string;
  suppressedBy: string | null;
  suppressionDetail: string | null;
  changedAt: Date;
  resourceUuid: string;
  host: string;
  port: number | null;
  category: string;
  agent: string | null;
  environment: string;
  totvsId: string;
}

/** DOMAIN.md's severity scale, read as the alert sources' words map onto it. */
const SEVERITY: Record<HealthStatus, number> = { success: 3, warning: 7, error: 10, danger: 12 };

const VERB: Record<HealthStatus, string> = { success: 'is healthy', warning: 'has warnings', error: 'has errors', danger: 'is down' };

/**
 * A status change as a `discovery` event: an alert whose identity is the resource (fingerprint
 * `discovery:<resource id>`, so one resource's outages form one recurrence group and its recovery
 * resolves the chamado its outage opened), firing unless it turned `success`. The change's id is
 * the provider event id, so announcing it twice stores a duplicate, never a second occurrence.
 */
export function discoveryEvent(change: ChangeFacts): NormalizedEvent {
  const listener = change.port == null ? change.host : `${change.host}:${change.port}`;
  const title = `${listener} (${change.category}) ${VERB[change.toStatus]}${change.reason ? `: ${change.reason}` : ''}`;
  return event({
    source: 'discovery',
    eventType: `resource.${change.toStatus}`,
    providerEventId: change.uuid,
    title,
    summary: change.detail,
    severity: SEVERITY[change.toStatus],
    sourceSeverity: change.toStatus,
    alertStatus: change.toStatus === 'success' ? 'resolved' : 'firing',
    fingerprint: `discovery:${change.resourceUuid}`,
    alertname: 'ResourceHealth',
    namespace: `${change.totvsId}/${change.environment}`,
    targetResource: listener,
    domain: domainIfLooksLikeOne(change.host),
    agent: change.agent,
    occurredAt: change.changedAt,
    observables: observablesFrom([
      ['host', change.host],
      ['ip', isIP(change.host) ? change.host : null],
    ]),
    payload: {
      resource: { id: change.resourceUuid, host: change.host, port: change.port, category: change.category, environment: change.environment, totvsId: change.totvsId },
      change: { id: change.uuid, from: change.fromStatus, to: change.toStatus, reason: change.reason, detail: change.detail },
      suppressed: change.suppressedBy ? { by: change.suppressedBy, detail: change.suppressionDetail } : null,
    },
  });
}
