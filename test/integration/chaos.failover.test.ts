import { describe, expect, it } from 'vitest';
import { runChaos } from '../chaos/chaos-run.js';

describe('the failover chaos run: 48 tickets, 2 workers SIGKILLed at random, a 30 % faulty ticket system, the Sentinel master SIGKILLed after its replica lagged', () => {
  it('loses what asynchronous replication loses, and still loses no ticket, answers nothing twice and resyncs nothing twice', async () => {
    const summary = await runChaos({ tickets: 48, workers: 2, killEveryMs: 4000, faultRate: 0.3, clientTimeoutMs: 1000, deadlineMs: 240_000, mode: 'failover', stallMs: 45_000 });
    if (summary.failover) process.stdout.write(`${summary.failover.line}\n`);
    process.stdout.write(`${summary.line}\n`);
    // The failover happened, the hard way, and really cost the bot data: otherwise the rest proves nothing.
    expect(summary.failovers).toBe(1);
    expect(summary.redisRestarts).toBe(0);
    const loss = summary.failover!;
    expect(loss.statesBefore).toBeGreaterThan(0);
    expect(loss.bytesNotReceived).toBeGreaterThan(0);
    expect(loss.statesLost + loss.statesRewound).toBeGreaterThan(0);
    // The ticket system is the source of truth: what the bot lost is rebuilt from it.
    expect(summary.problems).toEqual([]);
    expect(summary.lost).toBe(0);
    expect(summary.duplicateReplies).toBe(0);
    expect(summary.doubleResyncs).toBe(0);
    expect(summary.notVisible).toBe(0);
    expect(summary.leaks).toEqual([]);
    expect(summary.abandoned).toBe(0);
    expect(summary.rebuilt).toBeGreaterThan(0);
    // The run was hostile besides.
    expect(summary.kills).toBeGreaterThanOrEqual(2);
    expect(summary.injectedFaults).toBeGreaterThan(30);
  }, 360_000);
});
