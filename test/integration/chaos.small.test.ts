import { describe, expect, it } from 'vitest';
import { runChaos } from '../chaos/chaos-run.js';

describe('the small chaos run: 100 tickets, 3 workers SIGKILLed at random, 30 % faulty ticket system that refuses one ticket in five its last update, a Redis restart', () => {
  it('loses no ticket, answers nothing twice, resyncs nothing twice, leaves every ticket visibly handled on the desk and leaks no code', async () => {
    const summary = await runChaos({ tickets: 100, workers: 3, killEveryMs: 3000, faultRate: 0.3, clientTimeoutMs: 1000, deadlineMs: 240_000 });
    process.stdout.write(`${summary.line}\n`);
    expect(summary.problems).toEqual([]);
    expect(summary.lost).toBe(0);
    expect(summary.duplicateReplies).toBe(0);
    expect(summary.doubleResyncs).toBe(0);
    expect(summary.notVisible).toBe(0);
    expect(summary.leaks).toEqual([]);
    // The run really was hostile.
    expect(summary.redisRestarts).toBe(1);
    expect(summary.kills).toBeGreaterThanOrEqual(3);
    expect(summary.injectedFaults).toBeGreaterThan(100);
    expect(summary.refusedTickets).toBe(20);
  }, 300_000);
});
