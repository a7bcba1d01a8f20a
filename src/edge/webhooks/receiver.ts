import type { Plugin } from 'graphql-yoga';
import { Counter } from 'prom-client';
import type { AppDeps } from '../../context.ts';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from '../../db/unavailable.ts';
import { IngestBatcher } from '../../services/ingest/batcher.ts';
import { ingestDeliveries, type Receipt } from '../../services/ingest/ingest.ts';
import { DeliveryIdReusedError } from '../../services/ingest/delivery-id-binding.ts';
import { ingestPayload, isIngestSource } from '../../services/ingest/ingest-payload.ts';
import { projectIdOf } from '../../services/ingest/project-id.ts';
import type { WebhookSegment } from '../../services/ingest/sources/index.ts';
import { authenticateDelivery, deliveryIdOf } from './authenticate.ts';

const ingested = new Counter({
  name: 'opsgraph_webhook_deliveries_total',
  help: 'Webhook deliveries by receiver and outcome',
  labelNames: ['source', 'outcome'] as const,
});

type FetchApi = Parameters<NonNullable<Plugin['onRequest']>>[0]['fetchAPI'];

const PATH = /^\/api\/v1\/webhooks\/([a-z]+)\/?$/;

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
 * The body as text (decoded as `request.text()` does), or null once more than `limit` bytes have
 * arrived. Counted as it streams: a chunked body states no length, and reading it whole first
 * would let an unauthenticated sender fill the memory before any check.
 */
async function textWithin(request: Request, limit: number): Promise<string | null> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > limit) {
      // The rest of the body is dropped, not read; the answer does not wait for that.
      reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(next.value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * POST /api/v1/webhooks/{onboard|wazuh|alertmanager|signoz|sentry|events}. The one transport that
 * calls a service directly instead of going through GraphQL: it is the hot path. Order matters:
 * size, then authentication (nothing is stored for an unauthenticated sender), then JSON, then
 * the source's schema (failures are answered 422 and kept as dead letters), then ingestion.
 */
export function webhookReceiver(deps: AppDeps): Plugin {
  const { config, log } = deps;
  const limit = config.ingest.maxBodyBytes;
  // Concurrent deliveries share transactions (group commit); each is answered after its commit.
  const batcher = new IngestBatcher((deliveries) => ingestDeliveries(deps.orm.em, config.ingest, deliveries), config.ingest.batching);
  return {
    // Synchronous for every other request: an async hook would cost each request a promise.
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const match = PATH.exec(url.pathname);
      if (!match) return;
      const source = match[1]!;
      if (!isIngestSource(source)) return; // unknown receiver: falls through to the REST 404
      return receive(request, url, source, endResponse, fetchAPI);
    },
  };

  async function receive(
    request: Request,
    url: URL,
    source: WebhookSegment,
    endResponse: (response: Response) => void,
    fetchAPI: FetchApi,
  ) {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      ingested.inc({ source, outcome: String(status) });
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } }),
      );
    };
    const raw = Number(request.headers.get('content-length') ?? 0) > limit ? null : await textWithin(request, limit);
    if (raw === null) return reply(413, { error: 'PAYLOAD_TOO_LARGE', message: `bodies are limited to ${limit} bytes` });

    const auth = authenticateDelivery(request.headers, raw, source, {
      shared: config.ingest.webhookSecrets[source]!,
      sharedPrevious: config.ingest.previousWebhookSecrets[source] ?? null,
      sentryClientSecret: config.ingest.sentryClientSecret,
      sentryClientSecretPrevious: config.ingest.previousSentryClientSecret,
    });
    if (!auth.ok) return reply(401, { error: 'UNAUTHENTICATED', message: auth.reason });

    let projectId: string;
    try {
      projectId = projectIdOf(url.searchParams.get('project_id'));
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
        { source, body, raw, deliveryId: deliveryIdOf(request.headers), projectId },
        'dead-letter',
        (delivery) => batcher.submit(delivery),
      );
    } catch (err) {
      if (err instanceof DeliveryIdReusedError) return reply(401, { error: 'UNAUTHENTICATED', message: err.message });
      // Never let it escape the hook: the server adapter would answer with the stack trace.
      log.error({ err, source }, 'webhook ingestion failed');
      if (isDatabaseUnavailable(err)) {
        return reply(503, { error: DATABASE_UNAVAILABLE, message: UNAVAILABLE_MESSAGE }, { 'retry-after': String(RETRY_AFTER_SECONDS) });
      }
      return reply(500, { error: 'INTERNAL_SERVER_ERROR', message: 'the delivery could not be stored; retry it' });
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
  }
}
