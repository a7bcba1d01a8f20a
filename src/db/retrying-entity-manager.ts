import { setTimeout as delay } from 'node:timers/promises';
import { DeadlockException, type TransactionOptions } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';

/*
 * A serialization failure (40001) or a deadlock (40P01) says nothing about the request: the
 * database picked a victim and rolled it back whole. Every transaction of ours goes through
 * `em.transactional`, so retrying there — the outermost one only, a savepoint cannot be retried —
 * makes the victim try again on a fresh fork, with a short jittered backoff, at most three times.
 */

export const TRANSIENT_TRIES = 3;
const BACKOFF_MS = 25;

/** Deadlock or serialization failure, as MikroORM converts them or as the driver raised them. */
export function isTransient(error: unknown): boolean {
  if (error instanceof DeadlockException) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

export class RetryingEntityManager extends EntityManager {
  override async transactional<T>(cb: (em: this) => T | Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.isInTransaction() || options?.ctx) return super.transactional(cb, options);
    for (let attempt = 1; ; attempt++) {
      try {
        return await super.transactional(cb, options);
      } catch (err) {
        if (attempt >= TRANSIENT_TRIES || !isTransient(err)) throw err;
        await delay(BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  }
}
