import { z } from 'zod';
import type { NormalizedEvent, Normalizer } from '../normalized-event.ts';
import { asPayload, definedRefs, event, optionalObject, optionalText, parseBody, parseTimestamp, requiredId } from './shared.ts';

/**
 * Sentry integration-platform issue webhooks (`Sentry-Hook-Resource: issue`): `{action,
 * installation, data: {issue}, actor}`. The receiver takes the delivery id from the Request-ID
 * header, so the body has no provider event id of its own.
 */
const SentryBody = z.looseObject({
  action: z.string().trim().min(1),
  data: z.looseObject({
    issue: z.looseObject({
      id: requiredId,
      shortId: optionalText,
      title: optionalText,
      culprit: optionalText,
      level: optionalText,
      status: optionalText,
      substatus: optionalText,
      permalink: optionalText,
      web_url: optionalText,
      project_url: optionalText,
      project: optionalObject({ slug: optionalText }),
      metadata: optionalObject({ type: optionalText, value: optionalText }),
      firstSeen: optionalText,
      lastSeen: optionalText,
    }),
  }),
});

/** DOMAIN.md severity mapping for Sentry levels (debug sits with info: it never pages anyone). */
const SEVERITY: Record<string, number> = { fatal: 13, error: 10, warning: 7, info: 3, debug: 3 };

/**
 * Sentry's issue states seen as alert states, so recurrence can tell an issue that came back from
 * one that was fixed. Assignment and archiving say nothing about whether the error still happens.
 */
const ALERT_STATUS: Record<string, NormalizedEvent['alertStatus']> = {
  created: 'firing',
  unresolved: 'firing',
  regressed: 'firing',
  resolved: 'resolved',
};

export const sentry: Normalizer = (body) => {
  const b = parseBody(SentryBody, body);
  const issue = b.data.issue;
  // Regressions come as action `regressed` from older Sentry and as `unresolved` + substatus
  // `regressed` from newer; both are the same fact and open a chamado by the same rule.
  const action = b.action === 'unresolved' && issue.substatus === 'regressed' ? 'regressed' : b.action;
  const project = issue.project?.slug ?? null;
  const title = issue.title ?? issue.culprit ?? `issue ${issue.id}`;
  return [
    event({
      source: 'sentry',
      eventType: `issue.${action}`,
      severity: issue.level ? (SEVERITY[issue.level.toLowerCase()] ?? null) : null,
      sourceSeverity: issue.level ?? null,
      summary: issue.culprit ? `${title} — ${issue.culprit}` : title,
      fingerprint: `sentry:${issue.id}`,
      alertname: issue.title ?? issue.culprit ?? null,
      namespace: project,
      targetResource: issue.culprit ?? null,
      alertStatus: ALERT_STATUS[action] ?? null,
      // The body only dates the issue's events: creation is its first event, a regression or
      // reopening its latest. Other actions (resolve, assign, archive) happen later than any event,
      // so they are left to the receiver's receipt time.
      occurredAt:
        action === 'created'
          ? parseTimestamp(issue.firstSeen)
          : action === 'regressed' || action === 'unresolved'
            ? parseTimestamp(issue.lastSeen)
            : null,
      sourceRefs: definedRefs({
        sentryIssue: issue.permalink ?? issue.web_url,
        sentryProject: issue.project_url,
        sentryShortId: issue.shortId,
      }),
      title: `[sentry] ${project ?? '-'}: ${title}`,
      payload: asPayload(body),
    }),
  ];
};
