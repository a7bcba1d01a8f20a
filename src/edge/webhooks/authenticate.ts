import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Counter } from 'prom-client';
import { presentsSignature, verifySignature, type HeaderReader } from '../../../sdk/standard-webhooks.ts';
import { DELIVERY_ID_LIMIT } from '../../services/ingest/sanitize.ts';

/**
 * What a receiver accepts: its current secret and, during a rotation, the previous one (null when
 * none is configured). Either authenticates; the previous one is counted so operators can see when
 * no sender uses it any more and remove it.
 */
export interface WebhookSecrets {
  shared: string;
  sharedPrevious: string | null;
  sentryClientSecret: string;
  sentryClientSecretPrevious: string | null;
}

/** Which of a receiver's secrets a credential matched. */
type Matched = 'current' | 'previous' | null;

export type AuthScheme = 'standard-webhooks' | 'sentry-signature' | 'shared-secret' | 'bearer' | 'basic';

export type AuthOutcome = { ok: true; scheme: AuthScheme } | { ok: false; reason: string };

const authentications = new Counter({
  name: 'opsgraph_webhook_authentications_total',
  help: 'Webhook deliveries by receiver and the scheme that authenticated them (refused: none did)',
  labelNames: ['source', 'scheme'] as const,
});

const previousSecretUses = new Counter({
  name: 'opsgraph_webhook_previous_secret_total',
  help: 'Webhook deliveries authenticated with a receiver\'s previous secret (rotation under way: at 0 for long enough, unset it)',
  labelNames: ['source'] as const,
});

/** Constant-time equality for secrets of any length (both sides hashed to the same size first). */
function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The first of `current`, `previous` that `matches` accepts. Both are always tried, so the time
 * taken does not tell which secret (if any) matched.
 */
function matchSecret(current: string, previous: string | null, matches: (secret: string) => boolean): Matched {
  const withCurrent = matches(current);
  const withPrevious = previous !== null && matches(previous);
  return withCurrent ? 'current' : withPrevious ? 'previous' : null;
}

type Checked = AuthOutcome & { matched?: Matched };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `Authorization: Bearer <secret>` or `Basic base64(<any user>:<secret>)`: what senders that cannot
 * sign (Alertmanager's and SigNoz's http_config, Grafana contact points) can send.
 */
function authorizationHeader(header: string, current: string, previous: string | null): Checked {
  const [, scheme = '', rest = ''] = /^(\S+)\s*(.*)$/s.exec(header.trim()) ?? [];
  const credentials = rest.trim();
  switch (scheme.toLowerCase()) {
    case 'bearer': {
      if (credentials === '') return { ok: false, reason: 'Authorization: Bearer without a token' };
      const matched = matchSecret(current, previous, (secret) => secretsEqual(credentials, secret));
      return matched ? { ok: true, scheme: 'bearer', matched } : { ok: false, reason: 'Authorization: Bearer token does not match' };
    }
    case 'basic': {
      if (credentials === '' || !BASE64.test(credentials)) {
        return { ok: false, reason: 'Authorization: Basic credentials are not valid base64' };
      }
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return { ok: false, reason: 'Authorization: Basic credentials are not user:password' };
      // Any user name: the password is the receiver's secret (RFC 7617: the user id has no colon).
      const matched = matchSecret(current, previous, (secret) => secretsEqual(decoded.slice(colon + 1), secret));
      return matched ? { ok: true, scheme: 'basic', matched } : { ok: false, reason: 'Authorization: Basic password does not match' };
    }
    default:
      return { ok: false, reason: 'Authorization: use the Bearer or Basic scheme' };
  }
}

/** A delivery's headers: fetch's `Headers` (yoga) or the node adapter's (node-receiver.ts). */
export type DeliveryHeaders = HeaderReader;

function checkCredentials(headers: DeliveryHeaders, rawBody: string, source: string, secrets: WebhookSecrets): Checked {
  const { shared: current, sharedPrevious: previous } = secrets;
  if (presentsSignature(headers)) {
    // The reason told is the current secret's: it says what is wrong (stale timestamp, bad signature).
    const verified = verifySignature(current, rawBody, headers);
    const matched = matchSecret(current, previous, (secret) => (secret === current ? verified : verifySignature(secret, rawBody, headers)).ok);
    return matched
      ? { ok: true, scheme: 'standard-webhooks', matched }
      : { ok: false, reason: `webhook signature rejected: ${verified.ok ? 'no matching signature' : verified.reason}` };
  }
  const sentrySignature = headers.get('sentry-hook-signature');
  if (source === 'sentry' && sentrySignature) {
    const given = sentrySignature.toLowerCase();
    const signedWith = (secret: string) => secretsEqual(given, createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex'));
    const matched = matchSecret(secrets.sentryClientSecret, secrets.sentryClientSecretPrevious, signedWith);
    return matched ? { ok: true, scheme: 'sentry-signature', matched } : { ok: false, reason: 'Sentry-Hook-Signature does not match' };
  }
  const shared = headers.get('x-webhook-secret');
  if (shared !== null) {
    const matched = matchSecret(current, previous, (secret) => secretsEqual(shared, secret));
    return matched ? { ok: true, scheme: 'shared-secret', matched } : { ok: false, reason: 'X-Webhook-Secret does not match' };
  }
  const authorization = headers.get('authorization');
  if (authorization !== null) return authorizationHeader(authorization, current, previous);
  return {
    ok: false,
    reason: 'no credentials: send Standard Webhooks signature headers, X-Webhook-Secret, or the secret as Authorization Bearer or Basic password',
  };
}

/**
 * Authenticates a webhook delivery by the first scheme it presents, in this order: Standard
 * Webhooks signature headers (sdk/standard-webhooks.ts), Sentry's `Sentry-Hook-Signature` (hex
 * HMAC-SHA256 of the body), `X-Webhook-Secret`, then `Authorization` (Bearer token or Basic
 * password), each with the receiver's current or previous secret. A presented credential that
 * fails never falls back to another scheme. The scheme that authenticated (or `refused`) is
 * counted per receiver, and so are deliveries that needed the previous secret.
 */
export function authenticateDelivery(headers: DeliveryHeaders, rawBody: string, source: string, secrets: WebhookSecrets): AuthOutcome {
  const { matched, ...outcome } = checkCredentials(headers, rawBody, source, secrets);
  authentications.inc({ source, scheme: outcome.ok ? outcome.scheme : 'refused' });
  if (matched === 'previous') previousSecretUses.inc({ source });
  return outcome as AuthOutcome;
}

/** The sender's id for this delivery, used for exact-redelivery dedup when the body has none. */
export function deliveryIdOf(headers: DeliveryHeaders): string | null {
  const id = headers.get('webhook-id') ?? headers.get('request-id') ?? headers.get('x-delivery-id');
  return id && id.length <= DELIVERY_ID_LIMIT ? id : null;
}
