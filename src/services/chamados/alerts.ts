import type { EntityManager } from '@mikro-orm/postgresql';
import { executePrepared } from '../../db/prepared-statements.ts';
import { arrayOf, sqlPart } from '../../db/sql.ts';
import { ALERT_EVENTS } from '../../../entities/event.entity.ts';

/**
 * One alert of a chamado: an alert identity (its recurrence key: the provider fingerprint, else the
 * hash of provider, alertname, namespace and target) and the status of its latest event there.
 */
export interface ChamadoAlertRow {
  chamadoId: number;
  key: string;
  source: string;
  alertname: string | null;
  namespace: string | null;
  target: string | null;
  status: 'firing' | 'resolved';
  /** When it first fired on this chamado; null when only its resolution reached this chamado. */
  firstFiredAt: Date | null;
  /** When its latest event happened (the source's time, else when it was received). */
  lastChangeAt: Date;
  lastEventId: number;
  /** Its events on this chamado (firings and resolutions, duplicates excluded). */
  eventCount: number;
  /** The status before its latest event, or null when that event is its first here. */
  previousStatus: 'firing' | 'resolved' | null;
}

/** "Latest" of an alert: by the time the event happened, then by arrival. */
const LATEST_FIRST = (e: string) => `coalesce(${e}.occurred_at, ${e}.received_at) desc, ${e}.id desc`;

/**
 * The alerts of each chamado, in one statement for any number of chamados (DataLoader batches and
 * the resolution rule, once alertStatesByChamadoIds says an alert may have ended the last, read the
 * same thing). It reads every alert event of the chamados. Duplicates never count. "Latest" is by the time the
 * event happened, then by arrival, so a resolution of an earlier firing that arrives late does not
 * hide a newer firing of the same alert.
 */
export async function alertsByChamadoIds(em: EntityManager, chamadoIds: readonly number[]): Promise<ChamadoAlertRow[]> {
  if (chamadoIds.length === 0) return [];
  // Prepared: planned afresh over every month of events it took ~1.9 ms, a batch's dearest read.
  return executePrepared<ChamadoAlertRow>(
    em,
    sqlPart(
      `select "chamadoId", key, source, alertname, namespace, target, status, "firstFiredAt", "lastChangeAt", "lastEventId",
       "eventCount", "previousStatus"
     from (
       select e.chamado_id as "chamadoId", e.recurrence_key as key, e.source, e.alertname, e.namespace,
         e.target_resource as target, e.alert_status as status, e.id::int as "lastEventId",
         coalesce(e.occurred_at, e.received_at) as "lastChangeAt",
         min(coalesce(e.occurred_at, e.received_at)) filter (where e.alert_status = 'firing') over whole as "firstFiredAt",
         (count(*) over whole)::int as "eventCount",
         lag(e.alert_status) over oldest_first as "previousStatus",
         row_number() over newest_first as rank
       from events e
       where e.chamado_id = any(?) and ${ALERT_EVENTS}
       window whole as (partition by e.chamado_id, e.recurrence_key),
         oldest_first as (whole order by coalesce(e.occurred_at, e.received_at), e.id),
         newest_first as (whole order by ${LATEST_FIRST('e')})
     ) alerts
     where rank = 1
     order by "chamadoId", "firstFiredAt" nulls last, key`,
      arrayOf(chamadoIds, 'int'),
    ),
  );
}

/** An alert of a chamado as the rules first look at it: the status of its latest event there. */
export type AlertState = Pick<ChamadoAlertRow, 'chamadoId' | 'key' | 'status' | 'lastChangeAt' | 'lastEventId'>;

/**
 * Each chamado's alerts, latest event only, without reading their other events: a skip scan over
 * `events_alerts_by_chamado_index`, one step per alert (the latest event of the greatest key below
 * the last one found). Its cost follows a chamado's alerts, not its events — a flapping alert's
 * chamado gathers thousands, which alertsByChamadoIds reads whole. Ingest asks this on every batch
 * that holds an alert resolution, while the batch holds its locks.
 */
export async function alertStatesByChamadoIds(em: EntityManager, chamadoIds: readonly number[]): Promise<AlertState[]> {
  if (chamadoIds.length === 0) return [];
  const latestBelow = (bound: string) =>
    `select e.recurrence_key as key, e.alert_status as status, e.id::int as "lastEventId",
       coalesce(e.occurred_at, e.received_at) as "lastChangeAt"
     from events e where e.chamado_id = c.id and ${ALERT_EVENTS}${bound}
     order by e.recurrence_key desc, ${LATEST_FIRST('e')} limit 1`;
  return executePrepared<AlertState>(
    em,
    sqlPart(
      `select c.id as "chamadoId", a.key, a.status, a."lastEventId", a."lastChangeAt"
       from unnest(?) as c(id)
       cross join lateral (
         with recursive alerts as (
           (${latestBelow('')})
           union all
           select below.* from alerts cross join lateral (${latestBelow(' and e.recurrence_key < alerts.key')}) below
         )
         select * from alerts) a
       order by c.id, a.key`,
      arrayOf(chamadoIds, 'int'),
    ),
  );
}
