import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { AccountGuard } from '../shared/account-guard.js';
import { luaScript } from '../shared/lua-script.js';
import { TicketSystemRateLimited, TicketSystemUnavailable } from './errors.js';

export interface AccountLimiterOptions {
  redis: Redis;
  /** REDIS_PREFIX: keys are `<prefix>:<system>-limit:<sha256(account)[:16]>:…` */
  prefix: string;
  /** what identifies one account of the ticket system (its base URL); hashed into the key */
  account: string;
  /** requests per window over every worker (`<SYSTEM>_RATE_LIMIT_PER_MIN`) */
  perWindow: number;
  /** default one minute */
  windowMs?: number;
  /**
   * the longest a request waits here (default 10 s); longer goes up as TicketSystemRateLimited (a pause the ticket
   * system asked for) or the desk's budget-spent error (the budget above). `withMaxWait` shortens it for one caller.
   */
  maxWaitMs?: number;
  /** consecutive failed calls (network, time-out, 5xx after retries) that stop every worker calling (default 5) */
  breakerFailures?: number;
  /** how long they stop before one probe call (default 30 s) */
  breakerCoolDownMs?: number;
  now?: () => number;
}

const PAUSE = luaScript('lua/extend-pause.lua', import.meta.url);

/** What differs between the hosted desks: their name and the typed error for the bot's own budget spent. */
export interface DeskLimits {
  system: string;
  budgetSpent: (waitMs: number, perWindow: number, windowMs: number) => Error;
  isBudgetSpent: (err: unknown) => boolean;
}

/**
 * One limiter per account of a hosted ticket system (Zendesk, Jira, ServiceNow), shared by every worker through
 * Redis: the shared AccountGuard (a request budget per minute and a circuit breaker, so that workers stop calling an
 * account that is down) plus a "paused until" key that a 429's Retry-After sets for everyone.
 */
export class DeskAccountLimiter {
  private readonly account: AccountGuard;
  private readonly pauseKey: string;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  private readonly windowMs: number;
  /** a shorter wait for the calls made inside `withMaxWait` (the intake, which must answer the sender quickly) */
  private readonly patience = new AsyncLocalStorage<number>();

  constructor(
    private readonly options: AccountLimiterOptions,
    private readonly desk: DeskLimits,
  ) {
    this.now = options.now ?? Date.now;
    this.maxWaitMs = options.maxWaitMs ?? 10_000;
    this.windowMs = options.windowMs ?? 60_000;
    this.account = new AccountGuard({
      redis: options.redis,
      keyBase: `${options.prefix}:${desk.system}-limit`,
      account: options.account,
      rateLimit: options.perWindow,
      rateWindowMs: this.windowMs,
      maxRateWaitMs: this.maxWaitMs,
      breakerFailures: options.breakerFailures ?? 5,
      breakerCoolDownMs: options.breakerCoolDownMs ?? 30_000,
      errors: {
        unavailable: (reason) => new TicketSystemUnavailable(desk.system, reason),
        rateLimited: (ms) => this.budgetSpent(ms),
        // Only TicketSystemUnavailable counts as a failure: any answer, even a refusal, shows the system is up.
        isUnavailable: (err) => err instanceof TicketSystemUnavailable,
        isRateLimited: (err) => err instanceof TicketSystemRateLimited || desk.isBudgetSpent(err),
      },
      ...(options.now ? { now: options.now } : {}),
    });
    this.pauseKey = `${this.account.base}:paused-until`;
  }

  /** Runs one logical call (with its retries) behind the breaker. */
  guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return this.account.call(what, fn);
  }

  /**
   * Waits until a request may go out: after any shared pause the system asked for, within the bot's own budget; throws
   * when that is further than this caller waits, naming which of the two it was.
   */
  async beforeRequest(): Promise<void> {
    const maxWait = this.patience.getStore() ?? this.maxWaitMs;
    for (;;) {
      const paused = await this.pausedForMs();
      if (paused > 0) {
        if (paused > maxWait) throw new TicketSystemRateLimited(this.desk.system, Math.ceil(paused));
        await sleep(paused);
        continue;
      }
      const wait = await this.account.limiter.take();
      if (wait === 0) return;
      if (wait > maxWait) throw this.budgetSpent(wait);
      await sleep(wait);
    }
  }

  /** Runs `fn` with its requests waiting at most `ms` for the pause or the budget (never longer than the default). */
  withMaxWait<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    return this.patience.run(Math.min(ms, this.maxWaitMs), fn);
  }

  private budgetSpent(waitMs: number): Error {
    return this.desk.budgetSpent(Math.ceil(waitMs), this.options.perWindow, this.windowMs);
  }

  /** The system said 429: nobody sends to this account for `ms` from now. */
  async pause(ms: number): Promise<void> {
    const until = this.now() + Math.ceil(ms);
    await this.options.redis.eval(PAUSE.lua, 1, this.pauseKey, String(until), String(Math.ceil(ms) + 1_000));
  }

  /** How long the shared pause still runs (0: none). */
  async pausedForMs(): Promise<number> {
    const until = Number((await this.options.redis.get(this.pauseKey)) ?? 0);
    return Math.max(0, until - this.now());
  }
}
