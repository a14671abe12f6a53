import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrivacyIdeaPlatform } from '../../integrations/twofa/privacyidea/adapter.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { EffectExecutor } from '../../workers/effects/effect-executor.js';
import { Keys } from '../../workers/store/keys.js';
import { realFixture, type RealFixture, type RealToken } from '../support/privacyidea-real-fixture.js';
import { deletePrefix, dumpPrefix, freshPrefix, newRedis } from '../support/redis.js';
import { codesIn } from '../support/secret-scan.js';

/**
 * In front of the real server: passes every request on, but for an armed path lets privacyIDEA act and answer, then
 * cuts the connection before the answer reaches the adapter (the outcome is unknown to the caller).
 */
async function lossyProxy(target: string): Promise<{ url: string; loseAnswerOf: (path: string) => void; close: () => Promise<void> }> {
  const armed = new Set<string>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const lose = armed.delete(path);
    const up = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        if (lose) {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(chunks));
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    loseAnswerOf: (path) => armed.add(path),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A ticket system that only hands back the requester's comment with the codes (the executor reads it at the time of use). */
function deskWith(body: string): TicketSystem {
  return { getComment: async () => ({ body }) } as unknown as TicketSystem;
}

/**
 * Issue 18, 4, on the real server: a refused resync used to read as `codes_already_used` whenever the token had a
 * successful resync in the last 15 minutes — wrong codes and codes far out of the window included. Only the very
 * codes this adapter sent before, after an answer that was lost, may be taken as already used.
 */
describe('privacyIDEA (real 3.12): a refused resync after an earlier one', () => {
  let fx: RealFixture;
  let proxy: Awaited<ReturnType<typeof lossyProxy>>;
  let redis: Redis;
  let prefix: string;
  const platforms: PrivacyIdeaPlatform[] = [];

  function platform(through: 'direct' | 'proxy' = 'direct'): PrivacyIdeaPlatform {
    const p = new PrivacyIdeaPlatform({ config: fx.config('password', through === 'proxy' ? { url: proxy.url } : {}), redis, prefix });
    platforms.push(p);
    return p;
  }

  /** The user's phone, `drift` codes ahead of the server's counter. */
  async function phone(user: string, drift: number): Promise<{ t: RealToken; codes: (n: number) => string }> {
    const t = fx.token(user);
    const { count } = await fx.state(t.serial);
    return { t, codes: (n) => fx.code(t, count + drift + n) };
  }

  beforeAll(async () => {
    fx = await realFixture('rr', ['jo', 'kim', 'lee', 'max']);
    proxy = await lossyProxy(fx.peer.url);
  });

  afterAll(async () => {
    await proxy.close();
    await fx.teardown();
  });

  beforeEach(() => {
    redis = newRedis();
    prefix = freshPrefix('pi-real-rr');
  });

  afterEach(async () => {
    for (const p of platforms.splice(0)) await p.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('answers codes_not_in_window for wrong codes and for codes far ahead, minutes after a successful resync', async () => {
    const pi = platform();
    const { t, codes } = await phone('jo', 30);
    expect(await pi.resyncOtp(t.user, t.serial, codes(0), codes(1))).toEqual({ ok: true });
    expect(await pi.resyncOtp(t.user, t.serial, codes(2), codes(4))).toEqual({ ok: false, reason: 'codes_not_in_window' });
    expect(await pi.resyncOtp(t.user, t.serial, codes(2000), codes(2001))).toEqual({ ok: false, reason: 'codes_not_in_window' });
    expect(await pi.resyncOtp(t.user, t.serial, '123456', '654321')).toEqual({ ok: false, reason: 'codes_not_in_window' });
  });

  it('takes the same codes, resent after their answer was lost, as already used, and the executor as the retry’s success', async () => {
    const pi = platform('proxy');
    const { t, codes } = await phone('kim', 40);
    const fx1 = new EffectExecutor({ platform: pi, ticketing: new Map([['local', deskWith(`${codes(0)} ${codes(1)}`)]]), timers: { setTimer: async () => undefined }, resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: 5 } });
    const effect = { type: 'resyncOtp', id: '1.4.0', userId: t.user, serial: t.serial, commentId: 'c1', codeLength: 6 } as const;
    const before = await fx.state(t.serial);
    proxy.loseAnswerOf('/token/resync');
    await expect(fx1.run(effect, { tk: 'local:t1', key: 'local:t1|1.4.0', retryAfterUnknownOutcome: false })).rejects.toMatchObject({ name: 'PlatformUnavailable' });
    // privacyIDEA did act: the counter moved past both codes.
    expect((await fx.state(t.serial)).count).toBe(before.count + 40 + 2);
    expect(await fx1.run(effect, { tk: 'local:t1', key: 'local:t1|1.4.0', retryAfterUnknownOutcome: true })).toMatchObject({ type: 'resyncSucceeded', effectId: '1.4.0' });
    // The same codes from a fresh effect (no unknown outcome) are a rejection, not a success.
    expect(await fx1.run({ ...effect, id: '1.5.0' }, { tk: 'local:t1', key: 'local:t1|1.5.0', retryAfterUnknownOutcome: false })).toMatchObject({ type: 'resyncRejected', reason: 'codes_already_used' });
  });

  it('after a lost answer whose resync privacyIDEA refused, the same codes are still codes_not_in_window', async () => {
    const pi = platform('proxy');
    const { t, codes } = await phone('lee', 10);
    proxy.loseAnswerOf('/token/resync');
    await expect(pi.resyncOtp(t.user, t.serial, codes(0), codes(2))).rejects.toMatchObject({ name: 'PlatformUnavailable' });
    expect(await pi.resyncOtp(t.user, t.serial, codes(3), codes(4))).toEqual({ ok: true });
    expect(await pi.resyncOtp(t.user, t.serial, codes(0), codes(2))).toEqual({ ok: false, reason: 'codes_not_in_window' });
  });

  it('remembers what it sent without keeping any code in Redis, for at most 15 minutes', async () => {
    const pi = platform();
    const { t, codes } = await phone('max', 7);
    const sent = [codes(0), codes(1), codes(5), codes(9)];
    expect(await pi.resyncOtp(t.user, t.serial, sent[0] ?? '', sent[1] ?? '')).toEqual({ ok: true });
    expect(await pi.resyncOtp(t.user, t.serial, sent[2] ?? '', sent[3] ?? '')).toEqual({ ok: false, reason: 'codes_not_in_window' });
    const dump = await dumpPrefix(redis, prefix);
    const memo = dump.filter((d) => d.key.includes('pi-resync-sent'));
    expect(memo).toHaveLength(2);
    const text = dump.map((d) => `${d.key}\n${d.values.join('\n')}`).join('\n');
    for (const code of sent) {
      expect(codesIn(text, [code])).toEqual([]);
      expect(text).not.toContain(Buffer.from(code).toString('base64'));
      expect(text).not.toContain(Buffer.from(code).toString('hex'));
    }
    for (const { key } of memo) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    }
  });
});
