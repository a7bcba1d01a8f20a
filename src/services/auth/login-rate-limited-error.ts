import { DomainError } from '../../errors.ts';

/** Too many failed logins for this account or client address: try again after `retryAfter` seconds. */
export class LoginRateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  readonly retryAfter: number;
  constructor(retryAfter: number) {
    super(`too many failed sign-in attempts; try again in ${retryAfter} s`);
    this.retryAfter = retryAfter;
  }
}
