import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotSupportedByPlatform, PlatformError, PlatformUserNotFound, TokenNotFound } from '../../integrations/twofa/errors.js';
import type { TwoFactorPlatform } from '../../integrations/twofa/platform.js';
import type { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { TokenInfoSchema } from '../../workflows/resync/model.js';

/**
 * What a platform under test brings to the shared contract. Every TwoFactorPlatform passes the same
 * suite; where a capability is false the suite expects NotSupportedByPlatform instead of the behaviour.
 */
export interface ContractFixture {
  platform: TwoFactorPlatform;
  /** a user findable by each of these fields, alone in the platform with them */
  user: { id: string; userName: string; email: string; lastName: string };
  /** a group the user is already in */
  memberOf: string;
  /** an existing group the user is not in */
  otherGroup: string;
  /**
   * the user's MobilePASS-like token and their device, drifted ahead of the server within the look-ahead
   * window; none when the platform cannot list tokens (then listTokens must be NotSupportedByPlatform)
   */
  otp?: { serial: string; device: VirtualToken };
  /** a serial that belongs to another user */
  foreignSerial: string;
  /** the user's KT-4-like token and device (platforms that can challenge) */
  challenge?: { serial: string; device: VirtualToken };
  /** the user logs in on the platform's side with this code (for the auth log) */
  login(code: string): Promise<void>;
  cleanup(): Promise<void>;
}

function expectNotSupported(promise: Promise<unknown>): Promise<void> {
  return expect(promise).rejects.toBeInstanceOf(NotSupportedByPlatform);
}

export function describePlatformContract(name: string, setup: () => Promise<ContractFixture>): void {
  describe(`TwoFactorPlatform contract: ${name}`, () => {
    let f: ContractFixture;

    beforeEach(async () => {
      f = await setup();
    });

    afterEach(async () => {
      await f.cleanup();
    });

    it('states each capability as a boolean', () => {
      const c = f.platform.capabilities;
      for (const key of ['canAddToGroup', 'canResync', 'canChallenge', 'canReadAuthLog'] as const) expect(typeof c[key]).toBe('boolean');
      expect(f.platform.name).toMatch(/\S/);
    });

    describe('findUsers', () => {
      it('finds the user by email, by user name and by last name', async () => {
        for (const query of [{ email: f.user.email }, { userName: f.user.userName }, { lastName: f.user.lastName }]) {
          const users = await f.platform.findUsers(query);
          expect(users.map((u) => u.id)).toEqual([f.user.id]);
          expect(users[0]).toMatchObject({ userName: f.user.userName, email: f.user.email, lastName: f.user.lastName });
        }
      });

      it('finds nobody for an unknown value or an empty query', async () => {
        expect(await f.platform.findUsers({ email: 'nobody.at.all@example.invalid' })).toEqual([]);
        expect(await f.platform.findUsers({ userName: 'no-such-user-anywhere' })).toEqual([]);
        expect(await f.platform.findUsers({})).toEqual([]);
      });
    });

    describe('groups', () => {
      it("reads the user's groups", async () => {
        expect(await f.platform.getGroups(f.user.id)).toContain(f.memberOf);
      });

      it('reports an unknown user as PlatformUserNotFound', async () => {
        await expect(f.platform.getGroups('no-such-user-anywhere')).rejects.toBeInstanceOf(PlatformUserNotFound);
      });

      it('adds a group idempotently, or says it cannot', async () => {
        if (!f.platform.capabilities.canAddToGroup) {
          await expectNotSupported(f.platform.addToGroup(f.user.id, f.otherGroup));
          return;
        }
        await f.platform.addToGroup(f.user.id, f.otherGroup);
        await f.platform.addToGroup(f.user.id, f.otherGroup);
        const groups = await f.platform.getGroups(f.user.id);
        expect(groups).toEqual(expect.arrayContaining([f.memberOf, f.otherGroup]));
        expect(groups.filter((g) => g === f.otherGroup)).toHaveLength(1);
      });
    });

    describe('listTokens', () => {
      it("lists the user's OTP token in the workflow's shape, or says it cannot", async () => {
        if (!f.otp) {
          await expectNotSupported(f.platform.listTokens(f.user.id));
          return;
        }
        const tokens = await f.platform.listTokens(f.user.id);
        for (const t of tokens) expect(TokenInfoSchema.safeParse(t).success).toBe(true);
        expect(tokens.find((t) => t.serial === f.otp?.serial)).toMatchObject({ mode: 'otp', state: 'active' });
        expect(tokens.map((t) => t.serial)).not.toContain(f.foreignSerial);
      });

      it('reports an unknown user as PlatformUserNotFound', async () => {
        if (!f.otp) return;
        await expect(f.platform.listTokens('no-such-user-anywhere')).rejects.toBeInstanceOf(PlatformUserNotFound);
      });
    });

    describe('resyncOtp', () => {
      it('resyncs with two consecutive codes, refuses them the second time, or says it cannot', async () => {
        const serial = f.otp?.serial ?? 'any-serial';
        if (!f.platform.capabilities.canResync || !f.otp) {
          await expectNotSupported(f.platform.resyncOtp(f.user.id, serial, '123456', '234567'));
          return;
        }
        const [a, b] = [f.otp.device.nextCode(), f.otp.device.nextCode()];
        expect(await f.platform.resyncOtp(f.user.id, serial, a, b)).toEqual({ ok: true });
        const again = await f.platform.resyncOtp(f.user.id, serial, a, b);
        expect(again.ok).toBe(false);
      });

      it('answers codes_not_in_window for codes that are not consecutive', async () => {
        if (!f.platform.capabilities.canResync || !f.otp) return;
        const a = f.otp.device.nextCode();
        f.otp.device.nextCode();
        const c = f.otp.device.nextCode();
        expect(await f.platform.resyncOtp(f.user.id, f.otp.serial, a, c)).toEqual({ ok: false, reason: 'codes_not_in_window' });
      });

      it("hides another user's token as TokenNotFound", async () => {
        if (!f.platform.capabilities.canResync || !f.otp) return;
        await expect(f.platform.resyncOtp(f.user.id, f.foreignSerial, '123456', '234567')).rejects.toBeInstanceOf(TokenNotFound);
      });
    });

    describe('challenge/response', () => {
      it('resyncs with the response to a fresh challenge, or says it cannot', async () => {
        if (!f.platform.capabilities.canChallenge || !f.challenge) {
          await expectNotSupported(f.platform.startChallenge(f.user.id, f.challenge?.serial ?? 'any-serial'));
          await expectNotSupported(f.platform.resyncChallenge(f.user.id, f.challenge?.serial ?? 'any-serial', '12345678', '12345678'));
          return;
        }
        const { challenge } = await f.platform.startChallenge(f.user.id, f.challenge.serial);
        expect(challenge).toMatch(/^\d+$/);
        expect(await f.platform.resyncChallenge(f.user.id, f.challenge.serial, challenge, f.challenge.device.respond(challenge))).toEqual({ ok: true });
      });
    });

    describe('recentAuthentications', () => {
      it('shows a login after a resync, newest first, or says it cannot', async () => {
        const since = Date.now() - 1000;
        if (!f.platform.capabilities.canReadAuthLog) {
          await expectNotSupported(f.platform.recentAuthentications(f.user.id, since));
          return;
        }
        if (f.otp && f.platform.capabilities.canResync) {
          expect(await f.platform.resyncOtp(f.user.id, f.otp.serial, f.otp.device.nextCode(), f.otp.device.nextCode())).toEqual({ ok: true });
          await f.login('00000000');
          // a millisecond apart at least, so "newest first" has one answer
          await new Promise((resolve) => setTimeout(resolve, 5));
          await f.login(f.otp.device.nextCode());
        }
        const records = await f.platform.recentAuthentications(f.user.id, since);
        expect(records.length).toBeGreaterThanOrEqual(f.otp && f.platform.capabilities.canResync ? 2 : 0);
        for (let i = 1; i < records.length; i++) expect(records[i - 1]?.at ?? 0).toBeGreaterThanOrEqual(records[i]?.at ?? 0);
        if (f.otp && f.platform.capabilities.canResync) {
          expect(records[0]).toMatchObject({ success: true });
          expect(records.some((r) => !r.success)).toBe(true);
        }
      });
    });

    it('throws only typed platform errors with a reason', async () => {
      const err = await f.platform.getGroups('no-such-user-anywhere').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformError);
      expect((err as PlatformError).reason).toMatch(/\S/);
    });
  });
}
