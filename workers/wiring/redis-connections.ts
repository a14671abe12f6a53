import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Env } from '../config.js';
import { connectRedis } from '../redis/connect.js';

/** The process's Redis connections: one for the store, one for BullMQ, and more on demand (the drain listener's). */
export interface RedisConnections {
  readonly redis: Redis;
  readonly bullRedis: Redis;
  /** logs a connection error, at most one a second (for BullMQ's queues too) */
  readonly onError: (err: Error) => void;
  /** another connection of the same kind (a blocking reader needs its own) */
  connect(): Redis;
  close(): void;
}

export function redisConnections(env: Env, log: Logger): RedisConnections {
  let lastError = 0;
  const onError = (err: Error) => {
    // A restart or a network blip produces one error per connection and retry: log at most one a second.
    if (Date.now() - lastError < 1000) return;
    lastError = Date.now();
    log.warn({ error: err.name, reason: err.message }, 'redis connection error: reconnecting');
  };
  const redis = connectRedis(env, onError, { autoPipelining: true });
  // BullMQ defines its many Lua commands on the connection it gets, and ioredis copies them into every MULTI:
  // on a connection of its own they do not slow the store's transactions (bench: up to 2x events/s).
  const bullRedis = connectRedis(env, onError);
  return {
    redis,
    bullRedis,
    onError,
    connect: () => connectRedis(env, onError),
    close() {
      redis.disconnect();
      bullRedis.disconnect();
    },
  };
}
