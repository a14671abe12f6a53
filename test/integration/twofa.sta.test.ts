import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotSupportedByPlatform, PlatformForbidden, PlatformRateLimited, PlatformUnavailable, PlatformUserNotFound } from '../../integrations/twofa/errors.js';
import { GroupNotFound } from '../../integrations/twofa/local/group-not-found.js';
import { generate } from '../../integrations/twofa/local/hotp.js';
import { SafeNetStaPlatform } from '../../integrations/twofa/safenet-sta/adapter.js';
import { checkSafeNetSta } from '../../integrations/twofa/safenet-sta/check.js';
import { loadStaConfig, type StaConfig } from '../../integrations/twofa/safenet-sta/config.js';
import { StaUserScanLimit } from '../../integrations/twofa/safenet-sta/sta-errors.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { staConfig, staSeed, startFakeSta, STA_API_KEY, STA_OPERATOR, STA_TENANT, type FakeSta } from '../support/fake-sta.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

describe('SafeNetStaPlatform against a fake STA (real HTTP, real Redis)', () => {
  let server: FakeSta;
  let redis: Redis;
  let prefix: string;
  const platforms: SafeNetStaPlatform[] = [];

  function platform(over: Partial<StaConfig> = {}): SafeNetStaPlatform {
    const p = new SafeNetStaPlatform({ config: staConfig(server, over), redis, prefix, client: { retryBaseDelayMs: 5, retryMaxDelayMs: 20 } });
    platforms.push(p);
    return p;
  }

  beforeEach(async () => {
    server = await startFakeSta(staSeed());
    redis = newRedis();
    prefix = freshPrefix('sta');
  });

  afterEach(async () => {
    for (const p of platforms.splice(0)) await p.close();
    await server.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  describe('REST basics', () => {
    it('sends the API key in the apikey header to /api/v1/tenants/{tenantCode}', async () => {
      await platform().findUsers({ userName: 'alice' });
      expect(server.requests).toContain(`GET /api/v1/tenants/${STA_TENANT}/users/alice`);
      expect(server.apiKeys).toEqual([STA_API_KEY]);
    });

    it('maps a refused key to PlatformForbidden naming the variables, never the key', async () => {
      const err = await platform({ apiKey: 'wrong-key-123456' }).findUsers({ userName: 'alice' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformForbidden);
      expect((err as PlatformForbidden).reason).toContain('STA_API_KEY');
      expect(String(err) + (err as PlatformForbidden).reason).not.toContain('wrong-key-123456');
    });
  });

  describe('findUsers', () => {
    it('finds by user name (GET /users/{userName}) and by email or last name (reading the user pages)', async () => {
      const sta = platform();
      expect(await sta.findUsers({ userName: 'alice' })).toEqual([
        { id: 'alice', userName: 'alice', email: 'alice.archer@example.com', firstName: 'Alice', lastName: 'Archer' },
      ]);
      expect((await sta.findUsers({ email: 'ALICE.ARCHER@example.com' })).map((u) => u.id)).toEqual(['alice']);
      expect((await sta.findUsers({ lastName: 'smith' })).map((u) => u.id)).toEqual(['jane.smith', 'john.smith']);
      expect(await sta.findUsers({ userName: 'nobody' })).toEqual([]);
      expect(await sta.findUsers({ userName: 'alice', lastName: 'Baker' })).toEqual([]);
    });

    it('follows links.next through every page, and stops with a named limit', async () => {
      for (let i = 0; i < 250; i++) server.users.push({ id: `ID${i}`, userName: `bulk${i}`, lastName: 'Bulk', email: `bulk${i}@example.com` });
      expect(await platform().findUsers({ lastName: 'bulk' })).toHaveLength(250);
      const err = await platform({ userScanPages: 2 }).findUsers({ email: 'bulk249@example.com' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StaUserScanLimit);
      expect((err as StaUserScanLimit).reason).toContain('STA_USER_SCAN_PAGES');
    });
  });

  describe('findUsers: the user list kept in Redis (STA has no search filter)', () => {
    const LIST = `GET /api/v1/tenants/${STA_TENANT}/users`;
    const listReads = () => server.requests.filter((r) => r === LIST).length;
    const bulk = (n: number) => {
      for (let i = 0; i < n; i++) server.users.push({ id: `ID${i}`, userName: `bulk${i}`, firstName: 'Bulk', lastName: `Bulk${i}`, email: `bulk${i}@example.com` });
    };
    /** what the workflow asks for an unknown requester: email, then last name */
    const unknownRequester = async (sta: SafeNetStaPlatform, i: number) => [...(await sta.findUsers({ email: `stranger${i}@example.com` })), ...(await sta.findUsers({ lastName: `Stranger${i}` }))];

    it('reads the list once per TTL for every search of every worker, unknown requesters included', async () => {
      bulk(250);
      server.faults.add({ path: '/users', times: 1, fault: { delayMs: 200 } });
      const workers = [platform(), platform()];
      const found = await Promise.all(Array.from({ length: 10 }, (_, i) => unknownRequester(workers[i % 2] as SafeNetStaPlatform, i)));
      expect(found.flat()).toEqual([]);
      // 250 users: three pages, read once, where each search read them before (10 tickets × 2 searches × 3 pages = 60)
      expect(listReads()).toBe(3);
      expect((await workers[1]?.findUsers({ email: 'bulk249@example.com' }))?.map((u) => u.id)).toEqual(['bulk249']);
      expect((await workers[0]?.findUsers({ lastName: 'archer' }))?.map((u) => u.id)).toEqual(['alice']);
      expect(listReads()).toBe(3);
    });

    it('reads it again once the TTL is over, and every time with a TTL of 0', async () => {
      const sta = platform({ userCacheTtlS: 1 });
      await unknownRequester(sta, 1);
      expect(listReads()).toBe(1);
      await new Promise((r) => setTimeout(r, 1100));
      await unknownRequester(sta, 2);
      expect(listReads()).toBe(2);
      await unknownRequester(platform({ userCacheTtlS: 0 }), 3);
      expect(listReads()).toBe(4);
    });

    it('keeps "longer than STA_USER_SCAN_PAGES" too: the next search fails by name without reading the list again', async () => {
      bulk(250);
      const sta = platform({ userScanPages: 2 });
      await expect(sta.findUsers({ email: 'bulk0@example.com' })).rejects.toBeInstanceOf(StaUserScanLimit);
      expect(listReads()).toBe(2);
      await expect(platform({ userScanPages: 2 }).findUsers({ lastName: 'Bulk1' })).rejects.toBeInstanceOf(StaUserScanLimit);
      expect(listReads()).toBe(2);
    });

    it('lets another worker read the list at once when the read failed', async () => {
      server.faults.add({ path: '/users', times: 10, fault: { status: 500 } });
      await expect(platform({ retries: 0 }).findUsers({ email: 'alice.archer@example.com' })).rejects.toBeInstanceOf(PlatformUnavailable);
      server.faults.clear();
      const started = Date.now();
      expect((await platform().findUsers({ email: 'alice.archer@example.com' })).map((u) => u.id)).toEqual(['alice']);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('keeps only the fields a search compares and returns: no key, nothing but the users', async () => {
      await platform().findUsers({ email: 'bob.baker@example.com' });
      const keys = await redis.keys(`${prefix}:sta:users:*`);
      expect(keys).toHaveLength(1);
      const kept = (await redis.get(keys[0] ?? '')) ?? '';
      expect(await redis.ttl(keys[0] ?? '')).toBeGreaterThan(0);
      expect(kept).not.toContain(STA_API_KEY);
      const users = (JSON.parse(kept) as { users: Array<Record<string, unknown>> }).users;
      expect(users).toHaveLength(4);
      for (const u of users) expect(Object.keys(u).every((k) => ['id', 'userName', 'firstName', 'lastName', 'email'].includes(k))).toBe(true);
    });
  });

  describe('groups', () => {
    it('reads the groups of the user by STA id', async () => {
      expect(await platform().getGroups('alice')).toEqual(['VPN Users']);
      await expect(platform().getGroups('nobody')).rejects.toBeInstanceOf(PlatformUserNotFound);
    });

    it('adds a member with POST /groups/{groupId}/members {id, type: User}, idempotently', async () => {
      const sta = platform();
      await sta.addToGroup('bob', 'VPN Users');
      await sta.addToGroup('bob', 'VPN Users');
      expect(await sta.getGroups('bob')).toEqual(['VPN Users']);
      expect(server.requests.filter((r) => r.endsWith('/members'))).toHaveLength(1);
      await expect(sta.addToGroup('bob', 'No Such Group')).rejects.toBeInstanceOf(GroupNotFound);
    });

    it('treats a member added meanwhile by another worker (409) as done', async () => {
      server.faults.add({ path: '/members', times: 1, fault: { status: 409 } });
      await platform().addToGroup('bob', 'Remote Access');
      expect(server.requests.filter((r) => r.endsWith('/members'))).toHaveLength(1);
    });
  });

  describe('listTokens (BSIDCA)', () => {
    it('connects once, lists serials by owner and reads each token', async () => {
      const sta = platform();
      expect(await sta.listTokens('alice')).toEqual([{ serial: '1005956011', type: 'MobilePASS', mode: 'otp', state: 'active', codeLength: 6 }]);
      expect(await sta.listTokens('bob')).toEqual([{ serial: '312899030', type: 'KT-4', mode: 'challenge', state: 'active', codeLength: 8 }]);
      expect(await sta.listTokens('jane.smith')).toEqual([{ serial: '1005956099', type: 'MobilePASS', mode: 'otp', state: 'locked', codeLength: 6 }]);
      expect(server.requests.filter((r) => r === 'POST /bsidca/BSIDCA.asmx')).toHaveLength(1 + 2 + 2 + 2);
    });

    it('connects again when the session expired', async () => {
      const sta = platform();
      await sta.listTokens('alice');
      server.expireSessions();
      expect(await sta.listTokens('alice')).toHaveLength(1);
    });

    it('maps refused operator credentials to PlatformForbidden', async () => {
      const sta = platform({ soap: { url: server.soapUrl, user: STA_OPERATOR.email, password: 'wrong' } });
      await expect(sta.listTokens('alice')).rejects.toBeInstanceOf(PlatformForbidden);
    });

    it('opens a session only on ConnectResult AUTH_SUCCESS: an operator challenge is refused by name', async () => {
      await server.close();
      server = await startFakeSta({ ...staSeed(), connectResult: 'CHALLENGE' });
      const err = await platform().listTokens('alice').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformForbidden);
      expect((err as PlatformForbidden).reason).toMatch(/BSIDCA answered CHALLENGE: give the operator a static password/);
      expect(server.requests.filter((r) => r === 'POST /bsidca/BSIDCA.asmx')).toHaveLength(1);
    });

    it('without BSIDCA, says so with the console steps', async () => {
      const sta = platform({ soap: undefined });
      const err = await sta.listTokens('alice').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotSupportedByPlatform);
      expect((err as NotSupportedByPlatform).reason).toContain('Authentication Methods');
    });
  });

  describe('resync and challenge', () => {
    it('are not in any documented API: NotSupportedByPlatform with the runbook steps', async () => {
      const sta = platform();
      expect(sta.capabilities).toEqual({ canAddToGroup: true, canResync: false, canChallenge: false, canReadAuthLog: true });
      const otp = await sta.resyncOtp('alice', '1005956011', '123456', '234567').catch((e: unknown) => e);
      expect(otp).toBeInstanceOf(NotSupportedByPlatform);
      expect((otp as NotSupportedByPlatform).reason).toContain('Authentication Methods > "Manage" next to the MobilePASS token > "Resync"');
      const challenge = await sta.startChallenge('bob', '312899030').catch((e: unknown) => e);
      expect((challenge as NotSupportedByPlatform).reason).toContain('Challenge box');
      await expect(sta.resyncChallenge('bob', '312899030', '1', '2')).rejects.toBeInstanceOf(NotSupportedByPlatform);
      expect(server.requests.filter((r) => !r.includes('/users/'))).toEqual([]);
    });
  });

  describe('recentAuthentications (GET /logs)', () => {
    it("returns the user's AUTHENTICATION results since the time asked, newest first", async () => {
      const token = server.tokens.find((t) => t.serial === '1005956011');
      server.login('alice', '000000');
      await new Promise((resolve) => setTimeout(resolve, 5));
      server.login('alice', generate(token?.secret ?? '', token?.counter ?? 0, 6));
      server.login('bob', '00000000');
      const records = await platform().recentAuthentications('alice', Date.now() - 60_000);
      expect(records.map((r) => r.success)).toEqual([true, false]);
      expect(records[0]?.serial).toBe('1005956011');
      expect(await platform().recentAuthentications('alice', Date.now() + 60_000)).toEqual([]);
    });
  });

  describe('errors and retries', () => {
    it('retries 5xx and dropped connections', async () => {
      server.faults.add({ path: '/users/alice', times: 1, fault: { status: 502 } });
      server.faults.add({ path: '/users/alice', times: 1, fault: { drop: true } });
      expect((await platform().findUsers({ userName: 'alice' })).map((u) => u.id)).toEqual(['alice']);
    });

    it('maps persistent 5xx and time-outs to retryable PlatformUnavailable', async () => {
      server.faults.add({ path: '/groups', times: 10, fault: { status: 500 } });
      const err = await platform().getGroups('alice').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformUnavailable);
      expect((err as PlatformUnavailable).retryable).toBe(true);
      server.faults.clear();
      server.faults.add({ path: '/logs', times: 10, fault: { delayMs: 800 } });
      const timeout = await platform().recentAuthentications('alice', 0).catch((e: unknown) => e);
      expect(timeout).toBeInstanceOf(PlatformUnavailable);
    });

    it('maps 429 with a long Retry-After to PlatformRateLimited', async () => {
      server.faults.add({ path: '/users/alice', times: 1, fault: { status: 429, retryAfter: '30' } });
      const err = await platform().findUsers({ userName: 'alice' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformRateLimited);
      expect((err as PlatformRateLimited).retryAfterMs).toBe(30_000);
    });

    it('opens the shared circuit after repeated failures: other workers stop calling STA', async () => {
      const config = { guard: { rateLimit: 1000, rateWindowMs: 60_000, maxRateWaitMs: 1000, breakerFailures: 2, breakerCoolDownMs: 60_000 } };
      const a = platform(config);
      const b = platform(config);
      server.faults.add({ times: 100, fault: { status: 503 } });
      await expect(a.findUsers({ userName: 'alice' })).rejects.toBeInstanceOf(PlatformUnavailable);
      await expect(a.findUsers({ userName: 'alice' })).rejects.toBeInstanceOf(PlatformUnavailable);
      const seen = server.requests.length;
      const err = await b.findUsers({ userName: 'alice' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformUnavailable);
      expect((err as Error).message).toContain('circuit is open');
      expect(server.requests.length).toBe(seen);
    });
  });

  describe('config', () => {
    const base = { STA_API_URL: 'https://api.stademo.com/', STA_TENANT_CODE: 'Q41RKXHPWU', STA_API_KEY: 'key-0123456789' };

    it('reads the REST and optional SOAP variables, and names the one that is wrong', () => {
      expect(loadStaConfig(base)).toMatchObject({ apiUrl: 'https://api.stademo.com', tenantCode: 'Q41RKXHPWU', userScanPages: 20 });
      expect(loadStaConfig(base).soap).toBeUndefined();
      expect(loadStaConfig({ ...base, STA_SOAP_URL: 'https://cloud.eu.safenetid.com/bsidca/BSIDCA.asmx', STA_SOAP_USER: 'op@example.com', STA_SOAP_PASSWORD: 'p' }).soap).toMatchObject({ user: 'op@example.com' });
      const cases: Array<[NodeJS.ProcessEnv, string]> = [
        [{ ...base, STA_API_URL: 'not a url' }, 'STA_API_URL'],
        [{ ...base, STA_TENANT_CODE: 'q41rkxhpwu' }, 'STA_TENANT_CODE'],
        [{ ...base, STA_API_KEY: undefined }, 'STA_API_KEY'],
        [{ ...base, STA_SOAP_USER: 'op@example.com' }, 'STA_SOAP_URL'],
        [{ ...base, STA_SOAP_URL: 'https://x.example/bsidca/BSIDCA.asmx', STA_SOAP_USER: 'op' }, 'STA_SOAP_PASSWORD'],
        [{ ...base, STA_BREAKER_FAILURES: '0' }, 'STA_BREAKER_FAILURES'],
      ];
      for (const [env, variable] of cases) {
        let caught: unknown;
        try {
          loadStaConfig(env);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(ConfigError);
        expect((caught as ConfigError).variable).toBe(variable);
      }
    });
  });

  describe('platform check', () => {
    it('reports what works, and what is missing', async () => {
      const env = { STA_API_URL: server.url, STA_TENANT_CODE: STA_TENANT, STA_API_KEY: STA_API_KEY, STA_SOAP_URL: server.soapUrl, STA_SOAP_USER: STA_OPERATOR.email, STA_SOAP_PASSWORD: STA_OPERATOR.password };
      const good = await checkSafeNetSta(env);
      expect(good).toMatchObject({ ok: true });
      expect(good.lines.join('\n')).toContain('BSIDCA Connect accepted');
      const bad = await checkSafeNetSta({ ...env, STA_API_KEY: 'wrong-key-123456', STA_SOAP_PASSWORD: 'nope' });
      expect(bad.ok).toBe(false);
      expect(bad.lines.filter((l) => l.startsWith('✗'))).toHaveLength(5);
      expect(bad.lines.join('\n')).not.toContain('wrong-key-123456');
      expect((await checkSafeNetSta({})).lines[0]).toContain('STA_API_URL');
    });
  });
});
