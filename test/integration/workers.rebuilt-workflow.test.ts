import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { resyncRequestId, ticketKey } from '../../workers/store/keys.js';
import { freePort } from '../../workers/redis/private-redis.js';
import type { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { writeGeneratedSeed, type GeneratedUser } from '../support/generated-seed.js';
import { capturedLogger } from '../support/log-capture.js';
import { startLocalDesk, TEST_WEBHOOK_SECRET, type LocalDesk } from '../support/local-desk.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 19, item 4: a workflow lost with Redis's last writes (a replica promoted before it had them) is rebuilt from
 * the ticket, the source of truth, without a second public reply or a second resync. The loss is played by deleting
 * the ticket's worker keys (workflow, inbox, seen events, timers, the poller's stamp), the desk and the platform keep
 * theirs; the chaos run's failover mode (test/integration/chaos.failover.test.ts) plays it with a real SIGKILL.
 */
describe('a workflow lost in the middle of a round, rebuilt from the ticket', () => {
  const prefix = freshPrefix('rebuilt');
  const { log, lines } = capturedLogger('info');
  let redis: Redis;
  let desk: LocalDesk;
  let app: App;
  let users: GeneratedUser[];

  beforeAll(async () => {
    redis = newRedis();
    const seed = await writeGeneratedSeed(8);
    users = seed.users;
    const port = await freePort();
    desk = await startLocalDesk({ redis, prefix: `${prefix}:desk`, webhookUrl: `http://127.0.0.1:${port}/webhooks/local`, notifyBotChanges: false });
    app = await createApp(
      loadConfig({
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOCAL_DESK_SERVE: 'false',
        LOCAL_DESK_URL: desk.url,
        LOCAL_DESK_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
        TWOFA_LOCAL_SEED: seed.path,
        POLL_INTERVAL_S: '3600',
        SWEEP_INTERVAL_S: '3600',
      }),
      { log },
    );
    await app.start();
  });
  afterAll(async () => {
    await desk.close();
    await app.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const stateOf = async (id: string): Promise<WorkflowState | undefined> => (await app.store.getState(ticketKey('local', id))).state;
  const until = (id: string, status: string) =>
    waitFor(`ticket ${id} ${status}`, async () => {
      const s = await stateOf(id);
      return s?.status === status ? s : undefined;
    });
  const bot = async (id: string, isPublic: boolean) => (await desk.store.listComments(id)).filter((c) => c.authorRole === 'bot' && c.public === isPublic).map((c) => c.body);
  const resyncs = (u: GeneratedUser) => (app.platform as LocalPlatform).changeLog(u.serial);
  const token = (u: GeneratedUser) => new VirtualToken({ secret: u.secret, counter: u.deviceCounter, kind: 'mobilepass', digits: 6 });

  async function settled(): Promise<void> {
    await desk.notifier?.idle();
    await waitFor('the workers to settle', async () => {
      const [dirty, outbox, jobs] = await Promise.all([redis.scard(app.store.keys.dirty), redis.zcard(app.store.keys.outbox), app.queues.events.getJobCounts('waiting', 'active', 'delayed')]);
      return dirty === 0 && outbox === 0 && Object.values(jobs).every((n) => n === 0) ? true : undefined;
    });
  }

  /** What a failover loses of a ticket whose workflow began within the lost seconds: every worker key of it. */
  async function lose(id: string): Promise<void> {
    const tk = ticketKey('local', id);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      const about = keys.filter((k) => !k.startsWith(`${prefix}:desk:`) && (k.endsWith(tk) || k.includes(`${tk}:`)));
      if (about.length > 0) await redis.del(...about);
    } while (cursor !== '0');
    const timers = (await redis.zrange(app.store.keys.timers, 0, -1)).filter((m) => m.includes(`${tk}:`));
    if (timers.length > 0) await redis.zrem(app.store.keys.timers, ...timers);
    await redis.zrem(app.store.keys.polled, tk);
    expect(await stateOf(id)).toBeUndefined();
  }

  /** The ticket's worker keys as they are now, to put back later: a failover's replica that had only these writes. */
  async function snapshot(id: string): Promise<() => Promise<void>> {
    const tk = ticketKey('local', id);
    const mine = async () => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        found.push(...keys.filter((k) => !k.startsWith(`${prefix}:desk:`) && (k.endsWith(tk) || k.includes(`${tk}:`))));
      } while (cursor !== '0');
      return found;
    };
    const dumps = await Promise.all((await mine()).map(async (k) => [k, await redis.dumpBuffer(k), await redis.pttl(k)] as const));
    return async () => {
      const now = await mine();
      if (now.length > 0) await redis.del(...now);
      for (const [k, dump, ttl] of dumps) if (dump) await redis.restore(k, ttl > 0 ? ttl : 0, dump);
      await redis.zrem(app.store.keys.polled, tk);
    };
  }

  async function requesterWrites(id: string, body: string): Promise<void> {
    const t = await desk.store.getTicket(id);
    await desk.store.addComment(id, { authorId: t!.requester.id, authorRole: 'requester', public: true, body });
    await settled();
  }

  async function open(u: GeneratedUser): Promise<string> {
    const t = await desk.store.createTicket({ subject: 'codes rejected', description: 'help', requester: { email: u.email, name: u.name }, tags: ['2fa_issue'] });
    await until(t.id, 'awaiting_codes');
    await settled();
    return t.id;
  }

  it('lost after the ask for codes: the codes sent meanwhile are acted on, the ask is not written again', async () => {
    const u = users[0]!;
    const id = await open(u);
    const asked = await bot(id, true);
    expect(asked).toHaveLength(1);
    await lose(id);

    const device = token(u);
    await requesterWrites(id, `${device.nextCode()} ${device.nextCode()}`);
    expect(await stateOf(id)).toBeUndefined(); // the comment's webhook alone starts nothing
    await app.poller.poll();
    const state = await until(id, 'awaiting_retest');
    await settled();

    expect(state.rebuiltAt).toBeDefined();
    expect(await resyncs(u)).toHaveLength(1);
    const replies = await bot(id, true);
    expect(replies).toHaveLength(2);
    expect(replies[0]).toBe(asked[0]);
    expect((await bot(id, false)).filter((n) => n.includes('rebuilt it from the ticket'))).toHaveLength(1);

    await requesterWrites(id, 'works now, thanks!');
    await until(id, 'resolved');
    await settled();
    expect(await bot(id, true)).toHaveLength(3);
    expect(lines.some((l) => l.includes('"msg":"workflow rebuilt from the ticket"'))).toBe(true);
  });

  it('lost after the resync and its answer: no second resync, no second "log in again", the confirmation closes it', async () => {
    const u = users[1]!;
    const id = await open(u);
    const device = token(u);
    await requesterWrites(id, `${device.nextCode()} ${device.nextCode()}`);
    await until(id, 'awaiting_retest');
    await settled();
    const before = await bot(id, true);
    expect(before).toHaveLength(2);
    await lose(id);

    await requesterWrites(id, 'yes it works again');
    await app.poller.poll();
    const state = await until(id, 'resolved');
    await settled();

    expect(state.rebuiltAt).toBeDefined();
    // the replayed codes were already used by the lost workflow's resync: that counts as its own, not a failure
    expect(await resyncs(u)).toHaveLength(1);
    const replies = await bot(id, true);
    expect(replies.slice(0, 2)).toEqual(before);
    expect(replies).toHaveLength(3);
    expect(replies[2]).toMatch(/glad|works|solved/i);
  });

  it('lost after the resync ran and before its answer was written: the replayed codes count as its own, no second resync and no "codes did not match"', async () => {
    const u = users[6]!;
    const id = await open(u);
    const asked = await bot(id, true);
    await lose(id);
    const device = token(u);
    const [c1, c2] = [device.nextCode(), device.nextCode()];
    await requesterWrites(id, `${c1} ${c2}`);
    // the lost workflow's resync reached the platform; its result and the "log in again" reply were lost
    const lost = await app.platform.resyncOtp('u6', u.serial, c1, c2, { requestId: 'the-lost-workflow' });
    expect(lost.ok).toBe(true);
    await app.poller.poll();
    const state = await until(id, 'awaiting_retest');
    await settled();

    expect(state.rebuiltAt).toBeDefined();
    expect(await resyncs(u)).toHaveLength(1);
    const replies = await bot(id, true);
    expect(replies).toHaveLength(2);
    expect(replies[0]).toBe(asked[0]);
    expect(replies[1]).toMatch(/back in sync/);
  });

  it('went back to before the codes, after its resync of them reached the platform and before its answer was written: the codes count as its own', async () => {
    const u = users[7]!;
    const id = await open(u);
    const tk = ticketKey('local', id);
    const rewind = await snapshot(id);
    // The lost seconds: the codes came and the bot resynced with them; its state and its answer did not survive.
    await lose(id);
    const device = token(u);
    const [c1, c2] = [device.nextCode(), device.nextCode()];
    await requesterWrites(id, `${c1} ${c2}`);
    const codes = (await desk.store.listComments(id)).filter((c) => c.authorRole === 'requester').at(-1)!;
    expect((await app.platform.resyncOtp('u7', u.serial, c1, c2, { requestId: resyncRequestId(tk, codes.id) })).ok).toBe(true);
    await rewind();

    await app.poller.poll();
    await until(id, 'awaiting_retest');
    await settled();
    expect(await resyncs(u)).toHaveLength(1);
    const replies = await bot(id, true);
    expect(replies).toHaveLength(2);
    expect(replies[1]).toMatch(/back in sync/);
    expect((await bot(id, false)).some((n) => n.includes('rejected the resync'))).toBe(false);
  });

  it('a ticket whose bot comment ended the round stays left after the same loss', async () => {
    const u = users[2]!;
    const id = await open(u);
    const device = token(u);
    await requesterWrites(id, `${device.nextCode()} ${device.nextCode()}`);
    await until(id, 'awaiting_retest');
    await requesterWrites(id, 'works, thank you');
    await until(id, 'resolved');
    await settled();
    const replies = await bot(id, true);
    await lose(id);
    await requesterWrites(id, 'one more question about something else');
    await app.poller.poll();
    await settled();
    expect(await stateOf(id)).toBeUndefined();
    expect(await bot(id, true)).toEqual(replies);
  });

  it('a workflow that went back to an older version (the replica had not the last writes) catches up without writing twice', async () => {
    const u = users[3]!;
    const id = await open(u);
    const rewind = await snapshot(id);
    const device = token(u);
    await requesterWrites(id, `${device.nextCode()} ${device.nextCode()}`);
    await until(id, 'awaiting_retest');
    await settled();
    const before = await bot(id, true);
    expect(before).toHaveLength(2);
    await rewind();
    expect((await stateOf(id))?.status).toBe('awaiting_codes');

    await app.poller.poll();
    const state = await until(id, 'awaiting_retest');
    await settled();
    expect(state.rebuiltAt).toBeDefined();
    expect(await resyncs(u)).toHaveLength(1);
    expect(await bot(id, true)).toEqual(before);
    expect((await bot(id, false)).filter((n) => n.includes('went back to an older version'))).toHaveLength(1);

    await requesterWrites(id, 'works now');
    await until(id, 'resolved');
    await settled();
    expect(await bot(id, true)).toHaveLength(3);
  });

  it('after a failover, a live reply to a workflow that went back is not taken as the answer to the older question: the ticket is read first', async () => {
    const u = users[4]!;
    const id = await open(u);
    const rewind = await snapshot(id);
    const device = token(u);
    await requesterWrites(id, `${device.nextCode()} ${device.nextCode()}`);
    await until(id, 'awaiting_retest');
    await settled();
    const before = await bot(id, true);
    expect(before).toHaveLength(2);
    // the replica had not the resync's writes; the bot notices the server changed (its run id: see ServerChange)
    await rewind();
    expect((await stateOf(id))?.status).toBe('awaiting_codes');
    await redis.set(app.store.keys.serverRunId, 'the-old-master');
    await redis.set(app.store.keys.serverChangedAt, String(Date.now()));
    await new Promise((r) => setTimeout(r, 1_100)); // the processor reads the change time at most once a second

    // the requester's confirmation comes live (a webhook), before any poll: without the ticket read first it would be
    // taken as an unusable answer to "send two codes" (a second ask, new codes, a second resync)
    await requesterWrites(id, 'works now');
    const state = await until(id, 'resolved');
    await settled();
    expect(state.rebuiltAt).toBeDefined();
    expect(await resyncs(u)).toHaveLength(1);
    const replies = await bot(id, true);
    expect(replies.slice(0, 2)).toEqual(before);
    expect(replies).toHaveLength(3);
    expect(replies.some((r) => /couldn.t find any codes/i.test(r))).toBe(false);
    expect(lines.some((l) => l.includes('comments read back from the ticket'))).toBe(true);
  });

  it('notices that Redis became another server (run id) and records when', async () => {
    const { ServerChange } = await import('../../workers/redis/server-change.js');
    const change = new ServerChange(redis, app.store.keys, log, () => 1_700_000_000_000);
    await redis.set(app.store.keys.serverRunId, 'a-server-that-is-gone');
    await redis.del(app.store.keys.serverChangedAt);
    expect(await change.check()).toBe(true);
    expect(await change.changedAt()).toBe(1_700_000_000_000);
    // the same server again: nothing new
    expect(await change.check()).toBe(false);
    expect(await redis.get(app.store.keys.serverRunId)).toMatch(/^\w{40}$/);
  });
});
