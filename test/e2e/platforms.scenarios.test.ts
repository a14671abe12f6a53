import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../demo/scenarios.js';
import { botNotes, botReplies, byKey, demoOnFake, expectOutcomes, seed, type Expected } from '../support/demo-on-fake.js';
import { DEMO_PI_GROUP_ATTRIBUTE, demoOnPeer, staEnv, staFromSeed, type DemoOnPeer } from '../support/demo-platform-fakes.js';
import { startFakeSta, type FakeSta } from '../support/fake-sta.js';
import { capturedLogger } from '../support/log-capture.js';
import { codesIn } from '../support/secret-scan.js';

/**
 * The demo's scenarios through the whole app (desk over HTTP, webhooks, BullMQ on real Redis) with
 * TWOFA_PLATFORM set to each hosted platform, seeded like the embedded demo (same users, groups, secrets and
 * counters; real HOTP math, so only truly consecutive codes resync): privacyIDEA is the real server of the run,
 * STA its fake.
 */

describe('the demo scenarios through privacyIDEA (TWOFA_PLATFORM=privacyidea, the real 3.12.2 server)', () => {
  const { log, lines } = capturedLogger('debug');
  const { run, server } = demoOnFake('e2e-pi', log, async () => demoOnPeer(await seed()), (pi: DemoOnPeer) => ({ env: pi.env, login: pi.login }));

  // privacyIDEA documents no resync for challenge/response tokens (its `ocra` type): the KT-4 goes to a human.
  expectOutcomes(
    run,
    (key) => (key === 'kt4-out-of-sync' ? { final: 'escalated', publicReplies: 1, reason: 'token_unsupported' } : { ...(SCENARIOS.find((s) => s.key === key)?.expect ?? { final: 'resolved', publicReplies: 0 }) }),
  );

  it('ran on privacyIDEA', () => {
    expect(run().app.platform.name).toBe('privacyidea');
  });

  it('resynced through POST /token/resync: the server counters moved past the users’ drifted codes', async () => {
    const pi = server();
    // alice's phone is 300 presses ahead of the server's 10; after the resync and her re-test login the server follows it.
    expect((await pi.admin.token('MP-1001'))?.count).toBeGreaterThanOrEqual(312);
    expect((await pi.admin.token('MP-1007'))?.count).toBe(33);
    const resyncs = await pi.admin.audit({ action: '*/token/resync*', timelimit: `${Math.ceil((Date.now() - pi.startedAt) / 1000) + 1}s` });
    const resynced = resyncs.filter((e) => (e.success === true || e.success === 1) && pi.serials.includes(e.serial ?? ''));
    expect([...new Set(resynced.map((e) => e.serial))].sort()).toEqual(['MP-1001', 'MP-1003', 'MP-1004', 'MP-1005', 'MP-1006', 'MP-1009', 'MP-1010']);
  });

  it('added the mapped group to the user attribute for the user who had none', async () => {
    expect(byKey(run(), 'no-group')?.state?.groupAdded).toBe('VPN Users');
    expect(await server().admin.attribute('carol', server().realm, DEMO_PI_GROUP_ATTRIBUTE)).toBe('VPN Users');
  });

  it('no OTP code appears in any log line or bot comment', () => {
    expect(run().sent.size).toBeGreaterThan(10);
    expect(codesIn(lines.join('\n'), run().sent)).toEqual([]);
    expect(codesIn(run().results.map(botReplies).join('\n') + run().results.map(botNotes).join('\n'), run().sent)).toEqual([]);
  });
});

describe('the demo scenarios through SafeNet Trusted Access (TWOFA_PLATFORM=safenet-sta, fake REST + BSIDCA)', () => {
  const { log } = capturedLogger('info');
  const { run, server } = demoOnFake('e2e-sta', log, async () => startFakeSta(staFromSeed(await seed())), (sta: FakeSta) => ({
    env: staEnv(sta),
    login: async (userName, code) => sta.login(userName, code),
  }));

  // STA's APIs cannot resync or issue a challenge: every ticket that reaches its token goes to an agent with the
  // console steps, before anyone is asked for a code; lookup and group problems escalate as on any platform.
  const EXPECTED: Record<string, Expected> = {
    'unknown-requester': { final: 'escalated', publicReplies: 1, reason: 'user_not_found' },
    'same-last-name': { final: 'escalated', publicReplies: 1, reason: 'users_ambiguous' },
  };
  expectOutcomes(
    run,
    (key) => EXPECTED[key] ?? { final: 'escalated', publicReplies: 1, reason: 'resync_not_automated' },
  );

  it('never asked an end user for a code or a response, and none was sent', () => {
    expect(run().sent.size).toBe(0);
    for (const r of run().results) expect(botReplies(r)).not.toMatch(/two codes|reply .*response/i);
  });

  it('told the KT-4 user how to put the token in Resync mode, so the agent only relays the challenge', () => {
    expect(botReplies(byKey(run(), 'kt4-out-of-sync'))).toMatch(/hold the button until options such as Init and Contrast come up, and when it shows 'Resync', press the button again/);
  });

  it('gives the agent the runbook’s MobilePASS console steps for this user and serial', () => {
    const note = botNotes(byKey(run(), 'mobilepass-drift'));
    for (const step of [
      'the 2FA administration console (https://cloud.safenet-inc.com/)',
      'Assignment tab: search the user by Last Name "Archer" or User ID "alice"',
      '"Manage" next to the MobilePASS token, serial MP-1001, and select "Resync"',
      'enter it in the first box; ask for the next code and enter it in the second box; click "Resync"',
    ]) {
      expect(note).toContain(step);
    }
  });

  it('gives the agent the KT-4 challenge/response console steps', () => {
    const note = botNotes(byKey(run(), 'kt4-out-of-sync'));
    expect(note).toContain('"Manage" next to the KT-4 token, serial KT4-1002, and select "Resync": the console shows a Challenge');
    expect(note).toContain('Type it in the Response box and click "Resync"');
  });

  it('added no group for a requester who proved nothing, and told the agent which group is missing', () => {
    expect(byKey(run(), 'no-group')?.state?.groupAdded).toBeUndefined();
    expect(byKey(run(), 'no-group')?.state?.pendingGroup).toBe('VPN Users');
    const carol = server().users.find((u) => u.userName === 'carol');
    expect([...(server().members.get(carol?.id ?? '') ?? [])]).toEqual([]);
    expect(botNotes(byKey(run(), 'no-group'))).toMatch(/no group: add VPN Users/);
  });

  it('acted for another person only after an agent approved, then handed over', () => {
    const state = byKey(run(), 'identity-approved')?.state;
    expect(state?.approval).toBe('approved');
    expect(state?.history.map((h) => h.to)).toEqual(['locating_user', 'awaiting_approval', 'checking_group', 'inspecting_tokens', 'escalated']);
  });

  it('read the tokens through BSIDCA and sent no resync anywhere', () => {
    expect(server().requests.filter((r) => r.startsWith('POST /bsidca')).length).toBeGreaterThan(0);
    expect(server().tokens.find((t) => t.serial === 'MP-1001')?.counter).toBe(10);
  });
});
