import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export interface WebhookSecrets {
  shared: string;
  sentryClientSecret: string;
}

export type AuthOutcome = { ok: true; scheme: 'standard-webhooks' | 'sentry-signature' | 'shared-secret' } | { ok: false; reason: string };

/** Constant-time equality for secrets of any length (both sides hashed to the same size first). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function standardWebhook(secret: string): Webhook {
  // Standard Webhooks secrets are `whsec_<base64>`; a plain shared secret is used as raw key bytes.
  return secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
}

/**
 * Authenticates a webhook delivery by the first scheme it presents: Standard Webhooks signature
 * headers (HMAC-SHA256 over `id.timestamp.body`, 5-minute tolerance, enforced by the
 * `standardwebhooks` package), Sentry's `Sentry-Hook-Signature` (hex HMAC-SHA256 of the body), or
 * the shared `X-Webhook-Secret`. A presented signature that fails never falls back to another scheme.
 */
export function authenticateDelivery(headers: Headers, rawBody: string, source: string, secrets: WebhookSecrets): AuthOutcome {
  if (headers.has('webhook-signature') || headers.has('webhook-id')) {
    try {
      standardWebhook(secrets.shared).verify(rawBody, {
        'webhook-id': headers.get('webhook-id') ?? '',
        'webhook-timestamp': headers.get('webhook-timestamp') ?? '',
        'webhook-signature': headers.get('webhook-signature') ?? '',
      });
      return { ok: true, scheme: 'standard-webhooks' };
    } catch (err) {
      const reason = err instanceof WebhookVerificationError ? err.message : 'invalid signature';
      return { ok: false, reason: `webhook signature rejected: ${reason}` };
    }
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
  return { ok: false, reason: 'no credentials: send X-Webhook-Secret or Standard Webhooks signature headers' };
}

/** The sender's id for this delivery, used for exact-redelivery dedup when the body has none. */
export function deliveryIdOf(headers: Headers): string | null {
  const id = headers.get('webhook-id') ?? headers.get('request-id') ?? headers.get('x-delivery-id');
  return id && id.length <= 200 ? id : null;
}
