import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import axios from 'axios';
import type { Redis } from 'ioredis';
import { DrainRequestListener, DrainRequests } from '../../workers/drain/drain-requests.js';
import { Keys, ticketKey } from '../../workers/store/keys.js';
import { intakeOnlyPerSuite } from '../support/intake-only.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

describe('drain requests between an intake-only process and the worker processes', () => {
  const redis = newRedis();
  const { log, lines } = capturedLogger('warn');
  let keys: Keys;
  let requests: DrainRequests;
  let clock: number;
  const listeners: DrainRequestListener[] = [];

  const listener = (opts: { room: () => number; whenRoom?: () => Promise<void>; woken: string[]; wake?: (tk: string) => Promise<void> }) => {
    const l = new DrainRequestListener({
      connection: newRedis(),
      keys,
      wake: opts.wake ?? (async (tk) => void opts.woken.push(tk)),
      room: opts.room,
      whenRoom: opts.whenRoom ?? (() => new Promise((resolve) => setTimeout(resolve, 10))),
      log,
      blockS: 1,
    });
    listeners.push(l);
    return l;
  };

  beforeEach(() => {
    keys = new Keys(freshPrefix('dreq'));
    clock = 1_000;
    requests = new DrainRequests(redis, keys, () => (clock += 1));
  });
  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.stop()));
    await deletePrefix(redis, keys.prefix);
  });
  afterAll(() => redis.disconnect());

  it('keeps one request per ticket, in the order first asked', async () => {
    for (const tk of ['local:1', 'local:2', 'local:1', 'local:3', 'local:2']) await requests.push(tk);
    expect(await redis.zrange(keys.drainRequests, 0, -1, 'WITHSCORES')).toEqual(['local:1', '1001', 'local:2', '1002', 'local:3', '1004']);
    expect(await requests.count()).toBe(3);
  });

  it('takes the oldest requests, only as many as there is room for, and leaves the rest to other processes', async () => {
    for (let i = 1; i <= 10; i++) await requests.push(`local:${i}`);
    const woken: string[] = [];
    const l = listener({ room: () => 4, woken });
    expect(await l.takeOnce(1)).toEqual(['local:1', 'local:2', 'local:3', 'local:4']);
    expect(woken).toEqual(['local:1', 'local:2', 'local:3', 'local:4']);
    expect(await redis.zrange(keys.drainRequests, 0, -1)).toEqual(['local:5', 'local:6', 'local:7', 'local:8', 'local:9', 'local:10']);
    // a second process takes its share of the rest
    const other: string[] = [];
    expect(await listener({ room: () => 2, woken: other }).takeOnce(1)).toEqual(['local:5', 'local:6']);
    expect(other).toEqual(['local:5', 'local:6']);
  });

  it('waits for requests while running, takes none while it has no room, and every one once it has', async () => {
    const woken: string[] = [];
    let room = 0;
    let tellRoom: () => void = () => undefined;
    const l = listener({ room: () => room, whenRoom: () => new Promise<void>((resolve) => (tellRoom = resolve)), woken });
    l.start();
    for (let i = 1; i <= 5; i++) await requests.push(`local:${i}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(woken).toEqual([]);
    expect(await requests.count()).toBe(5);
    room = 64;
    tellRoom();
    await waitFor('every request taken', async () => (woken.length === 5 ? true : undefined), 5_000);
    expect(woken).toEqual(['local:1', 'local:2', 'local:3', 'local:4', 'local:5']);
    // blocked on an empty set, it takes a new request as it comes
    await requests.push('local:6');
    await waitFor('the new request taken', async () => (woken.includes('local:6') ? true : undefined), 5_000);
    expect(await requests.count()).toBe(0);
  });

  it('stops at once while blocked, and takes nothing after', async () => {
    const woken: string[] = [];
    const l = listener({ room: () => 64, woken });
    l.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const t0 = Date.now();
    await l.stop();
    expect(Date.now() - t0).toBeLessThan(900);
    await requests.push('local:1');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(woken).toEqual([]);
    expect(await requests.count()).toBe(1);
  });

  it('stops at once while it waits for room, and takes nothing', async () => {
    await requests.push('local:1');
    const woken: string[] = [];
    const l = listener({ room: () => 0, whenRoom: () => new Promise<void>(() => undefined), woken });
    l.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const t0 = Date.now();
    await l.stop();
    expect(Date.now() - t0).toBeLessThan(500);
    expect(woken).toEqual([]);
    expect(await requests.count()).toBe(1);
  });

  it('logs a drain it could not schedule (the sweeper drains the dirty ticket) and goes on with the others', async () => {
    for (const tk of ['local:1', 'local:2']) await requests.push(tk);
    const woken: string[] = [];
    const l = listener({
      room: () => 8,
      woken,
      wake: async (tk) => {
        if (tk === 'local:1') throw new Error('redis went away');
        woken.push(tk);
      },
    });
    expect(await l.takeOnce(1)).toEqual(['local:1', 'local:2']);
    expect(woken).toEqual(['local:2']);
    expect(lines.filter((l) => l.includes('drain not scheduled: the sweeper drains the ticket') && l.includes('local:1') && l.includes('redis went away'))).toHaveLength(1);
  });
});

describe('a worker process takes what an intake-only process asks for', () => {
  const { sys } = intakeOnlyPerSuite('dreqsys');

  it('shows the requests no worker has taken yet on /metrics', async () => {
    const { tk } = await sys().newTaggedTicket();
    expect(await sys().redis.zrange(`${sys().prefix}:drain-requests`, 0, -1)).toEqual([tk]);
    const text = (await axios.get<string>(`${sys().intake.url}/metrics`, { responseType: 'text' })).data;
    expect(text).toMatch(/^twofa_desk_drain_requests 1$/m);
  });

  it('drains a new ticket to its first reply without a BullMQ drain job, and leaves no request behind', async () => {
    const { intake } = sys();
    const redis: Redis = sys().redis;
    // running before the ticket comes (a dirty ticket at start-up is the start-up sweep's, which queues a job)
    const workers = await sys().startWorkers();
    // the request the previous test left is taken (through the start-up sweep's job or the listener)
    await waitFor('the earlier request taken', async () => ((await redis.zcard(`${sys().prefix}:drain-requests`)) === 0 ? true : undefined));
    // BullMQ runs the first job of an `every` scheduler at once, whatever SWEEP_INTERVAL_S says: the poll and the sweep
    // queued at start-up run now, and a sweep queues a drain job for every dirty ticket, one whose drain is running
    // too. Under CPU load that sweep came after the ticket below (a drain job, not one of the drain requests').
    await waitFor('the start-up poll and sweep jobs done', async () => {
      const jobs = await workers.queues.maintenance.getJobCounts('waiting', 'active', 'prioritized');
      return Object.values(jobs).every((n) => n === 0) ? true : undefined;
    });
    await redis.del(`${sys().prefix}:q:events:id`);
    const desk = axios.create({ baseURL: `${intake.url}/desk` });
    const { data } = await desk.post<{ id: string }>('/api/tickets', { subject: 'code rejected', description: 'help', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    const tk = ticketKey('local', String(data.id));
    await waitFor('the ticket to wait for codes', async () => ((await workers.store.getState(tk)).state?.status === 'awaiting_codes' ? true : undefined));
    expect(await redis.zcard(`${sys().prefix}:drain-requests`)).toBe(0);
    // no drain job was ever added (BullMQ numbers every job it adds)
    expect(await redis.get(`${sys().prefix}:q:events:id`)).toBeNull();
    expect(await intake.store.pendingEffects(tk)).toEqual([]);
  });
});
