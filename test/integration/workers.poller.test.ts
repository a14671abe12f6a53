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

/** The embedded desk seen as a ticket system that stamps `updated_at` to the second, as Zendesk does. */
const SETTLE_MS = 5_000;

function stampedToTheSecond(inner: TicketSystem, stamp: () => number): TicketSystem {
  return Object.assign(Object.create(inner) as TicketSystem, {
    pollSettleMs: SETTLE_MS,
    listWatchedTickets: async () => (await inner.listWatchedTickets()).map((t) => ({ ...t, updatedAt: stamp() })),
  });
}

describe('the poller', () => {
  const prefix = freshPrefix('poll');
  let redis: Redis;
  let desk: LocalDesk;
  let store: WorkflowStore;
  let queues: Queues;
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    redis = newRedis();
    desk = await startLocalDesk({ redis, prefix: `${prefix}:desk` });
    store = new WorkflowStore(redis, prefix);
    queues = new Queues(redis, prefix);
  });
  afterAll(async () => {
    await queues.close();
    await desk.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('looks again at a ticket whose stamp was still unsettled, so a change in the same second is not missed', async () => {
    const adapter = new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: '2fa_issue' });
    const second = Math.floor(Date.now() / 1000) * 1000;
    const poller = new Poller(store, queues, new Map([['local', stampedToTheSecond(adapter, () => second)]]), log);
    const ticket = await desk.store.createTicket({ subject: 'code', description: 'help', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    const tk = `local:${ticket.id}`;

    expect((await poller.poll(second + 100)).events).toBe(1);
    // The requester answers within the same second: the ticket's stamp does not move.
    await desk.store.addComment(ticket.id, { authorId: ticket.requester.id, authorRole: 'requester', public: true, body: 'it still fails' });
    const second_look = await poller.poll(second + 200);
    expect(second_look.changed).toBe(1);
    expect(second_look.events).toBe(1);
    expect(await redis.llen(store.keys.inbox(tk))).toBe(2);

    // Once the stamp has settled, an unchanged ticket is not read again.
    await poller.poll(second + SETTLE_MS + 1);
    expect((await poller.poll(second + SETTLE_MS + 2)).changed).toBe(0);
  });

  it('reads a ticket with exact stamps (the embedded desk) once per change', async () => {
    const adapter = new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: '2fa_issue' });
    const poller = new Poller(store, queues, new Map([['local', adapter]]), log);
    const ticket = await desk.store.createTicket({ subject: 'code', description: 'help', requester: { email: 'bob.baker@example.com', name: 'Bob Baker' }, tags: ['2fa_issue'] });
    const first = await poller.poll();
    expect(first.events).toBeGreaterThan(0);
    const again = await poller.poll();
    expect(again.changed).toBe(0);
    await desk.store.addComment(ticket.id, { authorId: ticket.requester.id, authorRole: 'requester', public: true, body: 'hello?' });
    expect((await poller.poll()).changed).toBe(1);
  });
});
