import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PlatformUserNotFound, TokenNotFound } from '../../integrations/twofa/errors.js';
import { LocalPlatform, type LocalPlatformOptions } from '../../integrations/twofa/local/adapter.js';
import { GroupNotFound } from '../../integrations/twofa/local/group-not-found.js';
import { parseSeed, type Seed } from '../../integrations/twofa/local/seed.js';
import { TokenModeMismatch } from '../../integrations/twofa/local/token-mode-mismatch.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';

const ALICE_SECRET = 'E22QIDWL2NM7AIKYUQBOOC45U5KMXAKJ';
const BOB_SECRET = 'AIDNYO2WRALLB7G56OAJBENN3FII44JE';
const DAN_SECRET = 'EXJDW34IBDF6BSHM5ZELUG3XPF4YTWYK';

const SEED: Seed = parseSeed({
  users: [
    { id: 'u1', userName: 'alice', firstName: 'Alice', lastName: 'Archer', email: 'Alice.Archer@Example.com' },
    { id: 'u2', userName: 'bob', firstName: 'Bob', lastName: 'Baker', email: 'bob.baker@example.com' },
    { id: 'u3', userName: 'john.smith', firstName: 'John', lastName: 'Smith', email: 'john.smith@example.org' },
    { id: 'u4', userName: 'jane.smith', firstName: 'Jane', lastName: 'Smith' },
    { id: 'u5', userName: 'dan', firstName: 'Dan', lastName: 'Doe' },
  ],
  groups: ['VPN Users', 'Remote Access'],
  memberships: [{ userId: 'u1', group: 'VPN Users' }],
  tokens: [
    { serial: 'MP-1', userId: 'u1', kind: 'mobilepass', secret: ALICE_SECRET, counter: 10, state: 'active' },
    { serial: 'KT-2', userId: 'u2', kind: 'kt4', secret: BOB_SECRET, counter: 42, state: 'active' },
    { serial: 'MP-5', userId: 'u5', kind: 'mobilepass', secret: DAN_SECRET, counter: 0, state: 'locked', digits: 8 },
  ],
});

const url = process.env.TEST_REDIS_URL;
if (!url) throw new Error('TEST_REDIS_URL is not set: run through vitest (test/support/global-setup.ts)');

describe('LocalPlatform (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let platform: LocalPlatform;
  const extra: Redis[] = [];

  function platformWith(options: Partial<LocalPlatformOptions> = {}): LocalPlatform {
    return new LocalPlatform({ redis, prefix, ...options });
  }

  /** alice's phone, `drift` presses ahead of the server's counter of 10 */
  function alicePhone(drift: number): VirtualToken {
    return new VirtualToken({ secret: ALICE_SECRET, counter: 10 + drift, kind: 'mobilepass', digits: 6 });
  }

  /** the names of the commands `call` sends; real Redis still answers each one */
  async function commandsSentBy(call: () => Promise<unknown>): Promise<string[]> {
    const sendCommand = vi.spyOn(redis, 'sendCommand');
    try {
      await call();
      return sendCommand.mock.calls.map(([command]) => command.name);
    } finally {
      sendCommand.mockRestore();
    }
  }

  beforeEach(async () => {
    redis = new Redis(url);
    prefix = `test-${randomUUID()}`;
    platform = platformWith();
    await platform.seed(SEED);
  });

  afterEach(async () => {
    await platform.clear();
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    for (const r of extra.splice(0)) r.disconnect();
    redis.disconnect();
  });

  describe('users', () => {
    it('finds a user by email, user name or last name, ignoring case', async () => {
      expect(await platform.findUsers({ email: 'alice.archer@example.COM' })).toEqual([
        { id: 'u1', userName: 'alice', firstName: 'Alice', lastName: 'Archer', email: 'Alice.Archer@Example.com' },
      ]);
      expect((await platform.findUsers({ userName: 'BOB' })).map((u) => u.id)).toEqual(['u2']);
      expect((await platform.findUsers({ lastName: ' smith ' })).map((u) => u.id)).toEqual(['u3', 'u4']);
    });

    it('matches exactly, not by prefix, and finds nobody for an empty query', async () => {
      expect(await platform.findUsers({ email: 'alice.archer@example' })).toEqual([]);
      expect(await platform.findUsers({ lastName: 'Smit' })).toEqual([]);
      expect(await platform.findUsers({})).toEqual([]);
    });

    it('requires every field given to match', async () => {
      expect((await platform.findUsers({ lastName: 'Smith', userName: 'jane.smith' })).map((u) => u.id)).toEqual(['u4']);
      expect(await platform.findUsers({ lastName: 'Smith', email: 'alice.archer@example.com' })).toEqual([]);
    });

    it('keeps the index right when a re-seed changes an email', async () => {
      const moved = { ...SEED, users: SEED.users.map((u) => (u.id === 'u1' ? { ...u, email: 'alice@new.example' } : u)) };
      await platform.seed(moved);
      expect(await platform.findUsers({ email: 'alice.archer@example.com' })).toEqual([]);
      expect((await platform.findUsers({ email: 'ALICE@new.example' })).map((u) => u.id)).toEqual(['u1']);
    });

    it('intersects an email and a last name', async () => {
      expect((await platform.findUsers({ lastName: 'smith', email: ' JOHN.smith@example.org ' })).map((u) => u.id)).toEqual(['u3']);
    });

    it('finds nobody for an unknown email', async () => {
      expect(await platform.findUsers({ email: 'nobody@example.com' })).toEqual([]);
      expect(await platform.findUsers({ email: 'nobody@example.com', lastName: 'Smith' })).toEqual([]);
    });

    it('leaves out a user still in the index whose record is gone', async () => {
      await redis.del(`${prefix}:tfa:user:u4`);
      expect((await platform.findUsers({ lastName: 'Smith' })).map((u) => u.id)).toEqual(['u3']);
    });
  });

  describe('groups', () => {
    it('reads groups and adds one idempotently', async () => {
      expect(await platform.getGroups('u1')).toEqual(['VPN Users']);
      expect(await platform.getGroups('u2')).toEqual([]);
      await platform.addToGroup('u2', 'VPN Users');
      await platform.addToGroup('u2', 'VPN Users');
      expect(await platform.getGroups('u2')).toEqual(['VPN Users']);
    });

    it('keeps a membership added at run time when the seed is loaded again', async () => {
      await platform.addToGroup('u2', 'Remote Access');
      await platform.seed(SEED);
      expect(await platform.getGroups('u2')).toEqual(['Remote Access']);
    });

    it('refuses an unknown group or user', async () => {
      await expect(platform.addToGroup('u2', 'Admins')).rejects.toBeInstanceOf(GroupNotFound);
      await expect(platform.getGroups('nobody')).rejects.toBeInstanceOf(PlatformUserNotFound);
      await expect(platform.addToGroup('nobody', 'VPN Users')).rejects.toBeInstanceOf(PlatformUserNotFound);
    });
  });

  describe('tokens', () => {
    it('lists MobilePASS as otp and KT-4 as challenge tokens', async () => {
      expect(await platform.listTokens('u1')).toEqual([{ serial: 'MP-1', type: 'MobilePASS', mode: 'otp', state: 'active', codeLength: 6 }]);
      expect(await platform.listTokens('u2')).toEqual([{ serial: 'KT-2', type: 'KT-4', mode: 'challenge', state: 'active', codeLength: 8 }]);
      expect(await platform.listTokens('u5')).toEqual([{ serial: 'MP-5', type: 'MobilePASS', mode: 'otp', state: 'locked', codeLength: 8 }]);
      expect(await platform.listTokens('u3')).toEqual([]);
    });

    it("lists a user's tokens by serial, without another user's token or a token that is gone", async () => {
      const more = parseSeed({
        ...SEED,
        tokens: [
          ...SEED.tokens,
          { serial: 'MP-9', userId: 'u1', kind: 'mobilepass', secret: ALICE_SECRET, counter: 0, state: 'revoked' },
          { serial: 'KT-0', userId: 'u1', kind: 'kt4', secret: BOB_SECRET, counter: 0, state: 'active' },
        ],
      });
      await platform.seed(more);
      // a set that names another user's token and a token deleted under it: neither is listed
      await redis.sadd(`${prefix}:tfa:tokens-of:u1`, 'KT-2', 'MP-404');
      expect((await platform.listTokens('u1')).map((t) => t.serial)).toEqual(['KT-0', 'MP-1', 'MP-9']);
    });

    it('refuses to list the tokens of an unknown user', async () => {
      await expect(platform.listTokens('nobody')).rejects.toBeInstanceOf(PlatformUserNotFound);
      // tokens left behind by a deleted user are not listed either
      await redis.del(`${prefix}:tfa:user:u1`);
      await expect(platform.listTokens('u1')).rejects.toBeInstanceOf(PlatformUserNotFound);
    });

    it('hides a token from another user', async () => {
      const phone = alicePhone(5);
      await expect(platform.resyncOtp('u2', 'MP-1', phone.nextCode(), phone.nextCode())).rejects.toBeInstanceOf(TokenNotFound);
      await expect(platform.startChallenge('u1', 'KT-2')).rejects.toBeInstanceOf(TokenNotFound);
      await expect(platform.resyncOtp('u1', 'MP-404', '123456', '234567')).rejects.toBeInstanceOf(TokenNotFound);
    });
  });

  describe('resyncOtp', () => {
    it('resyncs a phone drifted 300 ahead and moves the counter past the codes', async () => {
      const phone = alicePhone(300);
      expect(await platform.resyncOtp('u1', 'MP-1', phone.nextCode(), phone.nextCode())).toEqual({ ok: true });
      // The counter is now 312: the phone's next code logs in, with no look-ahead needed.
      expect(await platformWith({ authWindow: 0 }).authenticate('alice', phone.nextCode())).toBe(true);
    });

    it('answers codes_already_used when the same codes come again', async () => {
      const phone = alicePhone(300);
      const [a, b] = [phone.nextCode(), phone.nextCode()];
      expect(await platform.resyncOtp('u1', 'MP-1', a, b)).toEqual({ ok: true });
      expect(await platform.resyncOtp('u1', 'MP-1', a, b)).toEqual({ ok: false, reason: 'codes_already_used' });
    });

    it('answers the same request again (its id) as its own success, and the same codes under another id as used', async () => {
      const phone = alicePhone(300);
      const [a, b] = [phone.nextCode(), phone.nextCode()];
      expect(await platform.resyncOtp('u1', 'MP-1', a, b, { requestId: 'local:7|1.5.0' })).toEqual({ ok: true });
      // the bot's record of the answer lost (a Redis failover): the same effect again finds the token in sync by it
      expect(await platform.resyncOtp('u1', 'MP-1', a, b, { requestId: 'local:7|1.5.0' })).toEqual({ ok: true, repeated: true });
      expect(await platform.resyncOtp('u1', 'MP-1', a, b, { requestId: 'local:8|1.5.0' })).toEqual({ ok: false, reason: 'codes_already_used' });
      expect(await platform.resyncOtp('u1', 'MP-1', a, b)).toEqual({ ok: false, reason: 'codes_already_used' });
      expect((await platform.changeLog('MP-1')).map((c) => c.requestId)).toEqual(['local:7|1.5.0']);
    });

    it('answers codes_not_in_window for codes past the look-ahead window, and accepts the last pair inside it', async () => {
      const small = platformWith({ lookAheadWindow: 100 });
      const far = alicePhone(100);
      expect(await small.resyncOtp('u1', 'MP-1', far.nextCode(), far.nextCode())).toEqual({ ok: false, reason: 'codes_not_in_window' });
      const edge = alicePhone(99);
      expect(await small.resyncOtp('u1', 'MP-1', edge.nextCode(), edge.nextCode())).toEqual({ ok: true });
    });

    it('refuses codes that are not consecutive', async () => {
      const phone = alicePhone(20);
      const a = phone.nextCode();
      phone.nextCode();
      expect(await platform.resyncOtp('u1', 'MP-1', a, phone.nextCode())).toEqual({ ok: false, reason: 'codes_not_in_window' });
      expect(await platform.resyncOtp('u1', 'MP-1', '123456', '654321')).toEqual({ ok: false, reason: 'codes_not_in_window' });
      expect(await platform.resyncOtp('u1', 'MP-1', 'abcdef', '12')).toEqual({ ok: false, reason: 'codes_not_in_window' });
    });

    it('answers token_locked for a locked token, whatever the codes', async () => {
      const phone = new VirtualToken({ secret: DAN_SECRET, counter: 3, kind: 'mobilepass', digits: 8 });
      expect(await platform.resyncOtp('u5', 'MP-5', phone.nextCode(), phone.nextCode())).toEqual({ ok: false, reason: 'token_locked' });
    });

    it('lets exactly one of two concurrent resyncs with the same codes succeed', async () => {
      const other = new Redis(url);
      extra.push(other);
      const second = new LocalPlatform({ redis: other, prefix });
      const phone = alicePhone(250);
      for (let round = 0; round < 10; round++) {
        const [a, b] = [phone.nextCode(), phone.nextCode()];
        const outcomes = await Promise.all([platform.resyncOtp('u1', 'MP-1', a, b), second.resyncOtp('u1', 'MP-1', a, b)]);
        expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
        expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, reason: 'codes_already_used' }]);
      }
    });

    it('keeps the counter when the seed is loaded again, and resets it with replace', async () => {
      const phone = alicePhone(300);
      const [a, b] = [phone.nextCode(), phone.nextCode()];
      expect(await platform.resyncOtp('u1', 'MP-1', a, b)).toEqual({ ok: true });
      await platform.seed(SEED);
      expect(await platform.resyncOtp('u1', 'MP-1', a, b)).toEqual({ ok: false, reason: 'codes_already_used' });
      await platform.seed(SEED, { replace: true });
      expect(await platform.resyncOtp('u1', 'MP-1', a, b)).toEqual({ ok: true });
    });
  });

  describe('KT-4 challenge/response', () => {
    const bobDevice = () => new VirtualToken({ secret: BOB_SECRET, counter: 42 + 57, kind: 'kt4', digits: 8 });

    it('issues an 8-digit challenge and resyncs a drifted KT-4 with its response', async () => {
      const { challenge } = await platform.startChallenge('u2', 'KT-2');
      expect(challenge).toMatch(/^\d{8}$/);
      const device = bobDevice();
      expect(await platform.resyncChallenge('u2', 'KT-2', challenge, device.respond(challenge))).toEqual({ ok: true });
      // The server counter is now 100, where the device is.
      expect(await platformWith({ authWindow: 0 }).authenticate('bob', device.nextCode())).toBe(true);
    });

    it('uses the random source it is given, zero-padded', async () => {
      const seeded = platformWith({ random: () => 0.00001234 });
      expect(await seeded.startChallenge('u2', 'KT-2')).toEqual({ challenge: '00001234' });
    });

    it('answers codes_already_used for a replayed response and codes_not_in_window for a challenge never issued', async () => {
      const { challenge } = await platform.startChallenge('u2', 'KT-2');
      const response = bobDevice().respond(challenge);
      expect(await platform.resyncChallenge('u2', 'KT-2', challenge, response)).toEqual({ ok: true });
      expect(await platform.resyncChallenge('u2', 'KT-2', challenge, response)).toEqual({ ok: false, reason: 'codes_already_used' });
      const device = bobDevice();
      expect(await platform.resyncChallenge('u2', 'KT-2', '12345678', device.respond('12345678'))).toEqual({ ok: false, reason: 'codes_not_in_window' });
    });

    it('refuses a wrong response and keeps the challenge pending for another try', async () => {
      const { challenge } = await platform.startChallenge('u2', 'KT-2');
      expect(await platform.resyncChallenge('u2', 'KT-2', challenge, '00000000')).toEqual({ ok: false, reason: 'codes_not_in_window' });
      expect(await platform.resyncChallenge('u2', 'KT-2', challenge, bobDevice().respond(challenge))).toEqual({ ok: true });
    });

    it('only accepts the latest challenge', async () => {
      const first = await platform.startChallenge('u2', 'KT-2');
      // another challenge than the first: +0.5 keeps floor() off a rounding edge, which gave the first one again now and then
      const second = await platformWith({ random: () => (((Number(first.challenge) + 1) % 1e8) + 0.5) / 1e8 }).startChallenge('u2', 'KT-2');
      expect(second.challenge).not.toBe(first.challenge);
      expect(await platform.resyncChallenge('u2', 'KT-2', first.challenge, bobDevice().respond(first.challenge))).toEqual({ ok: false, reason: 'codes_not_in_window' });
      expect(await platform.resyncChallenge('u2', 'KT-2', second.challenge, bobDevice().respond(second.challenge))).toEqual({ ok: true });
    });

    it('lets exactly one of two concurrent responses succeed', async () => {
      const other = new Redis(url);
      extra.push(other);
      const second = new LocalPlatform({ redis: other, prefix });
      const { challenge } = await platform.startChallenge('u2', 'KT-2');
      const response = bobDevice().respond(challenge);
      const outcomes = await Promise.all([platform.resyncChallenge('u2', 'KT-2', challenge, response), second.resyncChallenge('u2', 'KT-2', challenge, response)]);
      expect(outcomes).toContainEqual({ ok: true });
      expect(outcomes).toContainEqual({ ok: false, reason: 'codes_already_used' });
    });

    it('refuses a challenge for a MobilePASS', async () => {
      await expect(platform.startChallenge('u1', 'MP-1')).rejects.toBeInstanceOf(TokenModeMismatch);
    });
  });

  describe('authenticate', () => {
    it('accepts a code within the small window ahead, once, and records every attempt', async () => {
      let now = 1_000;
      const clocked = platformWith({ now: () => now });
      const phone = alicePhone(3);
      const code = phone.nextCode();
      expect(await clocked.authenticate('ALICE', code)).toBe(true);
      now = 2_000;
      expect(await clocked.authenticate('alice', code)).toBe(false);
      now = 3_000;
      expect(await clocked.authenticate('alice', '000000x')).toBe(false);
      expect(await clocked.recentAuthentications('u1', 0)).toEqual([
        { at: 3_000, success: false, serial: 'MP-1' },
        { at: 2_000, success: false, serial: 'MP-1' },
        { at: 1_000, success: true, serial: 'MP-1' },
      ]);
      expect(await clocked.recentAuthentications('u1', 2_000)).toHaveLength(2);
    });

    it('refuses a code past the login window: that takes a resync', async () => {
      expect(await platform.authenticate('alice', alicePhone(4).nextCode())).toBe(false);
      expect(await platform.authenticate('alice', alicePhone(3).nextCode())).toBe(true);
    });

    it('logs a KT-4 in with its 8-digit event code', async () => {
      const device = new VirtualToken({ secret: BOB_SECRET, counter: 43, kind: 'kt4', digits: 8 });
      expect(await platform.authenticate('bob', device.nextCode())).toBe(true);
    });

    it('refuses a locked token and unknown users', async () => {
      const phone = new VirtualToken({ secret: DAN_SECRET, counter: 0, kind: 'mobilepass', digits: 8 });
      expect(await platform.authenticate('dan', phone.nextCode())).toBe(false);
      expect(await platform.authenticate('nobody', '123456')).toBe(false);
      await expect(platform.recentAuthentications('nobody', 0)).rejects.toBeInstanceOf(PlatformUserNotFound);
    });

    it('trusts the user name index: a login does not read the user record', async () => {
      await redis.del(`${prefix}:tfa:user:u1`);
      expect(await platform.authenticate('alice', alicePhone(0).nextCode())).toBe(true);
    });
  });

  // Each call is on the critical path of a ticket's first reply: one round trip each, whatever the data.
  describe('round trips', () => {
    it('finds users by email in one command', async () => {
      let users: unknown;
      expect(await commandsSentBy(async () => (users = await platform.findUsers({ email: 'bob.baker@example.com' })))).toHaveLength(1);
      expect(users).toEqual([{ id: 'u2', userName: 'bob', firstName: 'Bob', lastName: 'Baker', email: 'bob.baker@example.com' }]);
    });

    it('finds users by several fields in one command', async () => {
      expect(await commandsSentBy(() => platform.findUsers({ lastName: 'Smith', userName: 'jane.smith' }))).toHaveLength(1);
      expect(await commandsSentBy(() => platform.findUsers({ email: 'nobody@example.com' }))).toHaveLength(1);
    });

    it('lists tokens in one command, and refuses an unknown user in one command', async () => {
      expect(await commandsSentBy(() => platform.listTokens('u1'))).toHaveLength(1);
      expect(await commandsSentBy(() => platform.listTokens('nobody').catch((e: unknown) => e))).toHaveLength(1);
    });

    it('defines its scripts on a connection where an older instance defined only some', async () => {
      const shared = new Redis(url);
      extra.push(shared);
      shared.defineCommand('tfaAdvance', { numberOfKeys: 1, lua: "return 'ok'" });
      const onShared = new LocalPlatform({ redis: shared, prefix });
      expect((await onShared.findUsers({ email: 'bob.baker@example.com' })).map((u) => u.id)).toEqual(['u2']);
      expect((await onShared.listTokens('u2')).map((t) => t.serial)).toEqual(['KT-2']);
    });
  });
});
