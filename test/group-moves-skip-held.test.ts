import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { arrayOf } from '../src/db/sql.ts';
import { markGroupsChanged } from '../src/services/live/change-collector.ts';
import { ingestOpeningWazuhAlert } from './helpers/wazuh-alert.ts';
import { sharedOrmForFile } from './helpers/shared-orm.ts';

/*
 * After a chamado changes, the groups linked to it move their change_seq (the recurrenceChanged
 * feed shows groups with their chamados). A group another transaction holds is skipped, not
 * waited for: that transaction moves it itself, and meanwhile this statement would hold the
 * locks of every other group of the chamado — dozens for a chamado a flapping alert keeps
 * joining — in the way of the next ingest batch.
 */

const settings = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused' }).ingest;
const orm = sharedOrmForFile();

const wazuh = (agent: string, ruleId: string) => ingestOpeningWazuhAlert(orm(), settings, agent, ruleId);

const seqs = async (em: EntityManager, ids: number[]) =>
  new Map(
    (
      await em.execute<{ id: number; seq: string }[]>('select id, change_seq as seq from recurrence_groups where id = any(?)', [
        arrayOf(ids, 'int'),
      ])
    ).map((r) => [Number(r.id), Number(r.seq)]),
  );

it("moves a chamado's groups without waiting for one another transaction holds", async () => {
  const agent = `skip-held-${randomUUID().slice(0, 8)}`;
  const publicId = await wazuh(agent, '910001');
  expect(await wazuh(agent, '910002')).toBe(publicId);
  const em = orm().em.fork();
  const links = await em.execute<{ chamado_id: number; group_id: number }[]>(
    'select gc.chamado_id, gc.group_id from recurrence_group_chamados gc join chamados c on c.id = gc.chamado_id where c.public_id = ? order by gc.group_id',
    [publicId],
  );
  expect(links).toHaveLength(2);
  const [held, free] = links.map((l) => Number(l.group_id)) as [number, number];
  const chamadoId = Number(links[0]!.chamado_id);
  const before = await seqs(em, [held, free]);

  const holder = orm().em.fork();
  await holder.transactional(async (tx) => {
    await tx.execute('select id from recurrence_groups where id = ? for no key update', [held]);
    const moved = await Promise.race([
      markGroupsChanged(orm().em.fork(), [], [chamadoId]),
      new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 5000)),
    ]);
    expect(moved).toEqual(['default']);
    const after = await seqs(orm().em.fork(), [held, free]);
    expect(after.get(free)).toBeGreaterThan(before.get(free)!);
    expect(after.get(held)).toBe(before.get(held));
  });
  // Free again: the next change moves both.
  await markGroupsChanged(orm().em.fork(), [held], []);
  expect((await seqs(em, [held])).get(held)).toBeGreaterThan(before.get(held)!);
});
