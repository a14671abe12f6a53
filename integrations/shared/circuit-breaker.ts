import type { Redis } from 'ioredis';
import { luaScript } from './lua-script.js';

export interface CircuitBreakerOptions {
  redis: Redis;
  /** one hash per platform account, shared by every worker */
  key: string;
  /** consecutive failures that open the circuit */
  failureThreshold: number;
  /** how long an open circuit refuses calls before one probe is let through (half-open) */
  coolDownMs: number;
  now?: () => number;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

/** What `enter` decided: go ahead, or wait this long. */
export type Admission = { allowed: true } | { allowed: false; retryAfterMs: number };

const ENTER = luaScript('lua/enter-circuit.lua', import.meta.url);
const SUCCESS = luaScript('lua/close-circuit.lua', import.meta.url);
const FAILURE = luaScript('lua/record-circuit-failure.lua', import.meta.url);

/**
 * A circuit breaker whose state lives in Redis: after `failureThreshold` consecutive failures of calls to
 * one platform account, every worker stops calling it for `coolDownMs`; then one probe call decides
 * whether it closes again (success) or stays open for another cool-down (failure).
 */
export class RedisCircuitBreaker {
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) throw new RangeError('failureThreshold must be a positive integer');
    if (!Number.isInteger(options.coolDownMs) || options.coolDownMs < 1) throw new RangeError('coolDownMs must be a positive integer');
    this.now = options.now ?? Date.now;
  }

  async enter(): Promise<Admission> {
    const raw = await this.options.redis.eval(ENTER.lua, 1, this.options.key, String(this.now()), String(this.options.coolDownMs));
    const [allowed, wait] = Array.isArray(raw) ? raw.map(Number) : [1, 0];
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: wait ?? this.options.coolDownMs };
  }

  async recordSuccess(): Promise<void> {
    await this.options.redis.eval(SUCCESS.lua, 1, this.options.key);
  }

  async recordFailure(): Promise<void> {
    const { redis, key, failureThreshold, coolDownMs } = this.options;
    await redis.eval(FAILURE.lua, 1, key, String(this.now()), String(failureThreshold), String(coolDownMs));
  }

  async state(): Promise<CircuitState> {
    const openUntil = Number((await this.options.redis.hget(this.options.key, 'openUntil')) ?? 0);
    if (openUntil === 0) return 'closed';
    return this.now() < openUntil ? 'open' : 'half_open';
  }
}
