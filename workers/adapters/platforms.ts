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
import { parseConfig } from '../../integrations/shared/parse-config.js';
import { EnvSchema, type Config, type Env } from '../config.js';

export type PlatformKind = Env['TWOFA_PLATFORM'];

export interface PlatformDeps {
  config: Config;
  /** the raw environment: each adapter validates its own variables (zod) and names a bad one */
  source: NodeJS.ProcessEnv;
  redis: Redis;
  log: Logger;
}

/**
 * The embedded platform's own variables, with the adapter's defaults (the demo seed, a window of 1000): read from the
 * settings given alone, so a tenant's embedded platform never takes the process's seed or Redis.
 */
export const LocalSettings = EnvSchema.pick({ TWOFA_LOCAL_SEED: true, TWOFA_LOCAL_WINDOW: true, TWOFA_LOCAL_REDIS_URL: true });

/** The 2FA platform selected by TWOFA_PLATFORM, from the process's environment. */
export async function createPlatform(deps: PlatformDeps): Promise<TwoFactorPlatform> {
  const { env } = deps.config;
  // the embedded platform's variables as parsed at start-up (a test may give them in the config alone)
  const local = { TWOFA_LOCAL_SEED: env.TWOFA_LOCAL_SEED, TWOFA_LOCAL_WINDOW: String(env.TWOFA_LOCAL_WINDOW), TWOFA_LOCAL_REDIS_URL: env.TWOFA_LOCAL_REDIS_URL };
  const settings = env.TWOFA_PLATFORM === 'local' ? local : deps.source;
  return buildPlatform({ kind: env.TWOFA_PLATFORM, settings, prefix: env.REDIS_PREFIX }, { redis: deps.redis, log: deps.log });
}

/**
 * A platform of a given kind from its adapter's own variables (`settings`: the environment, or a tenant's settings in
 * TENANTS_FILE) and nothing else, its Redis keys under `prefix`. An embedded platform with TWOFA_LOCAL_REDIS_URL keeps
 * its users on a Redis connection of its own (a 2FA system apart from the bot's Redis), which its close() ends.
 */
export async function buildPlatform(spec: { kind: PlatformKind; settings: NodeJS.ProcessEnv; prefix: string }, deps: { redis: Redis; log: Logger }): Promise<TwoFactorPlatform> {
  const { kind, settings, prefix } = spec;
  switch (kind) {
    case 'local': {
      const local = parseConfig(LocalSettings, settings, 'TWOFA_LOCAL_SEED');
      const own = local.TWOFA_LOCAL_REDIS_URL !== undefined ? ownRedis(local.TWOFA_LOCAL_REDIS_URL, deps.log) : undefined;
      const platform = new LocalPlatform({ redis: own ?? deps.redis, prefix, lookAheadWindow: local.TWOFA_LOCAL_WINDOW, ...(own ? { ownsRedis: true } : {}) });
      try {
        const seedPath = local.TWOFA_LOCAL_SEED;
        await platform.seed(parseSeed(JSON.parse(await readSeed(seedPath)), seedPath));
      } catch (err) {
        await platform.close();
        throw err;
      }
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

function ownRedis(url: string, log: Logger): Redis {
  const own = new Redis(url, { maxRetriesPerRequest: null });
  own.on('error', (err: Error) => log.warn({ error: err.name, reason: err.message }, 'embedded platform Redis unreachable'));
  return own;
}

async function readSeed(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('TWOFA_LOCAL_SEED', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
