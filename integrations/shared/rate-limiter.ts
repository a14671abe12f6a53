import type { Redis } from 'ioredis';
import { luaScript } from './lua-script.js';

export interface RateLimiterOptions {
  redis: Redis;
  /** the Redis key this account's windows live under, e.g. `td:tfa-guard:privacyidea:<account>:rl` */
  key: string;
  /** requests allowed per window, summed over every worker process that shares the Redis */
  limit: number;
  windowMs: number;
  now?: () => number;
}

const TAKE = luaScript('lua/count-in-window.lua', import.meta.url);

/**
 * A fixed-window rate limit kept in Redis, so that every worker talking to the same platform account
 * shares one budget. `take()` answers how long to wait before the next request may go out (0: now).
 */
export class RedisRateLimiter {
  private readonly now: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');
    if (!Number.isInteger(options.windowMs) || options.windowMs < 1) throw new RangeError('windowMs must be a positive integer');
    this.now = options.now ?? Date.now;
  }

  /** Counts one request in the current window; returns 0 if it may go out, else the ms until the next window. */
  async take(): Promise<number> {
    const { redis, key, limit, windowMs } = this.options;
    const now = this.now();
    const window = Math.floor(now / windowMs);
    const count = Number(await redis.eval(TAKE.lua, 1, `${key}:${window}`, String(windowMs * 2)));
    return count <= limit ? 0 : (window + 1) * windowMs - now;
  }
}
