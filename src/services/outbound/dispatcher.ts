import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { anyOf, sqlPart } from '../../db/sql.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { matches, type OutboundFilter } from './matching.ts';
import type { OutboundQueue } from './queue.ts';

/*
 * The outbox dispatcher. Every chamado change is a timeline entry, committed with the change
 * itself; `timeline_entries.outbound_at is null` marks the ones not yet fanned out. The dispatcher
 * takes a batch of them, matches each against the enabled webhooks, and in ONE transaction
 * inserts the deliveries, enqueues their jobs and stamps the entries: either all of that commits
 * or none of it does, so a change is delivered exactly when it was committed, and the request that
 * made the change never waits for (or even knows about) a receiver.
 *
 * Any number of processes may run it at once: rows are taken FOR UPDATE SKIP LOCKED, and the
 * unique (webhook, entry) pair makes a repeated fan-out insert nothing.
 */

/** Standard Webhooks `type` of every delivery. */
export const OUTBOUND_EVENT_TYPE = 'chamado.timeline';

export interface OutboundPayload {
  type: typeof OUTBOUND_EVENT_TYPE;
  chamado: { public_id: string; status: string; title: string };
  entry: {
    id: number;
    kind: string;
    event_type: string;
    source: string;
    summary: string | null;
    severity: number | null;
    /** Username of the operator who made the change; null for ingestion and system entries. */
    actor: string | null;
    created_at: string;
    data: Record<string, unknown> | null;
  };
}

interface PendingEntry {
  id: number;
  chamadoId: number;
  publicId: string;
  chamadoStatus: string;
  chamadoTitle: string;
  kind: string;
  eventType: string;
  source: string;
  summary: string | null;
  severity: number | null;
  actor: string | null;
  data: Record<string, unknown> | null;
  createdAt: Date;
}

interface ActiveWebhook {
  id: number;
  filter: OutboundFilter;
  createdAt: Date;
}

/**
 * The body sent to receivers. `chamado.status` is the status when the change was dispatched (a
 * second or so later); for `status` entries `entry.data.from`/`to` say what this change did.
 */
export function outboundPayload(entry: PendingEntry): OutboundPayload {
  return {
    type: OUTBOUND_EVENT_TYPE,
    chamado: { public_id: entry.publicId, status: entry.chamadoStatus, title: entry.chamadoTitle },
    entry: {
      id: entry.id,
      kind: entry.kind,
      event_type: entry.eventType,
      source: entry.source,
      summary: entry.summary,
      severity: entry.severity,
      actor: entry.actor,
      created_at: new Date(entry.createdAt).toISOString(),
      data: entry.data,
    },
  };
}

export interface DispatchResult {
  /** Timeline entries taken from the outbox (matched or not). */
  entries: number;
  /** Deliveries created and enqueued. */
  deliveries: number;
}

/**
 * Fans out up to `limit` undispatched timeline entries, oldest first. Entries whose chamado is
 * locked by a command at this instant are skipped (KEY SHARE … SKIP LOCKED) and taken on the next
 * run, so the dispatcher never waits on, nor deadlocks with, a chamado command. A webhook only
 * receives entries created at or after its own creation. Order across deliveries is not
 * guaranteed (they are sent and retried independently): receivers order by `entry.id`.
 */
export async function dispatchPending(em: EntityManager, queue: OutboundQueue, limit = 200): Promise<DispatchResult> {
  return em.fork().transactional(async (tx) => {
    // KEY SHARE: a webhook being deleted (FOR UPDATE) is either waited for or, once gone, skipped.
    const webhooks = await tx.execute<ActiveWebhook[]>(
      `select id, filter, created_at as "createdAt" from outbound_webhooks where enabled order by id for key share`,
    );
    // No receiver: the entries are only stamped, never read (an alert storm writes thousands).
    if (webhooks.length === 0) return { entries: await stampUnread(tx, limit), deliveries: 0 };
    const entries = await tx.execute<PendingEntry[]>(
      `select t.id::int as id, t.chamado_id as "chamadoId", c.public_id as "publicId", c.status as "chamadoStatus",
         c.title as "chamadoTitle", t.kind, t.event_type as "eventType", t.source, t.summary, t.severity,
         u.username as actor, t.data, t.created_at as "createdAt"
       from timeline_entries t
       join chamados c on c.id = t.chamado_id
       left join users u on u.id = t.actor_id
       where t.outbound_at is null
       order by t.id
       limit ?
       for update of t skip locked
       for key share of c skip locked`,
      [limit],
    );
    if (entries.length === 0) return { entries: 0, deliveries: 0 };

    const rows: Record<string, unknown>[] = [];
    for (const entry of entries) {
      const created = new Date(entry.createdAt).getTime();
      for (const webhook of webhooks) {
        if (created < new Date(webhook.createdAt).getTime()) continue;
        if (!matches(webhook.filter ?? {}, entry, entry)) continue;
        rows.push({
          webhook_id: webhook.id,
          timeline_entry_id: entry.id,
          chamado_id: entry.chamadoId,
          message_id: `msg_${randomUUID().replaceAll('-', '')}`,
          event_type: entry.eventType,
          payload: outboundPayload(entry),
        });
      }
    }

    let deliveryIds: number[] = [];
    if (rows.length > 0) {
      const inserted = await tx.execute<{ id: number }[]>(
        `insert into outbound_deliveries (webhook_id, timeline_entry_id, chamado_id, message_id, event_type, payload, status, attempts, created_at)
         select x.webhook_id, x.timeline_entry_id, x.chamado_id, x.message_id, x.event_type, x.payload, 'pending', 0, now()
         from jsonb_to_recordset(cast(? as jsonb)) as x(webhook_id int, timeline_entry_id bigint, chamado_id int, message_id text, event_type text, payload jsonb)
         on conflict do nothing
         returning id`,
        [JSON.stringify(rows)],
      );
      deliveryIds = inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
      for (const id of deliveryIds) await queue.enqueue(tx, id);
    }

    await tx.execute(`update timeline_entries set outbound_at = now() where ?`, [
      anyOf('id', entries.map((e) => e.id), 'bigint'),
    ]);
    return { entries: entries.length, deliveries: deliveryIds.length };
  });
}

/** Stamps up to `limit` undispatched entries, oldest first, skipping locked ones; returns how many. */
async function stampUnread(tx: EntityManager, limit: number): Promise<number> {
  const [row] = await tx.execute<{ n: number }[]>(
    `with stamped as (
       update timeline_entries set outbound_at = now()
       where id = any(array(select id from timeline_entries where outbound_at is null order by id limit ? for update skip locked))
       returning 1)
     select count(*)::int as n from stamped`,
    [limit],
  );
  return row!.n;
}

/*
 * Redelivery. The API process has no handle on the job queue, so asking for a redelivery only
 * resets the row; the dispatcher loop (which has the queue) enqueues it on its next run, within
 * about a second. The reset leaves a mark no other path produces: status `pending`, `attempts`
 * 0 but `last_attempt_at` set (an attempt always bumps both together). The same sweep also
 * re-enqueues, less often, pending deliveries never attempted long after they were created —
 * a job lost outside our control. The queue keeps at most one live job per delivery, so a sweep
 * that re-enqueues a delivery whose job is still waiting changes nothing.
 */

/** Resets a failed delivery to pending for the dispatcher loop to enqueue again (admins). */
export async function requeueDelivery(em: EntityManager, deliveryId: number): Promise<number> {
  return em.fork().transactional(async (tx) => {
    const [row] = await tx.execute<{ status: string }[]>('select status from outbound_deliveries where id = ? for update', [deliveryId]);
    if (!row) throw new NotFoundError('outbound delivery', String(deliveryId));
    if (row.status !== 'failed') {
      throw new ValidationError(`only a failed delivery can be redelivered; this one is ${row.status}`, [
        { path: 'deliveryId', message: `the delivery is ${row.status}, not failed` },
      ]);
    }
    await tx.execute(
      `update outbound_deliveries
       set status = 'pending', attempts = 0, last_status_code = null, last_error = null, delivered_at = null,
           last_attempt_at = coalesce(last_attempt_at, now())
       where id = ?`,
      [deliveryId],
    );
    return deliveryId;
  });
}

export interface RequeueOptions {
  /** Also re-enqueue pending deliveries never attempted and older than this; null skips them. */
  unattemptedAfterSeconds: number | null;
  limit?: number;
}

/** Enqueues deliveries asked to be redelivered (and, optionally, stranded ones). Returns how many it looked at. */
export async function requeueStranded(em: EntityManager, queue: OutboundQueue, opts: RequeueOptions): Promise<number> {
  return em.fork().transactional(async (tx) => {
    const stranded =
      opts.unattemptedAfterSeconds == null
        ? sqlPart('false')
        : sqlPart(
            'last_attempt_at is null and created_at < now() - make_interval(secs => ?)',
            Math.max(1, Math.floor(opts.unattemptedAfterSeconds)),
          );
    const rows = await tx.execute<{ id: number }[]>(
      `select id from outbound_deliveries
       where status = 'pending' and attempts = 0 and (last_attempt_at is not null or (?))
       order by id limit ? for update skip locked`,
      [stranded, opts.limit ?? 100],
    );
    for (const row of rows) await queue.enqueue(tx, Number(row.id));
    return rows.length;
  });
}
