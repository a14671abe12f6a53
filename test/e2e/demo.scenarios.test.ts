import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { runDemo, type DemoRun } from '../demo/run-demo.js';
import { SCENARIOS } from '../demo/scenarios.js';
import { capturedLogger } from '../support/log-capture.js';
import { codesIn } from '../support/secret-scan.js';
import { deletePrefix, dumpPrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';

describe('the demo scenarios, end to end (desk over HTTP, webhooks, BullMQ on real Redis, embedded platform)', () => {
  let run: DemoRun;
  let redis: Redis;
  const { log, lines } = capturedLogger('debug');
  const prefix = freshPrefix('e2e');

  beforeAll(async () => {
    redis = newRedis();
    run = await runDemo({ redisUrl: testRedisUrl(), prefix, log, keepRunning: true, deadlineMs: 50_000 });
  }, 90_000);

  afterAll(async () => {
    await run?.app.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario.title}: ends ${scenario.expect.final} with ${scenario.expect.publicReplies} public replies`, () => {
      const result = run.results.find((r) => r.scenario.key === scenario.key);
      expect(result?.state?.status).toBe(scenario.expect.final);
      expect(result?.publicReplies).toBe(scenario.expect.publicReplies);
      expect(result?.internalNotes).toBeGreaterThan(0);
    });
  }

  it('escalates for the documented reasons', () => {
    const reason = (key: string) => run.results.find((r) => r.scenario.key === key)?.state?.escalation?.reason;
    expect(reason('unknown-requester')).toBe('user_not_found');
    expect(reason('same-last-name')).toBe('users_ambiguous');
    expect(reason('wrong-codes')).toBe('max_attempts');
    expect(reason('retest-fails')).toBe('retest_failed');
  });

  it('acted for another person only after an agent approved', () => {
    const state = run.results.find((r) => r.scenario.key === 'identity-approved')?.state;
    expect(state?.approval).toBe('approved');
    expect(state?.matchedBy).toBe('lastName');
    expect(state?.history.map((h) => h.to)).toEqual(['locating_user', 'awaiting_approval', 'checking_group', 'inspecting_tokens', 'awaiting_codes', 'resyncing', 'awaiting_retest', 'resolved']);
  });

  it('kept an SLA record for every ticket that ended', async () => {
    const { SlaStore } = await import('../../workers/observe/sla/store.js');
    const records = await new SlaStore(redis, prefix).range(0, Date.now() + 1000);
    expect(records).toHaveLength(SCENARIOS.length);
    expect(records.filter((r) => r.outcome === 'resolved').length).toBe(SCENARIOS.filter((x) => x.expect.final === 'resolved').length);
  });

  it('added the mapped group for the user who had none', () => {
    expect(run.results.find((r) => r.scenario.key === 'no-group')?.state?.groupAdded).toBe('VPN Users');
  });

  it('sent codes: the simulated users really sent some', () => {
    expect(run.sent.size).toBeGreaterThan(10);
  });

  it('no OTP code or response appears in any log line', () => {
    expect(lines.length).toBeGreaterThan(50);
    const text = lines.join('\n');
    expect(codesIn(text, run.sent)).toEqual([]);
  });

  it('no OTP code appears in the workflow state, queues or any other key of ours (the desk keeps what users wrote)', async () => {
    const all = await dumpPrefix(redis, prefix);
    // The scan works: the desk stores what the users wrote, codes included.
    const desk = all.filter((e) => e.key.startsWith(`${prefix}:desk:`));
    expect(codesIn(desk.map((e) => e.values.join('\n')).join('\n'), run.sent).length).toBeGreaterThan(5);
    const ours = all.filter((e) => !e.key.startsWith(`${prefix}:desk:`));
    expect(ours.length).toBeGreaterThan(20);
    const text = ours.map((e) => `${e.key}\n${e.values.join('\n')}`).join('\n');
    expect(codesIn(text, run.sent)).toEqual([]);
  });

  it('no comment written by the bot contains a code', () => {
    const botText = run.results.flatMap((r) => r.comments.filter((c) => c.authorRole === 'bot').map((c) => c.body)).join('\n');
    expect(botText.length).toBeGreaterThan(100);
    expect(codesIn(botText, run.sent)).toEqual([]);
  });
});
