import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { WorkflowEvent } from '../../workflows/resync/events.js';
import { WorkflowStore } from '../../workers/store/workflow-store.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const comment = (tk: string, n: number): WorkflowEvent => ({ type: 'commentAdded', id: `${tk}:comment:${n}`, at: n, commentId: String(n), authorId: 'user-1', authorRole: 'requester', public: true });
const tagged = (tk: string): WorkflowEvent => ({
  type: 'ticketTagged',
  id: `${tk}:tagged`,
  at: 1,
  ticket: { system: 'local', id: tk.slice('local:'.length), subject: 's', status: 'new', tags: ['2fa_issue'], requester: { id: 'user-1', email: 'a@example.com' } },
});

/** Issue 16, item 6: `accept` with watchedOnly decides in the step that would write whether a ticket is the bot's. */
describe('WorkflowStore.accept, watchedOnly', () => {
  const prefix = freshPrefix('wo');
  let redis: Redis;
  let store: WorkflowStore;

  beforeAll(() => {
    redis = newRedis();
    store = new WorkflowStore(redis, prefix);
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('writes nothing, not even the delivery record, for a ticket with no workflow, no inbox and no tagging', async () => {
    const delivery = { key: store.keys.delivery('local', 'd-unwatched'), ttlS: 60 };
    expect(await store.accept([{ tk: 'local:1', events: [comment('local:1', 1)] }], { watchedOnly: true, requestDrains: true, delivery, now: 5 })).toEqual([0]);
    const [, keys] = await redis.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
    expect(keys).toEqual([]);
  });

  it('takes the tagging, and the comments behind it while it waits in the inbox, then once the workflow exists', async () => {
    const tk = 'local:2';
    expect(await store.accept([{ tk, events: [tagged(tk)] }], { watchedOnly: true })).toEqual([1]);
    expect(await store.accept([{ tk, events: [comment(tk, 2)] }], { watchedOnly: true })).toEqual([1]);
    await redis.del(store.keys.inbox(tk));
    await redis.hset(store.keys.workflow(tk), 'v', '1', 's', '{}');
    expect(await store.accept([{ tk, events: [comment(tk, 3)] }], { watchedOnly: true })).toEqual([1]);
  });

  it('judges each ticket of a delivery on its own, and records the delivery when one of them is the bot’s', async () => {
    const delivery = { key: store.keys.delivery('local', 'd-mixed'), ttlS: 60 };
    const batches = [
      { tk: 'local:3', events: [comment('local:3', 4)] },
      { tk: 'local:4', events: [tagged('local:4'), comment('local:4', 5)] },
    ];
    expect(await store.accept(batches, { watchedOnly: true, delivery })).toEqual([0, 2]);
    expect(await redis.exists(store.keys.seen('local:3:comment:4'), store.keys.inbox('local:3'))).toBe(0);
    expect(await redis.get(delivery.key)).toBe('1');
    expect(await store.accept(batches, { watchedOnly: true, delivery })).toBe('replayed');
  });

  it('without watchedOnly stores as before (timers, operator commands, tests)', async () => {
    expect(await store.append('local:5', [comment('local:5', 6)])).toBe(1);
  });
});
