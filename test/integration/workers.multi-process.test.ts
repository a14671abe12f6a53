import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { App } from '../../workers/app.js';
import type { AxiosInstance } from 'axios';
import { capturedLogger } from '../support/log-capture.js';
import { codesIn } from '../support/secret-scan.js';
import { writeGeneratedSeed, type GeneratedUser } from '../support/generated-seed.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';
import { HAPPY_PATH, playTicket, startIntakeOnly, visitedStates, workerEnv } from '../support/system.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/** comment ids of the applied comment events, in the order the workflow applied them */
function appliedCommentOrder(ids: string[]): number[] {
  return ids.filter((id) => id.includes(':comment:')).map((id) => Number(id.split(':comment:')[1]));
}

describe('two worker processes on one Redis', () => {
  const TICKETS = 200;
  const prefix = freshPrefix('mp');
  const { log } = capturedLogger('warn');
  let redis: Redis;
  let seed: { path: string; users: GeneratedUser[] };
  let app: App;
  let desk: AxiosInstance;
  const workers: WorkerProcess[] = [];
  let results: Awaited<ReturnType<typeof playTicket>>[] = [];
  const sent = new Set<string>();

  beforeAll(async () => {
    redis = newRedis();
    seed = await writeGeneratedSeed(TICKETS);
    ({ app, desk } = await startIntakeOnly(prefix, seed.path, log));
    workers.push(startWorkerProcess(workerEnv(prefix, app, seed.path)), startWorkerProcess(workerEnv(prefix, app, seed.path)));
    await Promise.all(workers.map((w) => w.ready));
    const deadline = Date.now() + 100_000;
    results = await Promise.all(seed.users.map((u) => playTicket(app, desk, u, sent, deadline)));
  }, 150_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await app?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it(`resolves all ${TICKETS} concurrent tickets`, () => {
    expect(results).toHaveLength(TICKETS);
    expect(results.filter((r) => r.state?.status !== 'resolved').map((r) => [r.ticketId, r.state?.status])).toEqual([]);
  });

  it('posts no public reply twice: exactly the three the flow asks for, on every ticket', () => {
    expect(results.filter((r) => r.botPublic !== 3).map((r) => [r.ticketId, r.botPublic])).toEqual([]);
  });

  it('handles no ticket out of order: every ticket walked the runbook in order and applied its comments in order', () => {
    for (const r of results) {
      expect(visitedStates(r.state!)).toEqual(HAPPY_PATH);
      const order = appliedCommentOrder(r.state!.appliedEventIds);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(order.length).toBe(2);
    }
  });

  it('shared the work between both processes', () => {
    for (const w of workers) expect(w.output.join('').match(/"state changed"/g)?.length ?? 0).toBeGreaterThan(50);
  });

  it('never wrote a code to a worker log', () => {
    const text = workers.map((w) => w.output.join('')).join('\n');
    expect(sent.size).toBeGreaterThan(TICKETS);
    expect(codesIn(text, sent)).toEqual([]);
  });
});

describe('a worker killed with SIGKILL mid-flow', () => {
  const TICKETS = 30;
  const prefix = freshPrefix('kill');
  const { log } = capturedLogger('warn');
  let redis: Redis;
  let app: App;
  let desk: AxiosInstance;
  const procs: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = newRedis();
  });
  afterAll(async () => {
    await Promise.all(procs.map((w) => w.kill('SIGTERM')));
    await app?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('is restarted and its tickets all finish, each with exactly three public replies', async () => {
    const seed = await writeGeneratedSeed(TICKETS);
    ({ app, desk } = await startIntakeOnly(prefix, seed.path, log));
    const first = startWorkerProcess(workerEnv(prefix, app, seed.path, { EFFECT_CONCURRENCY: '4', EVENT_CONCURRENCY: '4' }));
    procs.push(first);
    await first.ready;
    const sent = new Set<string>();
    const deadline = Date.now() + 90_000;
    const playing = Promise.all(seed.users.map((u) => playTicket(app, desk, u, sent, deadline)));

    // Kill it while tickets are in every stage of the flow.
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const logged = first.output.join('').match(/"state changed"/g)?.length ?? 0;
      if (logged >= TICKETS * 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await first.kill('SIGKILL')).toBeNull();
    const second = startWorkerProcess(workerEnv(prefix, app, seed.path));
    procs.push(second);
    await second.ready;

    const results = await playing;
    expect(results.filter((r) => r.state?.status !== 'resolved').map((r) => [r.ticketId, r.state?.status])).toEqual([]);
    expect(results.filter((r) => r.botPublic !== 3).map((r) => [r.ticketId, r.botPublic])).toEqual([]);
    expect(second.output.join('').match(/"state changed"/g)?.length ?? 0).toBeGreaterThan(0);
  }, 150_000);
});
