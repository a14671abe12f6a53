import { readFile } from 'node:fs/promises';
import axios from 'axios';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSeed } from '../../integrations/twofa/local/seed.js';
import type { StateName } from '../../workflows/resync/state.js';
import { DEFAULT_SEED } from '../../workers/config.js';
import { runDemo, type DemoResult, type DemoRun } from '../../workers/demo/run-demo.js';
import { SCENARIOS } from '../../workers/demo/scenarios.js';
import { DEMO_PI_GROUP_ATTRIBUTE, DEMO_PI_REALM, privacyIdeaEnv, privacyIdeaFromSeed, staEnv, staFromSeed } from '../support/demo-platform-fakes.js';
import { startFakePrivacyIdea, type FakePrivacyIdea } from '../support/fake-privacyidea.js';
import { startFakeSta, type FakeSta } from '../support/fake-sta.js';
import { capturedLogger } from '../support/log-capture.js';
import type { Logger } from '../../workers/logger.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { codesIn } from '../support/secret-scan.js';

/**
 * The demo's scenarios through the whole app (desk over HTTP, webhooks, BullMQ on real Redis) with
 * TWOFA_PLATFORM set to each hosted platform, against its fake server seeded like the embedded demo
 * (same users, groups, secrets and counters; real HOTP math, so only truly consecutive codes resync).
 */

type Expected = { final: StateName; publicReplies: number; reason?: string };

const seed = async () => parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
const byKey = (run: DemoRun, key: string): DemoResult | undefined => run.results.find((r) => r.scenario.key === key);
const botNotes = (r: DemoResult | undefined): string => (r?.comments ?? []).filter((c) => c.authorRole === 'bot' && !c.public).map((c) => c.body).join('\n');
const botReplies = (r: DemoResult | undefined): string => (r?.comments ?? []).filter((c) => c.authorRole === 'bot' && c.public).map((c) => c.body).join('\n');

function expectOutcomes(run: () => DemoRun, expected: (key: string) => Expected): void {
  for (const scenario of SCENARIOS) {
    const want = expected(scenario.key);
    it(`${scenario.title}: ends ${want.final}${want.reason ? ` (${want.reason})` : ''} with ${want.publicReplies} public replies`, () => {
      const result = byKey(run(), scenario.key);
      expect(result?.state?.status).toBe(want.final);
      if (want.reason) expect(result?.state?.escalation?.reason).toBe(want.reason);
      expect(result?.publicReplies).toBe(want.publicReplies);
      expect(result?.internalNotes).toBeGreaterThan(0);
    });
  }
}

/**
 * Registers the setup of one describe: the fake platform server, then the whole demo against it; both stopped and
 * the prefix deleted after. Returns getters for the run and the server.
 */
function demoOnFake<S extends { close(): Promise<void> }>(
  name: string,
  log: Logger,
  start: () => Promise<S>,
  wire: (server: S) => { env: Record<string, string>; login: (userName: string, code: string) => Promise<unknown> },
): { run: () => DemoRun; server: () => S } {
  let run: DemoRun | undefined;
  let server: S | undefined;
  let redis: Redis | undefined;
  const prefix = freshPrefix(name);
  beforeAll(async () => {
    redis = newRedis();
    server = await start();
    run = await runDemo({ redisUrl: testRedisUrl(), prefix, log, keepRunning: true, deadlineMs: 50_000, ...wire(server) });
  }, 90_000);
  afterAll(async () => {
    await run?.app.stop();
    await server?.close();
    if (redis) {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });
  return { run: () => run as DemoRun, server: () => server as S };
}

describe('the demo scenarios through privacyIDEA (TWOFA_PLATFORM=privacyidea, fake server)', () => {
  const { log, lines } = capturedLogger('debug');
  const { run, server } = demoOnFake('e2e-pi', log, async () => startFakePrivacyIdea(privacyIdeaFromSeed(await seed())), (pi: FakePrivacyIdea) => ({
    env: privacyIdeaEnv(pi.url),
    login: (user, pass) => axios.post(`${pi.url}/validate/check`, { user, realm: DEMO_PI_REALM, pass }),
  }));

  // privacyIDEA documents no resync for challenge/response tokens (its `ocra` type): the KT-4 goes to a human.
  expectOutcomes(
    run,
    (key) => (key === 'kt4-out-of-sync' ? { final: 'escalated', publicReplies: 1, reason: 'token_unsupported' } : { ...(SCENARIOS.find((s) => s.key === key)?.expect ?? { final: 'resolved', publicReplies: 0 }) }),
  );

  it('ran on privacyIDEA', () => {
    expect(run().app.platform.name).toBe('privacyidea');
  });

  it('resynced through POST /token/resync: the server counters moved past the users’ drifted codes', () => {
    // alice's phone is 300 presses ahead of the server's 10; after the resync and her re-test login the server follows it.
    expect(server().tokens.get('MP-1001')?.count).toBeGreaterThanOrEqual(312);
    expect(server().tokens.get('MP-1007')?.count).toBe(33);
    expect(server().audit.filter((e) => e.action === 'POST /token/resync' && e.success === 1).map((e) => e.serial).sort()).toEqual(['MP-1001', 'MP-1003', 'MP-1006', 'MP-1009', 'MP-1010']);
  });

  it('added the mapped group to the user attribute for the user who had none', () => {
    expect(byKey(run(), 'no-group')?.state?.groupAdded).toBe('VPN Users');
    expect(server().attributes.get('carol')?.get(DEMO_PI_GROUP_ATTRIBUTE)).toBe('VPN Users');
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
    for (const r of run().results) expect(botReplies(r)).not.toMatch(/two codes|challenge/i);
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

  it('still did what the API can: added the mapped group before handing over', () => {
    expect(byKey(run(), 'no-group')?.state?.groupAdded).toBe('VPN Users');
    const carol = server().users.find((u) => u.userName === 'carol');
    expect([...(server().members.get(carol?.id ?? '') ?? [])]).toEqual(['G1']);
    expect(botNotes(byKey(run(), 'no-group'))).toMatch(/added the group VPN Users/);
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
