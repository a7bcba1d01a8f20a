import { z } from 'zod';
import type { Normalizer } from '../normalized-event.ts';
import { asPayload, event, normalizeDomain, optionalText, parseBody, parseTimestamp } from './shared.ts';

/**
 * Generic event envelope — `POST /api/v1/webhooks/events`, for sources without a vendor format of
 * their own (support desk, audit trail). It is our format, so it is checked strictly where a wrong
 * value would mislead (source, severity, chamado link) and loosely everywhere else.
 *
 * | field               | type                    | required | meaning |
 * | ------------------- | ----------------------- | -------- | ------- |
 * | `source`            | `support` \| `audit`    | yes      | who sends it |
 * | `event_type`        | string                  | yes      | e.g. `ticket.opened`, `user.role_changed` |
 * | `id`                | string \| number        | no       | the sender's id for this event; a repeat is an exact redelivery |
 * | `domain`            | string                  | no       | customer domain (lowercased) |
 * | `session_id`        | string                  | no       | onboarding session it belongs to (`""` = none) |
 * | `severity`          | integer 0–15            | no       | on the Wazuh scale (DOMAIN.md); absent = not rated |
 * | `summary`           | string                  | no       | one line for the Discover feed |
 * | `title`             | string                  | no       | chamado title if it opens one; default `[{source}] {event_type} — {domain}` |
 * | `fingerprint`       | string                  | no       | groups recurrences of the same problem |
 * | `chamado_public_id` | `CH-YYYY-NNNNN`         | no       | attach to this chamado explicitly |
 * | `occurred_at`       | ISO 8601, epoch s or ms | no       | when it happened; unparseable = time of receipt |
 * | `data`              | object                  | no       | anything else; stored as sent (secrets redacted) |
 *
 * Example:
 * ```json
 * { "source": "support", "event_type": "ticket.opened", "id": "zd-48213", "domain": "myvexx.com",
 *   "severity": 6, "summary": "Customer cannot receive mail since DNS change",
 *   "occurred_at": "2026-06-16T10:20:00Z", "data": { "channel": "email" } }
 * ```
 */
const GenericBody = z.looseObject({
  source: z.enum(['support', 'audit']),
  event_type: z.string().trim().min(1),
  id: optionalText,
  domain: optionalText,
  session_id: optionalText,
  severity: z.number().int().min(0).max(15).nullish(),
  summary: optionalText,
  title: optionalText,
  fingerprint: optionalText,
  chamado_public_id: z
    .string()
    .regex(/^CH-\d{4}-\d{5}$/, 'expected a chamado public id like CH-2026-00042')
    .nullish(),
  occurred_at: z.unknown().optional(),
  data: z.record(z.string(), z.unknown()).nullish(),
});

export const generic: Normalizer = (body) => {
  const b = parseBody(GenericBody, body);
  const domain = normalizeDomain(b.domain);
  return [
    event({
      source: b.source,
      eventType: b.event_type,
      providerEventId: b.id ?? null,
      domain,
      sessionId: b.session_id ?? null,
      severity: b.severity ?? null,
      summary: b.summary ?? null,
      fingerprint: b.fingerprint ?? null,
      chamadoPublicId: b.chamado_public_id ?? null,
      occurredAt: parseTimestamp(b.occurred_at),
      title: b.title ?? `[${b.source}] ${b.event_type}${domain ? ` — ${domain}` : ''}`,
      payload: asPayload(body),
    }),
  ];
};
