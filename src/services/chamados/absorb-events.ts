import type { EntityManager } from '@mikro-orm/postgresql';
import type { Chamado } from '../../../entities/chamado.entity.ts';
import { columnLimits, cutToLength } from '../../../entities/column-facts.ts';
import { ObservableSchema } from '../../../entities/observable.entity.ts';
import type { Event } from '../../../entities/event.entity.ts';
import { anyOf } from '../../db/sql.ts';
import { linkGroupsOfEvents } from '../recurrence/maintain.ts';
import { observablesOfEvent, type ObservableFact } from './observables.ts';

/** What a chamado needs to know about an event that joins it. */
export interface JoiningEvent {
  source: string;
  severity?: number | null;
}

/** Keeps the chamado's summary of its events true: count, sources and worst severity. */
export function absorbEvent(chamado: Chamado, event: JoiningEvent): void {
  chamado.eventCount += 1;
  if (!chamado.sources.includes(event.source)) chamado.sources = [...chamado.sources, event.source].sort();
  if (event.severity != null && (chamado.maxSeverity == null || event.severity > chamado.maxSeverity)) {
    chamado.maxSeverity = event.severity;
  }
}

/** The opposite of absorbEvent, when an operator takes an event off a chamado. */
export async function recomputeEventSummary(em: EntityManager, chamado: Chamado): Promise<void> {
  const [row] = await em.execute<{ n: number; sources: string[] | null; max: number | null }[]>(
    `select count(*)::int as n, array_agg(distinct source order by source) filter (where source is not null) as sources,
       max(severity) as max
     from events where chamado_id = ? and not is_duplicate`,
    [chamado.id],
  );
  chamado.eventCount = row?.n ?? 0;
  const origin = chamado.origin === 'manual' || chamado.origin === 'support' ? [chamado.origin] : [];
  chamado.sources = [...new Set([...origin, ...(row?.sources ?? [])])].sort();
  chamado.maxSeverity = row?.max ?? null;
}

/**
 * Puts received events on a chamado's timeline, each at most once (the unique (chamado, event)
 * constraint makes that race-free): the newly placed ones join the chamado (an event keeps the
 * chamado it already belongs to), move its counters and add their observables. Returns those.
 */
export async function putEventsOnTimeline(
  em: EntityManager,
  chamado: Chamado,
  events: Event[],
  entry: { actorId: number | null; data: Record<string, unknown>; at: Date },
): Promise<Event[]> {
  if (events.length === 0) return [];
  const inserted = await em.execute<{ event_id: string }[]>(
    `insert into timeline_entries (chamado_id, kind, event_type, source, summary, severity, actor_id, event_id, data, created_at)
     select ?, 'event', e.event_type, e.source, e.summary, e.severity, ?, e.id, ?::jsonb, ?
     from events e where ? order by e.id
     on conflict (chamado_id, event_id) do nothing
     returning event_id`,
    [chamado.id, entry.actorId, JSON.stringify(entry.data), entry.at, anyOf('e.id', events.map((e) => e.id), 'bigint')],
  );
  const placedIds = new Set(inserted.map((r) => Number(r.event_id)));
  const placed = events.filter((e) => placedIds.has(e.id));
  for (const event of placed) {
    event.chamado ??= chamado;
    absorbEvent(chamado, event);
    await addObservables(em, chamado.id, observablesOfEvent(event), event.id);
  }
  await linkGroupsOfEvents(em, chamado.id, placed.map((e) => e.id), entry.at);
  return placed;
}

const OBSERVABLE = columnLimits(ObservableSchema);

/** Adds typed facts to a chamado in one statement; facts it already has are skipped. */
export async function addObservables(
  em: EntityManager,
  chamadoId: number,
  facts: ObservableFact[],
  eventId: number | null,
): Promise<void> {
  if (facts.length === 0) return;
  const rows = facts.map(() => '(?, ?, ?, ?, ?, now())').join(', ');
  await em.execute(
    `insert into observables (chamado_id, tipo, valor, fonte, event_id, created_at) values ${rows}
     on conflict (chamado_id, tipo, valor, fonte) do nothing`,
    facts.flatMap((f) => [chamadoId, f.tipo, cutToLength(f.valor, OBSERVABLE.valor!).value, f.fonte, eventId]),
  );
}
