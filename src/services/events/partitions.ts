import type { EntityManager } from '@mikro-orm/postgresql';

/*
 * The month partitions of `events` (entities/event.entity.ts): made ahead of the clock, so that
 * `events_default` stays empty, and dropped whole once older than the retention.
 *
 * Creating a partition scans the default partition for rows of its month (PostgreSQL refuses one
 * whose rows sit there): kept empty, the scan costs nothing. Should it hold rows anyway (the
 * maintenance did not run for months), their month is made from them: the rows leave the default
 * and enter their new partition in one transaction, so nothing accepted is lost on the way.
 *
 * Every step runs under one transaction-scoped advisory lock: the API and worker processes all
 * run it at start and on the schedule, and two that create the same partition at once would fail.
 */

/** Months made ahead of the current one. */
export const MONTHS_AHEAD = 2;

const DEFAULT_PARTITION = 'events_default';
const MONTH_PARTITION = /^events_(\d{4})_(\d{2})$/;
/** pg_advisory_xact_lock key of the maintenance (any constant no other lock of this database uses). */
const MAINTENANCE_LOCK = 74_531_201;

/** The first instant of the UTC month `offset` months from `at`'s. */
export function monthStart(at: Date, offset = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

export function partitionName(month: Date): string {
  return `events_${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

function monthOf(partition: string): Date | null {
  const m = MONTH_PARTITION.exec(partition);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)) : null;
}

export interface EnsuredPartitions {
  /** Partitions made by this call, oldest first. */
  created: string[];
  /** Rows moved out of the default partition into a month made for them. */
  moved: number;
  /** Rows still in the default partition afterwards (none, unless a month could not be made). */
  defaultRows: number;
}

/** Makes the partitions of the current month, the next MONTHS_AHEAD and any month the default partition holds rows of. */
export async function ensureEventPartitions(em: EntityManager, now: Date): Promise<EnsuredPartitions> {
  return em.transactional(async (tx) => {
    await tx.execute('select pg_advisory_xact_lock(?)', [MAINTENANCE_LOCK]);
    const existing = new Set(await monthPartitions(tx));
    const strays = await tx.execute<{ month: Date }[]>(
      `select distinct date_trunc('month', received_at at time zone 'UTC') at time zone 'UTC' as month from ${DEFAULT_PARTITION}`,
    );
    const wanted = new Map<string, Date>();
    for (let offset = 0; offset <= MONTHS_AHEAD; offset++) wanted.set(partitionName(monthStart(now, offset)), monthStart(now, offset));
    for (const { month } of strays) wanted.set(partitionName(new Date(month)), new Date(month));
    const created: string[] = [];
    let moved = 0;
    for (const [name, month] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
      if (existing.has(name)) continue;
      moved += await createMonth(tx, name, month);
      created.push(name);
    }
    const [left] = await tx.execute<{ n: number }[]>(`select count(*)::int as n from ${DEFAULT_PARTITION}`);
    return { created, moved, defaultRows: left?.n ?? 0 };
  });
}

/** Creates one month's partition, first taking its rows out of the default partition; returns how many moved. */
async function createMonth(tx: EntityManager, name: string, month: Date): Promise<number> {
  const from = month.toISOString();
  const to = monthStart(month, 1).toISOString();
  const columns = await storedColumns(tx);
  await tx.execute(`create temp table moving_events (like events) on commit drop`);
  const [taken] = await tx.execute<{ n: number }[]>(
    `with taken as (delete from ${DEFAULT_PARTITION} where received_at >= ? and received_at < ? returning ${columns})
     , kept as (insert into moving_events (${columns}) select ${columns} from taken returning 1)
     select count(*)::int as n from kept`,
    [from, to],
  );
  // `name` is built from digits by partitionName; bounds are literals PostgreSQL needs constant.
  await tx.execute(`create table if not exists "${name}" partition of events for values from (?) to (?)`, [from, to]);
  await tx.execute(`insert into events (${columns}) select ${columns} from moving_events`);
  await tx.execute('drop table moving_events');
  return taken?.n ?? 0;
}

/** The columns a row is copied by: all but generated ones (the search vector), which the target computes. */
async function storedColumns(tx: EntityManager): Promise<string> {
  const rows = await tx.execute<{ name: string }[]>(
    `select quote_ident(attname) as name from pg_attribute
     where attrelid = 'events'::regclass and attnum > 0 and not attisdropped and attgenerated = '' order by attnum`,
  );
  return rows.map((r) => r.name).join(', ');
}

/** The month partitions of events (not the default), by name. */
async function monthPartitions(tx: EntityManager): Promise<string[]> {
  const rows = await tx.execute<{ name: string }[]>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'events'::regclass and c.relname <> ?`,
    [DEFAULT_PARTITION],
  );
  return rows.map((r) => r.name).filter((n) => MONTH_PARTITION.test(n));
}

/**
 * Keeps the current month and the `months` before it and drops older month partitions: every event
 * younger than `months` months stays, and the current month and the default partition are never
 * dropped. A dropped event's dedup keys go with it (a later copy would otherwise be judged a
 * duplicate of an event no one can read); the other references to it stay, dangling, and their
 * readers answer null (see entities/event.entity.ts). Returns the dropped partitions, oldest first.
 */
export async function dropExpiredEventPartitions(em: EntityManager, now: Date, months: number): Promise<string[]> {
  if (!(months >= 1)) return [];
  const keepFrom = monthStart(now, -months);
  return em.transactional(async (tx) => {
    await tx.execute('select pg_advisory_xact_lock(?)', [MAINTENANCE_LOCK]);
    const expired = (await monthPartitions(tx)).filter((name) => monthOf(name)! < keepFrom).sort();
    for (const name of expired) {
      await tx.execute(`delete from event_dedup_keys k using "${name}" e where k.event_id = e.id`);
      await tx.execute(`drop table "${name}"`);
    }
    return expired;
  });
}
