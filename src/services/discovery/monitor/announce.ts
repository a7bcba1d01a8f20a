import type { EntityManager } from '@mikro-orm/postgresql';
import { anyOf } from '../../../db/sql.ts';
import type { Logger } from '../../../logger.ts';
import { sha256Hex } from '../../ingest/digest.ts';
import { ingestDelivery } from '../../ingest/ingest.ts';
import { DEFAULT_PROJECT_ID } from '../../ingest/project-id.ts';
import type { IngestSettings } from '../../ingest/settings.ts';
import { discoveryEvent, type ChangeFacts } from './discovery-event.ts';

/*
 * Status changes reach the rest of OpsGraph as `discovery` events through ingestion, after the
 * change is committed. A change whose event was not stored (the process died, ingestion failed)
 * keeps event_id null and is announced again by the next tick: the change's id is the provider
 * event id, so a repeat is stored as a duplicate, never as a second occurrence.
 */

const FACTS = `select h.id, h.uuid, h.from_status as "fromStatus", h.to_status as "toStatus", h.reason, h.detail,
    h.suppressed_by as "suppressedBy", h.suppression_detail as "suppressionDetail", h.changed_at as "changedAt",
    r.uuid as "resourceUuid", r.host, r.port, r.category, r.agent, e.name as environment, i.totvs_id as "totvsId"
  from discovery_health_changes h
  join discovered_resources r on r.id = h.resource_id
  join discovery_environments e on e.id = r.environment_id
  join discovery_installations i on i.id = e.installation_id`;

/** Changes not yet announced are retried for this long; older ones are history, not news. */
const RETRY_WINDOW_MS = 24 * 3600_000;

async function announce(em: EntityManager, ingest: IngestSettings, facts: ChangeFacts & { id: number }): Promise<void> {
  const normalized = discoveryEvent(facts);
  const text = JSON.stringify(normalized.payload);
  const [receipt] = await ingestDelivery(em, ingest, {
    events: [normalized],
    deliveryId: null,
    projectId: DEFAULT_PROJECT_ID,
    contentSha256: sha256Hex(text),
    contentLength: Buffer.byteLength(text),
    // Suppressed: stored and counted in its recurrence group, but it opens (or joins) no chamado.
    ...(facts.suppressedBy ? { synthetic: `discovery status change suppressed (${facts.suppressedBy}): ${facts.suppressionDetail}` } : {}),
  });
  const eventId = receipt!.duplicateOf ?? receipt!.eventId;
  await em.execute('update discovery_health_changes set event_id = ? where id = ?', [eventId, facts.id]);
}

/** Announces these changes (just committed), oldest first. */
export async function announceChanges(em: EntityManager, ingest: IngestSettings, ids: readonly number[], log: Logger): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await em.execute<(ChangeFacts & { id: number })[]>(`${FACTS} where ? order by h.id`, [anyOf('h.id', ids, 'int')]);
  let announced = 0;
  for (const row of rows) {
    try {
      await announce(em, ingest, row);
      announced++;
    } catch (err) {
      log.error({ err, change: row.uuid }, 'discovery status change not announced; the next tick retries');
    }
  }
  return announced;
}

/** Changes of the last day whose event is missing: the ones a failure left behind. */
export async function announcePending(em: EntityManager, ingest: IngestSettings, now: Date, log: Logger): Promise<number> {
  const rows = await em.execute<{ id: number }[]>(
    'select id from discovery_health_changes where event_id is null and changed_at > ? order by id limit 1000',
    [new Date(now.getTime() - RETRY_WINDOW_MS)],
  );
  return announceChanges(em, ingest, rows.map((r) => r.id), log);
}
