import type { Plugin } from 'graphql-yoga';
import { webhookSourceOf, type ReceiveDelivery } from './receiver.ts';

/**
 * The body as text (decoded as `request.text()` does), or null once more than `limit` bytes have
 * arrived. Counted as it streams: a chunked body states no length, and reading it whole first
 * would let an unauthenticated sender fill the memory before any check.
 */
async function textWithin(request: Request, limit: number): Promise<string | null> {
  if (Number(request.headers.get('content-length') ?? 0) > limit) return null;
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
 * Webhook deliveries that reach yoga: those node-receiver.ts leaves to it (a browser's, with an
 * `Origin` for yoga's CORS, or a path in a form other than the plain one). Answered by the same
 * receiver, through yoga's response hooks (request id, security headers, metrics, CORS).
 */
export function yogaWebhookReceiver(receive: ReceiveDelivery): Plugin {
  return {
    // Synchronous for every other request: an async hook would cost each request a promise.
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const source = webhookSourceOf(url.pathname);
      if (!source) return;
      const delivery = {
        source,
        headers: request.headers,
        projectId: url.searchParams.get('project_id'),
        readBody: (limit: number) => textWithin(request, limit),
      };
      return receive(delivery).then(({ status, body, headers }) =>
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status, headers })),
      );
    },
  };
}
