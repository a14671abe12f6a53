import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../config.js';
import { Queues } from '../store/queues.js';
import { TicketActivity } from '../observe/ticket-activity.js';
import { WorkflowStore } from '../store/workflow-store.js';
import { connectRedis } from '../redis/connect.js';

/** What an operator command works on: the deployment's Redis (REDIS_URL, REDIS_PREFIX), its store and queues. */
export interface CliConnection {
  config: Config;
  redis: Redis;
  store: WorkflowStore;
  queues: Queues;
  activity: TicketActivity;
  close(): Promise<void>;
}

export class RedisUnreachable extends Error {
  override readonly name = 'RedisUnreachable';
  readonly reason: string;
  constructor(url: string, detail: string) {
    super(`cannot reach Redis at ${redactUrl(url)}: ${detail}`);
    this.reason = 'check REDIS_URL (and REDIS_PREFIX) point at the deployment the workers use';
  }
}

/** Connects with the workers' configuration; a command fails fast rather than waiting for Redis forever. */
export async function connect(env: NodeJS.ProcessEnv): Promise<CliConnection> {
  const config = loadConfig(env);
  const { REDIS_URL, REDIS_PREFIX } = config.env;
  // connect() may only say "Connection is closed": the last error event says why (a refused password, a certificate)
  let lastError: Error | undefined;
  const redis = connectRedis(config.env, (err) => (lastError = err), { failFast: true, lazyConnect: true });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new RedisUnreachable(REDIS_URL, (lastError ?? (err as Error)).message);
  }
  const store = new WorkflowStore(redis, REDIS_PREFIX);
  const queues = new Queues(redis, REDIS_PREFIX, { attempts: config.env.EFFECT_ATTEMPTS, backoffMs: config.env.EFFECT_BACKOFF_MS });
  return {
    config,
    redis,
    store,
    queues,
    activity: new TicketActivity(redis, store.keys),
    async close() {
      await queues.close();
      redis.disconnect();
    },
  };
}

/** A Redis URL may hold a password: never print it. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'REDIS_URL';
  }
}
