import type { RetryHooks } from '../shared/http-retry.js';
import { TicketSystemRateLimited, TicketSystemUnavailable } from './errors.js';

/** What a desk's client needs of a rate limit: the shared account limiter (account-limiter.ts), or NO_LIMIT for one-off checks. */
export interface RequestLimiter {
  /** one logical call, with its retries (the circuit breaker) */
  guard<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** before each HTTP request (the shared pause and budget) */
  beforeRequest(): Promise<void>;
  /** after a 429: everyone waits this long */
  pause(ms: number): Promise<void>;
}

export const NO_LIMIT: RequestLimiter = { guard: (_what, fn) => fn(), beforeRequest: async () => {}, pause: async () => {} };

/**
 * The hooks of `sendWithRetries` a desk's client sends through its limiter with: the desk's typed errors, a wait for
 * the shared pause and budget before each try, and a 429 pausing every worker of the account (the next try's
 * beforeRequest waits it out, so the retry itself does not sleep).
 */
export function limitedRetryHooks(system: string, limiter: RequestLimiter): RetryHooks {
  return {
    unavailable: (detail) => new TicketSystemUnavailable(system, detail),
    rateLimited: (waitMs) => new TicketSystemRateLimited(system, waitMs),
    beforeRequest: () => limiter.beforeRequest(),
    onRateLimited: (waitMs) => limiter.pause(waitMs),
    waitOut: async () => undefined,
  };
}
