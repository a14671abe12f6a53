import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { PrivacyIdeaPlatform } from '../../integrations/twofa/privacyidea/adapter.js';
import { SafeNetStaPlatform } from '../../integrations/twofa/safenet-sta/adapter.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';
import { createPlatform } from '../../workers/adapters/platforms.js';
import { newRedis } from '../support/redis.js';

describe('createPlatform (TWOFA_PLATFORM)', () => {
  let redis: Redis;
  const log = pino({ level: 'silent' });

  beforeEach(() => {
    redis = newRedis();
  });

  afterEach(() => {
    redis.disconnect();
  });

  async function create(source: NodeJS.ProcessEnv) {
    return createPlatform({ config: loadConfig(source), source, redis, log });
  }

  it('builds the privacyIDEA adapter from PRIVACYIDEA_* and names a missing variable', async () => {
    const source = { TWOFA_PLATFORM: 'privacyidea', PRIVACYIDEA_URL: 'https://pi.example.com', PRIVACYIDEA_REALM: 'staff', PRIVACYIDEA_API_TOKEN: 'token' };
    const platform = await create(source);
    expect(platform).toBeInstanceOf(PrivacyIdeaPlatform);
    await platform.close?.();
    await expect(create({ ...source, PRIVACYIDEA_REALM: undefined })).rejects.toMatchObject({ name: 'ConfigError', variable: 'PRIVACYIDEA_REALM' });
  });

  it('builds the STA adapter from STA_* and names a missing variable', async () => {
    const source = { TWOFA_PLATFORM: 'safenet-sta', STA_API_URL: 'https://api.stademo.com', STA_TENANT_CODE: 'Q41RKXHPWU', STA_API_KEY: 'key-0123456789' };
    const platform = await create(source);
    expect(platform).toBeInstanceOf(SafeNetStaPlatform);
    await platform.close?.();
    const err = await create({ ...source, STA_API_KEY: undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('STA_API_KEY');
  });
});
