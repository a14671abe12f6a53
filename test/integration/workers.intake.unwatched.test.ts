import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import axios, { type AxiosInstance } from 'axios';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../workers/app.js';
import { DEV_LOCAL_DESK_SECRET, loadConfig } from '../../workers/config.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signDeskWebhook } from '../../integrations/ticketing/local/webhook-signature.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

/** BullMQ's own locks, set with a TTL by a running worker whatever the traffic. */
const VOLATILE = /:(stalled-check|lock)$/;

/** One change on a ticket without the watch tag, of five kinds in turn: none of them is the bot's business. */
function unwatchedChange(n: number, ticketId: string): Record<string, unknown> {
  const at = Date.now();
  switch (n % 5) {
    case 0:
      return { type: 'comment.created', ticketId, at, commentId: String(n + 1), authorId: `user-${n}`, authorRole: 'requester', public: true };
    case 1:
      return { type: 'comment.created', ticketId, at, commentId: String(n + 1), authorId: 'agent-1', authorRole: 'agent', public: false };
    case 2:
      return { type: 'ticket.tags_changed', ticketId, at, tags: ['billing', 'vip'], added: ['vip'], removed: [], byRole: 'agent' };
    case 3:
      return { type: 'ticket.status_changed', ticketId, at, status: 'solved', byRole: 'agent' };
    default: {
      const ticket = { id: ticketId, subject: 'printer', requester: { id: `user-${n}`, email: `u${n}@example.com`, name: 'Someone' }, tags: ['billing'], status: 'new', createdAt: at, updatedAt: at };
      return { type: 'ticket.created', ticketId, at, ticket };
    }
  }
}

/**
 * Issue 16, item 6: the tickets the bot does not watch cost nothing in Redis. N signed desk webhooks about unwatched
 * tickets (comments, notes, tag and status changes, new tickets) go through the real intake of an app that also
 * runs the workers; the keys under the prefix and their memory stay what they were, for N = 50 as for N = 500.
 */
describe('the intake and unwatched tickets', () => {
  const prefix = freshPrefix('unw');
  const { log } = capturedLogger('warn');
  let redis: Redis;
  let app: App;
  let http: AxiosInstance;
  let sent = 0;

  beforeAll(async () => {
    redis = newRedis();
    app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', POLL_INTERVAL_S: '3600', SWEEP_INTERVAL_S: '3600' }), { log });
    await app.start();
    http = axios.create({ baseURL: app.url, validateStatus: () => true, transformRequest: [(d: unknown) => d] });
  });
  afterAll(async () => {
    await app.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  async function post(payload: Record<string, unknown>): Promise<{ status: number; accepted: unknown }> {
    const body = JSON.stringify(payload);
    const ts = String(Date.now());
    const res = await http.post('/webhooks/local', body, { headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signDeskWebhook(DEV_LOCAL_DESK_SECRET, ts, body) } });
    return { status: res.status, accepted: (res.data as { accepted?: unknown }).accepted };
  }

  /** N webhooks, each one change of its own unwatched ticket, 25 in flight. */
  async function sendUnwatched(n: number): Promise<void> {
    const answers: Array<{ status: number; accepted: unknown }> = [];
    for (let i = 0; i < n; i += 25) {
      const wave = Array.from({ length: Math.min(25, n - i) }, () => {
        const k = sent++;
        const ticketId = String(100_000 + k);
        return post({ deliveryId: `unwatched-${k}`, ticketId, at: Date.now(), changes: [unwatchedChange(k, ticketId)] });
      });
      answers.push(...(await Promise.all(wave)));
    }
    expect(answers.filter((a) => a.status !== 202 || a.accepted !== 0)).toEqual([]);
  }

  /** The keys under the prefix (without BullMQ's locks) and the bytes Redis reports for them. */
  async function footprint(): Promise<{ keys: number; bytes: number }> {
    let cursor = '0';
    let keys = 0;
    let bytes = 0;
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of found.filter((k) => !VOLATILE.test(k))) {
        // a key gone between the scan and now (a BullMQ lock let go) is not counted
        const usage = await redis.memory('USAGE', key);
        if (usage === null) continue;
        keys++;
        bytes += Number(usage);
      }
    } while (cursor !== '0');
    return { keys, bytes };
  }

  async function usedMemory(): Promise<number> {
    const info = await redis.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1]);
  }

  it('writes nothing for N unwatched-ticket events, however large N is', async () => {
    // one round first, so that scripts are loaded and connections warm, and the start-up's sweep and poll jobs gone:
    // what is measured is the events only
    await sendUnwatched(10);
    let last = await footprint();
    const before = await waitFor('the start-up jobs to end', async () => {
      const jobs = await app.queues.maintenance.getJobCounts('waiting', 'active');
      const now = await footprint();
      const steady = Object.values(jobs).every((n) => n === 0) && now.keys === last.keys && now.bytes === last.bytes;
      last = now;
      return steady ? now : undefined;
    });
    const memBefore = await usedMemory();

    await sendUnwatched(50);
    const after50 = await footprint();
    const grew50 = (await usedMemory()) - memBefore;

    await sendUnwatched(500);
    const after500 = await footprint();
    const grew500 = (await usedMemory()) - memBefore;

    expect(after50).toEqual(before);
    expect(after500).toEqual(before);
    // Redis's own allocations (buffers, lazy frees) move used_memory by some KB either way; it stays under one bound
    // whatever N. 500 seen keys alone take about 50 KB, their delivery records as much, their drains more.
    expect(grew50).toBeLessThan(64 * 1024);
    expect(grew500).toBeLessThan(64 * 1024);
    expect(await redis.exists(`${prefix}:dirty`, `${prefix}:drain-requests`, `${prefix}:polled`)).toBe(0);
  });

  it('still takes a watched ticket (the path under test is live)', async () => {
    const at = Date.now();
    const ticket = { id: '7', subject: 'codes', requester: { id: 'user-7', email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'], status: 'new', createdAt: at, updatedAt: at };
    expect(await post({ deliveryId: 'watched-1', ticketId: '7', at, changes: [{ type: 'ticket.created', ticketId: '7', at, ticket }] })).toEqual({ status: 202, accepted: 1 });
    expect(await redis.exists(`${prefix}:seen:local:7:tagged`)).toBe(1);
  });
});
