import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests through vitest (its globalSetup starts Redis)');
  return url;
}

/** A fresh key prefix per test: tests never see each other's keys. */
export function freshPrefix(name = 't'): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

export function newRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
}

/** Deletes every key under a prefix (SCAN, never KEYS). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Every key under a prefix with its values as text, for secret scans. */
export async function dumpPrefix(redis: Redis, prefix: string): Promise<Array<{ key: string; values: string[] }>> {
  const out: Array<{ key: string; values: string[] }> = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let values: string[] = [];
      if (type === 'string') values = [(await redis.getBuffer(key))?.toString('latin1') ?? ''];
      else if (type === 'list') values = (await redis.lrangeBuffer(key, 0, -1)).map((b) => b.toString('latin1'));
      else if (type === 'hash') values = Object.entries(await redis.hgetallBuffer(key)).map(([k, v]) => `${k}=${v.toString('latin1')}`);
      else if (type === 'set') values = await redis.smembers(key);
      else if (type === 'zset') values = await redis.zrange(key, 0, -1);
      else if (type === 'stream') values = [JSON.stringify(await redis.xrange(key, '-', '+'))];
      out.push({ key, values });
    }
  } while (cursor !== '0');
  return out;
}

/**
 * What a test file starts and must clean up: one Redis connection, the prefixes it wrote under and the apps it
 * started. `cleanup()` (in afterAll) stops the apps, deletes the prefixes and closes the connection.
 */
export function testResources(): { redis: Redis; prefixes: string[]; apps: Array<{ stop(): Promise<void> }>; cleanup(): Promise<void> } {
  const redis = newRedis();
  const prefixes: string[] = [];
  const apps: Array<{ stop(): Promise<void> }> = [];
  return {
    redis,
    prefixes,
    apps,
    async cleanup() {
      for (const a of apps) await a.stop();
      for (const p of prefixes) await deletePrefix(redis, p);
      redis.disconnect();
    },
  };
}
