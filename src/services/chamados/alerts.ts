import type { EntityManager } from '@mikro-orm/postgresql';
import { executePrepared } from '../../db/prepared-statements.ts';
import { arrayOf, sqlPart } from '../../db/sql.ts';

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

/**
 * The alerts of each chamado, in one statement for any number of chamados (DataLoader batches and
 * the resolution rule read the same thing). Duplicates never count. "Latest" is by the time the
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
       where e.chamado_id = any(?) and not e.is_duplicate
         and e.alert_status is not null and e.recurrence_key is not null
       window whole as (partition by e.chamado_id, e.recurrence_key),
         oldest_first as (whole order by coalesce(e.occurred_at, e.received_at), e.id),
         newest_first as (whole order by coalesce(e.occurred_at, e.received_at) desc, e.id desc)
     ) alerts
     where rank = 1
     order by "chamadoId", "firstFiredAt" nulls last, key`,
      arrayOf(chamadoIds, 'int'),
    ),
  );
}
