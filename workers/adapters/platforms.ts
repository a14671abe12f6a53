import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { Redis } from 'ioredis';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import { parseSeed } from '../../integrations/twofa/local/seed.js';
import { PrivacyIdeaPlatform } from '../../integrations/twofa/privacyidea/adapter.js';
import { loadPrivacyIdeaConfig } from '../../integrations/twofa/privacyidea/config.js';
import { SafeNetStaPlatform } from '../../integrations/twofa/safenet-sta/adapter.js';
import { loadStaConfig } from '../../integrations/twofa/safenet-sta/config.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { DEFAULT_SEED, type Config, type Env } from '../config.js';

export type PlatformKind = Env['TWOFA_PLATFORM'];

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
  if (env.TWOFA_PLATFORM === 'local' && env.TWOFA_LOCAL_REDIS_URL) {
    const own = new Redis(env.TWOFA_LOCAL_REDIS_URL, { maxRetriesPerRequest: null });
    own.on('error', (err: Error) => deps.log.warn({ error: err.name, reason: err.message }, 'embedded platform Redis unreachable'));
    return buildPlatform({ kind: 'local', settings: deps.source, prefix: env.REDIS_PREFIX }, { redis: own, ownsRedis: true, env });
  }
  return buildPlatform({ kind: env.TWOFA_PLATFORM, settings: deps.source, prefix: env.REDIS_PREFIX }, { redis: deps.redis, env });
}

/**
 * A platform of a given kind from its adapter's own variables (`settings`: the environment, or a tenant's settings in
 * TENANTS_FILE), its Redis keys under `prefix`. The embedded platform is seeded from TWOFA_LOCAL_SEED.
 */
export async function buildPlatform(
  spec: { kind: PlatformKind; settings: NodeJS.ProcessEnv; prefix: string },
  deps: { redis: Redis; env: Env; ownsRedis?: boolean },
): Promise<TwoFactorPlatform> {
  const { kind, settings, prefix } = spec;
  switch (kind) {
    case 'local': {
      const window = settings.TWOFA_LOCAL_WINDOW === undefined ? deps.env.TWOFA_LOCAL_WINDOW : Number(settings.TWOFA_LOCAL_WINDOW);
      if (!Number.isInteger(window) || window < 1) throw new ConfigError('TWOFA_LOCAL_WINDOW', 'must be a whole number of at least 1');
      const platform = new LocalPlatform({ redis: deps.redis, prefix, lookAheadWindow: window, ...(deps.ownsRedis ? { ownsRedis: true } : {}) });
      const seedPath = settings.TWOFA_LOCAL_SEED ?? deps.env.TWOFA_LOCAL_SEED ?? DEFAULT_SEED;
      const seed = parseSeed(JSON.parse(await readFile(seedPath, 'utf8')), seedPath);
      await platform.seed(seed);
      return platform;
    }
    case 'privacyidea':
      return new PrivacyIdeaPlatform({ config: loadPrivacyIdeaConfig(settings), redis: deps.redis, prefix });
    case 'safenet-sta':
      return new SafeNetStaPlatform({ config: loadStaConfig(settings), redis: deps.redis, prefix });
    default:
      throw new ConfigError('TWOFA_PLATFORM', `'${String(kind)}' is not built into this version yet`);
  }
}
