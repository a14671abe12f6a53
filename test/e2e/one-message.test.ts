import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parsePolicy } from '../../workflows/resync/policy.js';
import { DEMO_POLICY, runDemo, type DemoResult, type DemoRun } from '../demo/run-demo.js';
import type { Scenario } from '../demo/scenarios.js';
import { SlaStore } from '../../workers/observe/sla/store.js';
import { summarize } from '../../workers/observe/sla/summary.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';

/**
 * One message from the end user, end to end on the embedded desk and platform: the requester sends the codes, logs in,
 * and never writes "works"; the bot sees the login in the platform's authentication log and closes the ticket.
 */

// The watch looks every 300 ms for 3 s after the resync; the re-test's reminder comes at 4 s, its time-out at 8 s. The
// reminder does not look at the log here, so only the watch can have seen a login.
const POLICY = parsePolicy({
  ...DEMO_POLICY,
  authWatchEveryMs: 300,
  authWatchForMs: 3_000,
  checkAuthLogOnReminder: false,
  reminderAfterMs: 4_000,
  maxReminders: 1,
  timeoutAfterMs: 8_000,
});

const SCENARIOS: Scenario[] = [
  {
    key: 'mobilepass-login-only',
    title: 'MobilePASS drifted, the user logs in and writes nothing more',
    requester: { email: 'alice.archer@example.com', name: 'Alice Archer' },
    userName: 'alice',
    script: { codes: () => 'right', retest: () => 'logs-in' },
    expect: { final: 'resolved', publicReplies: 3 },
  },
  {
    key: 'kt4-login-only',
    title: 'KT-4 out of sync, the user logs in and writes nothing more',
    requester: { email: 'bob.baker@example.com', name: 'Bob Baker' },
    userName: 'bob',
    script: { response: () => 'right', retest: () => 'logs-in' },
    expect: { final: 'resolved', publicReplies: 3 },
  },
  {
    key: 'retest-fails',
    title: 'The user does not log in and says it still fails',
    requester: { email: 'heidi.hill@example.com', name: 'Heidi Hill' },
    userName: 'heidi',
    script: { codes: () => 'right', retest: () => 'fails' },
    expect: { final: 'escalated', publicReplies: 3 },
  },
  {
    key: 'silent-after-codes',
    title: 'The user sends the codes, then neither logs in nor writes',
    requester: { email: 'grace.green@example.com', name: 'Grace Green' },
    userName: 'grace',
    script: { codes: () => 'right' },
    // codes asked, re-test asked, one reminder, closed as no response
    expect: { final: 'timed_out', publicReplies: 4 },
  },
];

describe('one message from the end user (embedded desk and platform, BullMQ on real Redis)', () => {
  let run: DemoRun;
  let redis: Redis;
  const prefix = freshPrefix('e2e-one-message');
  const result = (key: string): DemoResult => {
    const found = run.results.find((r) => r.scenario.key === key);
    if (!found) throw new Error(`no result for ${key}`);
    return found;
  };
  const requesterComments = (r: DemoResult) => r.comments.filter((c) => c.authorRole === 'requester');
  const botPublic = (r: DemoResult) => r.comments.filter((c) => c.authorRole === 'bot' && c.public).map((c) => c.body);

  beforeAll(async () => {
    redis = newRedis();
    run = await runDemo({ redisUrl: testRedisUrl(), prefix, scenarios: SCENARIOS, policy: POLICY, keepRunning: true, deadlineMs: 40_000 });
  }, 90_000);

  afterAll(async () => {
    await run?.app.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario.title}: ends ${scenario.expect.final} with ${scenario.expect.publicReplies} public replies`, () => {
      const r = result(scenario.key);
      expect(r.state?.status).toBe(scenario.expect.final);
      expect(r.publicReplies).toBe(scenario.expect.publicReplies);
    });
  }

  it.each(['mobilepass-login-only', 'kt4-login-only'])('%s: the requester wrote once, and the closing reply says the login was seen', (key) => {
    const r = result(key);
    expect(requesterComments(r)).toHaveLength(1);
    expect(botPublic(r).at(-1)).toContain('successful login since we resynced');
    expect(r.comments.filter((c) => c.authorRole === 'bot' && !c.public).at(-1)?.body).toContain('Solved: the platform shows a successful login at');
    expect(r.state?.history.at(-1)).toMatchObject({ from: 'awaiting_retest', to: 'resolved', note: 'successful login seen' });
    expect(r.state?.sla.requesterMessages).toBe(1);
  });

  it('claims no login it did not see: without one, the re-test ends as it always did', () => {
    expect(result('retest-fails').state?.escalation?.reason).toBe('retest_failed');
    const silent = result('silent-after-codes');
    expect(requesterComments(silent)).toHaveLength(1);
    expect(botPublic(silent).join('\n')).not.toContain('successful login');
    expect(botPublic(silent).some((b) => /can you log in now/i.test(b))).toBe(true);
  });

  it('counts the messages in the SLA records and the summary: 1 per ticket the bot resolved', async () => {
    const records = await new SlaStore(redis, prefix).range(0, Date.now() + 1000);
    expect(records).toHaveLength(SCENARIOS.length);
    const byTicket = new Map(records.map((rec) => [rec.ticketId, rec]));
    expect(byTicket.get(result('mobilepass-login-only').ticketId)).toMatchObject({ outcome: 'resolved', requesterMessages: 1 });
    expect(byTicket.get(result('retest-fails').ticketId)).toMatchObject({ outcome: 'escalated', requesterMessages: 2 });
    const summary = summarize(records, { from: 0, to: Date.now() + 1000 });
    expect(summary.requesterMessages).toEqual({ count: 2, mean: 1, p50: 1 });
  });
});
