import { startPrivateRedis, type PrivateRedis } from '../../workers/redis/private-redis.js';

let redis: PrivateRedis | undefined;

/** Every test file gets TEST_REDIS_URL: REDIS_URL when set, otherwise a private redis-server for the run. */
export async function setup(): Promise<void> {
  if (process.env.REDIS_URL) {
    process.env.TEST_REDIS_URL = process.env.REDIS_URL;
    return;
  }
  redis = await startPrivateRedis();
  process.env.TEST_REDIS_URL = redis.url;
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
