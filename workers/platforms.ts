import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { Redis } from 'ioredis';
import type { TwoFactorPlatform } from '../integrations/twofa/platform.js';
import { LocalPlatform } from '../integrations/twofa/local/adapter.js';
import { parseSeed } from '../integrations/twofa/local/seed.js';
import { PrivacyIdeaPlatform } from '../integrations/twofa/privacyidea/adapter.js';
import { loadPrivacyIdeaConfig } from '../integrations/twofa/privacyidea/config.js';
import { SafeNetStaPlatform } from '../integrations/twofa/safenet-sta/adapter.js';
import { loadStaConfig } from '../integrations/twofa/safenet-sta/config.js';
import { ConfigError, type Config } from './config.js';

export interface PlatformDeps {
  config: Config;
  /** the raw environment: each adapter validates its own variables (zod) and names a bad one */
  source: NodeJS.ProcessEnv;
  redis: Redis;
  log: Logger;
}

/** The 2FA platform selected by TWOFA_PLATFORM. */
export async function createPlatform(deps: PlatformDeps): Promise<TwoFactorPlatform> {
  const { env } = deps.config;
  switch (env.TWOFA_PLATFORM) {
    case 'local': {
      const own = env.TWOFA_LOCAL_REDIS_URL ? new Redis(env.TWOFA_LOCAL_REDIS_URL, { maxRetriesPerRequest: null }) : undefined;
      own?.on('error', (err: Error) => deps.log.warn({ error: err.name, reason: err.message }, 'embedded platform Redis unreachable'));
      const platform = new LocalPlatform({ redis: own ?? deps.redis, prefix: env.REDIS_PREFIX, lookAheadWindow: env.TWOFA_LOCAL_WINDOW, ...(own ? { ownsRedis: true } : {}) });
      const seed = parseSeed(JSON.parse(await readFile(env.TWOFA_LOCAL_SEED, 'utf8')), env.TWOFA_LOCAL_SEED);
      await platform.seed(seed);
      return platform;
    }
    case 'privacyidea':
      return new PrivacyIdeaPlatform({ config: loadPrivacyIdeaConfig(deps.source), redis: deps.redis, prefix: env.REDIS_PREFIX });
    case 'safenet-sta':
      return new SafeNetStaPlatform({ config: loadStaConfig(deps.source), redis: deps.redis, prefix: env.REDIS_PREFIX });
    default:
      throw new ConfigError('TWOFA_PLATFORM', `'${env.TWOFA_PLATFORM}' is not built into this version yet`);
  }
}
