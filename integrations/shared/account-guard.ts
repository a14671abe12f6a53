import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisCircuitBreaker } from './circuit-breaker.js';
import { RedisRateLimiter } from './rate-limiter.js';

/** How an integration names its own failures, so the guard throws and counts errors its callers understand. */
export interface AccountGuardErrors {
  /** the circuit is open: nothing was sent */
  unavailable(reason: string): Error;
  /** the shared budget has no room within the longest wait */
  rateLimited(retryAfterMs: number): Error;
  /** a failure that says the account is down (network, time-out, 5xx after retries) */
  isUnavailable(err: unknown): boolean;
  /** a rate-limit answer: neither up nor down */
  isRateLimited(err: unknown): boolean;
}

export interface AccountGuardOptions {
  redis: Redis;
  /** the key base, e.g. `<prefix>:tfa-guard:<platform>`; the account's hash is appended */
  keyBase: string;
  /** what identifies one account (URL, tenant, admin …); hashed into the key */
  account: string;
  /** requests per window to this account, over all workers */
  rateLimit: number;
  rateWindowMs: number;
  /** the longest a request waits here for room in the budget */
  maxRateWaitMs: number;
  /** consecutive failed calls that open the circuit */
  breakerFailures: number;
  breakerCoolDownMs: number;
  errors: AccountGuardErrors;
  now?: () => number;
}

/**
 * The rate limit and circuit breaker every worker shares for one account of an external API (a 2FA platform,
 * a ticket system): `call` wraps one logical API call (with the client's retries inside), `budgetWaitMs` is
 * asked before each HTTP request.
 */
export class AccountGuard {
  readonly breaker: RedisCircuitBreaker;
  readonly limiter: RedisRateLimiter;
  /** `<keyBase>:<sha256(account)[:16]>`: where this account's keys live */
  readonly base: string;

  constructor(private readonly options: AccountGuardOptions) {
    const account = createHash('sha256').update(options.account).digest('hex').slice(0, 16);
    this.base = `${options.keyBase}:${account}`;
    const now = options.now;
    this.limiter = new RedisRateLimiter({ redis: options.redis, key: `${this.base}:rl`, limit: options.rateLimit, windowMs: options.rateWindowMs, ...(now ? { now } : {}) });
    this.breaker = new RedisCircuitBreaker({
      redis: options.redis,
      key: `${this.base}:cb`,
      failureThreshold: options.breakerFailures,
      coolDownMs: options.breakerCoolDownMs,
      ...(now ? { now } : {}),
    });
  }

  /** Runs one logical call behind the breaker. Any answer, even a refusal, shows the account is up. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const { errors } = this.options;
    const admission = await this.breaker.enter();
    if (!admission.allowed) {
      throw errors.unavailable(`${what} not sent: the circuit is open after repeated failures, next try in ${Math.ceil(admission.retryAfterMs)} ms`);
    }
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (errors.isUnavailable(err)) await this.breaker.recordFailure();
      else if (!errors.isRateLimited(err)) await this.breaker.recordSuccess();
      throw err;
    }
    await this.breaker.recordSuccess();
    return result;
  }

  /** Takes room in the shared budget: 0 when the request may go, else how long to wait; throws past the longest wait. */
  async budgetWaitMs(): Promise<number> {
    const wait = await this.limiter.take();
    if (wait > this.options.maxRateWaitMs) throw this.options.errors.rateLimited(Math.ceil(wait));
    return wait;
  }
}
