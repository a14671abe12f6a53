import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { PlatformRateLimited, PlatformUnavailable } from '../errors.js';
import { AccountGuard } from '../../shared/account-guard.js';

export interface GuardSettings {
  /** requests per window to this platform account, over all workers */
  rateLimit: number;
  rateWindowMs: number;
  /** the longest a request waits here for the next window; a longer wait goes up as PlatformRateLimited */
  maxRateWaitMs: number;
  /** consecutive failed calls that open the circuit */
  breakerFailures: number;
  breakerCoolDownMs: number;
}

export interface PlatformGuardOptions extends GuardSettings {
  redis: Redis;
  /** REDIS_PREFIX: the guard's keys are `<prefix>:tfa-guard:<platform>:<account hash>:…` */
  prefix: string;
  platform: string;
  /** what identifies one account on the platform (URL + realm + admin, tenant code …); hashed into the key */
  account: string;
  now?: () => number;
}

/** What a client needs of a guard: the Redis one below, or `UNGUARDED` for one-off checks. */
export interface CallGuard {
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  beforeRequest(): Promise<void>;
}

/** No limit and no breaker: for `platform check`, which runs once, outside the workers. */
export const UNGUARDED: CallGuard = {
  call: (_what, fn) => fn(),
  beforeRequest: async () => {},
};

/**
 * The rate limit and circuit breaker every worker shares for one platform account (the shared AccountGuard with
 * the platform's errors). `call` wraps one logical API call (with its own retries inside); `beforeRequest` is
 * awaited before each HTTP request.
 */
export class PlatformGuard implements CallGuard {
  private readonly account: AccountGuard;

  constructor(options: PlatformGuardOptions) {
    const { platform } = options;
    this.account = new AccountGuard({
      ...options,
      keyBase: `${options.prefix}:tfa-guard:${platform}`,
      maxRateWaitMs: options.maxRateWaitMs,
      errors: {
        unavailable: (reason) => new PlatformUnavailable(platform, reason),
        rateLimited: (ms) => new PlatformRateLimited(platform, ms),
        // Only PlatformUnavailable (network, time-out, 5xx after the client's retries) counts as a failure.
        isUnavailable: (err) => err instanceof PlatformUnavailable,
        isRateLimited: (err) => err instanceof PlatformRateLimited,
      },
    });
  }

  call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return this.account.call(what, fn);
  }

  /** Waits for room in the shared rate limit, or throws PlatformRateLimited when the wait would be too long. */
  async beforeRequest(): Promise<void> {
    for (let wait = await this.account.budgetWaitMs(); wait > 0; wait = await this.account.budgetWaitMs()) await sleep(wait);
  }
}
