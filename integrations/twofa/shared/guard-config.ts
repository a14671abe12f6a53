import { z } from 'zod';
import type { GuardSettings } from './platform-guard.js';

/**
 * The guard's variables for one platform, `<PREFIX>_RATE_LIMIT` etc., with defaults that stay well under
 * what a single admin account is usually allowed. Each adapter's config.ts merges these into its schema.
 */
export function guardEnvShape<P extends string>(prefix: P) {
  return {
    [`${prefix}_RATE_LIMIT`]: z.coerce.number().int().min(1).max(100_000).default(300),
    [`${prefix}_RATE_WINDOW_MS`]: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
    [`${prefix}_RATE_MAX_WAIT_MS`]: z.coerce.number().int().min(0).max(60_000).default(5_000),
    [`${prefix}_BREAKER_FAILURES`]: z.coerce.number().int().min(1).max(1000).default(5),
    [`${prefix}_BREAKER_COOLDOWN_MS`]: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  } as Record<`${P}_${'RATE_LIMIT' | 'RATE_WINDOW_MS' | 'RATE_MAX_WAIT_MS' | 'BREAKER_FAILURES' | 'BREAKER_COOLDOWN_MS'}`, z.ZodDefault<z.ZodCoercedNumber<unknown>>>;
}

export function guardSettings(env: Record<string, unknown>, prefix: string): GuardSettings {
  const num = (name: string) => Number(env[`${prefix}_${name}`]);
  return {
    rateLimit: num('RATE_LIMIT'),
    rateWindowMs: num('RATE_WINDOW_MS'),
    maxRateWaitMs: num('RATE_MAX_WAIT_MS'),
    breakerFailures: num('BREAKER_FAILURES'),
    breakerCoolDownMs: num('BREAKER_COOLDOWN_MS'),
  };
}
