import type { Redis } from 'ioredis';

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

// State: failures (consecutive), openUntil (ms), probeUntil (ms: a half-open probe is out until then).
// Closed: everyone passes. Open: nobody until openUntil. Then half-open: exactly one caller gets the probe;
// the others wait until it reports back or its probe lease (one cool-down) runs out.
const ENTER = `
local now = tonumber(ARGV[1])
local coolDown = tonumber(ARGV[2])
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil == 0 then return {1, 0} end
if now < openUntil then return {0, openUntil - now} end
local probeUntil = tonumber(redis.call('HGET', KEYS[1], 'probeUntil') or '0')
if now < probeUntil then return {0, probeUntil - now} end
redis.call('HSET', KEYS[1], 'probeUntil', now + coolDown)
return {1, 0}`;

const SUCCESS = `redis.call('DEL', KEYS[1]) return 1`;

const FAILURE = `
local now = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local coolDown = tonumber(ARGV[3])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
-- A failed probe (the circuit was open) re-opens at once; a closed circuit opens at the threshold.
if openUntil > 0 or failures >= threshold then
  redis.call('HSET', KEYS[1], 'openUntil', now + coolDown, 'probeUntil', 0)
end
redis.call('PEXPIRE', KEYS[1], coolDown * 10 + 60000)
return failures`;

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
    const raw = await this.options.redis.eval(ENTER, 1, this.options.key, String(this.now()), String(this.options.coolDownMs));
    const [allowed, wait] = Array.isArray(raw) ? raw.map(Number) : [1, 0];
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: wait ?? this.options.coolDownMs };
  }

  async recordSuccess(): Promise<void> {
    await this.options.redis.eval(SUCCESS, 1, this.options.key);
  }

  async recordFailure(): Promise<void> {
    const { redis, key, failureThreshold, coolDownMs } = this.options;
    await redis.eval(FAILURE, 1, key, String(this.now()), String(failureThreshold), String(coolDownMs));
  }

  async state(): Promise<CircuitState> {
    const openUntil = Number((await this.options.redis.hget(this.options.key, 'openUntil')) ?? 0);
    if (openUntil === 0) return 'closed';
    return this.now() < openUntil ? 'open' : 'half_open';
  }
}
