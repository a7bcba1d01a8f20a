import type { EntityManager } from '@mikro-orm/postgresql';
import { ValidationError, type FieldIssue } from '../../errors.ts';
import { sha256Hex } from '../ingest/digest.ts';
import { ingestDelivery } from '../ingest/ingest.ts';
import { projectIdOf } from '../ingest/project-id.ts';
import type { IngestSettings } from '../ingest/settings.ts';
import { event } from '../ingest/sources/shared.ts';

/*
 * Provider freshness heartbeats (spec 002 `POST /events/dossier/provider-heartbeat`): a scheduler
 * holding the operator key proves that the Sentry and SigNoz paths into the event dossier still
 * store events. Each heartbeat is a real event of its provider, ingested as synthetic: stored and
 * counted in its recurrence group, but it never opens or joins a chamado, so no timeline entry,
 * notification, approval or outbound delivery can follow from it.
 */

export const HEARTBEAT_PROVIDERS = ['sentry', 'signoz'] as const;
export type HeartbeatProvider = (typeof HEARTBEAT_PROVIDERS)[number];

export const HEARTBEAT_EVENT_TYPE = 'provider.heartbeat';
export const DEFAULT_HEARTBEAT_REASON = 'scheduled_provider_freshness_smoke';
const TEXT_LIMIT = 120;
const SYNTHETIC = 'synthetic provider heartbeat: never opens or joins a chamado';

export interface HeartbeatRequest {
  projectId: string;
  providers: readonly HeartbeatProvider[];
  reason: string;
  runRef: string | null;
}

export interface HeartbeatItem {
  provider: HeartbeatProvider;
  /** `heartbeat-<UTC yyyymmddThhmmssZ>`: the provider event id, the same for every provider of a call. */
  eventId: string;
  /** The stored event's uuid (a second heartbeat in the same second is stored as its duplicate). */
  conversationEventId: string;
}

export interface HeartbeatResult {
  status: 'recorded';
  projectId: string;
  items: HeartbeatItem[];
}

const length = (text: string) => Array.from(text).length;

/** `2026-01-02T03:04:05.678Z` → `20260102T030405Z`. */
function compactUtc(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

function validated(request: HeartbeatRequest): HeartbeatRequest {
  const issues: FieldIssue[] = [];
  let projectId = request.projectId;
  if (projectId === '') issues.push({ path: 'projectId', message: 'must not be empty' });
  else {
    try {
      projectId = projectIdOf(projectId);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      issues.push({ path: 'projectId', message: err.message });
    }
  }
  const { providers, reason, runRef } = request;
  if (providers.length < 1 || providers.length > HEARTBEAT_PROVIDERS.length || new Set(providers).size !== providers.length) {
    issues.push({ path: 'providers', message: `1 or 2 distinct providers of ${HEARTBEAT_PROVIDERS.join(', ')}` });
  }
  if (length(reason) < 1 || length(reason) > TEXT_LIMIT) issues.push({ path: 'reason', message: `1–${TEXT_LIMIT} characters` });
  if (runRef !== null && length(runRef) > TEXT_LIMIT) issues.push({ path: 'runRef', message: `at most ${TEXT_LIMIT} characters` });
  if (issues.length) throw new ValidationError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  return { ...request, projectId };
}

function heartbeatEvent(provider: HeartbeatProvider, eventId: string, request: HeartbeatRequest) {
  const summary = 'Low-noise provider freshness smoke; verifies source dossier ingestion without opening a chamado.';
  return event({
    source: provider,
    eventType: HEARTBEAT_EVENT_TYPE,
    providerEventId: eventId,
    title: 'SourceProviderHeartbeat',
    summary,
    severity: 3,
    sourceSeverity: 'info',
    namespace: 'opsgraph',
    targetResource: 'source-provider-ingestion',
    fingerprint: `source-provider-heartbeat:${provider}`,
    payload: {
      labels: {
        provider,
        synthetic: 'true',
        alert_category: 'provider_freshness',
        notification: 'not_sent',
        chamado: 'not_created',
      },
      annotations: { summary, reason: request.reason },
      payload: {
        reason: request.reason,
        run_ref: request.runRef,
        operator_id: 'operator-key',
        auth_method: 'x-operator-key',
        synthetic: true,
        side_effects: {
          chamado_created: false,
          notification_sent: false,
          approval_created: false,
          outbound_delivery_created: false,
        },
      },
    },
  });
}

/** Stores one synthetic heartbeat event per provider; throws ValidationError for bad input. */
export async function recordProviderHeartbeat(
  em: EntityManager,
  settings: IngestSettings,
  input: HeartbeatRequest,
): Promise<HeartbeatResult> {
  const request = validated(input);
  const eventId = `heartbeat-${compactUtc(new Date())}`;
  const items: HeartbeatItem[] = [];
  for (const provider of request.providers) {
    const normalized = heartbeatEvent(provider, eventId, request);
    // The event's own envelope stands in for the body a webhook would have hashed.
    const text = JSON.stringify(normalized.payload);
    const [receipt] = await ingestDelivery(em, settings, {
      events: [normalized],
      deliveryId: null,
      projectId: request.projectId,
      contentSha256: sha256Hex(text),
      contentLength: Buffer.byteLength(text),
      synthetic: SYNTHETIC,
    });
    items.push({ provider, eventId, conversationEventId: receipt!.eventUuid });
  }
  return { status: 'recorded', projectId: request.projectId, items };
}
