import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformUnavailable } from '../../integrations/twofa/errors.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { PrivacyIdeaPlatform } from '../../integrations/twofa/privacyidea/adapter.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { EffectExecutor } from '../../workers/effects/effect-executor.js';
import { Keys } from '../../workers/store/keys.js';
import { PI_ALICE_SECRET, piConfig, piSeed, startFakePrivacyIdea, type FakePrivacyIdea } from '../support/fake-privacyidea.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

/** alice's phone, 300 presses ahead of the server's counter of 10 */
function alicePhone(): VirtualToken {
  return new VirtualToken({ secret: PI_ALICE_SECRET, counter: 310, kind: 'mobilepass', digits: 6 });
}

/** A ticket system that only hands back the requester's comment with the codes (the executor reads it at the time of use). */
function deskWith(body: string): TicketSystem {
  return { getComment: async () => ({ body }) } as unknown as TicketSystem;
}

describe('privacyIDEA resync retried after its answer was lost', () => {
  let server: FakePrivacyIdea;
  let redis: Redis;
  let prefix: string;
  let pi: PrivacyIdeaPlatform;

  beforeEach(async () => {
    server = await startFakePrivacyIdea(piSeed());
    redis = newRedis();
    prefix = freshPrefix('pi-retry');
    pi = new PrivacyIdeaPlatform({ config: piConfig(server.url), redis, prefix, client: { retryBaseDelayMs: 5, retryMaxDelayMs: 20 } });
  });

  afterEach(async () => {
    await pi.close();
    await server.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('does not send the resync twice when the connection drops after the server acted', async () => {
    const phone = alicePhone();
    const [a, b] = [phone.nextCode(), phone.nextCode()];
    server.faults.add({ path: '/token/resync', times: 1, fault: { dropResponse: true } });
    await expect(pi.resyncOtp('alice', 'OATH0001', a, b)).rejects.toBeInstanceOf(PlatformUnavailable);
    expect(server.requests.filter((r) => r === 'POST /token/resync')).toHaveLength(1);
    // The server did act: the counter moved past the two codes.
    expect(server.tokens.get('OATH0001')?.count).toBe(312);
  });

  it('answers codes_already_used for the same codes after a lost answer, from the audit log', async () => {
    const phone = alicePhone();
    const [a, b] = [phone.nextCode(), phone.nextCode()];
    server.faults.add({ path: '/token/resync', times: 1, fault: { dropResponse: true } });
    await pi.resyncOtp('alice', 'OATH0001', a, b).catch(() => undefined);
    expect(await pi.resyncOtp('alice', 'OATH0001', a, b)).toEqual({ ok: false, reason: 'codes_already_used' });
    expect(server.requests).toContain('GET /audit/');
  });

  it('still answers codes_not_in_window for wrong codes when the token had no resync lately', async () => {
    expect(await pi.resyncOtp('alice', 'OATH0001', '123456', '654321')).toEqual({ ok: false, reason: 'codes_not_in_window' });
  });

  it('does not count another token’s resync, nor a failed one, as this token’s', async () => {
    await pi.resyncOtp('alice', 'OATH0001', '123456', '654321');
    const bob = new VirtualToken({ secret: server.tokens.get('OATH0002')?.secret ?? '', counter: 50, kind: 'mobilepass', digits: 8 });
    expect(await pi.resyncOtp('bob', 'OATH0002', bob.nextCode(), bob.nextCode())).toEqual({ ok: true });
    expect(await pi.resyncOtp('alice', 'OATH0001', '123456', '654321')).toEqual({ ok: false, reason: 'codes_not_in_window' });
  });

  it('looks back only as far as it is told: an old resync does not excuse wrong codes', async () => {
    const phone = alicePhone();
    expect(await pi.resyncOtp('alice', 'OATH0001', phone.nextCode(), phone.nextCode())).toEqual({ ok: true });
    const entry = server.audit.find((e) => e.action === 'POST /token/resync' && e.success === 1);
    if (entry) entry.date = new Date(Date.now() - 20 * 60_000).toISOString().replace('Z', '000');
    expect(await pi.resyncOtp('alice', 'OATH0001', '123456', '654321')).toEqual({ ok: false, reason: 'codes_not_in_window' });
  });

  describe('through the effect executor', () => {
    function executor(body: string): EffectExecutor {
      return new EffectExecutor({
        platform: pi,
        ticketing: new Map([['local', deskWith(body)]]),
        timers: { setTimer: async () => undefined },
        resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: 5 },
      });
    }
    const effect = { type: 'resyncOtp', id: '1.4.0', userId: 'alice', serial: 'OATH0001', commentId: 'c1', codeLength: 6 } as const;
    const ctx = (retry: boolean) => ({ tk: 'local:t1', key: 'local:t1|1.4.0', retryAfterUnknownOutcome: retry });

    it('reports the retry of a resync whose first answer was dropped as resyncSucceeded, not as rejected codes', async () => {
      const phone = alicePhone();
      const fx = executor(`${phone.nextCode()} ${phone.nextCode()}`);
      server.faults.add({ path: '/token/resync', times: 1, fault: { dropResponse: true } });
      await expect(fx.run(effect, ctx(false))).rejects.toBeInstanceOf(PlatformUnavailable);
      expect(await fx.run(effect, ctx(true))).toMatchObject({ type: 'resyncSucceeded', effectId: '1.4.0' });
    });

    it('reports the same codes from a fresh effect (no unknown outcome) as rejected', async () => {
      const phone = alicePhone();
      const fx = executor(`${phone.nextCode()} ${phone.nextCode()}`);
      expect(await fx.run(effect, ctx(false))).toMatchObject({ type: 'resyncSucceeded' });
      expect(await fx.run({ ...effect, id: '1.5.0' }, { ...ctx(false), key: 'local:t1|1.5.0' })).toMatchObject({ type: 'resyncRejected', reason: 'codes_already_used' });
    });
  });
});
