import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { LocalDeskAdapter } from '../../integrations/ticketing/local/adapter.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { Poller } from '../../workers/intake/poller.js';
import { Queues } from '../../workers/store/queues.js';
import { WorkflowStore } from '../../workers/store/workflow-store.js';
import { startLocalDesk, TEST_WEBHOOK_SECRET, type LocalDesk } from '../support/local-desk.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const WATCH = '2fa_issue';

/** Issue 16, item 6: what the poller keeps in Redis is bounded by the tickets it watches now. */
describe('the poller’s keys', () => {
  const prefix = freshPrefix('pollb');
  let redis: Redis;
  let desk: LocalDesk;
  let store: WorkflowStore;
  let queues: Queues;
  let adapter: LocalDeskAdapter;
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    redis = newRedis();
    desk = await startLocalDesk({ redis, prefix: `${prefix}:desk` });
    store = new WorkflowStore(redis, prefix);
    queues = new Queues(redis, prefix);
    adapter = new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: WATCH });
  });
  afterAll(async () => {
    await queues.close();
    await desk.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const newTicket = (tags: string[]) => desk.store.createTicket({ subject: 'code', description: 'help', requester: { email: 'carol.clark@example.com', name: 'Carol Clark' }, tags });

  it('keeps `polled` to the tickets the last listing held: solved or untagged tickets leave it', async () => {
    const poller = new Poller(store, queues, new Map([['local', adapter]]), log);
    const tickets = await Promise.all(Array.from({ length: 6 }, () => newTicket([WATCH])));
    await poller.poll();
    expect(await redis.zcard(store.keys.polled)).toBe(6);

    const [solved, untagged, ...open] = tickets;
    await desk.store.setStatus(solved!.id, 'solved', 'agent');
    await desk.store.removeTags(untagged!.id, [WATCH], 'agent');
    await poller.poll();
    expect((await redis.zrange(store.keys.polled, 0, -1)).sort()).toEqual(open.map((t) => `local:${t.id}`).sort());

    // a ticket that comes back is looked at again, and what was taken before is a duplicate
    await desk.store.setStatus(solved!.id, 'open', 'agent');
    const back = await poller.poll();
    expect(back.changed).toBe(1);
    expect(back.events).toBe(0);
    expect(await redis.zcard(store.keys.polled)).toBe(5);
  });

  it('writes nothing for a listed ticket whose watch tag is gone by the time it is read', async () => {
    const ticket = await newTicket(['billing']);
    await desk.store.addComment(ticket.id, { authorId: ticket.requester.id, authorRole: 'requester', public: true, body: 'printer on fire' });
    // a listing made just before an agent took the tag off
    const stale: TicketSystem = Object.assign(Object.create(adapter) as TicketSystem, {
      listWatchedTickets: async () => [{ id: ticket.id, updatedAt: Date.now() }],
    });
    const poller = new Poller(store, queues, new Map([['local', stale]]), log);
    expect((await poller.poll()).events).toBe(0);
    const tk = `local:${ticket.id}`;
    expect(await redis.exists(store.keys.inbox(tk), store.keys.workflow(tk))).toBe(0);
    expect(await redis.sismember(store.keys.dirty, tk)).toBe(0);
    const [, seen] = await redis.scan('0', 'MATCH', `${prefix}:seen:${tk}:*`, 'COUNT', 10_000);
    expect(seen).toEqual([]);
  });
});
