import type { LoadSession } from './session.ts';

/**
 * The keys ingestion claims for each original event (src/services/ingest/dedup.ts): exact
 * redelivery by provider event id or delivery id, and the onboarding funnel step per session.
 * Duplicates claim none: their key is held by the original they copy.
 */
export async function insertDedupKeys(session: LoadSession): Promise<void> {
  await session.step(
    'dedup keys',
    `insert into event_dedup_keys (key, event_id, created_at)
     select k.key, e.id, e.received_at
     from events e cross join lateral (values
       (e.source || ':exact:' || coalesce(e.provider_event_id, e.delivery_id || '#0')),
       (case when e.source = 'onboard' and e.session_id is not null
             then 'onboard:funnel:' || e.event_type || ':' || e.session_id || ':' || coalesce(e.domain, '') end)
     ) k(key)
     where not e.is_duplicate and k.key is not null
     order by e.id
     on conflict (key) do nothing`,
  );
}
