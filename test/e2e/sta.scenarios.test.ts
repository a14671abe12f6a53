import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../demo/scenarios.js';
import { botNotes, botReplies, byKey, demoOnFake, expectOutcomes, seed, type Expected } from '../support/demo-on-fake.js';
import { staEnv, staFromSeed, staRadiusEnv, startFakeStaWithRadius, type FakeStaWithRadius } from '../support/demo-platform-fakes.js';
import { capturedLogger } from '../support/log-capture.js';
import { dumpPrefix, newRedis } from '../support/redis.js';
import { codesIn } from '../support/secret-scan.js';

/**
 * The demo's scenarios on SafeNet Trusted Access as the runbook's platform really runs them: the fake STA (REST +
 * BSIDCA) with its RADIUS endpoint on the same tokens (real UDP, real RFC 2865 packets, HOTP inner and outer
 * windows, STA's default lock-out of three failures). With STA_RADIUS_* set, MobilePASS tokens resync at
 * authentication and no agent is needed; without it, and with ADMIN_TOKEN, the bot collects the codes for an agent.
 */

const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
/** alice's MobilePASS is 300 presses ahead of STA's counter in the demo seed: the outer window must reach it */
const RADIUS = { innerWindow: 3, outerWindow: 1000, lockoutThreshold: 3 };

/** every value twofa-desk keeps in Redis; the embedded desk's own tickets (`<prefix>:desk:`) hold the requesters' replies, as any desk does */
async function everyRedisValue(prefix: string): Promise<string> {
  const redis = newRedis();
  try {
    const desk = `${prefix}:desk:`;
    return (await dumpPrefix(redis, prefix))
      .filter((k) => !k.key.startsWith(desk))
      .map((k) => `${k.key} ${k.values.join(' ')}`)
      .join('\n');
  } finally {
    redis.disconnect();
  }
}

describe('the demo scenarios on STA with resync at authentication (STA_RADIUS_*: fake REST + BSIDCA + RADIUS)', () => {
  const { log, lines } = capturedLogger('debug');
  const { run, server, prefix } = demoOnFake(
    'e2e-sta-radius',
    log,
    async () => startFakeStaWithRadius(staFromSeed(await seed()), RADIUS),
    (f: FakeStaWithRadius) => ({ env: { ...staEnv(f.sta), ...staRadiusEnv(f.radius) }, login: async (userName, code) => f.sta.login(userName, code) }),
  );

  // KT-4: no API issues a resync challenge on STA, so the agent does the console step (with the user prepared).
  // Wrong codes: two pairs are all STA's lock-out allows the bot, so the third reply goes to an agent.
  const EXPECTED: Record<string, Expected> = {
    'kt4-out-of-sync': { final: 'escalated', publicReplies: 1, reason: 'resync_not_automated' },
    'wrong-codes': { final: 'escalated', publicReplies: 3, reason: 'lockout_risk' },
  };
  expectOutcomes(run, (key) => EXPECTED[key] ?? { ...(SCENARIOS.find((s) => s.key === key)?.expect ?? { final: 'resolved', publicReplies: 0 }) });

  it('resolved the MobilePASS drift with no agent: two RADIUS authentications, the second with the challenge State', () => {
    const drift = byKey(run(), 'mobilepass-drift');
    expect(drift?.state?.status).toBe('resolved');
    expect(drift?.state?.escalation).toBeUndefined();
    const alice = server().radius.requests.filter((r) => r.userName === 'alice');
    expect(alice.map((r) => r.hadState)).toEqual([false, true]);
    expect(alice.every((r) => r.nasIdentifier === 'twofa-desk')).toBe(true);
    // STA's counter now follows the phone: 300 presses ahead of the seed's 10, past both codes and the re-test login
    expect(server().sta.tokens.find((t) => t.serial === 'MP-1001')?.counter).toBeGreaterThanOrEqual(313);
  });

  it('never locked anyone out, and sent no pair of codes twice', () => {
    for (const user of new Set(server().radius.requests.map((r) => r.userName))) expect(server().radius.locked(user)).toBe(false);
    const frank = server().radius.requests.filter((r) => r.userName === 'frank');
    // two wrong pairs: each first code Rejected, so one authentication each
    expect(frank).toHaveLength(2);
    expect(server().radius.failures('frank')).toBe(2);
    expect(botNotes(byKey(run(), 'wrong-codes'))).toMatch(/lock-out/);
  });

  it('no OTP code appears in any log line, bot comment or Redis value', async () => {
    expect(run().sent.size).toBeGreaterThan(10);
    expect(codesIn(lines.join('\n'), run().sent)).toEqual([]);
    expect(codesIn(run().results.map(botReplies).join('\n') + run().results.map(botNotes).join('\n'), run().sent)).toEqual([]);
    expect(codesIn(await everyRedisValue(prefix), run().sent)).toEqual([]);
    const metrics = await axios.get<string>(`${run().app.url}/metrics`, { responseType: 'text' });
    expect(codesIn(metrics.data, run().sent)).toEqual([]);
  });
});

describe('the demo scenarios on STA without RADIUS, with ADMIN_TOKEN: the bot collects the codes for an agent', () => {
  const { log, lines } = capturedLogger('debug');
  const { run, server, prefix } = demoOnFake(
    'e2e-sta-assist',
    log,
    async () => startFakeStaWithRadius(staFromSeed(await seed()), RADIUS),
    (f: FakeStaWithRadius) => ({ env: { ...staEnv(f.sta), ADMIN_TOKEN }, login: async (userName, code) => f.sta.login(userName, code) }),
  );

  it('asked for the codes, then handed over with a one-time page instead of a bare runbook', () => {
    const drift = byKey(run(), 'mobilepass-drift');
    expect(drift?.state?.status).toBe('escalated');
    expect(drift?.state?.escalation?.reason).toBe('resync_assisted');
    expect(botReplies(drift)).toMatch(/two codes in a row/);
    expect(botReplies(drift)).toMatch(/A colleague is entering them for you now/);
    const note = botNotes(drift);
    expect(note).toMatch(/Open http:\/\/127\.0\.0\.1:\d+\/assist\/[A-Za-z0-9_-]{22}/);
    expect(note).toContain('User ID "alice"');
    expect(note).toContain('"Manage" next to the MobilePASS token, serial MP-1001, select "Resync"');
    expect(server().radius.requests).toHaveLength(0);
  });

  it('holds the codes only encrypted in Redis, and in clear nowhere: logs, comments', async () => {
    expect(codesIn(lines.join('\n'), run().sent)).toEqual([]);
    expect(codesIn(run().results.map(botReplies).join('\n') + run().results.map(botNotes).join('\n'), run().sent)).toEqual([]);
    const held = await everyRedisValue(prefix);
    // the codes are there, for the agent, but only encrypted, with a ten-minute expiry
    expect(held).toMatch(/:assist:codes:[A-Za-z0-9_-]{22} /);
    expect(codesIn(held, run().sent)).toEqual([]);
  });

  it('the page shows the codes once, behind ADMIN_TOKEN, and they are the requester’s two consecutive codes', async () => {
    const url = /Open (http:\/\/\S+\/assist\/[A-Za-z0-9_-]+)/.exec(botNotes(byKey(run(), 'mobilepass-drift')))?.[1] ?? '';
    const anonymous = await axios.get(url, { validateStatus: () => true });
    expect(anonymous.status).toBe(401);
    const auth = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, validateStatus: () => true, responseType: 'text' as const };
    const page = await axios.get<string>(url, auth);
    expect(page.status).toBe(200);
    expect(codesIn(page.data, run().sent)).toEqual([]);
    const shown = await axios.post<string>(url, '', { ...auth, headers: { ...auth.headers, 'content-type': 'application/x-www-form-urlencoded' } });
    expect(shown.status).toBe(200);
    const codes = codesIn(shown.data, run().sent).map((c) => c.code);
    expect(codes).toHaveLength(2);
    const radius = server().radius;
    const again = await axios.post<string>(url, '', { ...auth, headers: { ...auth.headers, 'content-type': 'application/x-www-form-urlencoded' } });
    expect(again.status).toBe(410);
    expect(radius.locked('alice')).toBe(false);
  });

});
