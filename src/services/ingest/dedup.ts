import type { NormalizedEvent } from './normalized-event.ts';
import type { EarlierHolder } from './key-claims.ts';
import { DEFAULT_PROJECT_ID } from './project-id.ts';

export type DedupRule = 'exact' | 'onboarding';

export interface DedupKey {
  rule: DedupRule;
  key: string;
}

/**
 * The keys that make an event a copy of an earlier one (DOMAIN.md): the same source and provider
 * event id or delivery id (exact redelivery), and for the onboarding portal the same
 * (event, session_id, domain) (spec 001). Alert recurrences are not duplicates: their provider id
 * includes the firing's start, so only a re-notification of the same firing matches. Copies are
 * only ever of events of the same project: other projects' keys carry the project as a prefix
 * (the default project's keep the form they had before projects existed).
 */
export function dedupKeys(event: NormalizedEvent, deliveryId: string | null, indexInDelivery: number, projectId: string): DedupKey[] {
  const scope = projectScope(projectId);
  const keys: DedupKey[] = [];
  const exactId = event.providerEventId ?? (deliveryId ? `${deliveryId}#${indexInDelivery}` : null);
  if (exactId) keys.push({ rule: 'exact', key: exactDedupKey(projectId, event.source, exactId) });
  if (event.source === 'onboard' && event.sessionId) {
    keys.push({ rule: 'onboarding', key: `${scope}onboard:funnel:${event.eventType}:${event.sessionId}:${event.domain ?? ''}` });
  }
  return keys;
}

export interface Duplicate {
  rule: DedupRule;
  key: string;
  originalId: number;
}

const projectScope = (projectId: string) => (projectId === DEFAULT_PROJECT_ID ? '' : `${projectId}/`);

/** The exact-redelivery key of a provider's event id: held by the first stored copy of it. */
export function exactDedupKey(projectId: string, source: string, exactId: string): string {
  return `${projectScope(projectId)}${source}:exact:${exactId}`;
}

/**
 * Each event's keys as if the batch's events had been ingested one after another: an event claims
 * its keys in order until one is already held — by an earlier stored event (`earlier`) or an
 * earlier event of this batch — and is then that holder's original's duplicate (its later keys
 * stay unclaimed). Returns each event's verdict (null for an original) and the keys the batch's
 * events hold, for insertClaims once their rows exist.
 */
export function dedupInOrder(
  events: readonly { eventId: number; keys: readonly DedupKey[] }[],
  earlier: ReadonlyMap<string, EarlierHolder>,
): { verdicts: Map<number, Duplicate | null>; holders: Map<string, number> } {
  const holders = new Map<string, number>();
  const originalOf = new Map<number, number>();
  const verdicts = new Map<number, Duplicate | null>();
  for (const { eventId, keys } of events) {
    let duplicate: Duplicate | null = null;
    for (const { rule, key } of keys) {
      const stored = earlier.get(key);
      const inBatch = holders.get(key);
      if (stored) duplicate = { rule, key, originalId: stored.original };
      else if (inBatch !== undefined) duplicate = { rule, key, originalId: originalOf.get(inBatch)! };
      if (duplicate) break;
      holders.set(key, eventId);
    }
    originalOf.set(eventId, duplicate?.originalId ?? eventId);
    verdicts.set(eventId, duplicate);
  }
  return { verdicts, holders };
}
