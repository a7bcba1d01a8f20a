import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { arrayOf } from '../src/db/sql.ts';
import { markGroupsChanged } from '../src/services/live/change-collector.ts';
import { GroupMoveCoalescer } from '../src/services/live/group-move-coalescer.ts';
import { ingestOpeningWazuhAlert } from './helpers/wazuh-alert.ts';
import { sharedOrmForFile } from './helpers/shared-orm.ts';

/*
 * Ingest's batches ask, after each commit, for the groups of the chamados they joined to move
 * (the recurrenceChanged feed shows groups with their chamados). Under a burst those requests
 * share one statement per interval; an idle server's goes at once.
 */

const settings = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused' }).ingest;
const orm = sharedOrmForFile();

/** A chamado opened by two Wazuh rules about one agent: two recurrence groups linked to it. */
async function chamadoWithTwoGroups(): Promise<{ chamadoId: number; groupIds: number[] }> {
  const agent = `coalesce-${randomUUID().slice(0, 8)}`;
  const publicIds = new Set<string>();
  for (const ruleId of ['920001', '920002']) publicIds.add(await ingestOpeningWazuhAlert(orm(), settings, agent, ruleId));
  expect(publicIds.size).toBe(1);
  const links = await orm()
    .em.fork()
    .execute<{ chamado_id: number; group_id: number }[]>(
      `select gc.chamado_id, gc.group_id from recurrence_group_chamados gc join chamados c on c.id = gc.chamado_id
       where c.public_id = ? order by gc.group_id`,
      [[...publicIds][0]],
    );
  expect(links).toHaveLength(2);
  return { chamadoId: links[0]!.chamado_id, groupIds: links.map((l) => l.group_id) };
}

const seqs = async (ids: number[]) =>
  (
    await orm()
      .em.fork()
      .execute<{ seq: string }[]>('select change_seq as seq from recurrence_groups where id = any(?) order by id', [arrayOf(ids, 'int')])
  ).map((r) => Number(r.seq));

it('moves at once when idle, then gathers the requests of an interval into one statement and one poke', async () => {
  const a = await chamadoWithTwoGroups();
  const b = await chamadoWithTwoGroups();
  const statements: number[][] = [];
  const pokes: string[][] = [];
  const countingMove = (em: EntityManager, groups: Iterable<number>, groupChamados: Iterable<number>) => {
    statements.push([...groupChamados]);
    return markGroupsChanged(em, groups, groupChamados);
  };
  const coalescer = new GroupMoveCoalescer(300, countingMove, (projects) => pokes.push(projects));
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await sleep(10);
    expect(done()).toBe(true);
  };

  const aBefore = await seqs(a.groupIds);
  const bBefore = await seqs(b.groupIds);
  coalescer.request(orm().em.fork(), [], [a.chamadoId], ['from-a']);
  expect(statements).toEqual([[a.chamadoId]]); // started at once: nothing waited
  await until(() => pokes.length === 1);
  expect(pokes[0]!.sort()).toEqual(['default', 'from-a']);
  const aMoved = await seqs(a.groupIds);
  for (const [i, seq] of aMoved.entries()) expect(seq).toBeGreaterThan(aBefore[i]!);

  // Within the interval: both wait, then go as one statement.
  coalescer.request(orm().em.fork(), [], [b.chamadoId], ['from-b']);
  coalescer.request(orm().em.fork(), [], [a.chamadoId], []);
  expect(statements).toHaveLength(1);
  await until(() => pokes.length === 2);
  expect(statements).toHaveLength(2);
  expect(statements[1]!.sort()).toEqual([a.chamadoId, b.chamadoId].sort());
  expect(pokes[1]!.sort()).toEqual(['default', 'from-b']);
  for (const [i, seq] of (await seqs(b.groupIds)).entries()) expect(seq).toBeGreaterThan(bBefore[i]!);
  for (const [i, seq] of (await seqs(a.groupIds)).entries()) expect(seq).toBeGreaterThan(aMoved[i]!);

  // An interval with no request: the next one goes at once again.
  await sleep(350);
  coalescer.request(orm().em.fork(), [], [b.chamadoId], []);
  expect(statements).toHaveLength(3);
  await until(() => pokes.length === 3);
});
