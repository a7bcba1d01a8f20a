import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { LoginRateLimitedError } from './login-rate-limited-error.ts';

export interface LoginLimits {
  maxFailuresPerAccountPerHour: number;
  maxFailuresPerAddressPerHour: number;
}

const HOUR_SECONDS = 3600;

/**
 * Counts login attempts in PostgreSQL, so every instance shares the same counters (a limit kept
 * per process is multiplied by the number of processes). rate-limiter-flexible creates and owns
 * its table (`login_attempts`), uses the ORM's own pool, and counts with one atomic upsert.
 *
 * An attempt takes a point before the password is hashed, and a successful one gives it back: so
 * only failures count, concurrent guesses cannot slip past the limit between a read and a write,
 * and an attempt over the limit is refused without any hashing.
 */
export class LoginLimiter {
  private readonly perAccount: RateLimiterPostgres;
  private readonly perAddress: RateLimiterPostgres;

  private constructor(perAccount: RateLimiterPostgres, perAddress: RateLimiterPostgres) {
    this.perAccount = perAccount;
    this.perAddress = perAddress;
  }

  static async open(pool: unknown, limits: LoginLimits): Promise<LoginLimiter> {
    const limiter = (keyPrefix: string, points: number) =>
      new Promise<RateLimiterPostgres>((resolve, reject) => {
        const created: RateLimiterPostgres = new RateLimiterPostgres(
          { storeClient: pool, storeType: 'pool', tableName: 'login_attempts', keyPrefix, points, duration: HOUR_SECONDS },
          (err?: Error) => (err ? reject(err) : resolve(created)),
        );
      });
    return new LoginLimiter(
      await limiter('account', limits.maxFailuresPerAccountPerHour),
      await limiter('address', limits.maxFailuresPerAddressPerHour),
    );
  }

  /**
   * Takes one attempt for the account and the client address, or throws LoginRateLimitedError.
   * Unknown usernames are counted like real ones, so the limit says nothing about who exists.
   */
  async take(username: string, clientAddress: string | null): Promise<void> {
    if (clientAddress) await this.consume(this.perAddress, clientAddress);
    await this.consume(this.perAccount, accountKey(username));
  }

  /** Gives back the attempts of a login that succeeded. */
  async giveBack(username: string, clientAddress: string | null): Promise<void> {
    await Promise.all([
      this.perAccount.reward(accountKey(username), 1),
      clientAddress ? this.perAddress.reward(clientAddress, 1) : undefined,
    ]);
  }

  private async consume(limiter: RateLimiterPostgres, key: string): Promise<void> {
    try {
      await limiter.consume(key, 1);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new LoginRateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      throw rejection;
    }
  }
}

/** A digest, not the name: keys stay short, and a password typed into the username box is not stored. */
function accountKey(username: string): string {
  return createHash('sha256').update(username).digest('base64url');
}

/** One limiter per connection pool (one per process and database) and limits, opened on first use. */
const limiters = new WeakMap<object, Map<string, Promise<LoginLimiter>>>();

export async function loginLimiterFor(em: EntityManager, limits: LoginLimits): Promise<LoginLimiter> {
  const pool = (await em.getConnection().getNativeClient()) as object;
  const byLimits = limiters.get(pool) ?? new Map<string, Promise<LoginLimiter>>();
  limiters.set(pool, byLimits);
  const key = `${limits.maxFailuresPerAccountPerHour}/${limits.maxFailuresPerAddressPerHour}`;
  let limiter = byLimits.get(key);
  if (!limiter) {
    limiter = LoginLimiter.open(pool, limits);
    byLimits.set(key, limiter);
    limiter.catch(() => byLimits.delete(key));
  }
  return limiter;
}
