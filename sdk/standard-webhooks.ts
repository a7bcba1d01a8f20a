import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/*
 * Standard Webhooks (https://www.standardwebhooks.com) as OpsGraph speaks it, on both sides: the
 * sender SDK (sdk/emitter), outbound webhooks, the runbook http executor and the stream script sign
 * with it; the webhook receivers verify with it. The cryptography is the `standardwebhooks`
 * package's; this file only fixes our choices once: how a secret becomes a key, which headers
 * carry what, the verification tolerance (the package's 5 minutes) and which secrets an admin may
 * register.
 *
 * It lives in sdk/ and imports nothing but that package, so the SDK stays self-contained (an app
 * can take sdk/ as it is) while the server imports it like a library.
 */

export const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;
export type SignatureHeaders = Record<(typeof SIGNATURE_HEADERS)[number], string>;

const WHSEC_PREFIX = 'whsec_';
const WHSEC = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
const MIN_KEY_BYTES = 16;

export class InvalidSecretError extends Error {
  constructor() {
    super('secret is not a valid whsec_<base64> Standard Webhooks secret');
    this.name = 'InvalidSecretError';
  }
}

export interface Signer {
  /** Headers for one attempt: `webhook-id`, `webhook-timestamp` (unix seconds of `at`), `webhook-signature` (`v1,<base64>`). */
  headers(messageId: string, at: Date, body: string): SignatureHeaders;
}

/**
 * The key rule, the same everywhere: a `whsec_<base64>` secret is decoded as Standard Webhooks says;
 * any other string is used as raw key bytes (so a plain shared secret works as a signing key too).
 * Throws InvalidSecretError for a `whsec_` secret whose rest is not base64.
 */
function keyed(secret: string): Webhook {
  if (!secret.startsWith(WHSEC_PREFIX)) return new Webhook(secret, { format: 'raw' });
  try {
    return new Webhook(secret);
  } catch {
    throw new InvalidSecretError();
  }
}

/** A signer for `secret` (decoded once). Throws InvalidSecretError, so callers can check a secret up front. */
export function createSigner(secret: string): Signer {
  const webhook = keyed(secret);
  return {
    headers(messageId, at, body) {
      return {
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': webhook.sign(messageId, at, body),
      };
    },
  };
}

/** What verifying reads of a request's headers: a fetch `Headers`, or an adapter over node's. */
export type HeaderReader = Pick<Headers, 'get' | 'has'>;

/** Whether a request presents a Standard Webhooks signature at all (then it must verify: no fallback). */
export function presentsSignature(headers: HeaderReader): boolean {
  return headers.has('webhook-signature') || headers.has('webhook-id');
}

export type VerifyOutcome = { ok: true } | { ok: false; reason: string };

/** Verifies `body` against the signature headers: HMAC-SHA256 over `id.timestamp.body`, timestamp within 5 minutes. */
export function verifySignature(secret: string, body: string, headers: HeaderReader): VerifyOutcome {
  try {
    keyed(secret).verify(body, {
      'webhook-id': headers.get('webhook-id') ?? '',
      'webhook-timestamp': headers.get('webhook-timestamp') ?? '',
      'webhook-signature': headers.get('webhook-signature') ?? '',
    });
    return { ok: true };
  } catch (err) {
    const reason = err instanceof WebhookVerificationError ? err.message : 'invalid signature';
    return { ok: false, reason };
  }
}

/**
 * Why `secret` is too weak or malformed to sign with, or null when it is fine: no whitespace, and
 * either a plain secret of at least 16 characters or `whsec_` followed by base64 of a key of at
 * least 16 bytes. (How long a stored secret may be is the store's business.)
 */
export function signingSecretProblem(secret: string): string | null {
  if (/\s/.test(secret)) return 'must not contain whitespace';
  const strong = secret.startsWith(WHSEC_PREFIX)
    ? WHSEC.test(secret) && Buffer.from(secret.slice(WHSEC_PREFIX.length), 'base64').length >= MIN_KEY_BYTES
    : secret.length >= MIN_KEY_BYTES;
  return strong ? null : `at least ${MIN_KEY_BYTES} characters, or whsec_ followed by base64 of at least ${MIN_KEY_BYTES} bytes`;
}
