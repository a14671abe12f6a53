import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { type Env } from '../config.js';
import { RedisServerMissing, startPrivateRedis, type PrivateRedis } from './private-redis.js';

/**
 * Whether the environment names a Redis of its own: any REDIS_* variable but REDIS_PREFIX (REDIS_URL, Sentinel,
 * Cluster, credentials, TLS files). An operator who set any of them meant a Redis, never a private one.
 */
function namesRedis(source: NodeJS.ProcessEnv): boolean {
  return Object.entries(source).some(([name, value]) => name.startsWith('REDIS_') && name !== 'REDIS_PREFIX' && (value ?? '').trim() !== '');
}

/**
 * `npm start` without a Redis: true when it may start a private redis-server, as the demo does. Only the embedded
 * desk and platform in one process (TICKET_SYSTEM=local, TWOFA_PLATFORM=local, ROLES=intake,workers) qualify: they
 * hold test tickets and seeded tokens, which a private server (deleted at exit) may lose. Real tickets, real tokens
 * or processes split by role need a Redis that outlives the process and is shared: start-up refuses, naming REDIS_URL.
 */
export function usesPrivateRedis(source: NodeJS.ProcessEnv, env: Env): boolean {
  if (namesRedis(source)) return false;
  const hosted = [
    env.TICKET_SYSTEM !== 'local' ? `TICKET_SYSTEM=${env.TICKET_SYSTEM}` : undefined,
    env.TWOFA_PLATFORM !== 'local' ? `TWOFA_PLATFORM=${env.TWOFA_PLATFORM}` : undefined,
  ].filter((v) => v !== undefined);
  if (hosted.length > 0) {
    throw new ConfigError('REDIS_URL', `not set with ${hosted.join(' and ')}: a private Redis, deleted when the process stops, would lose real tickets' workflows. Set REDIS_URL to a Redis that keeps its data (append-only file on, maxmemory-policy noeviction), or REDIS_SENTINELS / REDIS_CLUSTER_NODES; only TICKET_SYSTEM=local with TWOFA_PLATFORM=local starts a private one`);
  }
  if (!env.ROLES.includes('intake') || !env.ROLES.includes('workers')) {
    throw new ConfigError('REDIS_URL', `not set with ROLES=${env.ROLES.join(',')}: processes split by role share their work through one Redis, so set the same REDIS_URL in each`);
  }
  return true;
}

const INSTALL_SCRIPT = fileURLToPath(new URL('../../scripts/install-redis.sh', import.meta.url));

/**
 * A private redis-server for `npm start`, installed first when missing, the way `npm run demo` does it (its
 * predemo script): Debian's package when run as root, otherwise RedisServerMissing says how. Installing here rather
 * than in a prestart script keeps it to the case above: a prestart would run on every production host without
 * REDIS_URL too (Sentinel, Cluster).
 */
export async function startDefaultRedis(): Promise<PrivateRedis> {
  try {
    return await startPrivateRedis();
  } catch (err) {
    if (!(err instanceof RedisServerMissing)) throw err;
  }
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', () => resolve(null));
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new RedisServerMissing();
  return startPrivateRedis();
}
