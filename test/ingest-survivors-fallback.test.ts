import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { expect, it } from 'vitest';
import { Chamado } from '../entities/chamado.entity.ts';
import { loadConfig } from '../src/config.ts';
import { OneRoundTrip } from '../src/db/one-round-trip.ts';
import { prefetch, queueFirstReads, scopedKey } from '../src/services/ingest/batch/prefetch.ts';
import type { BatchTurn } from '../src/services/ingest/batch/turn.ts';
import { sharedOrmForFile } from './helpers/shared-orm.ts';

/*
 * A batch's first round trip reads what the correlation rules pick and, in a statement behind
 * those reads, looks the keys up again to lock the chamados they pick. A command that changes a
 * chamado between the two statements (reopens one, closes another) can make them disagree: the
 * chamado the reads picked must still be read and locked, one round trip later, as it was before
 * the lookup moved into the first round trip.
 */

const settings = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused' }).ingest;
const orm = sharedOrmForFile();

/** What prefetch reads of a turn of this session: a funnel event of no other key. */
function turnOf(sessionId: string): BatchTurn {
  return {
    duplicate: undefined,
    staged: {
      entity: { id: 0 },
      delivery: { projectId: 'default' },
      recurrenceKey: null,
      dedupKeys: [],
      normalized: { source: 'onboard', sessionId, alertStatus: null },
    },
  } as unknown as BatchTurn;
}

it("reads and locks the chamado the rules' reads picked when the survivors' statement found another", async () => {
  const sessionId = `sess-fallback-${randomUUID().slice(0, 8)}`;
  const em = orm().em.fork();
  const chamado = em.create(Chamado, {
    publicId: `FALLBACK-${randomUUID().slice(0, 8)}`,
    projectId: 'default',
    origin: 'onboard',
    title: 'session chamado',
    sessionId,
    sources: ['onboard'],
    eventCount: 1,
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  await em.flush();

  await orm()
    .em.fork()
    .transactional(async (tx) => {
      const turns = [turnOf(sessionId)];
      const round = new OneRoundTrip();
      const reads = queueFirstReads(
        round,
        null,
        turns.map((t) => t.staged),
        settings,
        new Date(),
      );
      await round.send(tx as EntityManager);
      // As if the survivors' statement, a moment later, had found nothing for the session.
      const first = reads.then((r) => ({
        ...r,
        survivors: { survivorOf: new Map(), agents: new Map(), lastRun: new Map(), groups: new Map(), rows: new Map() },
      }));
      const read = await prefetch(tx as EntityManager, turns, settings, new Date(), first);

      expect(read.session.get(scopedKey('default', sessionId))).toBe(chamado.id);
      expect(read.survivorOf.get(chamado.id)).toBe(chamado.id);
      expect(read.chamados.get(chamado.id)?.publicId).toBe(chamado.publicId);
      // Locked by the batch: another transaction cannot take it without waiting.
      const [lock] = await orm()
        .em.fork()
        .getConnection()
        .execute<{ locked: boolean }[]>(
          `select count(*) = 0 as locked from (select id from chamados where id = ? for update skip locked) c`,
          [chamado.id],
        );
      expect(lock!.locked).toBe(true);
    });
});
