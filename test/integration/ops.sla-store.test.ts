import { afterAll, describe, expect, it } from 'vitest';
import { SlaStore } from '../../workers/observe/sla/store.js';
import type { SlaRecord } from '../../workers/observe/sla/record.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const redis = newRedis();
const prefix = freshPrefix('sla');
afterAll(async () => { await deletePrefix(redis, prefix); redis.disconnect(); });

const rec = (id: string, closedAt: number): SlaRecord => ({
  system: 'local', ticketId: id, round: 1, platform: 'local', outcome: 'resolved',
  createdAt: closedAt - 1000, closedAt, waitingMs: 0, resolutionMs: 1000, endUserRoundTrips: 1,
});

describe('SlaStore on real Redis', () => {
  it('saves, reads by time range and trims past retention', async () => {
    const store = new SlaStore(redis, prefix, 1);
    const now = 1_700_000_000_000;
    await store.save(rec('old', now - 2 * 86_400_000));
    await store.save(rec('a', now - 1000));
    await store.save(rec('b', now));
    const all = await store.range(0, now);
    expect(all.map((r) => r.ticketId).sort()).toEqual(['a', 'b']);
    expect(await redis.exists(`${prefix}:sla:rec:local:old:1`)).toBe(0);
  });

  it('trims at most once a minute of close times, so a burst of endings does not scan the index for each', async () => {
    const p = freshPrefix('slatrim');
    const store = new SlaStore(redis, p, 1);
    const now = 1_700_000_000_000;
    await store.save(rec('first', now));
    await redis.zadd(`${p}:sla:index`, now - 2 * 86_400_000, 'local:stale:1');
    await store.save(rec('within', now + 59_000));
    expect(await redis.zscore(`${p}:sla:index`, 'local:stale:1')).not.toBeNull();
    await store.save(rec('later', now + 60_000));
    expect(await redis.zscore(`${p}:sla:index`, 'local:stale:1')).toBeNull();
    await deletePrefix(redis, p);
  });
});

describe('SlaStore.save of one round saved twice', () => {
  it('keeps the record of the later workflow state when the earlier save arrives last (resolved, then unfinished)', async () => {
    const p = freshPrefix('slaorder');
    const store = new SlaStore(redis, p, 90);
    const now = 1_700_000_000_000;
    const unfinished: SlaRecord = { ...rec('r1', now + 5_000), outcome: 'unfinished', intendedOutcome: 'resolved', asOf: now + 5_000 };
    await store.save(unfinished);
    await store.save({ ...rec('r1', now), asOf: now });
    expect(await store.range(0, now + 10_000)).toEqual([unfinished]);
    const handedOff: SlaRecord = { ...rec('r1', now + 9_000), outcome: 'handed_off', asOf: now + 9_000 };
    await store.save(handedOff);
    expect(await store.range(0, now + 10_000)).toEqual([handedOff]);
    expect(await redis.zscore(`${p}:sla:index`, 'local:r1:1')).toBe(String(now + 9_000));
    await deletePrefix(redis, p);
  });
});
