import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { PlatformRateLimited, PlatformUnavailable } from '../errors.js';
import { RedisCircuitBreaker } from '../../shared/circuit-breaker.js';
import { RedisRateLimiter } from '../../shared/rate-limiter.js';

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
 * The rate limit and circuit breaker every worker shares for one platform account. `call` wraps one
 * logical API call (with its own retries inside); `beforeRequest` is awaited before each HTTP request.
 */
export class PlatformGuard implements CallGuard {
  readonly breaker: RedisCircuitBreaker;
  readonly limiter: RedisRateLimiter;
  private readonly platform: string;
  private readonly maxRateWaitMs: number;

  constructor(options: PlatformGuardOptions) {
    const account = createHash('sha256').update(options.account).digest('hex').slice(0, 16);
    const base = `${options.prefix}:tfa-guard:${options.platform}:${account}`;
    const now = options.now;
    this.platform = options.platform;
    this.maxRateWaitMs = options.maxRateWaitMs;
    this.limiter = new RedisRateLimiter({ redis: options.redis, key: `${base}:rl`, limit: options.rateLimit, windowMs: options.rateWindowMs, ...(now ? { now } : {}) });
    this.breaker = new RedisCircuitBreaker({
      redis: options.redis,
      key: `${base}:cb`,
      failureThreshold: options.breakerFailures,
      coolDownMs: options.breakerCoolDownMs,
      ...(now ? { now } : {}),
    });
  }

  /**
   * Runs one logical call behind the breaker. Only PlatformUnavailable (network, time-out, 5xx after the
   * client's retries) counts as a failure: any answer, even a refusal, shows the platform is up.
   */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const admission = await this.breaker.enter();
    if (!admission.allowed) {
      throw new PlatformUnavailable(this.platform, `${what} not sent: the circuit is open after repeated failures, next try in ${Math.ceil(admission.retryAfterMs)} ms`);
    }
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (err instanceof PlatformUnavailable) await this.breaker.recordFailure();
      else if (!(err instanceof PlatformRateLimited)) await this.breaker.recordSuccess();
      throw err;
    }
    await this.breaker.recordSuccess();
    return result;
  }

  /** Waits for room in the shared rate limit, or throws PlatformRateLimited when the wait would be too long. */
  async beforeRequest(): Promise<void> {
    for (;;) {
      const wait = await this.limiter.take();
      if (wait === 0) return;
      if (wait > this.maxRateWaitMs) throw new PlatformRateLimited(this.platform, Math.ceil(wait));
      await sleep(wait);
    }
  }
}
