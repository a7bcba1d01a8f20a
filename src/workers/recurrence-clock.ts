import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.ts';
import { settleRecurrenceClock } from '../services/recurrence/clock.ts';

const SWEEP_MS = 30_000;

/**
 * Runs settleRecurrenceClock every 30 s, wherever runbook workers run. Several processes sweeping
 * at once only touch a group twice (its change_seq moves twice; the feed sends it as it is).
 */
export function startRecurrenceClock(orm: MikroORM, log: Logger): () => Promise<void> {
  let since = new Date();
  let running: Promise<unknown> = Promise.resolve();
  const sweep = setInterval(() => {
    const now = new Date();
    running = settleRecurrenceClock(orm.em.fork() as EntityManager, since, now)
      .then(() => {
        since = now;
      })
      .catch((err: unknown) => log.error({ err }, 'recurrence clock sweep failed'));
  }, SWEEP_MS);
  sweep.unref();
  return async () => {
    clearInterval(sweep);
    await running;
  };
}
