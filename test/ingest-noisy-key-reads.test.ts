import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { prefetch, scopedKey } from '../src/services/ingest/batch/prefetch.ts';
import type { BatchTurn } from '../src/services/ingest/batch/turn.ts';
import { eventRowsRead, executeInTransaction as execute } from './helpers/event-rows-read.ts';
import { scratchDatabaseForFile } from './helpers/scratch-database.ts';

/*
 * A recurrence key that never opens a chamado (a noisy low-level rule) piles up events. The
 * batch's correlation reads ask two things of its key: its latest event on a chamado (the
 * fingerprint rule) and whether any of its events wait for an opening threshold. Both must find
 * the answer without walking the pile: each would otherwise cost a row read per stored event of
 * the key (or of the month), on every delivery. Counted with PostgreSQL's per-transaction table
 * statistics, which see the transaction's own reads at once. In a database of its own: the pile
 * would show in every other file's Discover.
 */

const PROJECT = 'noisy-key-project';
const NOISE = 3000;
const scratch = scratchDatabaseForFile();
const settings = loadConfig({ NODE_ENV: 'test' }).ingest;

/** `count` chamado-less events of `key`, the latest a second ago, as a stream of a noisy rule leaves them. */
async function pile(em: EntityManager, key: string, count: number): Promise<void> {
  await execute(
    em,
    `insert into events (project_id, source, event_type, summary, payload, recurrence_key, received_at)
     select ?, 'wazuh', 'wazuh.alert', 'noise', '{}', ?, now() - make_interval(secs => n) from generate_series(1, ?) n`,
    [PROJECT, key, count],
  );
}

async function eventOf(
  em: EntityManager,
  key: string,
  fields: { chamadoId?: number; held?: boolean; secondsAgo: number },
): Promise<number> {
  const [row] = await execute<{ id: string }>(
    em,
    `insert into events (project_id, source, event_type, summary, payload, recurrence_key, chamado_id, correlation, received_at)
     values (?, 'wazuh', 'wazuh.alert', 'signal', '{}', ?, ?, ?::jsonb, now() - make_interval(secs => ?)) returning id`,
    [PROJECT, key, fields.chamadoId ?? null, fields.held ? '{"held_by":"threshold"}' : null, fields.secondsAgo],
  );
  return Number(row!.id);
}

/** What prefetch reads of a turn for this key: an event of no source-specific kind. */
function turnOf(key: string): BatchTurn {
  return {
    duplicate: undefined,
    staged: {
      entity: { id: 0 },
      delivery: { projectId: PROJECT },
      recurrenceKey: key,
      dedupKeys: [],
      normalized: { source: 'wazuh', alertStatus: null },
    },
  } as unknown as BatchTurn;
}

describe("ingest's correlation reads of a noisy recurrence key", () => {
  it('find the latest event on a chamado and the held events without reading the pile', async () => {
    const { orm } = scratch();
    await orm.em.fork().transactional(async (tx) => {
      const [chamado] = await execute<{ id: number }>(
        tx,
        `insert into chamados (public_id, project_id, title, origin, created_at, updated_at)
         values ('CH-NOISY-1', ?, 'noisy key', 'manual', now(), now()) returning id`,
        [PROJECT],
      );
      // Oldest first: the event on a chamado and the held one lie under the whole pile.
      const onChamado = await eventOf(tx, 'noisy-a', { chamadoId: chamado!.id, secondsAgo: NOISE + 5 });
      await eventOf(tx, 'noisy-b', { held: true, secondsAgo: NOISE + 5 });
      await pile(tx, 'noisy-a', NOISE);
      await pile(tx, 'noisy-b', NOISE);
      await execute(tx, 'analyze events');

      const before = await eventRowsRead(tx);
      const read = await prefetch(tx, [turnOf('noisy-a'), turnOf('noisy-b')], settings, new Date());
      const rowsRead = (await eventRowsRead(tx)) - before;

      expect(read.fingerprint.get(scopedKey(PROJECT, 'noisy-a'))).toEqual({ eventId: onChamado, chamadoId: chamado!.id });
      expect(read.fingerprint.has(scopedKey(PROJECT, 'noisy-b'))).toBe(false);
      expect([...read.heldKeys]).toEqual([scopedKey(PROJECT, 'noisy-b')]);
      // Each answer is one row; a walk over either pile reads thousands.
      expect(rowsRead).toBeLessThan(20);
    });
  });
});
