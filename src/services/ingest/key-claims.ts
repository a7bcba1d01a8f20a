import type { EntityManager } from '@mikro-orm/postgresql';
import type { OneRoundTrip } from '../../db/one-round-trip.ts';
import { arrayOf, sqlPart, type Sql } from '../../db/sql.ts';

/** Who held a key before this batch: its event, that event's original, body and project. */
export interface EarlierHolder {
  eventId: number;
  /** The event's original (itself unless it is a duplicate). */
  original: number;
  contentSha256: string | null;
  projectId: string;
}

/**
 * The stored holders of these keys (dedup keys and delivery-id bindings share event_dedup_keys).
 * What a transaction still running holds shows up only when the batch inserts its own claims
 * (insertClaims), which is where a race is caught.
 */
export async function readHolders(round: OneRoundTrip, keys: readonly string[]): Promise<Map<string, EarlierHolder>> {
  const holders = new Map<string, EarlierHolder>();
  if (keys.length === 0) return holders;
  const rows = await round.query<{ key: string; event_id: number; original: number; content_sha256: string | null; project_id: string }>(
    `select k.key, k.event_id, coalesce(e.duplicate_of_id, e.id) as original, e.content_sha256, e.project_id
     from event_dedup_keys k join events e on e.id = k.event_id where k.key = any(?)`,
    [arrayOf([...new Set(keys)], 'text')],
  );
  for (const h of rows)
    holders.set(h.key, {
      eventId: Number(h.event_id),
      original: Number(h.original),
      contentSha256: h.content_sha256,
      projectId: h.project_id,
    });
  return holders;
}

/**
 * Another transaction claimed a key between this batch's read and its insert (two instances
 * storing copies of one delivery at once). Raised as a serialization failure, so the batch is
 * retried whole (src/db/retrying-entity-manager.ts) and then reads that holder.
 */
export class ConcurrentClaimError extends Error {
  readonly code = '40001';
  constructor(keys: readonly string[]) {
    super(`dedup keys claimed by a concurrent transaction: ${keys.slice(0, 5).join(', ')}`);
  }
}

/**
 * The keys the batch's events hold, inserted (their rows exist by now) as the common table
 * expression `claimed_keys`, which returns the keys it got. Sorted, so two transactions wait on
 * shared keys in one order. The primary key makes a concurrent claim of the same key wait for
 * the other transaction; if that one committed, the key is theirs: the statement that uses it
 * checks what it got (assertClaimed, or opsgraph_claims_held in SQL for a batch's write).
 */
export function claimsCte(claims: ReadonlyMap<string, number>): Sql {
  const keys = [...claims.keys()].sort();
  return sqlPart(
    `claimed_keys as (
       insert into event_dedup_keys (key, event_id, created_at)
       select w.key, w.event_id, now() from unnest(?, ?) as w(key, event_id) order by w.key
       on conflict (key) do nothing returning key)`,
    arrayOf(keys, 'text'),
    arrayOf(
      keys.map((k) => claims.get(k)!),
      'bigint',
    ),
  );
}

/** Every claim landed, or this batch's reading of the holders is stale: ConcurrentClaimError. */
export function assertClaimed(claims: ReadonlyMap<string, number>, won: readonly string[]): void {
  if (won.length === claims.size) return;
  const got = new Set(won);
  throw new ConcurrentClaimError([...claims.keys()].filter((k) => !got.has(k)));
}

/** claimsCte on its own (a turn decided alone). */
export async function insertClaims(tx: EntityManager, claims: ReadonlyMap<string, number>): Promise<void> {
  if (claims.size === 0) return;
  const won = await tx.execute<{ key: string }[]>('with ? select key from claimed_keys', [claimsCte(claims)]);
  assertClaimed(
    claims,
    won.map((w) => w.key),
  );
}
