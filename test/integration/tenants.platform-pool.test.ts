import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../workflows/resync/policy.js';
import { DEFAULT_SEED, loadConfig } from '../../workers/config.js';
import { EffectExecutor, TenantsUnavailable } from '../../workers/effects/effect-executor.js';
import { Keys } from '../../workers/store/keys.js';
import { TenantBusy, TenantNotConfigured, TenantPlatforms } from '../../workers/tenants/platform-pool.js';
import { parseTenants } from '../../workers/tenants/parse-tenants.js';
import { writeGeneratedSeed } from '../support/generated-seed.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';

/**
 * Each tenant's tickets go to that tenant's platform only, within its own limit of calls in flight: a user of tenant A
 * is never found through tenant B, whatever the email; a busy tenant's next effect waits as a delayed retry while the
 * others go on; a reload rebuilds only the platforms whose settings changed.
 */
describe('the tenants’ platforms (workers/tenants/platform-pool.ts) and the executor', () => {
  const prefix = freshPrefix('tenant-pool');
  const policy = parsePolicy();
  const env = loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix }).env;
  const log = pino({ level: 'silent' });
  let redis: Redis;
  let other: { path: string };
  let pool: TenantPlatforms;

  const tenantsOf = (entries: object[]) => parseTenants({ tenants: entries }, policy, {}, join(process.cwd(), 'tenants.json'));
  const entries = (otherSeed: string, concurrency = 2) => [
    { id: 'acme', match: { emailDomains: ['example.com'] }, platform: { kind: 'local', settings: { TWOFA_LOCAL_SEED: DEFAULT_SEED } }, concurrency },
    { id: 'beta', match: { emailDomains: ['load.example'] }, platform: { kind: 'local', settings: { TWOFA_LOCAL_SEED: otherSeed } }, concurrency },
  ];

  beforeAll(async () => {
    redis = newRedis();
    other = await writeGeneratedSeed(3);
    pool = await TenantPlatforms.build(tenantsOf(entries(other.path)), { redis, env, log });
  });

  afterAll(async () => {
    await pool.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await rm(other.path, { force: true });
  });

  const executor = () =>
    new EffectExecutor({
      platform: { name: 'unused' } as never,
      tenants: pool,
      ticketing: new Map(),
      timers: { setTimer: async () => undefined },
      resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: 5 },
    });
  const alice = { id: 'r1', email: 'alice.archer@example.com', name: 'Alice Archer' };

  it('finds alice through her own tenant, and not through another tenant’s platform (the effect names the tenant)', async () => {
    const ctx = { tk: 'local:1', key: 'k1', retryAfterUnknownOutcome: false };
    const found = await executor().run({ type: 'locateUser', id: '1.1.0', tenant: 'acme', requester: alice }, ctx);
    expect(found).toMatchObject({ type: 'userLocated', user: { userName: 'alice' } });
    const elsewhere = await executor().run({ type: 'locateUser', id: '1.1.0', tenant: 'beta', requester: alice }, ctx);
    expect(elsewhere).toMatchObject({ type: 'userNotFound' });
    // nor by her user name: tenant beta's platform has no such user
    expect(await pool.platformOf('beta')?.findUsers({ userName: 'alice' })).toEqual([]);
  });

  it('keeps each tenant’s embedded users in a key space of its own', async () => {
    const keys = await redis.keys(`${prefix}:tenant:*`);
    expect(keys.some((k) => k.startsWith(`${prefix}:tenant:acme:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}:tenant:beta:`))).toBe(true);
    expect(await redis.keys(`${prefix}:tfa:*`)).toEqual([]);
  });

  it('a tenant with all its calls in flight: the next effect waits its turn a moment, then steps aside as a delayed retry (not a failed attempt); another tenant is not slowed', async () => {
    const a = await pool.lease('acme');
    const b = await pool.lease('acme');
    // a call that finishes within the moment hands its place to the one waiting
    const waiting = pool.lease('acme');
    a.release();
    const c = await waiting;
    expect(c.platform).toBe(pool.platformOf('acme'));
    // nobody finishes: the waiter steps aside
    let busy: unknown;
    try {
      await pool.lease('acme');
    } catch (err) {
      busy = err;
    }
    expect(busy).toBeInstanceOf(TenantBusy);
    expect((busy as TenantBusy).retryable).toBe(true);
    expect((busy as TenantBusy).retryAfterMs).toBeGreaterThan(0);
    const other = await pool.lease('beta');
    expect(other.platform).toBe(pool.platformOf('beta'));
    a.release(); // twice changes nothing
    b.release();
    c.release();
    const d = await pool.lease('acme');
    const e = await pool.lease('acme');
    await expect(pool.lease('acme')).rejects.toBeInstanceOf(TenantBusy);
    for (const l of [d, e, other]) l.release();
  });

  it('resync counters of two tenants never meet: the lease scope names the tenant', async () => {
    const a = await pool.lease('acme');
    const b = await pool.lease('beta');
    expect(a.scope).toBe('local@acme');
    expect(b.scope).toBe('local@beta');
    a.release();
    b.release();
  });

  it('a reload rebuilds only the platforms whose settings changed, and a removed tenant’s tickets go to an agent', async () => {
    const acme = pool.platformOf('acme');
    const beta = pool.platformOf('beta');
    const moved = await writeGeneratedSeed(2);
    try {
      await pool.update(tenantsOf(entries(moved.path, 3)));
      expect(pool.platformOf('acme')).toBe(acme);
      expect(pool.platformOf('beta')).not.toBe(beta);
      // the new limit is in force for the kept platform
      const leases = [await pool.lease('acme'), await pool.lease('acme'), await pool.lease('acme')];
      await expect(pool.lease('acme')).rejects.toBeInstanceOf(TenantBusy);
      for (const l of leases) l.release();
      await pool.update(tenantsOf(entries(moved.path, 3).slice(0, 1)));
      let gone: unknown;
      try {
        await pool.lease('beta');
      } catch (err) {
        gone = err;
      }
      expect(gone).toBeInstanceOf(TenantNotConfigured);
      expect((gone as TenantNotConfigured).retryable).toBe(false);
      expect((gone as TenantNotConfigured).reason).toMatch(/no longer in TENANTS_FILE/);
    } finally {
      await rm(moved.path, { force: true });
    }
  });

  it('an executor without tenants refuses an effect that names one (every worker needs the same tenants file)', async () => {
    const bare = new EffectExecutor({ platform: { name: 'local' } as never, ticketing: new Map(), timers: { setTimer: async () => undefined }, resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: 5 } });
    await expect(bare.run({ type: 'locateUser', id: '1.1.0', tenant: 'acme', requester: alice }, { tk: 'local:1', key: 'k', retryAfterUnknownOutcome: false })).rejects.toBeInstanceOf(TenantsUnavailable);
  });
});
