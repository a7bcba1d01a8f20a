import type { EntityManager } from '@mikro-orm/postgresql';
import { arrayOf } from '../../db/sql.ts';

/** A key wanted by an event of a batch, in the batch's order. */
export interface WantedKey {
  key: string;
  eventId: number;
}

/** Who held a key before this batch: its event, that event's original, body and project. */
export interface EarlierHolder {
  eventId: number;
  /** The event's original (itself unless it is a duplicate). */
  original: number;
  contentSha256: string | null;
  projectId: string;
}

/**
 * What the database says about each wanted key: `ours` when this transaction now holds it
 * (tentatively, for the first event that wanted it), else the earlier holder.
 */
export type KeyState = { ours: true; eventId: number } | { ours: false; holder: EarlierHolder };

/**
 * Claims every distinct key of a batch in one statement, each for the first event that wants it,
 * and reads the holders of those already taken in a second (only when some were). Sorted, so two
 * batches wanting the same keys wait on them in the same order. The primary key on
 * event_dedup_keys serialises claims across transactions: a concurrent holder's key is waited
 * for, then seen as taken; a key this transaction got is no one else's until it ends.
 */
export async function claimKeys(em: EntityManager, wanted: readonly WantedKey[]): Promise<Map<string, KeyState>> {
  const first = new Map<string, number>();
  for (const { key, eventId } of wanted) if (!first.has(key)) first.set(key, eventId);
  const states = new Map<string, KeyState>();
  if (first.size === 0) return states;
  const keys = [...first.keys()].sort();
  const won = await em.execute<{ key: string }[]>(
    `insert into event_dedup_keys (key, event_id, created_at)
     select w.key, w.event_id, now() from unnest(?, ?) as w(key, event_id) order by w.key
     on conflict (key) do nothing returning key`,
    [arrayOf(keys, 'text'), arrayOf(keys.map((k) => first.get(k)!), 'bigint')],
  );
  for (const { key } of won) states.set(key, { ours: true, eventId: first.get(key)! });
  const taken = keys.filter((k) => !states.has(k));
  if (taken.length === 0) return states;
  const holders = await em.execute<{ key: string; event_id: string; original: string; content_sha256: string | null; project_id: string }[]>(
    `select k.key, k.event_id, coalesce(e.duplicate_of_id, e.id) as original, e.content_sha256, e.project_id
     from event_dedup_keys k join events e on e.id = k.event_id where k.key = any(?)`,
    [arrayOf(taken, 'text')],
  );
  for (const h of holders) {
    states.set(h.key, {
      ours: false,
      holder: { eventId: Number(h.event_id), original: Number(h.original), contentSha256: h.content_sha256, projectId: h.project_id },
    });
  }
  return states;
}

/**
 * Gives keys tentatively claimed for one event to the event that holds them when the batch is
 * read in order (`holders`), and drops those no event holds (its wanter turned out a duplicate
 * by an earlier key and, one by one, would never have claimed it). One statement each, and only
 * when some key moved.
 */
export async function settleClaims(em: EntityManager, states: ReadonlyMap<string, KeyState>, holders: ReadonlyMap<string, number>): Promise<void> {
  const moved: [string, number][] = [];
  const dropped: string[] = [];
  for (const [key, state] of states) {
    if (!state.ours) continue;
    const holder = holders.get(key);
    if (holder === undefined) dropped.push(key);
    else if (holder !== state.eventId) moved.push([key, holder]);
  }
  if (moved.length > 0) {
    await em.execute(
      `update event_dedup_keys k set event_id = m.event_id from unnest(?, ?) as m(key, event_id) where k.key = m.key`,
      [arrayOf(moved.map(([k]) => k), 'text'), arrayOf(moved.map(([, id]) => id), 'bigint')],
    );
  }
  if (dropped.length > 0) await em.execute('delete from event_dedup_keys where key = any(?)', [arrayOf(dropped, 'text')]);
}
