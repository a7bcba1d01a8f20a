import type { EntityManager } from '@mikro-orm/postgresql';
import type { NormalizedEvent } from './normalized-event.ts';
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
  const scope = projectId === DEFAULT_PROJECT_ID ? '' : `${projectId}/`;
  const keys: DedupKey[] = [];
  const exactId = event.providerEventId ?? (deliveryId ? `${deliveryId}#${indexInDelivery}` : null);
  if (exactId) keys.push({ rule: 'exact', key: `${scope}${event.source}:exact:${exactId}` });
  if (event.source === 'onboard' && event.sessionId) {
    keys.push({ rule: 'onboarding', key: `${scope}onboard:funnel:${event.eventType}:${event.sessionId}:${event.domain ?? ''}` });
  }
  return keys;
}

/**
 * Claims each key for `eventId`; the first key already held by an earlier event makes this one
 * its duplicate. The primary key on event_dedup_keys serialises concurrent claims: a second
 * transaction waits for the first and then sees its row, so exactly one copy is the original.
 */
export async function claimDedupKeys(
  em: EntityManager,
  eventId: number,
  keys: DedupKey[],
): Promise<{ rule: DedupRule; key: string; originalId: number } | null> {
  for (const { rule, key } of keys) {
    const won = await em.execute<{ key: string }[]>(
      'insert into event_dedup_keys (key, event_id, created_at) values (?, ?, now()) on conflict (key) do nothing returning key',
      [key, eventId],
    );
    if (won.length > 0) continue;
    const [holder] = await em.execute<{ original: string }[]>(
      `select coalesce(e.duplicate_of_id, e.id) as original
       from event_dedup_keys k join events e on e.id = k.event_id where k.key = ?`,
      [key],
    );
    if (holder) return { rule, key, originalId: Number(holder.original) };
  }
  return null;
}
