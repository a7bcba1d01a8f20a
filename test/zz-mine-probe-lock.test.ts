import { it } from 'vitest';
import { LockMode } from '@mikro-orm/core';
import { Chamado } from '../entities/chamado.entity.ts';
import { startTestServer } from '../test/helpers/server.ts';
it('sql', async () => {
  const s = await startTestServer();
  const em = s.orm.em.fork();
  await em.transactional(async (tx) => {
    await tx.findOne(Chamado, { publicId: 'x' }, { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['assignee'] });
  });
  await s.close();
});
