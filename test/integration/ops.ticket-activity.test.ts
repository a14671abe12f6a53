import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keys } from '../../workers/store/keys.js';
import { MAX_ACTIVITY, TicketActivity, type ActivityEntry } from '../../workers/observe/ticket-activity.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const tk = 'local:7';
const effect = (n: number): ActivityEntry => ({ kind: 'effect', at: n, effect: 'readGroups', effectId: `1.${n}.0`, outcome: 'ok' });

describe('TicketActivity', () => {
  let redis: Redis;
  let prefix: string;
  let activity: TicketActivity;
  let writes: number;

  beforeEach(() => {
    redis = newRedis();
    prefix = freshPrefix('activity');
    activity = new TicketActivity(redis, new Keys(prefix));
    // counts the saves: each is one call of the script the store defines on the connection
    writes = 0;
    const r = redis as Redis & { tdActivityPushAll: (...args: unknown[]) => Promise<unknown> };
    const push = r.tdActivityPushAll.bind(r);
    r.tdActivityPushAll = (...args: unknown[]) => ((writes += 1), push(...args));
  });
  afterEach(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('saves the entries added in one turn of the event loop, of every ticket, in one write, newest first', async () => {
    const other = 'local:8';
    await Promise.all([activity.add(tk, effect(1)), activity.add(other, effect(10)), activity.add(tk, effect(2)), activity.add(tk, effect(3))]);
    expect(writes).toBe(1);
    expect((await activity.list(tk)).map((e) => e.at)).toEqual([3, 2, 1]);
    expect((await activity.list(other)).map((e) => e.at)).toEqual([10]);
    await activity.add(tk, effect(4));
    expect(writes).toBe(2);
    expect((await activity.list(tk)).map((e) => e.at)).toEqual([4, 3, 2, 1]);
    expect(await redis.ttl(new Keys(prefix).activity(other))).toBeGreaterThan(29 * 86_400);
  });

  it('saves the entries of one ticket added in one turn of the event loop in one write, newest first', async () => {
    await Promise.all([activity.add(tk, effect(1)), activity.add(tk, effect(2)), activity.add(tk, effect(3))]);
    expect(writes).toBe(1);
    expect((await activity.list(tk)).map((e) => e.at)).toEqual([3, 2, 1]);
    await activity.add(tk, effect(4));
    expect(writes).toBe(2);
    expect((await activity.list(tk)).map((e) => e.at)).toEqual([4, 3, 2, 1]);
    expect(await redis.ttl(new Keys(prefix).activity(tk))).toBeGreaterThan(29 * 86_400);
  });

  it('keeps the newest entries only', async () => {
    await Promise.all(Array.from({ length: MAX_ACTIVITY + 5 }, (_, i) => activity.add(tk, effect(i))));
    const list = await activity.list(tk);
    expect(list).toHaveLength(MAX_ACTIVITY);
    expect(list[0]?.at).toBe(MAX_ACTIVITY + 4);
  });
});
