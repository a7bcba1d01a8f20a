import { Counter } from 'prom-client';
import type { AppDeps } from '../../context.ts';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from '../../db/unavailable.ts';
import { IngestBatcher } from '../../services/ingest/batcher.ts';
import { ingestDeliveries, type Receipt } from '../../services/ingest/ingest.ts';
import { DeliveryIdReusedError } from '../../services/ingest/delivery-id-binding.ts';
import { ingestPayload, isIngestSource } from '../../services/ingest/ingest-payload.ts';
import { projectIdOf } from '../../services/ingest/project-id.ts';
import type { WebhookSegment } from '../../services/ingest/sources/index.ts';
import { authenticateDelivery, deliveryIdOf, type DeliveryHeaders } from './authenticate.ts';

const ingested = new Counter({
  name: 'opsgraph_webhook_deliveries_total',
  help: 'Webhook deliveries by receiver and outcome',
  labelNames: ['source', 'outcome'] as const,
});

const PATH = /^\/api\/v1\/webhooks\/([a-z]+)\/?$/;

/** The receiver a POST to `pathname` is for, or null (not a webhook path, or an unknown receiver: the REST 404). */
export function webhookSourceOf(pathname: string): WebhookSegment | null {
  const source = PATH.exec(pathname)?.[1];
  return source !== undefined && isIngestSource(source) ? source : null;
}

/** One delivery as the receiver needs it, whichever HTTP adapter it arrived through. */
export interface Delivery {
  source: WebhookSegment;
  headers: DeliveryHeaders;
  /** The `project_id` query parameter. */
  projectId: string | null;
  /** The body as text, or null once more than `limit` bytes have arrived (the rest is not read). */
  readBody: (limit: number) => Promise<string | null>;
}

export interface WebhookAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export type ReceiveDelivery = (delivery: Delivery) => Promise<WebhookAnswer>;

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' } as const;
const NOT_STORED = { error: 'INTERNAL_SERVER_ERROR', message: 'the delivery could not be stored; retry it' } as const;

/** The answer to a delivery whose handling failed unexpectedly: nothing said about why. */
export const FAILED_ANSWER: WebhookAnswer = { status: 500, body: NOT_STORED, headers: JSON_TYPE };

function receiptJson(r: Receipt) {
  return {
    status: r.status,
    event_id: r.eventId,
    event_uuid: r.eventUuid,
    chamado_public_id: r.chamadoPublicId,
    duplicate_of: r.duplicateOf,
    correlation: r.correlation,
    warnings: r.warnings,
  };
}

/**
 * POST /api/v1/webhooks/{onboard|wazuh|alertmanager|signoz|sentry|events}. The one transport that
 * calls a service directly instead of going through GraphQL: it is the hot path. Order matters:
 * size, then authentication (nothing is stored for an unauthenticated sender), then JSON, then
 * the source's schema (failures are answered 422 and kept as dead letters), then ingestion.
 * One receiver per process, whichever adapter hands it a delivery (node-receiver.ts for the plain
 * ones, yoga-receiver.ts for the rest): concurrent deliveries share transactions (group commit).
 */
export function webhookReceiver(deps: AppDeps): ReceiveDelivery {
  const { config, log } = deps;
  const limit = config.ingest.maxBodyBytes;
  // Each delivery is answered after its commit.
  const batcher = new IngestBatcher((deliveries) => ingestDeliveries(deps.orm.em, config.ingest, deliveries), config.ingest.batching);

  return async function receive({ source, headers, projectId: projectIdParam, readBody }) {
    const reply = (status: number, body: unknown, extra: Record<string, string> = {}): WebhookAnswer => {
      ingested.inc({ source, outcome: String(status) });
      return { status, body, headers: { ...JSON_TYPE, ...extra } };
    };
    let raw: string | null;
    try {
      raw = await readBody(limit);
    } catch {
      // The sender went away or framed the body wrongly; nothing was read, nothing is stored.
      return reply(400, { error: 'BAD_REQUEST', message: 'the body could not be read' });
    }
    if (raw === null) return reply(413, { error: 'PAYLOAD_TOO_LARGE', message: `bodies are limited to ${limit} bytes` });

    const auth = authenticateDelivery(headers, raw, source, {
      shared: config.ingest.webhookSecrets[source]!,
      sharedPrevious: config.ingest.previousWebhookSecrets[source] ?? null,
      sentryClientSecret: config.ingest.sentryClientSecret,
      sentryClientSecretPrevious: config.ingest.previousSentryClientSecret,
    });
    if (!auth.ok) return reply(401, { error: 'UNAUTHENTICATED', message: auth.reason });

    let projectId: string;
    try {
      projectId = projectIdOf(projectIdParam);
    } catch (err) {
      return reply(400, { error: 'BAD_REQUEST', message: (err as Error).message });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return reply(400, { error: 'MALFORMED_JSON', message: 'the body is not valid JSON' });
    }
    let outcome;
    try {
      outcome = await ingestPayload(
        deps.orm.em.fork(),
        config.ingest,
        { source, body, raw, deliveryId: deliveryIdOf(headers), projectId },
        'dead-letter',
        (delivery) => batcher.submit(delivery),
      );
    } catch (err) {
      if (err instanceof DeliveryIdReusedError) return reply(401, { error: 'UNAUTHENTICATED', message: err.message });
      // Never let it escape: the adapter would answer with the stack trace.
      log.error({ err, source }, 'webhook ingestion failed');
      if (isDatabaseUnavailable(err)) {
        return reply(503, { error: DATABASE_UNAVAILABLE, message: UNAVAILABLE_MESSAGE }, { 'retry-after': String(RETRY_AFTER_SECONDS) });
      }
      return reply(500, NOT_STORED);
    }
    if (outcome.status === 'dead-lettered') {
      return reply(422, {
        error: 'SCHEMA_MISMATCH',
        message: `the body does not fit the ${source} format: ${outcome.reason}`,
        issues: outcome.issues,
        dead_letter_id: outcome.deadLetterId,
      });
    }
    const { receipts } = outcome;
    const first = receipts[0];
    const allDuplicates = receipts.length > 0 && receipts.every((r) => r.status === 'duplicate');
    return reply(202, {
      status: allDuplicates ? 'duplicate' : 'accepted',
      event_id: first?.eventId ?? null,
      chamado_public_id: first?.chamadoPublicId ?? null,
      duplicate_of: first?.duplicateOf ?? null,
      correlation: first?.correlation ?? null,
      warnings: first?.warnings ?? [],
      events: receipts.map(receiptJson),
    });
  };
}
