import { afterAll, describe, expect, it } from 'vitest';
import { Keys } from '../../workers/store/keys.js';
import { OpenTicketIndex } from '../../workers/observe/open-ticket-index.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const redis = newRedis();
const prefix = freshPrefix('idx');
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('OpenTicketIndex on real Redis', () => {
  const index = new OpenTicketIndex(redis, new Keys(prefix));

  it('counts every open state, moves a ticket between states and drops it when it ends', async () => {
    await index.move('local:1', 'locating_user', 1000);
    await index.move('local:2', 'awaiting_codes', 1000);
    await index.move('local:1', 'awaiting_codes', 2000);
    let counts = await index.counts();
    expect(counts).toMatchObject({ awaiting_codes: 2, locating_user: 0, resyncing: 0 });
    expect(Object.keys(counts)).not.toContain('resolved');
    await index.move('local:2', 'resolved', 3000);
    counts = await index.counts();
    expect(counts.awaiting_codes).toBe(1);
    expect(await redis.hexists(`${prefix}:open-state`, 'local:2')).toBe(0);
  });

  it('ignores an update older than the one it holds (two processes writing out of order)', async () => {
    await index.move('local:3', 'awaiting_retest', 5000);
    await index.move('local:3', 'resyncing', 4000);
    const counts = await index.counts();
    expect(counts.awaiting_retest).toBe(1);
    expect(counts.resyncing).toBe(0);
  });

  it('saves the moves of one turn of the event loop together, in the order they happened', async () => {
    const calls: unknown[] = [];
    const r = redis as typeof redis & { tdIndexMoveAll: (...args: unknown[]) => Promise<unknown> };
    const write = r.tdIndexMoveAll.bind(r);
    r.tdIndexMoveAll = (...args: unknown[]) => (calls.push(args), write(...args));
    try {
      await Promise.all([
        index.move('local:5', 'locating_user', 1000),
        index.move('local:6', 'locating_user', 1000),
        index.move('local:5', 'awaiting_codes', 1001),
        index.move('local:6', 'resolved', 1002),
      ]);
    } finally {
      r.tdIndexMoveAll = write;
    }
    expect(calls).toHaveLength(1);
    const held = await redis.hmget(`${prefix}:open-state`, 'local:5', 'local:6');
    expect(held).toEqual(['awaiting_codes|1001', null]);
    expect(await redis.sismember(`${prefix}:open:locating_user`, 'local:5')).toBe(0);
  });

  it('takes a reopened ticket back in', async () => {
    await index.move('local:4', 'resolved', 1000);
    await index.move('local:4', 'locating_user', 2000);
    expect((await index.counts()).locating_user).toBe(1);
  });
});
