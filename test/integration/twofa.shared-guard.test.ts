import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformForbidden, PlatformRateLimited, PlatformUnavailable } from '../../integrations/twofa/errors.js';
import { RedisCircuitBreaker } from '../../integrations/shared/circuit-breaker.js';
import { PlatformGuard } from '../../integrations/twofa/shared/platform-guard.js';
import { RedisRateLimiter } from '../../integrations/shared/rate-limiter.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

describe('shared rate limit and circuit breaker (real Redis)', () => {
  let redis: Redis;
  let other: Redis;
  let prefix: string;
  let clock: number;
  const now = () => clock;

  beforeEach(() => {
    redis = newRedis();
    other = newRedis();
    prefix = freshPrefix('guard');
    clock = 1_000_000_000_000;
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
    other.disconnect();
  });

  describe('RedisRateLimiter', () => {
    it('shares one budget per window between workers, then says how long to wait', async () => {
      const a = new RedisRateLimiter({ redis, key: `${prefix}:rl`, limit: 3, windowMs: 1000, now });
      const b = new RedisRateLimiter({ redis: other, key: `${prefix}:rl`, limit: 3, windowMs: 1000, now });
      clock += 250;
      expect([await a.take(), await b.take(), await a.take()]).toEqual([0, 0, 0]);
      expect(await b.take()).toBe(750);
      clock += 750;
      expect(await a.take()).toBe(0);
    });

    it('keeps no key longer than two windows', async () => {
      const a = new RedisRateLimiter({ redis, key: `${prefix}:rl`, limit: 3, windowMs: 1000, now });
      await a.take();
      const [key] = await redis.keys(`${prefix}:rl:*`);
      expect(await redis.pttl(key ?? '')).toBeGreaterThan(1000);
      expect(await redis.pttl(key ?? '')).toBeLessThanOrEqual(2000);
    });
  });

  describe('RedisCircuitBreaker', () => {
    function breaker(r: Redis): RedisCircuitBreaker {
      return new RedisCircuitBreaker({ redis: r, key: `${prefix}:cb`, failureThreshold: 3, coolDownMs: 1000, now });
    }

    it('opens after N consecutive failures, for every worker', async () => {
      const a = breaker(redis);
      const b = breaker(other);
      await a.recordFailure();
      await b.recordFailure();
      expect(await a.enter()).toEqual({ allowed: true });
      await a.recordFailure();
      expect(await b.state()).toBe('open');
      expect(await b.enter()).toEqual({ allowed: false, retryAfterMs: 1000 });
    });

    it('a success in between resets the count', async () => {
      const a = breaker(redis);
      await a.recordFailure();
      await a.recordFailure();
      await a.recordSuccess();
      await a.recordFailure();
      await a.recordFailure();
      expect(await a.state()).toBe('closed');
    });

    it('after the cool-down lets one probe through; its failure re-opens, its success closes', async () => {
      const a = breaker(redis);
      const b = breaker(other);
      for (let i = 0; i < 3; i++) await a.recordFailure();
      clock += 1000;
      expect(await a.state()).toBe('half_open');
      expect(await a.enter()).toEqual({ allowed: true });
      expect((await b.enter()).allowed).toBe(false);
      await a.recordFailure();
      expect(await b.state()).toBe('open');
      clock += 1000;
      expect(await b.enter()).toEqual({ allowed: true });
      await b.recordSuccess();
      expect(await a.state()).toBe('closed');
      expect(await a.enter()).toEqual({ allowed: true });
    });

    it('gives the probe back after a cool-down when the prober never reports', async () => {
      const a = breaker(redis);
      for (let i = 0; i < 3; i++) await a.recordFailure();
      clock += 1000;
      expect((await a.enter()).allowed).toBe(true);
      clock += 500;
      expect(await a.enter()).toEqual({ allowed: false, retryAfterMs: 500 });
      clock += 500;
      expect((await a.enter()).allowed).toBe(true);
    });
  });

  describe('PlatformGuard', () => {
    function guard(r: Redis, over: Partial<ConstructorParameters<typeof PlatformGuard>[0]> = {}): PlatformGuard {
      return new PlatformGuard({
        redis: r,
        prefix,
        platform: 'test',
        account: 'https://pi.example.com|staff|admin',
        rateLimit: 100,
        rateWindowMs: 1000,
        maxRateWaitMs: 100,
        breakerFailures: 2,
        breakerCoolDownMs: 1000,
        now,
        ...over,
      });
    }

    it('counts only PlatformUnavailable as a failure and then refuses without calling', async () => {
      const g = guard(redis);
      const down = () => Promise.reject(new PlatformUnavailable('test', 'HTTP 503'));
      await expect(g.call('read', () => Promise.reject(new PlatformForbidden('test', 'read')))).rejects.toBeInstanceOf(PlatformForbidden);
      await expect(g.call('read', down)).rejects.toBeInstanceOf(PlatformUnavailable);
      await expect(g.call('read', down)).rejects.toBeInstanceOf(PlatformUnavailable);
      let called = false;
      const err = await guard(other)
        .call('read', async () => {
          called = true;
        })
        .catch((e: unknown) => e);
      expect(called).toBe(false);
      expect(err).toBeInstanceOf(PlatformUnavailable);
      expect((err as PlatformUnavailable).retryable).toBe(true);
      expect((err as Error).message).toContain('circuit is open');
    });

    it('keeps the account out of the key names', async () => {
      await guard(redis).beforeRequest();
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) expect(k).not.toContain('pi.example.com');
    });

    it('waits for the next window when it is close, and refuses with PlatformRateLimited when it is not', async () => {
      const g = guard(redis, { rateLimit: 1, rateWindowMs: 60_000, maxRateWaitMs: 100 });
      await g.beforeRequest();
      const err = await g.beforeRequest().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformRateLimited);
      expect((err as PlatformRateLimited).retryAfterMs).toBe(60_000 - (clock % 60_000));
      const real = new PlatformGuard({ redis, prefix: `${prefix}:b`, platform: 'test', account: 'x', rateLimit: 1, rateWindowMs: 50, maxRateWaitMs: 100, breakerFailures: 2, breakerCoolDownMs: 1000 });
      const started = Date.now();
      await real.beforeRequest();
      await real.beforeRequest();
      expect(Date.now() - started).toBeLessThan(500);
      await deletePrefix(redis, `${prefix}:b`);
    });
  });
});
