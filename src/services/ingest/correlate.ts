import type { EntityManager } from '@mikro-orm/postgresql';
import { OPEN_STATUSES } from '../../../entities/chamado-status.ts';
import type { OneRoundTrip } from '../../db/one-round-trip.ts';
import { anyOf, arrayOf } from '../../db/sql.ts';
import type { NormalizedEvent } from './normalized-event.ts';

export type CorrelationRule = 'explicit' | 'session' | 'fingerprint' | 'domain_window' | 'agent_window';

export interface CorrelationMatch {
  chamadoId: number;
  rule: CorrelationRule;
  key: string;
  /** Rules that may pick a resolved/closed chamado (then reopened by a ticket-worthy event). */
  includesClosed: boolean;
}

interface Inputs {
  event: NormalizedEvent;
  /** Correlation never crosses projects (tenants). */
  projectId: string;
  recurrenceKey: string | null;
  windowMs: number;
}

/** The keys an event's correlation is serialised on (its session, fingerprint, domain, agent …). */
export function correlationLockKeys({ event, recurrenceKey }: { event: Partial<NormalizedEvent>; recurrenceKey: string | null }): string[] {
  return [
    event.chamadoPublicId && `chamado:${event.chamadoPublicId}`,
    event.sessionId && `session:${event.sessionId}`,
    recurrenceKey && `recurrence:${recurrenceKey}`,
    event.domain && `domain:${event.domain}`,
    event.agent && `agent:${event.agent}`,
  ].filter((k): k is string => Boolean(k));
}

/**
 * Serialises correlation per key: two batches holding events with the same session, fingerprint,
 * domain or agent take these transaction-scoped locks (every key of the batch at once, sorted, so
 * never in opposite orders; PostgreSQL calls a volatile function of the select list after the sort)
 * and the second sees the chamado the first opened instead of opening another. Taken as one of the
 * batch's first reads, so they cost no round trip of their own; what is read after them (the next
 * statement's snapshot) sees what the previous holder committed.
 */
export function lockCorrelationKeys(read: OneRoundTrip, keys: Iterable<string>): void {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  void read.query(`select pg_advisory_xact_lock(hashtextextended(k, 0)) from unnest(?) as k order by k`, [arrayOf(sorted, 'text')]);
}

/** Follows merges so an event meant for a merged chamado lands on the survivor. */
async function survivor(em: EntityManager, chamadoId: number): Promise<number> {
  const [row] = await em.execute<{ id: number }[]>(
    `with recursive chain(id, merged_into_id, depth) as (
       select id, merged_into_id, 0 from chamados where id = ?
       union all
       select c.id, c.merged_into_id, chain.depth + 1 from chamados c join chain on c.id = chain.merged_into_id where chain.depth < 20
     ) select id from chain where merged_into_id is null limit 1`,
    [chamadoId],
  );
  return row?.id ?? chamadoId;
}

async function firstId(em: EntityManager, sql: string, params: unknown[]): Promise<number | null> {
  const [row] = await em.execute<{ id: number }[]>(sql, params);
  return row ? Number(row.id) : null;
}

/**
 * DOMAIN.md's correlation order: explicit link; same onboarding session; same fingerprint
 * (recurrence key); same domain, then same agent, on an open chamado active within the window.
 */
export async function findCorrelation(
  em: EntityManager,
  { event, recurrenceKey, windowMs, projectId }: Inputs,
): Promise<CorrelationMatch | null> {
  const since = new Date(Date.now() - windowMs);
  const attempts: [CorrelationRule, string | null, boolean, () => Promise<number | null>][] = [
    [
      'explicit',
      event.chamadoPublicId,
      true,
      () => firstId(em, 'select id from chamados where public_id = ? and project_id = ?', [event.chamadoPublicId, projectId]),
    ],
    [
      'session',
      event.sessionId,
      true,
      () =>
        firstId(em, 'select id from chamados where session_id = ? and project_id = ? order by id desc limit 1', [
          event.sessionId,
          projectId,
        ]),
    ],
    [
      'fingerprint',
      recurrenceKey,
      true,
      () =>
        firstId(
          em,
          `select chamado_id as id from events where project_id = ? and recurrence_key = ? and chamado_id is not null and not is_duplicate
           order by id desc limit 1`,
          [projectId, recurrenceKey],
        ),
    ],
    [
      'domain_window',
      event.domain,
      false,
      () =>
        firstId(
          em,
          `select id from chamados where domain = ? and project_id = ? and ? and merged_into_id is null and updated_at >= ?
           order by updated_at desc limit 1`,
          [event.domain, projectId, anyOf('status', OPEN_STATUSES, 'text'), since],
        ),
    ],
    [
      'agent_window',
      event.agent,
      false,
      () =>
        firstId(
          em,
          `select c.id from chamados c join observables o on o.chamado_id = c.id and o.tipo = 'agent' and o.valor = ?
           where c.project_id = ? and ? and c.merged_into_id is null and c.updated_at >= ?
           order by c.updated_at desc limit 1`,
          [event.agent, projectId, anyOf('c.status', OPEN_STATUSES, 'text'), since],
        ),
    ],
  ];
  for (const [rule, key, includesClosed, find] of attempts) {
    if (!key) continue;
    const id = await find();
    if (id !== null) return { chamadoId: await survivor(em, id), rule, key, includesClosed };
  }
  return null;
}
