import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlatformError } from '../../integrations/twofa/errors.js';
import { PrivacyIdeaPlatform } from '../../integrations/twofa/privacyidea/adapter.js';
import { checkPrivacyIdea } from '../../integrations/twofa/privacyidea/check.js';
import type { PrivacyIdeaConfig } from '../../integrations/twofa/privacyidea/config.js';
import { privacyIdeaPeer } from '../support/privacyidea-peer.js';
import { BOT_ACTIONS, realFixture, type RealFixture } from '../support/privacyidea-real-fixture.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof PlatformError)) throw new Error(`expected a PlatformError, got ${String(err)}`);
  return err;
}

/**
 * Issue 18, 2, 3 and 5 on the real server: `platform check` works on 3.12 (its token probe no longer asks for a list
 * by realm without a user, 400 ERR904 before 3.13); a missing right stops the step that needs it, named, with a
 * password login or an API token (privacyIDEA answers an empty list without `tokenlist`, not 403); a wrong password
 * says so instead of blaming a permission.
 */
describe('privacyIDEA (real 3.12): rights and credentials', () => {
  let fx: RealFixture;
  let redis: Redis;
  let prefix: string;
  const platforms: PrivacyIdeaPlatform[] = [];

  function platform(config: PrivacyIdeaConfig, now?: () => number): PrivacyIdeaPlatform {
    const p = new PrivacyIdeaPlatform({ config, redis, prefix, ...(now ? { now, client: { now } } : {}) });
    platforms.push(p);
    return p;
  }

  beforeAll(async () => {
    fx = await realFixture('rt', ['hal', 'ida']);
  });

  afterAll(async () => {
    await fx.teardown();
  });

  beforeEach(() => {
    redis = newRedis();
    prefix = freshPrefix('pi-real-rights');
  });

  afterEach(async () => {
    for (const p of platforms.splice(0)) await p.close();
    await fx.setActions(BOT_ACTIONS);
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  describe('platform check', () => {
    it('passes on 3.12 with the seeded bot admin: its token probe is a call every version answers (no ERR904)', async () => {
      const { ok, lines } = await checkPrivacyIdea(privacyIdeaPeer().env);
      expect(lines.join('\n')).not.toContain('ERR904');
      expect(lines).toContain('✓ tokens of the realm can be listed (admin policy action "tokenlist" for realm "helpdesk")');
      expect(lines.filter((l) => l.startsWith('✗'))).toEqual([]);
      expect(ok).toBe(true);
    });

    it('names a missing tokenlist, which privacyIDEA itself would only answer with empty lists', async () => {
      await fx.setActions('userlist, resync, auditlog');
      for (const credentials of ['password', 'token'] as const) {
        const { ok, lines } = await checkPrivacyIdea(fx.env(credentials));
        expect(ok).toBe(false);
        expect(lines.some((l) => l.startsWith('✗') && l.includes('"tokenlist"'))).toBe(true);
      }
    });

    it('checks an API token too: every right the bot needs is probed, and nothing on the token changes', async () => {
      const t = fx.token('hal');
      const before = await fx.state(t.serial);
      const good = await checkPrivacyIdea(fx.env('token'));
      expect(good.lines).toContain('✓ tokens can be resynced (probed without codes: nothing changed)');
      expect(good.lines.filter((l) => l.startsWith('✗'))).toEqual([]);
      expect(good.ok).toBe(true);
      expect(await fx.state(t.serial)).toEqual(before);
      await fx.setActions('userlist, tokenlist, auditlog');
      const bad = await checkPrivacyIdea(fx.env('token'));
      expect(bad.ok).toBe(false);
      expect(bad.lines.some((l) => l.startsWith('✗ missing admin policy action "resync"'))).toBe(true);
    });

    it('says "wrong user or password" for a wrong admin password (401 ERR4031), not a missing permission', async () => {
      const { ok, lines } = await checkPrivacyIdea({ ...fx.env(), PRIVACYIDEA_ADMIN_PASSWORD: 'not-the-password-42' });
      expect(ok).toBe(false);
      const line = lines.find((l) => l.startsWith('✗')) ?? '';
      expect(line).toContain('wrong user or password');
      expect(line).not.toMatch(/permission/);
      expect(lines.join('\n')).not.toContain('not-the-password-42');
    });
  });

  describe('the running adapter', () => {
    it.each(['password', 'token'] as const)('refuses to list tokens without "tokenlist", naming it, instead of reading "no token" (%s login)', async (credentials) => {
      const t = fx.token('hal');
      expect((await platform(fx.config(credentials)).listTokens(t.user)).map((x) => x.serial)).toEqual([t.serial]);
      await fx.setActions('userlist, resync, auditlog');
      const pi = platform(fx.config(credentials));
      const err = await failure(pi.listTokens(t.user));
      expect(err.name).toBe('PlatformForbidden');
      expect(err.reason).toContain('"tokenlist"');
      const resync = await failure(pi.resyncOtp(t.user, t.serial, '123456', '654321'));
      expect(resync.reason).toContain('"tokenlist"');
    });

    it('refuses the re-test without "auditlog", naming it', async () => {
      await fx.setActions('userlist, tokenlist, resync');
      const err = await failure(platform(fx.config()).recentAuthentications(fx.token('ida').user, Date.now() - 60_000));
      expect(err.name).toBe('PlatformForbidden');
      expect(err.reason).toContain('"auditlog"');
    });

    it('uses a right granted while it runs within a minute, without a restart', async () => {
      let clock = Date.now();
      const t = fx.token('ida');
      await fx.setActions('userlist, resync, auditlog');
      const pi = platform(fx.config(), () => clock);
      expect((await failure(pi.listTokens(t.user))).reason).toContain('"tokenlist"');
      await fx.setActions(BOT_ACTIONS);
      clock += 61_000;
      expect((await pi.listTokens(t.user)).map((x) => x.serial)).toEqual([t.serial]);
    });

    it('says "wrong user or password" for a wrong admin password, and that an API token is not one of the server', async () => {
      const wrong = await failure(platform(fx.config('password', { credentials: { kind: 'password', username: fx.admin.username, password: 'not-the-password-42' } })).findUsers({ userName: 'x' }));
      expect(wrong.reason).toContain('wrong user or password');
      expect(wrong.reason).not.toMatch(/permission/);
      expect(`${wrong.message} ${wrong.reason}`).not.toContain('not-the-password-42');
      const forged = await failure(platform(fx.config('token', { credentials: { kind: 'token', token: 'not-a-jwt-at-all' } })).findUsers({ userName: 'x' }));
      expect(forged.reason).toContain('PRIVACYIDEA_API_TOKEN is not a token this server issued');
    });
  });
});
