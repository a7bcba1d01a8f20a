import { z } from 'zod';
import type { NormalizedEvent, Normalizer } from '../normalized-event.ts';
import { asPayload, event, normalizeDomain, observablesFrom, optionalObject, optionalText, parseBody, parseTimestamp } from './shared.ts';

/**
 * The onboarding portal's webhook (spec 001): `{event, session_id, domain, data?, occurred_at?}`.
 * Funnel events are account.created, domain.validated, dns.applied, onboarding.completed and
 * onboarding.failed, but any event name is stored: the portal may add steps before we learn them.
 */
const OnboardBody = z.looseObject({
  event: z.string().trim().min(1),
  domain: z.string(),
  // Spec 001 T018: the portal sends "" when it has no session; that is "no session", not a session.
  session_id: optionalText,
  event_id: optionalText,
  id: optionalText,
  occurred_at: z.unknown().optional(),
  timestamp: z.unknown().optional(),
  data: optionalObject({
    email: optionalText,
    wizard_step: optionalText,
    wizard_step_label: optionalText,
    error: z.unknown().optional(),
    message: optionalText,
  }),
});

const DEFAULT_SUMMARIES: Record<string, (domain: string) => string> = {
  'account.created': (d) => `Account created for ${d}`,
  'domain.validated': (d) => `Domain ${d} validated`,
  'dns.applied': (d) => `DNS records applied for ${d}`,
  'onboarding.completed': (d) => `Onboarding completed for ${d}`,
  'onboarding.failed': (d) => `Onboarding failed for ${d}`,
};

/** The portal reports errors as a string or as `{message}`; either is the most useful summary. */
function errorText(error: unknown): string | undefined {
  if (typeof error === 'string' && error.trim() !== '') return error.trim();
  if (error !== null && typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
    return error.message.trim() || undefined;
  }
  return undefined;
}

export const onboard: Normalizer = (body) => {
  const b = parseBody(OnboardBody, body);
  const domain = normalizeDomain(b.domain);
  const email = b.data?.email ?? null;
  const shownDomain = domain ?? '-';
  const summary =
    errorText(b.data?.error) ??
    b.data?.message ??
    DEFAULT_SUMMARIES[b.event]?.(shownDomain) ??
    `Onboarding event ${b.event} for ${shownDomain}`;
  const normalized: NormalizedEvent = event({
    source: 'onboard',
    eventType: b.event,
    providerEventId: b.event_id ?? b.id ?? null,
    domain,
    sessionId: b.session_id ?? null,
    severity: b.event === 'onboarding.failed' ? 8 : null,
    summary,
    occurredAt: parseTimestamp(b.occurred_at ?? b.timestamp),
    wizardStep: b.data?.wizard_step ?? null,
    wizardStepLabel: b.data?.wizard_step_label ?? null,
    email,
    observables: observablesFrom([['email', email]]),
    title: email ? `[${b.event}] ${shownDomain} — ${email}` : `[${b.event}] ${shownDomain}`,
    payload: asPayload(body),
  });
  return [normalized];
};
