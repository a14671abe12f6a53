import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../workflows/resync/policy.js';
import { DEFAULT_SEED, loadConfig } from '../../workers/config.js';
import { EffectExecutor, TenantsUnavailable } from '../../workers/effects/effect-executor.js';
import { Keys } from '../../workers/store/keys.js';
import { TenantPlatforms } from '../../workers/tenants/platform-pool.js';
import { TenantBusy, TenantNotConfigured, TenantPlatformFailed, TenantPlatformsFailed } from '../../workers/tenants/tenant-platform-errors.js';
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
    // beta has an alice too, with the same email: another person at another customer
    const seed = JSON.parse(await readFile(other.path, 'utf8')) as { users: object[]; tokens: object[] };
    seed.users.push({ id: 'b-alice', userName: 'alice.beta', firstName: 'Alice', lastName: 'Archer', email: 'alice.archer@example.com' });
    seed.tokens.push({ serial: 'MP-B-1', userId: 'b-alice', kind: 'mobilepass', secret: 'AIDNYO2WRALLB7G56OAJBENN3FII44JE', counter: 3, state: 'active' });
    await writeFile(other.path, JSON.stringify(seed));
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

  it('finds each tenant’s own alice through its own platform: the same email at another customer is another person', async () => {
    const ctx = { tk: 'local:1', key: 'k1', retryAfterUnknownOutcome: false };
    const found = await executor().run({ type: 'locateUser', id: '1.1.0', tenant: 'acme', requester: alice }, ctx);
    expect(found).toMatchObject({ type: 'userLocated', matchedBy: 'email', user: { userName: 'alice' } });
    const elsewhere = await executor().run({ type: 'locateUser', id: '1.1.0', tenant: 'beta', requester: alice }, ctx);
    expect(elsewhere).toMatchObject({ type: 'userLocated', matchedBy: 'email', user: { userName: 'alice.beta' } });
    // nor by acme's user name or token: beta's platform knows neither
    expect(await pool.platformOf('beta')?.findUsers({ userName: 'alice' })).toEqual([]);
    expect(await pool.platformOf('beta')?.findUsers({ email: alice.email })).toEqual([expect.objectContaining({ userName: 'alice.beta' })]);
    const betaTokens = await executor().run({ type: 'readTokens', id: '1.2.0', tenant: 'beta', userId: 'b-alice' }, ctx);
    expect(betaTokens).toMatchObject({ type: 'tokensRead', tokens: [expect.objectContaining({ serial: 'MP-B-1' })] });
    const acmeTokens = await executor().run({ type: 'readTokens', id: '1.2.0', tenant: 'acme', userId: 'u-1001' }, ctx);
    expect(acmeTokens).toMatchObject({ type: 'tokensRead', tokens: [expect.objectContaining({ serial: 'MP-1001' })] });
    // acme's alice, asked for by her id through beta, does not exist there
    await expect(executor().run({ type: 'readTokens', id: '1.2.0', tenant: 'beta', userId: 'u-1001' }, ctx)).rejects.toMatchObject({ name: 'PlatformUserNotFound' });
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

  it('a new tenant whose platform cannot be built: its effects fail for good with the cause (its tickets go to an agent), the other tenants’ changes take effect', async () => {
    const missing = join(process.cwd(), 'no-such-seed.json');
    const gamma = { id: 'gamma', match: { tags: ['customer_gamma'] }, platform: { kind: 'local', settings: { TWOFA_LOCAL_SEED: missing } } };
    const delta = { id: 'delta', match: { tags: ['customer_delta'] }, platform: { kind: 'local', settings: { TWOFA_LOCAL_SEED: DEFAULT_SEED } } };
    const own = await TenantPlatforms.build(tenantsOf(entries(other.path).slice(0, 1)), { redis, env, log });
    try {
      const failed = await own.update(tenantsOf([...entries(other.path).slice(0, 1), gamma, delta])).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(TenantPlatformsFailed);
      expect((failed as TenantPlatformsFailed).failures.map((f) => f.tenant)).toEqual(['gamma']);
      expect(own.platformOf('delta')).toBeDefined();
      const ctx = { tk: 'local:9', key: 'k9', retryAfterUnknownOutcome: false };
      const run = new EffectExecutor({ platform: { name: 'unused' } as never, tenants: own, ticketing: new Map(), timers: { setTimer: async () => undefined }, resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: 5 } });
      const err = await run.run({ type: 'locateUser', id: '1.1.0', tenant: 'gamma', requester: alice }, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TenantPlatformFailed);
      expect((err as TenantPlatformFailed).retryable).toBe(false);
      expect((err as TenantPlatformFailed).reason).toContain(`tenant 'gamma'`);
      expect((err as TenantPlatformFailed).reason).toContain(`TWOFA_LOCAL_SEED: cannot read ${missing} (ENOENT)`);
      // fixed in the file: the next reload builds it
      await own.update(tenantsOf([...entries(other.path).slice(0, 1), { ...gamma, platform: { kind: 'local', settings: { TWOFA_LOCAL_SEED: DEFAULT_SEED } } }, delta]));
      expect(await run.run({ type: 'locateUser', id: '1.1.0', tenant: 'gamma', requester: alice }, ctx)).toMatchObject({ type: 'userLocated' });
    } finally {
      await own.close();
    }
  });

  it('a changed tenant whose new platform cannot be built keeps its running one, and the next reload tries the new settings again', async () => {
    const own = await TenantPlatforms.build(tenantsOf(entries(other.path).slice(0, 1)), { redis, env, log });
    try {
      const running = own.platformOf('acme');
      const broken = [{ ...entries(other.path)[0], platform: { kind: 'local', settings: { TWOFA_LOCAL_SEED: join(process.cwd(), 'no-such-seed.json') } } }];
      await expect(own.update(tenantsOf(broken))).rejects.toBeInstanceOf(TenantPlatformsFailed);
      expect(own.platformOf('acme')).toBe(running);
      (await own.lease('acme')).release();
      await expect(own.update(tenantsOf(broken))).rejects.toBeInstanceOf(TenantPlatformsFailed);
    } finally {
      await own.close();
    }
  });

  it('an embedded tenant takes nothing from the process environment: its seed is its own (or the built-in one), its Redis the one it names', async () => {
    const processEnv = loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, TWOFA_LOCAL_SEED: other.path }).env;
    const url = new URL(testRedisUrl());
    url.pathname = '/3';
    const apart = new Redis(url.toString(), { maxRetriesPerRequest: null });
    const own = await TenantPlatforms.build(
      tenantsOf([
        { id: 'plain', match: { tags: ['customer_plain'] }, platform: { kind: 'local', settings: {} } },
        { id: 'apart', match: { tags: ['customer_apart'] }, platform: { kind: 'local', settings: { TWOFA_LOCAL_REDIS_URL: url.toString() } } },
      ]),
      { redis, env: processEnv, log },
    );
    try {
      // the built-in demo seed, not the process's TWOFA_LOCAL_SEED (the generated users)
      expect(await own.platformOf('plain')?.findUsers({ email: alice.email })).toEqual([expect.objectContaining({ id: 'u-1001' })]);
      expect(await own.platformOf('plain')?.findUsers({ userName: 'user0' })).toEqual([]);
      // the tenant's own Redis (database 3 here) holds its users, the bot's holds none of them
      expect((await apart.keys(`${prefix}:tenant:apart:*`)).length).toBeGreaterThan(0);
      expect(await redis.keys(`${prefix}:tenant:apart:*`)).toEqual([]);
    } finally {
      await own.close();
      await deletePrefix(apart, prefix);
      apart.disconnect();
    }
  });
});
