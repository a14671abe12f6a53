import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DrainScheduler } from '../../workers/drain/drain-scheduler.js';

/** A processor whose drains finish when the test says so, and a queue that records the drain jobs asked for. */
function harness(opts: { concurrency: number; maxWaiting: number; failFor?: string }) {
  const drained: string[] = [];
  const jobs: string[] = [];
  const gates: Array<() => void> = [];
  const processor = {
    drain: (tk: string) =>
      new Promise<number>((resolve, reject) => {
        gates.push(() => {
          drained.push(tk);
          if (tk === opts.failFor) reject(Object.assign(new Error('desk down'), { name: 'TicketSystemUnavailable' }));
          else resolve(1);
        });
      }),
  };
  const queues = { drain: async (tk: string) => void jobs.push(tk) };
  const store = { getState: async () => ({ version: 1, state: undefined }) };
  const scheduler = new DrainScheduler({ processor, queues, store, log: pino({ level: 'silent' }), concurrency: opts.concurrency, maxWaiting: opts.maxWaiting });
  const tick = () => new Promise((r) => setTimeout(r, 0));
  const release = async () => {
    while (gates.length > 0) {
      gates.shift()?.();
      await tick();
    }
  };
  return { scheduler, drained, jobs, gates, release, tick };
}

describe('DrainScheduler', () => {
  it('drains in this process, once for requests that came while the ticket waited', async () => {
    const h = harness({ concurrency: 1, maxWaiting: 10 });
    await h.scheduler.wake('a');
    await h.tick();
    await h.scheduler.wake('b');
    await h.scheduler.wake('b');
    await h.scheduler.wake('b');
    expect(h.scheduler.backlog).toBe(1);
    await h.release();
    await h.release();
    expect(h.drained).toEqual(['a', 'b']);
    expect(h.jobs).toEqual([]);
  });

  it('asks again for a ticket whose drain already started (its events may have come after the read)', async () => {
    const h = harness({ concurrency: 1, maxWaiting: 10 });
    await h.scheduler.wake('a');
    await h.tick();
    await h.scheduler.wake('a');
    await h.release();
    await h.release();
    expect(h.drained).toEqual(['a', 'a']);
  });

  it('tells how many more tickets may wait, and when a waiting one starts', async () => {
    const h = harness({ concurrency: 1, maxWaiting: 2 });
    expect(h.scheduler.room()).toBe(2);
    await h.scheduler.wake('a');
    await h.tick();
    await h.scheduler.wake('b');
    await h.scheduler.wake('c');
    expect(h.scheduler.room()).toBe(0);
    let told = false;
    const room = h.scheduler.whenRoom().then(() => (told = true));
    await h.tick();
    expect(told).toBe(false);
    // 'a' ends, 'b' starts: one place free
    h.gates.shift()?.();
    await room;
    expect(h.scheduler.room()).toBe(1);
    await h.release();
    await h.release();
    expect(h.scheduler.room()).toBe(2);
    // closed: no room, and no one waits for it
    void h.scheduler.close();
    expect(h.scheduler.room()).toBe(0);
    await h.scheduler.whenRoom();
  });

  it('gives tickets beyond its backlog to drain jobs, which any worker process takes', async () => {
    const h = harness({ concurrency: 1, maxWaiting: 2 });
    // 'a' starts at once; 'b' and 'c' wait here; 'd' would be a third waiting
    for (const tk of ['a', 'b', 'c', 'd', 'e']) await h.scheduler.wake(tk);
    expect(h.jobs).toEqual(['d', 'e']);
    for (let i = 0; i < 3; i++) await h.release();
    expect(h.drained).toEqual(['a', 'b', 'c']);
  });

  it('hands a failed drain to a drain job (its retries and backoff)', async () => {
    const h = harness({ concurrency: 2, maxWaiting: 10, failFor: 'x' });
    await h.scheduler.wake('x');
    await h.tick();
    await h.release();
    await h.tick();
    expect(h.drained).toEqual(['x']);
    expect(h.jobs).toEqual(['x']);
  });

  it('on close, lets running drains finish and turns waiting ones into drain jobs', async () => {
    const h = harness({ concurrency: 1, maxWaiting: 10 });
    await h.scheduler.wake('a');
    await h.scheduler.wake('b');
    await h.tick();
    const closed = h.scheduler.close();
    await h.scheduler.wake('c');
    await h.release();
    await closed;
    expect(h.drained).toEqual(['a']);
    expect(h.jobs.sort()).toEqual(['b', 'c']);
  });
});
