import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrivacyIdeaPlatform } from '../../integrations/twofa/privacyidea/adapter.js';
import { otpDesk } from '../unit/workflow.harness.js';
import { BOT_ACTIONS, realFixture, type RealFixture, type RealToken } from '../support/privacyidea-real-fixture.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

/**
 * Issue 18, 1: users who open 2FA tickets are often the ones who hit the fail counter. privacyIDEA 3.12 resyncs a
 * token at its fail limit (answer true, counter moved) but keeps refusing its logins ("Failcounter exceeded"): the
 * resync resets the fail counter only with DefaultResetFailCount on and below maxfail. On the real server.
 */
describe('privacyIDEA (real 3.12): a token at its fail limit', () => {
  let fx: RealFixture;
  let redis: Redis;
  let prefix: string;
  const platforms: PrivacyIdeaPlatform[] = [];

  function platform(): PrivacyIdeaPlatform {
    const p = new PrivacyIdeaPlatform({ config: fx.config(), redis, prefix });
    platforms.push(p);
    return p;
  }

  /**
   * The user's token pushed to its limit by wrong logins (privacyIDEA's default maxfail 10, or a lower one to save
   * time), and their phone `drift` codes ahead of the server.
   */
  async function lockedOut(user: string, drift: number, maxfail = 10): Promise<{ t: RealToken; codes: (n: number) => string }> {
    const t = fx.token(user);
    if (maxfail !== 10) await fx.setMaxFail(t.serial, maxfail);
    await fx.failLogins(t.user, maxfail);
    const s = await fx.state(t.serial);
    expect(s.failcount).toBe(s.maxfail);
    return { t, codes: (n) => fx.code(t, s.count + drift + n) };
  }

  beforeAll(async () => {
    fx = await realFixture('fl', ['dana', 'eli', 'fay', 'gus']);
  });

  afterAll(async () => {
    await fx.teardown();
  });

  beforeEach(() => {
    redis = newRedis();
    prefix = freshPrefix('pi-real-fl');
  });

  afterEach(async () => {
    for (const p of platforms.splice(0)) await p.close();
    await fx.setActions(BOT_ACTIONS);
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('with the admin right "reset": resyncs, resets the fail counter after the codes matched, and the next code logs in', async () => {
    const { t, codes } = await lockedOut('dana', 20);
    expect(await platform().resyncOtp(t.user, t.serial, codes(0), codes(1))).toEqual({ ok: true });
    expect((await fx.state(t.serial)).failcount).toBe(0);
    expect(await fx.login(t.user, codes(2))).toMatchObject({ value: true });
  });

  it('without "reset": the resync is done, then fail_limit hands it to an agent, and the user really cannot log in until the reset', async () => {
    await fx.setActions('userlist, tokenlist, resync, auditlog');
    const { t, codes } = await lockedOut('eli', 20, 3);
    expect(await platform().resyncOtp(t.user, t.serial, codes(0), codes(1))).toEqual({ ok: false, reason: 'fail_limit' });
    // What the user would see: the right code refused. The agent's one step then lets them in.
    expect(await fx.login(t.user, codes(2))).toEqual({ value: false, message: expect.stringContaining('Failcounter exceeded') as string });
    await fx.resetFailCounter(t.serial);
    expect(await fx.login(t.user, codes(3))).toMatchObject({ value: true });
  });

  it('never counts the resync or the reset as a login: the re-test sees only real /validate/check of the user', async () => {
    const { t, codes } = await lockedOut('fay', 5, 3);
    const pi = platform();
    const since = Date.now();
    expect(await pi.resyncOtp(t.user, t.serial, codes(0), codes(1))).toEqual({ ok: true });
    expect((await pi.recentAuthentications(t.user, since)).filter((r) => r.success)).toEqual([]);
    expect(await fx.login(t.user, codes(2))).toMatchObject({ value: true });
    const seen = await pi.recentAuthentications(t.user, since);
    expect(seen.filter((r) => r.success)).toEqual([expect.objectContaining({ success: true, serial: t.serial })]);
  });

  it('tells the agent exactly what to do when the bot may not reset', async () => {
    await fx.setActions('userlist, tokenlist, resync, auditlog');
    const { t, codes } = await lockedOut('gus', 3, 3);
    const outcome = await platform().resyncOtp(t.user, t.serial, codes(0), codes(1));
    if (outcome.ok) throw new Error('expected a refusal');
    // The workflow, fed the real outcome: escalated with the console step, never resolved.
    const desk = otpDesk();
    desk.reply('287082 359152');
    desk.result('resyncRejected', { reason: outcome.reason });
    expect(desk.s.status).toBe('escalated');
    expect(desk.s.escalation?.reason).toBe('fail_limit');
    const note = desk.update().internalNote ?? '';
    expect(note).toContain('at its fail limit: reset the fail counter (Tokens > 1005956011 > Reset fail counter)');
  });
});
