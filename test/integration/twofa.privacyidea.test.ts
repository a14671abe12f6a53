import axios from 'axios';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  NotSupportedByPlatform,
  PlatformForbidden,
  PlatformRateLimited,
  PlatformUnavailable,
  PlatformUserNotFound,
  TokenNotFound,
} from '../../integrations/twofa/errors.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { PrivacyIdeaPlatform } from '../../integrations/twofa/privacyidea/adapter.js';
import { checkPrivacyIdea } from '../../integrations/twofa/privacyidea/check.js';
import { jwtExpiry } from '../../integrations/twofa/privacyidea/client.js';
import { PrivacyIdeaLoginFailed } from '../../integrations/twofa/privacyidea/privacyidea-login-failed.js';
import { loadPrivacyIdeaConfig, type PrivacyIdeaConfig } from '../../integrations/twofa/privacyidea/config.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { PI_ADMIN_PASSWORD as ADMIN_PASSWORD, PI_ALICE_SECRET as ALICE, PI_BOB_SECRET, PI_REALM as REALM, piConfig, piSeed, startFakePrivacyIdea, type FakePrivacyIdea, type FakePrivacyIdeaOptions } from '../support/fake-privacyidea.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

/** alice's phone, `drift` presses ahead of the server's counter of 10 */
function alicePhone(drift: number): VirtualToken {
  return new VirtualToken({ secret: ALICE, counter: 10 + drift, kind: 'mobilepass', digits: 6 });
}

describe('PrivacyIdeaPlatform against a fake privacyIDEA (real HTTP, real HOTP, real Redis)', () => {
  let server: FakePrivacyIdea;
  let redis: Redis;
  let prefix: string;
  const platforms: PrivacyIdeaPlatform[] = [];

  function platform(over: Partial<PrivacyIdeaConfig> = {}, now?: () => number): PrivacyIdeaPlatform {
    const p = new PrivacyIdeaPlatform({
      config: piConfig(server.url, over),
      redis,
      prefix,
      client: { retryBaseDelayMs: 5, retryMaxDelayMs: 20 },
      ...(now ? { now, client: { retryBaseDelayMs: 5, retryMaxDelayMs: 20, now } } : {}),
    });
    platforms.push(p);
    return p;
  }

  beforeEach(async () => {
    server = await startFakePrivacyIdea(piSeed());
    redis = newRedis();
    prefix = freshPrefix('pi');
  });

  afterEach(async () => {
    for (const p of platforms.splice(0)) await p.close();
    await server.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  describe('authentication', () => {
    it('logs in once with /auth and sends the JWT in PI-Authorization, without a Bearer prefix', async () => {
      const pi = platform();
      await pi.findUsers({ userName: 'alice' });
      await pi.findUsers({ userName: 'bob' });
      expect(server.requests.filter((r) => r === 'POST /auth')).toHaveLength(1);
      expect(server.authHeaders).toEqual([server.issued[0], server.issued[0]]);
    });

    it('shares one login between concurrent calls', async () => {
      const pi = platform();
      await Promise.all(['alice', 'bob', 'john.smith', 'jane.smith'].map((userName) => pi.findUsers({ userName })));
      expect(server.requests.filter((r) => r === 'POST /auth')).toHaveLength(1);
    });

    it('renews the JWT before it expires', async () => {
      let clock = Date.now();
      const pi = platform({}, () => clock);
      await pi.findUsers({ userName: 'alice' });
      const first = server.issued[0];
      expect(jwtExpiry(first ?? '')).toBeGreaterThan(Date.now());
      clock += 3600_000 - 30_000; // inside the last minute of the hour's validity
      await pi.findUsers({ userName: 'alice' });
      expect(server.issued).toHaveLength(2);
      expect(server.authHeaders.at(-1)).toBe(server.issued[1]);
    });

    it('logs in again once when the server no longer accepts the JWT', async () => {
      const pi = platform();
      await pi.findUsers({ userName: 'alice' });
      server.revokeJwts();
      expect((await pi.findUsers({ userName: 'alice' })).map((u) => u.id)).toEqual(['alice']);
      expect(server.issued).toHaveLength(2);
    });

    it('uses a static API token as it is, with no /auth', async () => {
      server = await restartWith({ ...piSeed(), apiToken: 'static-admin-api-token-xyz' });
      const pi = platform({ credentials: { kind: 'token', token: 'static-admin-api-token-xyz' } });
      expect((await pi.findUsers({ userName: 'bob' })).map((u) => u.id)).toEqual(['bob']);
      expect(server.requests).not.toContain('POST /auth');
      expect(server.authHeaders).toEqual(['static-admin-api-token-xyz']);
    });

    it('maps wrong credentials (401 ERR4031) to "wrong user or password" naming the variables, never the password', async () => {
      const pi = platform({ credentials: { kind: 'password', username: 'helpdesk', password: 'not-the-password-123' } });
      const err = await pi.findUsers({ userName: 'alice' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PrivacyIdeaLoginFailed);
      expect(err).not.toBeInstanceOf(PlatformForbidden);
      expect((err as PrivacyIdeaLoginFailed).reason).toContain('wrong user or password');
      expect((err as PrivacyIdeaLoginFailed).reason).toContain('PRIVACYIDEA_ADMIN_USER');
      expect((err as PrivacyIdeaLoginFailed).reason).not.toMatch(/permission/);
      expect(JSON.stringify(err) + String(err)).not.toContain('not-the-password-123');
    });

    it('says an API token the server did not issue is not accepted, not that a permission is missing', async () => {
      server = await restartWith({ ...piSeed(), apiToken: 'static-admin-api-token-xyz' });
      const err = await platform({ credentials: { kind: 'token', token: 'some-other-token' } }).findUsers({ userName: 'bob' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PrivacyIdeaLoginFailed);
      expect((err as PrivacyIdeaLoginFailed).reason).toContain('PRIVACYIDEA_API_TOKEN is not a token this server issued');
    });

    async function restartWith(options: FakePrivacyIdeaOptions): Promise<FakePrivacyIdea> {
      await server.close();
      return startFakePrivacyIdea(options);
    }
  });

  describe('findUsers (GET /user/)', () => {
    it('finds by user name, email or surname within the realm, exactly and ignoring case', async () => {
      const pi = platform();
      expect(await pi.findUsers({ email: 'ALICE.archer@example.com' })).toEqual([
        { id: 'alice', userName: 'alice', email: 'alice.archer@example.com', firstName: 'Alice', lastName: 'Archer' },
      ]);
      expect((await pi.findUsers({ lastName: 'Smith' })).map((u) => u.id)).toEqual(['jane.smith', 'john.smith']);
      expect(await pi.findUsers({ userName: 'ali*' })).toEqual([]);
      expect(await pi.findUsers({})).toEqual([]);
    });
  });

  describe('groups (custom user attribute)', () => {
    it('reads and adds groups through the attribute, idempotently', async () => {
      const pi = platform();
      expect(await pi.getGroups('alice')).toEqual(['VPN Users']);
      expect(await pi.getGroups('bob')).toEqual([]);
      await pi.addToGroup('bob', 'VPN Users');
      await pi.addToGroup('bob', 'VPN Users');
      await pi.addToGroup('alice', 'Remote Access');
      expect(server.attributes.get('bob')?.get('groups')).toBe('VPN Users');
      expect(await pi.getGroups('alice')).toEqual(['VPN Users', 'Remote Access']);
    });

    it('without an attribute, the realm is the group and adding one is NotSupportedByPlatform', async () => {
      const pi = platform({ groupAttribute: undefined });
      expect(pi.capabilities.canAddToGroup).toBe(false);
      expect(await pi.getGroups('bob')).toEqual([REALM]);
      const err = await pi.addToGroup('bob', 'VPN Users').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotSupportedByPlatform);
      expect((err as NotSupportedByPlatform).reason).toContain('Config > Realms');
    });

    it('maps a missing set_custom_user_attributes right to PlatformForbidden', async () => {
      server.rights.delete('set_custom_user_attributes');
      await expect(platform().addToGroup('bob', 'VPN Users')).rejects.toBeInstanceOf(PlatformForbidden);
    });
  });

  describe('listTokens (GET /token/)', () => {
    it('maps hotp/totp to otp tokens, other types to other, and the flags to a state', async () => {
      const pi = platform();
      expect(await pi.listTokens('alice')).toEqual([{ serial: 'OATH0001', type: 'hotp', mode: 'otp', state: 'active', codeLength: 6 }]);
      expect(await pi.listTokens('bob')).toEqual([
        { serial: 'OATH0002', type: 'hotp', mode: 'otp', state: 'active', codeLength: 8 },
        { serial: 'PUSH0003', type: 'push', mode: 'other', state: 'active', codeLength: 6 },
      ]);
      expect(await pi.listTokens('jane.smith')).toEqual([{ serial: 'OATH0004', type: 'hotp', mode: 'otp', state: 'revoked', codeLength: 6 }]);
      expect(await pi.listTokens('john.smith')).toEqual([]);
    });

    it('reads every page', async () => {
      for (let i = 0; i < 120; i++) server.tokens.set(`BULK${String(i).padStart(4, '0')}`, { serial: `BULK${String(i).padStart(4, '0')}`, tokentype: 'totp', user: 'john.smith', secret: PI_BOB_SECRET, count: 0, otplen: 6, active: true, revoked: false, locked: false, failcount: 0, maxfail: 10, sync_window: 1000 });
      expect(await platform().listTokens('john.smith')).toHaveLength(120);
    });

    it('maps an unknown user (ERR904) to PlatformUserNotFound', async () => {
      await expect(platform().listTokens('nobody')).rejects.toBeInstanceOf(PlatformUserNotFound);
    });

    it('refuses, naming "tokenlist", when the admin lacks it (privacyIDEA answers an empty list, not 403)', async () => {
      server.rights.delete('tokenlist');
      const err = await platform().listTokens('alice').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformForbidden);
      expect((err as PlatformForbidden).reason).toContain('"tokenlist"');
    });
  });

  describe('resyncOtp (POST /token/resync)', () => {
    it('resyncs a phone drifted 300 ahead: only truly consecutive codes in the sync window', async () => {
      const pi = platform();
      const phone = alicePhone(300);
      const [a, b, c] = [phone.nextCode(), phone.nextCode(), phone.nextCode()];
      expect(await pi.resyncOtp('alice', 'OATH0001', a, c)).toEqual({ ok: false, reason: 'codes_not_in_window' });
      expect(await pi.resyncOtp('alice', 'OATH0001', b, c)).toEqual({ ok: true });
      expect(server.tokens.get('OATH0001')?.count).toBe(10 + 303);
    });

    it('answers codes_not_in_window past the sync window, and codes_already_used right after a resync of the token (audit log)', async () => {
      const pi = platform();
      const far = alicePhone(1000);
      expect(await pi.resyncOtp('alice', 'OATH0001', far.nextCode(), far.nextCode())).toEqual({ ok: false, reason: 'codes_not_in_window' });
      const phone = alicePhone(5);
      const [a, b] = [phone.nextCode(), phone.nextCode()];
      expect(await pi.resyncOtp('alice', 'OATH0001', a, b)).toEqual({ ok: true });
      expect(await pi.resyncOtp('alice', 'OATH0001', a, b)).toEqual({ ok: false, reason: 'codes_already_used' });
    });

    it('answers codes_not_in_window for wrong codes right after a successful resync (only the same codes are "already used")', async () => {
      const pi = platform();
      const phone = alicePhone(5);
      expect(await pi.resyncOtp('alice', 'OATH0001', phone.nextCode(), phone.nextCode())).toEqual({ ok: true });
      expect(await pi.resyncOtp('alice', 'OATH0001', '123456', '654321')).toEqual({ ok: false, reason: 'codes_not_in_window' });
    });

    it('resets the fail counter of a token at its limit once the codes matched, with the admin right "reset"', async () => {
      const token = server.tokens.get('OATH0001');
      if (token) token.failcount = token.maxfail;
      server.rights.add('reset');
      const phone = alicePhone(4);
      expect(await platform().resyncOtp('alice', 'OATH0001', phone.nextCode(), phone.nextCode())).toEqual({ ok: true });
      expect(server.tokens.get('OATH0001')?.failcount).toBe(0);
      expect(server.requests).toContain('POST /token/reset');
    });

    it('answers fail_limit for a token at its limit when the admin may not reset it (the resync itself is done)', async () => {
      const token = server.tokens.get('OATH0001');
      if (token) token.failcount = token.maxfail;
      const phone = alicePhone(4);
      expect(await platform().resyncOtp('alice', 'OATH0001', phone.nextCode(), phone.nextCode())).toEqual({ ok: false, reason: 'fail_limit' });
      expect(server.tokens.get('OATH0001')?.count).toBe(10 + 4 + 2);
      expect(server.requests).not.toContain('POST /token/reset');
    });

    it('answers token_locked for a revoked token without calling resync', async () => {
      const pi = platform();
      expect(await pi.resyncOtp('jane.smith', 'OATH0004', '123456', '234567')).toEqual({ ok: false, reason: 'token_locked' });
      expect(server.requests).not.toContain('POST /token/resync');
    });

    it("hides another user's token and refuses a type without a documented resync", async () => {
      const pi = platform();
      await expect(pi.resyncOtp('alice', 'OATH0002', '123456', '234567')).rejects.toBeInstanceOf(TokenNotFound);
      await expect(pi.resyncOtp('bob', 'PUSH0003', '123456', '234567')).rejects.toBeInstanceOf(NotSupportedByPlatform);
    });

    it('maps a missing resync right to PlatformForbidden', async () => {
      server.rights.delete('resync');
      const phone = alicePhone(3);
      await expect(platform().resyncOtp('alice', 'OATH0001', phone.nextCode(), phone.nextCode())).rejects.toBeInstanceOf(PlatformForbidden);
    });

    it('does not repeat a resync whose answer timed out (it may have moved the counter)', async () => {
      server.faults.add({ path: '/token/resync', times: 1, fault: { delayMs: 800 } });
      const phone = alicePhone(3);
      await expect(platform().resyncOtp('alice', 'OATH0001', phone.nextCode(), phone.nextCode())).rejects.toBeInstanceOf(PlatformUnavailable);
      expect(server.requests.filter((r) => r === 'POST /token/resync')).toHaveLength(1);
    });

    it('never puts the codes into an error', async () => {
      server.faults.add({ path: '/token/resync', times: 5, fault: { status: 500 } });
      const phone = alicePhone(3);
      const [a, b] = [phone.nextCode(), phone.nextCode()];
      const err = await platform().resyncOtp('alice', 'OATH0001', a, b).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformUnavailable);
      const text = `${String(err)} ${(err as PlatformUnavailable).reason} ${JSON.stringify(err)}`;
      expect(text).not.toContain(a);
      expect(text).not.toContain(b);
    });

    it('has no challenge/response', async () => {
      const pi = platform();
      expect(pi.capabilities).toEqual({ canAddToGroup: true, canResync: true, canChallenge: false, canReadAuthLog: true });
      await expect(pi.startChallenge('bob', 'OATH0002')).rejects.toBeInstanceOf(NotSupportedByPlatform);
      await expect(pi.resyncChallenge('bob', 'OATH0002', '1234', '5678')).rejects.toBeInstanceOf(NotSupportedByPlatform);
    });
  });

  describe('recentAuthentications (GET /audit/)', () => {
    it("returns the user's /validate/check entries since the time asked, newest first", async () => {
      const pi = platform();
      const phone = alicePhone(0);
      await validateCheck('alice', '000000');
      await new Promise((resolve) => setTimeout(resolve, 5));
      await validateCheck('alice', phone.nextCode());
      await validateCheck('bob', '00000000');
      const records = await pi.recentAuthentications('alice', Date.now() - 60_000);
      expect(records.map((r) => r.success)).toEqual([true, false]);
      expect(records[0]?.serial).toBe('OATH0001');
      expect(records[0]?.at).toBeGreaterThan(Date.now() - 5_000);
      const asked = server.requests.indexOf('GET /audit/');
      expect(asked).toBeGreaterThanOrEqual(0);
    });

    async function validateCheck(user: string, pass: string): Promise<void> {
      await axios.post(`${server.url}/validate/check`, { user, realm: REALM, pass });
    }
  });

  describe('errors and retries', () => {
    it('retries 5xx and network drops, then answers', async () => {
      const pi = platform();
      await pi.findUsers({ userName: 'alice' });
      server.faults.add({ path: '/user/', times: 1, fault: { status: 503 } });
      server.faults.add({ path: '/user/', times: 1, fault: { drop: true } });
      expect((await pi.findUsers({ userName: 'alice' })).map((u) => u.id)).toEqual(['alice']);
    });

    it('maps persistent 5xx and time-outs to retryable PlatformUnavailable', async () => {
      const pi = platform();
      server.faults.add({ path: '/user/', times: 10, fault: { status: 500 } });
      const err = await pi.findUsers({ userName: 'alice' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformUnavailable);
      expect((err as PlatformUnavailable).retryable).toBe(true);
      server.faults.clear();
      server.faults.add({ path: '/token/', times: 10, fault: { delayMs: 800 } });
      const timeout = await pi.listTokens('alice').catch((e: unknown) => e);
      expect(timeout).toBeInstanceOf(PlatformUnavailable);
      expect((timeout as PlatformUnavailable).message).toContain('timed out');
    });

    it('waits out a short Retry-After and maps a long one to PlatformRateLimited', async () => {
      const pi = platform();
      server.faults.add({ path: '/user/', times: 1, fault: { status: 429, retryAfter: '0' } });
      expect((await pi.findUsers({ userName: 'alice' })).map((u) => u.id)).toEqual(['alice']);
      server.faults.add({ path: '/user/', times: 1, fault: { status: 429, retryAfter: '120' } });
      const err = await pi.findUsers({ userName: 'alice' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformRateLimited);
      expect((err as PlatformRateLimited).retryAfterMs).toBe(120_000);
    });

    it('maps 403 to PlatformForbidden', async () => {
      server.rights.delete('auditlog');
      await expect(platform().recentAuthentications('alice', 0)).rejects.toBeInstanceOf(PlatformForbidden);
    });
  });

  describe('config', () => {
    const base = { PRIVACYIDEA_URL: 'https://pi.example.com/', PRIVACYIDEA_REALM: 'staff' };

    it('reads admin credentials or an API token, and names the variable that is wrong', () => {
      const c = loadPrivacyIdeaConfig({ ...base, PRIVACYIDEA_ADMIN_USER: 'a', PRIVACYIDEA_ADMIN_PASSWORD: 'b' });
      expect(c).toMatchObject({ url: 'https://pi.example.com', realm: 'staff', credentials: { kind: 'password' }, timeoutMs: 10_000 });
      expect(c.guard).toEqual({ rateLimit: 300, rateWindowMs: 60_000, maxRateWaitMs: 5_000, breakerFailures: 5, breakerCoolDownMs: 30_000 });
      expect(loadPrivacyIdeaConfig({ ...base, PRIVACYIDEA_API_TOKEN: 't' }).credentials).toEqual({ kind: 'token', token: 't' });
      const cases: Array<[NodeJS.ProcessEnv, string]> = [
        [{ PRIVACYIDEA_REALM: 'x', PRIVACYIDEA_API_TOKEN: 't' }, 'PRIVACYIDEA_URL'],
        [{ ...base, PRIVACYIDEA_URL: 'ftp://x', PRIVACYIDEA_API_TOKEN: 't' }, 'PRIVACYIDEA_URL'],
        [{ ...base }, 'PRIVACYIDEA_ADMIN_USER'],
        [{ ...base, PRIVACYIDEA_ADMIN_USER: 'a' }, 'PRIVACYIDEA_ADMIN_PASSWORD'],
        [{ ...base, PRIVACYIDEA_API_TOKEN: 't', PRIVACYIDEA_ADMIN_USER: 'a' }, 'PRIVACYIDEA_API_TOKEN'],
        [{ ...base, PRIVACYIDEA_API_TOKEN: 't', PRIVACYIDEA_CA_FILE: '/nonexistent/ca.pem' }, 'PRIVACYIDEA_CA_FILE'],
        [{ ...base, PRIVACYIDEA_API_TOKEN: 't', PRIVACYIDEA_TIMEOUT_MS: 'soon' }, 'PRIVACYIDEA_TIMEOUT_MS'],
      ];
      for (const [env, variable] of cases) {
        const err = (() => {
          try {
            loadPrivacyIdeaConfig(env);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).variable).toBe(variable);
      }
    });
  });

  describe('platform check', () => {
    it('reports what works, and what is missing', async () => {
      const env = { PRIVACYIDEA_URL: server.url, PRIVACYIDEA_REALM: REALM, PRIVACYIDEA_ADMIN_USER: 'helpdesk', PRIVACYIDEA_ADMIN_PASSWORD: ADMIN_PASSWORD, PRIVACYIDEA_GROUP_ATTRIBUTE: 'groups' };
      const good = await checkPrivacyIdea(env);
      expect(good.ok).toBe(true);
      expect(good.lines.join('\n')).toContain('logged in');
      server.rights.delete('resync');
      server.rights.delete('auditlog');
      const bad = await checkPrivacyIdea(env);
      expect(bad.ok).toBe(false);
      expect(bad.lines.join('\n')).toContain('"resync"');
      expect(bad.lines.join('\n')).toContain('read the audit log');
      expect(bad.lines.join('\n')).not.toContain(ADMIN_PASSWORD);
      server.rights.add('resync');
      server.rights.add('auditlog');
      server.rights.delete('tokenlist');
      const silent = await checkPrivacyIdea(env);
      expect(silent.ok).toBe(false);
      expect(silent.lines).toContain('✗ missing admin policy action "tokenlist" to list tokens (GET /token/)');
      expect(silent.lines.some((l) => l.startsWith('✗ missing admin policy action "tokenlist" for realm'))).toBe(true);
      server.rights.add('tokenlist');
      const wrong = await checkPrivacyIdea({ ...env, PRIVACYIDEA_ADMIN_PASSWORD: 'nope' });
      expect(wrong.ok).toBe(false);
      expect(wrong.lines.at(-1)).toContain('wrong user or password');
      expect((await checkPrivacyIdea({ PRIVACYIDEA_REALM: REALM })).lines[0]).toContain('PRIVACYIDEA_URL');
    });
  });
});
