import { startPrivateRedis, type PrivateRedis } from '../../workers/redis/private-redis.js';
import { startPrivacyIdeaPeer, type RunningPrivacyIdeaPeer } from './privacyidea-peer-server.js';

let redis: PrivateRedis | undefined;
let privacyIdea: RunningPrivacyIdeaPeer | undefined;

async function setupRedis(): Promise<void> {
  if (process.env.REDIS_URL) {
    process.env.TEST_REDIS_URL = process.env.REDIS_URL;
    return;
  }
  redis = await startPrivateRedis();
  process.env.TEST_REDIS_URL = redis.url;
}

/**
 * A peer the developer started (TEST_PRIVACYIDEA_WORKDIR set) is used as is and left running; TEST_PRIVACYIDEA=off
 * starts none, for a quick run of files that do not need it (a test that does then fails saying so).
 */
async function setupPrivacyIdea(): Promise<void> {
  if (process.env.TEST_PRIVACYIDEA_WORKDIR || process.env.TEST_PRIVACYIDEA === 'off') return;
  privacyIdea = await startPrivacyIdeaPeer();
  process.env.TEST_PRIVACYIDEA_WORKDIR = privacyIdea.workDir;
}

/**
 * Every test file gets TEST_REDIS_URL (REDIS_URL when set, otherwise a private redis-server for the run) and
 * TEST_PRIVACYIDEA_WORKDIR (the real privacyIDEA of the run, see test/support/privacyidea-peer.ts). Both start
 * side by side: the run waits for the slower one (privacyIDEA, about 20 s) only.
 */
export async function setup(): Promise<void> {
  const results = await Promise.allSettled([setupRedis(), setupPrivacyIdea()]);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    await teardown().catch(() => undefined);
    throw failed[0]?.reason;
  }
}

export async function teardown(): Promise<void> {
  const results = await Promise.allSettled([redis?.stop(), privacyIdea?.stop()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
