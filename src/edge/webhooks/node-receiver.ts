import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';
import type { Logger } from '../../logger.ts';
import { observeAnswer } from '../http/observability.ts';
import { requestIdFrom } from '../http/request-id.ts';
import { API_SECURITY_HEADERS } from '../http/security-headers.ts';
import type { DeliveryHeaders } from './authenticate.ts';
import { FAILED_ANSWER, webhookSourceOf, type ReceiveDelivery, type WebhookAnswer } from './receiver.ts';

/*
 * Webhook deliveries straight from node:http, ahead of yoga. A delivery is the hot path, and yoga's
 * fetch adapter (a Request and its headers built from node's, the plugin chain, a Response written
 * back to node's) cost more per delivery than the receiver's own work before the database. Taken
 * here: a POST to the plain path with no `Origin` (a server, not a browser). Everything else —
 * a browser's delivery, which needs yoga's CORS, or a path in another form — goes on to yoga, where
 * yoga-receiver.ts hands it to the same receiver. Either way the answer carries the same request id,
 * security headers, metrics and log line (observability.ts, security-headers.ts).
 */

/** Node's headers read as fetch's are: any case of name, a repeated header's values joined by ", ". */
function headerReader(headers: IncomingHttpHeaders): DeliveryHeaders {
  const get = (name: string): string | null => {
    const value = headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  return { get, has: (name) => get(name) !== null };
}

/** The body's text, read by raw-body (`length` checked up front, `limit` as it streams), or null beyond the limit. */
async function bodyWithin(req: IncomingMessage, limit: number): Promise<string | null> {
  try {
    return await getRawBody(req, { length: req.headers['content-length'], limit, encoding: 'utf-8' });
  } catch (err) {
    if ((err as { type?: string }).type === 'entity.too.large') return null;
    throw err;
  }
}

/** Answers a webhook delivery and returns true, or returns false for a request that is not one it takes. */
export type NodeWebhookRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

export function nodeWebhookReceiver(receive: ReceiveDelivery, log: Logger, exposeSqlCount: boolean): NodeWebhookRoute {
  return (req, res) => {
    if (req.method !== 'POST' || req.headers.origin !== undefined) return false;
    const target = req.url ?? '';
    const queryAt = target.indexOf('?');
    const path = queryAt < 0 ? target : target.slice(0, queryAt);
    const source = webhookSourceOf(path);
    if (!source) return false;

    const startedAt = performance.now();
    const headers = headerReader(req.headers);
    const requestId = requestIdFrom(headers.get('x-request-id'));
    // A body left unread (too large, or cut off) leaves the connection unusable: it is closed after the answer.
    let unread = false;
    const readBody = (limit: number) =>
      bodyWithin(req, limit).then(
        (text) => ((unread = text === null), text),
        (err: unknown) => {
          unread = true;
          throw err;
        },
      );
    const query = new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1));
    const send = (answer: WebhookAnswer) => {
      const { status } = answer;
      const json = JSON.stringify(answer.body);
      const sent: Record<string, string> = { ...answer.headers, ...API_SECURITY_HEADERS, 'x-request-id': requestId };
      const statements = observeAnswer(log, exposeSqlCount, { requestId, method: 'POST', path, status, startedAt });
      if (statements !== null) sent['x-sql-statements'] = statements;
      if (unread) sent.connection = 'close';
      sent['content-length'] = String(Buffer.byteLength(json));
      res.writeHead(status, sent).end(json);
    };
    receive({ source, headers, projectId: query.get('project_id'), readBody })
      .then(send)
      .catch((err: unknown) => {
        // The receiver answers its own failures; this is a bug in it (or in sending), answered without details.
        log.error({ err, source }, 'webhook receiver failed');
        if (res.headersSent) return void res.destroy();
        send(FAILED_ANSWER);
      });
    return true;
  };
}
