import axios from 'axios';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { EffectExecutor } from '../../workers/effects/effect-executor.js';
import { effectKey } from '../../workers/store/keys.js';
import type { Effect } from '../../workflows/resync/effects.js';
import type { WorkflowEvent } from '../../workflows/resync/events.js';
import { ticketKey } from '../../workers/store/keys.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';
import { intakeOnlyPerSuite } from '../support/intake-only.js';

/** Counts the jobs the app adds to its effects queue (a spy on the real queue; the jobs still go to Redis). */
function countEffectJobs(app: App): { added: number } {
  const count = { added: 0 };
  const q = app.queues.effects;
  const add = q.add.bind(q);
  const addBulk = q.addBulk.bind(q);
  q.add = (...args: Parameters<typeof add>) => ((count.added += 1), add(...args));
  q.addBulk = (jobs: Parameters<typeof addBulk>[0]) => ((count.added += jobs.length), addBulk(jobs));
  return count;
}

describe.each([
  // inline: no effect job, and no result through the inbox (its dedupe key `seen:fx:…` is never written)
  { inline: 'true', jobs: (n: number) => expect(n).toBe(0), inboxResults: (n: number) => expect(n).toBe(0) },
  { inline: 'false', jobs: (n: number) => expect(n).toBeGreaterThanOrEqual(4), inboxResults: (n: number) => expect(n).toBeGreaterThanOrEqual(3) },
])('EFFECTS_INLINE=$inline', ({ inline, jobs, inboxResults }) => {
  const prefix = freshPrefix(`inl${inline}`);
  const { log } = capturedLogger('warn');
  let redis: Redis;
  let app: App;
  let count: { added: number };

  beforeAll(async () => {
    redis = newRedis();
    app = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', EFFECTS_INLINE: inline }), { log });
    count = countEffectJobs(app);
    await app.start();
  });
  afterAll(async () => {
    await app.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('takes a ticket to "send two codes" with the same replies, and effects as jobs only when off', async () => {
    const desk = axios.create({ baseURL: `${app.url}/desk` });
    const { data } = await desk.post<{ id: string }>('/api/tickets', { subject: 'code rejected', description: 'help', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    const tk = ticketKey('local', String(data.id));
    await waitFor('the ticket to wait for codes', async () => {
      const s = (await app.store.getState(tk)).state;
      return s?.status === 'awaiting_codes' && (await app.store.pendingEffects(tk)).length === 0 ? s : undefined;
    });
    const ticket = await desk.get<{ comments: Array<{ authorRole: string; public: boolean; body: string }> }>(`/api/tickets/${data.id}`);
    const replies = ticket.data.comments.filter((c) => c.authorRole === 'bot' && c.public);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toMatch(/two consecutive codes|code/i);
    // locate, groups, tokens and the reply (timers are set by the commits, never as effect jobs)
    jobs(count.added);
    // the results of locate, groups, tokens and the reply: applied in the commit that completed them, when inline
    inboxResults((await redis.keys(`${app.store.keys.seen(`fx:${tk}|`)}*`)).length);
  });
});

describe('an effect that runs longer than its lease', () => {
  const { sys } = intakeOnlyPerSuite('inllease');

  it('keeps it: the drain renews the lease while the effect runs, so the sweeper does not start it again', async () => {
    const { intake, redis } = sys();
    const { tk } = await sys().newTaggedTicket();
    let release: () => void = () => undefined;
    const running = new Promise<void>((r) => (release = r));
    const processor = sys().processor({
      inline: { leaseMs: 600, run: () => running },
    });
    const drained = processor.drain(tk);
    await new Promise((r) => setTimeout(r, 1500));
    // 1.5 s after the commit, a lease of 600 ms still reaches into the future, and the sweeper leaves the effects alone
    const scores = (await redis.zrange(intake.store.keys.outbox, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    expect(scores).toHaveLength(1); // locateUser: the SLA timers are the commit's, not effects to lease
    for (const score of scores) expect(score).toBeGreaterThan(Date.now());
    expect((await intake.sweeper.sweep(Date.now())).effects).toBe(0);
    release();
    await drained;
  });
});

describe('an effect result the drain folds into its commit, when a job completed the effect first', () => {
  const { sys } = intakeOnlyPerSuite('inlfold');

  it('is applied once: the commit finds the effect gone, saves nothing, and the drain takes the result from the inbox', async () => {
    const { intake } = sys();
    const { tk } = await sys().newTaggedTicket();
    const executor = new EffectExecutor({
      platform: intake.platform,
      ticketing: intake.ticketing,
      timers: intake.store,
      resyncLimit: { redis: intake.store.redis, keys: intake.store.keys, perUserPerDay: 5 },
    });
    const applied: string[] = [];
    const processor = sys().processor({
      // every event the workflow is given, applied or ignored as a duplicate
      onApplied: (_tk, event) => void applied.push(event.type),
      inline: {
        leaseMs: 30_000,
        run: async (t, effect) => {
          if (effect.type !== 'locateUser') return undefined; // the rest stays in the outbox
          const key = effectKey(t, effect.id);
          const result = await executor.run(effect, { tk: t, key, retryAfterUnknownOutcome: false });
          // the lease ran out meanwhile and a job ran the effect too: it completed first, through the inbox
          expect(await intake.store.completeEffect(key, t, result)).toBe(true);
          return { key, result };
        },
      },
    });
    await processor.drain(tk);
    const { state, version } = await intake.store.getState(tk);
    // once: not folded (the commit was refused) and then met again in the inbox
    expect(applied.filter((t) => t === 'userLocated')).toHaveLength(1);
    expect(state?.status).toBe('checking_group');
    expect(version).toBe(2); // the tagged ticket, then its user: nothing saved by the commit that was refused
    // locate is done; the readGroups it led to is left in the outbox (for a job)
    const pending = await intake.store.pendingEffects(tk);
    expect(pending.sort()).toEqual([`${tk}|1.2.0`]);
  });
});

describe('reads a new ticket asks for, run before its commit', () => {
  const { sys } = intakeOnlyPerSuite('inlread');

  /** A drain with inline effects on the intake's store; `readAhead` as given (none: reads are committed first). */
  function drainWith(readAhead: ((tk: string, effect: Effect) => Promise<WorkflowEvent | undefined>) | undefined) {
    const { intake } = sys();
    const executor = new EffectExecutor({
      platform: intake.platform,
      ticketing: intake.ticketing,
      timers: intake.store,
      resyncLimit: { redis: intake.store.redis, keys: intake.store.keys, perUserPerDay: 5 },
    });
    // every commit, and the types of the effects each one was given to save
    const commits = { n: 0, saved: [] as string[] };
    const commitBatch = intake.store.commitBatch.bind(intake.store);
    const processor = sys().processor({
      store: Object.assign(Object.create(intake.store) as typeof intake.store, {
        commitBatch: (...args: Parameters<typeof commitBatch>) => {
          commits.n += 1;
          commits.saved.push(...args[4].map((e) => e.type));
          return commitBatch(...args);
        },
      }),
      inline: {
        leaseMs: 30_000,
        run: async (t, effect) => {
          const key = effectKey(t, effect.id);
          return { key, result: await executor.run(effect, { tk: t, key, retryAfterUnknownOutcome: false }) };
        },
        ...(readAhead ? { readAhead } : {}),
      },
    });
    return { processor, commits, executor };
  }

  it('saves user, groups and tokens with the reply in one commit, and never puts those reads in the outbox', async () => {
    const { intake } = sys();
    const { tk } = await sys().newTaggedTicket();
    const { processor, commits, executor } = drainWith(async (t, effect) => executor.run(effect, { tk: t, key: effectKey(t, effect.id), retryAfterUnknownOutcome: false }));
    await processor.drain(tk);
    expect((await intake.store.getState(tk)).state?.status).toBe('awaiting_codes');
    // the reads and the reply with its timers, then the fold that completes the reply and the timers
    expect(commits.n).toBe(2);
    expect(commits.saved).toContain('updateTicket');
    for (const type of commits.saved) expect(['locateUser', 'readGroups', 'readTokens']).not.toContain(type);
    expect(await intake.store.pendingEffects(tk)).toEqual([]);
    // the first reply went out in the same commit: its SLA timer was moot and never queued; the others were
    const timer = (timerId: string, kind: 'reminder' | 'sla_risk') => intake.store.timerDueAt(tk, { timerId, kind });
    expect(await timer('1.sla.first_reply', 'sla_risk')).toBeUndefined();
    expect(await timer('1.sla.resolution', 'sla_risk')).toBeDefined();
    const { state } = await intake.store.getState(tk);
    expect(await timer(state?.timer?.id ?? 'none', 'reminder')).toBe(state?.timer?.dueAt);
    expect(await intake.queues.timers.count()).toBe(0);
  });

  it('without reading ahead, commits each read on its own (the count the test above would fail on)', async () => {
    const { tk } = await sys().newTaggedTicket();
    const { processor, commits } = drainWith(undefined);
    await processor.drain(tk);
    expect(commits.n).toBeGreaterThanOrEqual(5);
  });

  it('commits a read that failed ahead and runs it the usual way, reaching the same state', async () => {
    const { intake } = sys();
    const { tk } = await sys().newTaggedTicket();
    const tried: string[] = [];
    const { processor, executor } = drainWith(async (t, effect) => {
      tried.push(effect.type);
      if (effect.type === 'readGroups') return undefined; // the platform failed
      return executor.run(effect, { tk: t, key: effectKey(t, effect.id), retryAfterUnknownOutcome: false });
    });
    await processor.drain(tk);
    // the failed read is committed and run inline after the commit; the tokens it leads to are read the same way
    expect(tried).toEqual(['locateUser', 'readGroups']);
    expect((await intake.store.getState(tk)).state?.status).toBe('awaiting_codes');
    expect(await intake.store.pendingEffects(tk)).toEqual([]);
  });
});
