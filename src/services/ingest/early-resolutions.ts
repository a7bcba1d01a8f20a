import type { EntityManager } from '@mikro-orm/postgresql';
import type { Chamado } from '../../../entities/chamado.entity.ts';
import { Event } from '../../../entities/event.entity.ts';
import { putEventsOnTimeline } from '../chamados/absorb-events.ts';
import type { Correlation } from './ingest.ts';
import { resolutionIdOf } from './sources/alertmanager.ts';

/**
 * A resolution that arrived before its firing (an Alertmanager HA pair where the peer that saw the
 * firing delivered late, a sender's retry of the firing) found no chamado and was only stored.
 * When the firing then joins `chamado`, that resolution — the one of this very firing (same
 * fingerprint and startsAt), not yet on any chamado — joins it too, so the alert's state is the
 * latest by the source's time (resolved) instead of the latest to arrive (firing). Returns it for
 * the resolution rule; the alert lock taken for `firing` serialises this with its resolution.
 */
export async function adoptEarlyResolutions(
  em: EntityManager,
  chamado: Chamado,
  firing: Pick<Event, 'id' | 'projectId' | 'source' | 'providerEventId' | 'alertStatus' | 'recurrenceKey'>,
  now: Date,
): Promise<Event[]> {
  const resolutionId = firing.alertStatus === 'firing' && firing.providerEventId ? resolutionIdOf(firing.providerEventId) : null;
  if (!resolutionId || !firing.recurrenceKey || (firing.source !== 'alertmanager' && firing.source !== 'signoz')) return [];
  // By the alert's recurrence key first: the index (project_id, recurrence_key, …) finds its few events.
  const early = await em.find(
    Event,
    {
      projectId: firing.projectId,
      recurrenceKey: firing.recurrenceKey,
      source: firing.source,
      providerEventId: resolutionId,
      isDuplicate: false,
      chamado: null,
    },
    { orderBy: { id: 'asc' } },
  );
  const placed = await putEventsOnTimeline(em, chamado, early, { actorId: null, data: { arrivedBeforeItsFiring: firing.id }, at: now });
  for (const resolution of placed) {
    // Its receipt said "stored"; what it is now is an alert of this chamado, joined by its fingerprint.
    const correlation: Correlation = {
      decision: 'attached',
      rule: 'fingerprint',
      key: firing.recurrenceKey,
      chamado_public_id: chamado.publicId,
      reopened: false,
      opening_rule: null,
    };
    resolution.correlation = correlation;
  }
  await em.flush();
  return placed;
}
