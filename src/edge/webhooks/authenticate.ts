import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Counter } from 'prom-client';
import { presentsSignature, verifySignature } from '../../../sdk/standard-webhooks.ts';
import { DELIVERY_ID_LIMIT } from '../../services/ingest/sanitize.ts';

export interface WebhookSecrets {
  shared: string;
  sentryClientSecret: string;
}

export type AuthScheme = 'standard-webhooks' | 'sentry-signature' | 'shared-secret' | 'bearer' | 'basic';

export type AuthOutcome = { ok: true; scheme: AuthScheme } | { ok: false; reason: string };

const authentications = new Counter({
  name: 'opsgraph_webhook_authentications_total',
  help: 'Webhook deliveries by receiver and the scheme that authenticated them (refused: none did)',
  labelNames: ['source', 'scheme'] as const,
});

/** Constant-time equality for secrets of any length (both sides hashed to the same size first). */
function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `Authorization: Bearer <secret>` or `Basic base64(<any user>:<secret>)`: what senders that cannot
 * sign (Alertmanager's and SigNoz's http_config, Grafana contact points) can send.
 */
function authorizationHeader(header: string, secret: string): AuthOutcome {
  const [, scheme = '', rest = ''] = /^(\S+)\s*(.*)$/s.exec(header.trim()) ?? [];
  const credentials = rest.trim();
  switch (scheme.toLowerCase()) {
    case 'bearer':
      if (credentials === '') return { ok: false, reason: 'Authorization: Bearer without a token' };
      return secretsEqual(credentials, secret) ? { ok: true, scheme: 'bearer' } : { ok: false, reason: 'Authorization: Bearer token does not match' };
    case 'basic': {
      if (credentials === '' || !BASE64.test(credentials)) {
        return { ok: false, reason: 'Authorization: Basic credentials are not valid base64' };
      }
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return { ok: false, reason: 'Authorization: Basic credentials are not user:password' };
      // Any user name: the password is the receiver's secret (RFC 7617: the user id has no colon).
      return secretsEqual(decoded.slice(colon + 1), secret)
        ? { ok: true, scheme: 'basic' }
        : { ok: false, reason: 'Authorization: Basic password does not match' };
    }
    default:
      return { ok: false, reason: 'Authorization: use the Bearer or Basic scheme' };
  }
}

function checkCredentials(headers: Headers, rawBody: string, source: string, secrets: WebhookSecrets): AuthOutcome {
  if (presentsSignature(headers)) {
    const verified = verifySignature(secrets.shared, rawBody, headers);
    return verified.ok ? { ok: true, scheme: 'standard-webhooks' } : { ok: false, reason: `webhook signature rejected: ${verified.reason}` };
  }
  const sentrySignature = headers.get('sentry-hook-signature');
  if (source === 'sentry' && sentrySignature) {
    const expected = createHmac('sha256', secrets.sentryClientSecret).update(rawBody, 'utf8').digest('hex');
    return secretsEqual(sentrySignature.toLowerCase(), expected)
      ? { ok: true, scheme: 'sentry-signature' }
      : { ok: false, reason: 'Sentry-Hook-Signature does not match' };
  }
  const shared = headers.get('x-webhook-secret');
  if (shared !== null) {
    return secretsEqual(shared, secrets.shared) ? { ok: true, scheme: 'shared-secret' } : { ok: false, reason: 'X-Webhook-Secret does not match' };
  }
  const authorization = headers.get('authorization');
  if (authorization !== null) return authorizationHeader(authorization, secrets.shared);
  return {
    ok: false,
    reason: 'no credentials: send Standard Webhooks signature headers, X-Webhook-Secret, or the secret as Authorization Bearer or Basic password',
  };
}

/**
 * Authenticates a webhook delivery by the first scheme it presents, in this order: Standard
 * Webhooks signature headers (sdk/standard-webhooks.ts), Sentry's `Sentry-Hook-Signature` (hex
 * HMAC-SHA256 of the body), `X-Webhook-Secret`, then `Authorization` (Bearer token or Basic
 * password). A presented credential that fails never falls back to another scheme. The scheme
 * that authenticated (or `refused`) is counted per receiver.
 */
export function authenticateDelivery(headers: Headers, rawBody: string, source: string, secrets: WebhookSecrets): AuthOutcome {
  const outcome = checkCredentials(headers, rawBody, source, secrets);
  authentications.inc({ source, scheme: outcome.ok ? outcome.scheme : 'refused' });
  return outcome;
}

/** The sender's id for this delivery, used for exact-redelivery dedup when the body has none. */
export function deliveryIdOf(headers: Headers): string | null {
  const id = headers.get('webhook-id') ?? headers.get('request-id') ?? headers.get('x-delivery-id');
  return id && id.length <= DELIVERY_ID_LIMIT ? id : null;
}
