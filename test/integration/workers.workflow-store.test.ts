import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { WorkflowEvent } from '../../workflows/resync/events.js';
import type { Effect } from '../../workflows/resync/effects.js';
import { FIRST_MESSAGE_MAX } from '../../workflows/resync/model.js';
import { CommitConflict, EffectCompletedElsewhere, WorkflowStore } from '../../workers/store/workflow-store.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const tk = 'local:1';
const comment = (n: number, text?: string): WorkflowEvent => ({
  type: 'commentAdded',
  id: `c${n}`,
  at: n,
  commentId: String(n),
  authorId: 'u1',
  authorRole: 'requester',
  public: true,
  ...(text !== undefined ? { text } : {}),
});

describe('WorkflowStore', () => {
  let redis: Redis;
  let prefix: string;
  let store: WorkflowStore;

  beforeEach(() => {
    redis = newRedis();
    prefix = freshPrefix('store');
    store = new WorkflowStore(redis, prefix);
  });
  afterEach(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('appends events in order and drops an event id it has seen', async () => {
    expect(await store.append(tk, [comment(1), comment(2)])).toBe(2);
    expect(await store.append(tk, [comment(2), comment(3)])).toBe(1);
    const ids = (await redis.lrange(store.keys.inbox(tk), 0, -1)).map((e) => (JSON.parse(e) as WorkflowEvent).id);
    expect(ids).toEqual(['c1', 'c2', 'c3']);
    expect(await store.dirtyTickets()).toEqual([tk]);
  });

  it('completes effects its worker ran in the commit that applies their results, only while they are in the outbox', async () => {
    const locate: Effect = { type: 'readGroups', id: '1.1.0', userId: 'u' };
    const tokens: Effect = { type: 'readTokens', id: '1.1.1', userId: 'u' };
    await store.commitBatch(tk, 0, undefined, [], [locate, tokens], 10, 0);
    const [locateKey, tokensKey] = [`${tk}|1.1.0`, `${tk}|1.1.1`];
    await redis.set(store.keys.effectTries(locateKey), '1');
    // one of the two was completed elsewhere (a job after the lease): the commit saves nothing at all
    expect(await store.completeEffect(tokensKey, tk, undefined)).toBe(true);
    const fakeState = { marker: 'state' } as unknown as Parameters<WorkflowStore['commit']>[2];
    await expect(store.commitBatch(tk, 0, fakeState, [], [], 11, 0, 0, [locateKey, tokensKey])).rejects.toBeInstanceOf(EffectCompletedElsewhere);
    expect((await store.getState(tk)).version).toBe(0);
    expect(await store.pendingEffects(tk)).toEqual([locateKey]);
    // the one still there: removed from the outbox with its record and start counter, with the new state
    const done = await store.commitBatch(tk, 0, fakeState, [], [], 12, 0, 0, [locateKey]);
    expect(done.version).toBe(1);
    expect(await store.pendingEffects(tk)).toEqual([]);
    expect(await redis.exists(store.keys.effect(locateKey), store.keys.effectTries(locateKey))).toBe(0);
  });

  it('never stores the text of a comment', async () => {
    await store.append(tk, [comment(1, 'my codes are 123456 654321')]);
    const raw = await redis.lrange(store.keys.inbox(tk), 0, -1);
    expect(raw.join('')).not.toContain('123456');
  });

  it('never stores codes a requester typed into the subject or name of a ticket', async () => {
    const tagged: WorkflowEvent = {
      type: 'ticketTagged',
      id: 't1',
      at: 1,
      ticket: { system: 'local', id: '1', subject: 'My codes 815604 718975 fail', status: 'new', tags: ['2fa_issue'], requester: { id: 'r1', name: 'Alice 815 604' } },
    };
    await store.append(tk, [tagged]);
    const raw = (await redis.lrange(store.keys.inbox(tk), 0, -1)).join('');
    expect(raw).toContain('My codes');
    for (const code of ['815604', '718975', '815 604']) expect(raw).not.toContain(code);
  });

  it('keeps a ticket’s first message for the drain masked and cut to what the language detector reads', async () => {
    const description = `Mein Code 815604 geht nicht. ${'x'.repeat(5_000)}`;
    const tagged: WorkflowEvent = {
      type: 'ticketTagged',
      id: 't1',
      at: 1,
      ticket: { system: 'local', id: '1', subject: 'Login', description, status: 'new', tags: ['2fa_issue'], requester: { id: 'r1' } },
    };
    await store.append(tk, [tagged]);
    const [raw] = await redis.lrange(store.keys.inbox(tk), 0, -1);
    const stored = (JSON.parse(raw ?? '{}') as { ticket?: { description?: string } }).ticket?.description ?? '';
    expect(stored).toMatch(/^Mein Code \S+ geht nicht\./);
    expect(stored).not.toContain('815604');
    expect(stored.length).toBeLessThanOrEqual(FIRST_MESSAGE_MAX);
  });

  it('commits with compare-and-set: a stale version or a moved head is a conflict', async () => {
    await store.append(tk, [comment(1), comment(2)]);
    const { version, head } = await store.load(tk);
    expect(version).toBe(0);
    const effect: Effect = { type: 'readGroups', id: '1.1.0', userId: 'u' };
    const fakeState = { marker: 'state' } as unknown as Parameters<WorkflowStore['commit']>[2];
    await redis.hset(store.keys.workflow(tk), 'v', '0');
    expect(await store.commit(tk, 0, undefined, head as string, [effect], 10)).toBe(0);
    await expect(store.commit(tk, 0, fakeState, head as string, [], 11)).rejects.toBeInstanceOf(CommitConflict);
    const next = await store.load(tk);
    expect(JSON.parse(next.head as string).id).toBe('c2');
    await expect(store.commit(tk, 5, undefined, next.head as string, [], 12)).rejects.toBeInstanceOf(CommitConflict);
    expect(await store.staleEffects(100)).toEqual([`${tk}|1.1.0`]);
  });

  it('commits a batch of inbox events in one step, returns the next ones, and refuses a batch whose events moved', async () => {
    await store.append(tk, [comment(1), comment(2), comment(3)]);
    const batch = await store.loadBatch(tk, 2);
    expect(batch.heads.map((h) => (JSON.parse(h) as WorkflowEvent).id)).toEqual(['c1', 'c2']);
    const fakeState = { marker: 'state' } as unknown as Parameters<WorkflowStore['commitBatch']>[2];
    // a rival consumed c1 first: the same batch no longer matches the inbox head
    await store.commit(tk, 0, undefined, batch.heads[0] as string, [], 1);
    await expect(store.commitBatch(tk, 0, fakeState, batch.heads, [], 2, 10)).rejects.toBeInstanceOf(CommitConflict);
    const again = await store.loadBatch(tk, 10);
    expect(again.heads).toHaveLength(2);
    // a batch longer than the inbox is a conflict, never a partial pop
    await expect(store.commitBatch(tk, 0, fakeState, [...again.heads, 'x'], [], 3, 10)).rejects.toBeInstanceOf(CommitConflict);
    const effect: Effect = { type: 'readGroups', id: '1.1.0', userId: 'u' };
    const done = await store.commitBatch(tk, 0, fakeState, again.heads, [effect], 4, 10);
    expect(done).toEqual({ version: 1, next: [] });
    expect(await redis.llen(store.keys.inbox(tk))).toBe(0);
    expect(await store.dirtyTickets()).toEqual([]);
    expect(await store.pendingEffects(tk)).toEqual([`${tk}|1.1.0`]);
    // a stale version is a conflict even when the heads match
    await store.append(tk, [comment(4)]);
    const last = { heads: await redis.lrange(store.keys.inbox(tk), 0, -1) }; // (the fake state does not parse)
    await expect(store.commitBatch(tk, 0, fakeState, last.heads, [], 5, 10)).rejects.toBeInstanceOf(CommitConflict);
    await store.append(tk, [comment(5)]);
    const res = await store.commitBatch(tk, 1, fakeState, last.heads, [], 6, 10);
    expect(res.version).toBe(2);
    expect(res.next.map((h) => (JSON.parse(h) as WorkflowEvent).id)).toEqual(['c5']);
    expect(await store.dirtyTickets()).toEqual([tk]);
  });

  it('keeps an ended ticket\'s workflow for the retention, and for good again once a new round starts', async () => {
    const day = 86_400_000;
    const kept = new WorkflowStore(redis, prefix, day);
    const as = (status: string) => ({ status }) as unknown as Parameters<WorkflowStore['commitBatch']>[2];
    const step = async (version: number, status: string, n: number) => {
      await kept.append(tk, [comment(n)]);
      const { heads } = { heads: await redis.lrange(kept.keys.inbox(tk), 0, -1) };
      return kept.commitBatch(tk, version, as(status), heads, [], n, 10);
    };
    await step(0, 'awaiting_codes', 1);
    expect(await redis.pttl(kept.keys.workflow(tk))).toBe(-1);
    await step(1, 'resolved', 2);
    const ttl = await redis.pttl(kept.keys.workflow(tk));
    expect(ttl).toBeGreaterThan(day - 60_000);
    expect(ttl).toBeLessThanOrEqual(day);
    // the requester writes again: a new round, kept for good while it runs
    await step(2, 'awaiting_codes', 3);
    expect(await redis.pttl(kept.keys.workflow(tk))).toBe(-1);
    // retention 0: an ended workflow is kept for good
    await store.append('local:2', [comment(4)]);
    await store.commitBatch('local:2', 0, as('escalated'), await redis.lrange(store.keys.inbox('local:2'), 0, -1), [], 4, 10);
    expect(await redis.pttl(store.keys.workflow('local:2'))).toBe(-1);
  });

  it('completes an effect once and queues its result once', async () => {
    await store.append(tk, [comment(1)]);
    const { head } = await store.load(tk);
    await store.commit(tk, 0, undefined, head as string, [{ type: 'readGroups', id: '1.1.0', userId: 'u' }], 1);
    const key = `${tk}|1.1.0`;
    expect((await store.getEffect(key))?.effect.type).toBe('readGroups');
    const result: WorkflowEvent = { type: 'groupsRead', id: `fx:${key}`, effectId: '1.1.0', groups: ['VPN'], at: 2 };
    expect(await store.completeEffect(key, tk, result)).toBe(true);
    expect(await store.completeEffect(key, tk, result)).toBe(false);
    expect(await redis.llen(store.keys.inbox(tk))).toBe(1);
    expect(await store.staleEffects(Date.now())).toEqual([]);
    expect(await store.getEffect(key)).toBeUndefined();
  });

  it('counts effect starts so a retry knows the first outcome is unknown', async () => {
    expect(await store.markEffectStarted('k')).toBe(1);
    expect(await store.markEffectStarted('k')).toBe(2);
    await store.completeEffect('k', tk, undefined);
    expect(await redis.exists(store.keys.effectTries('k'))).toBe(0);
  });
});
