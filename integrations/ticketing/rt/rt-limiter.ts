import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { AccountGuard } from '../../shared/account-guard.js';
import { TicketSystemRateLimited, TicketSystemUnavailable } from '../errors.js';
import { RtBudgetSpent } from './rt-errors.js';

export interface RtLimiterOptions {
  redis: Redis;
  /** REDIS_PREFIX: keys are `<prefix>:rt-limit:<sha256(RT_URL)[:16]>:…` */
  prefix: string;
  account: string;
  perMinute: number;
  /** the longest a request waits here for room (default 10 s) */
  maxWaitMs?: number;
  breakerFailures?: number;
  breakerCoolDownMs?: number;
  now?: () => number;
}

const SYSTEM = 'rt';

/**
 * One limiter per RT, shared by every worker through Redis: each authenticated call costs RT about 0.3 s of CPU, so the
 * bot keeps to RT_RATE_LIMIT_PER_MIN; a circuit breaker stops every worker calling an RT that is down. RT itself sends no
 * 429; a proxy in front of it may, and its Retry-After is honoured by the client's retries.
 */
export class RtLimiter {
  private readonly guardOf: AccountGuard;
  private readonly maxWaitMs: number;
  private readonly patience = new AsyncLocalStorage<number>();

  constructor(private readonly options: RtLimiterOptions) {
    this.maxWaitMs = options.maxWaitMs ?? 10_000;
    this.guardOf = new AccountGuard({
      redis: options.redis,
      keyBase: `${options.prefix}:rt-limit`,
      account: options.account,
      rateLimit: options.perMinute,
      rateWindowMs: 60_000,
      maxRateWaitMs: this.maxWaitMs,
      breakerFailures: options.breakerFailures ?? 5,
      breakerCoolDownMs: options.breakerCoolDownMs ?? 30_000,
      errors: {
        unavailable: (reason) => new TicketSystemUnavailable(SYSTEM, reason),
        rateLimited: (ms) => new RtBudgetSpent(Math.ceil(ms), options.perMinute),
        isUnavailable: (err) => err instanceof TicketSystemUnavailable,
        isRateLimited: (err) => err instanceof TicketSystemRateLimited || err instanceof RtBudgetSpent,
      },
      ...(options.now ? { now: options.now } : {}),
    });
  }

  guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return this.guardOf.call(what, fn);
  }

  async beforeRequest(): Promise<void> {
    const maxWait = this.patience.getStore() ?? this.maxWaitMs;
    const wait = await this.guardOf.limiter.take();
    if (wait === 0) return;
    if (wait > maxWait) throw new RtBudgetSpent(Math.ceil(wait), this.options.perMinute);
    await sleep(wait);
  }

  async pause(): Promise<void> {}

  /** Runs `fn` with its requests waiting at most `ms` for the budget (the intake must answer the Scrip quickly). */
  withMaxWait<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    return this.patience.run(Math.min(ms, this.maxWaitMs), fn);
  }
}
