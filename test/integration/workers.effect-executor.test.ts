import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { readFile } from 'node:fs/promises';
import { EffectExecutor } from '../../workers/effects/effect-executor.js';
import { DEFAULT_SEED } from '../../workers/config.js';
import { Keys } from '../../workers/store/keys.js';
import { WorkflowStore } from '../../workers/store/workflow-store.js';
import { RecentComments } from '../../workers/effects/recent-comments.js';
import { TokensReadAhead } from '../../workers/effects/tokens-read-ahead.js';
import { LocalPlatform } from '../../integrations/twofa/local/adapter.js';
import { parseSeed } from '../../integrations/twofa/local/seed.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { DEMO_DEVICE_COUNTERS } from '../../integrations/twofa/local/demo-devices.js';
import { LocalDeskAdapter } from '../../integrations/ticketing/local/adapter.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { startLocalDesk, TEST_WEBHOOK_SECRET, type LocalDesk } from '../support/local-desk.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

describe('the effect executor against the embedded desk and platform', () => {
  const prefix = freshPrefix('fx');
  let redis: Redis;
  let desk: LocalDesk;
  let platform: LocalPlatform;
  let executor: EffectExecutor;
  let ticketId: string;
  let aliceId: string;

  beforeAll(async () => {
    redis = newRedis();
    desk = await startLocalDesk({ redis, prefix: `${prefix}:desk` });
    platform = new LocalPlatform({ redis, prefix });
    const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')));
    await platform.seed(seed);
    aliceId = seed.users.find((u) => u.userName === 'alice')!.id;
    const ticketing = new Map<string, TicketSystem>([['local', new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: '2fa_issue' })]]);
    executor = new EffectExecutor({ platform, ticketing, timers: new WorkflowStore(redis, prefix), resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: 3 } });
    const ticket = await desk.store.createTicket({ subject: 'code', description: '', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    ticketId = ticket.id;
  });
  afterAll(async () => {
    await desk.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const resync = (n: number, commentId: string, retry = false) =>
    executor.run(
      { type: 'resyncOtp', id: `1.${n}.0`, userId: aliceId, serial: 'MP-1001', commentId, codeLength: 6 },
      { tk: `local:${ticketId}`, key: `local:${ticketId}|1.${n}.0`, retryAfterUnknownOutcome: retry },
    );

  it('reads the codes from the comment at the time of use and resyncs', async () => {
    const token = new VirtualToken({ secret: (await platformSecret()) ?? '', counter: DEMO_DEVICE_COUNTERS['MP-1001'] ?? 0, kind: 'mobilepass', digits: 6 });
    const comment = await desk.store.addComment(ticketId, { authorId: 'user-1', authorRole: 'requester', public: true, body: `${token.nextCode()} ${token.nextCode()}` });
    expect(await resync(1, comment.id)).toMatchObject({ type: 'resyncSucceeded', effectId: '1.1.0' });
    // The same effect retried after an unknown outcome: its own earlier success, not a rejection.
    expect(await resync(1, comment.id, true)).toMatchObject({ type: 'resyncSucceeded' });
    // The same comment from another effect (a workflow that went back, or was rebuilt, after its resync reached the
    // platform): the same request, its own success.
    expect(await resync(2, comment.id)).toMatchObject({ type: 'resyncSucceeded' });
    // The same codes in another comment (a replay, whoever wrote it) stay used.
    const replay = await desk.store.addComment(ticketId, { authorId: 'user-1', authorRole: 'requester', public: true, body: comment.body });
    expect(await resync(8, replay.id)).toMatchObject({ type: 'resyncRejected', reason: 'codes_already_used' });
  });

  it('answers reply_unusable when the comment holds no codes', async () => {
    const comment = await desk.store.addComment(ticketId, { authorId: 'user-1', authorRole: 'requester', public: true, body: 'I have no idea what you mean' });
    expect(await resync(3, comment.id)).toMatchObject({ type: 'resyncRejected', reason: 'reply_unusable' });
  });

  it('counts only resyncs whose codes matched toward the daily limit, and past it refuses without reaching the platform', async () => {
    // Effect 1 (and effect 2, the same comment) made one resync; effects 8 (a replay) and 3 (no codes) used up nothing.
    const token = new VirtualToken({ secret: (await platformSecret()) ?? '', counter: (DEMO_DEVICE_COUNTERS['MP-1001'] ?? 0) + 10, kind: 'mobilepass', digits: 6 });
    const pair = async () => (await desk.store.addComment(ticketId, { authorId: 'user-1', authorRole: 'requester', public: true, body: `${token.nextCode()} ${token.nextCode()}` })).id;
    // a spoofer's wrong codes, however many, cost the owner nothing
    const wrong = await desk.store.addComment(ticketId, { authorId: 'user-1', authorRole: 'requester', public: true, body: '000000 000001' });
    for (const n of [10, 11, 12, 13]) expect(await resync(n, wrong.id)).toMatchObject({ type: 'resyncRejected', reason: 'codes_not_in_window' });
    expect(await resync(5, await pair())).toMatchObject({ type: 'resyncSucceeded' });
    const sixth = await pair();
    expect(await resync(6, sixth)).toMatchObject({ type: 'resyncSucceeded' });
    // the limit of 3 is reached: a retry of a counted effect is not a new resync, a new one is refused
    expect(await resync(6, sixth, true)).toMatchObject({ type: 'resyncSucceeded' });
    const refused = await pair();
    expect(await resync(7, refused)).toMatchObject({ type: 'resyncRejected', reason: 'resync_limit' });
  });

  it('locates by email first, then by last name, and reports ambiguity', async () => {
    const locate = (requester: { email?: string; name?: string }) =>
      executor.run({ type: 'locateUser', id: 'l', requester: { id: 'r', ...requester } }, { tk: `local:${ticketId}`, key: 'k', retryAfterUnknownOutcome: false });
    expect(await locate({ email: 'ALICE.ARCHER@example.com', name: 'A' })).toMatchObject({ type: 'userLocated', matchedBy: 'email' });
    expect(await locate({ email: 'ivan.home@personal.example', name: 'Ivan Ivanov' })).toMatchObject({ type: 'userLocated', matchedBy: 'lastName' });
    expect(await locate({ email: 'j.smith@contoso.example', name: 'J Smith' })).toMatchObject({ type: 'usersAmbiguous' });
    expect(await locate({ email: 'nobody@nowhere.example', name: 'No Body' })).toMatchObject({ type: 'userNotFound' });
  });

  it('tells the workflow, with the located user, what the platform can do', async () => {
    const located = await executor.run(
      { type: 'locateUser', id: 'l', requester: { id: 'r', email: 'alice.archer@example.com' } },
      { tk: `local:${ticketId}`, key: 'k2', retryAfterUnknownOutcome: false },
    );
    expect(located).toMatchObject({ type: 'userLocated', platform: { name: 'local', canAddToGroup: true, canResync: true, canChallenge: true } });
  });

  it('sets a timer an earlier version saved as an effect in the timers set, as a commit would', async () => {
    const store = new WorkflowStore(redis, prefix);
    const tk = `local:${ticketId}`;
    expect(await executor.run({ type: 'setTimer', id: '1.2.3', timerId: '1.2.reminder', kind: 'reminder', dueAt: 12_345 }, { tk, key: `${tk}|1.2.3`, retryAfterUnknownOutcome: false })).toBeUndefined();
    expect(await store.timerDueAt(tk, { timerId: '1.2.reminder', kind: 'reminder' })).toBe(12_345);
  });

  it('takes the reply its drain kept in memory instead of reading the comment again, once', async () => {
    const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')));
    const carol = seed.users.find((u) => u.userName === 'carol')!;
    const secret = seed.tokens.find((t) => t.serial === 'MP-1003')!.secret;
    const token = new VirtualToken({ secret, counter: DEMO_DEVICE_COUNTERS['MP-1003'] ?? 0, kind: 'mobilepass', digits: 6 });
    const recentComments = new RecentComments();
    const ticketing = new Map<string, TicketSystem>([['local', new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: '2fa_issue' })]]);
    const reads: string[] = [];
    const local = ticketing.get('local')!;
    const getComment = local.getComment.bind(local);
    local.getComment = (t, c) => (reads.push(c), getComment(t, c));
    const kept = new EffectExecutor({ platform, ticketing, timers: new WorkflowStore(redis, prefix), recentComments, resyncLimit: { redis, keys: new Keys(`${prefix}:kept`), perUserPerDay: 3 } });
    // on the desk the comment says nothing usable: a resync that reads it again is refused
    const comment = await desk.store.addComment(ticketId, { authorId: 'user-1', authorRole: 'requester', public: true, body: 'see my previous message' });
    const tk = `local:${ticketId}`;
    recentComments.remember(tk, comment.id, `${token.nextCode()} ${token.nextCode()}`);
    const effect = (n: number) => ({ type: 'resyncOtp' as const, id: `4.${n}.0`, userId: carol.id, serial: 'MP-1003', commentId: comment.id, codeLength: 6 as const });
    expect(await kept.run(effect(1), { tk, key: `${tk}|4.1.0`, retryAfterUnknownOutcome: false })).toMatchObject({ type: 'resyncSucceeded' });
    expect(reads).toEqual([]);
    // handed out once: a second run reads the desk
    expect(await kept.run(effect(2), { tk, key: `${tk}|4.2.0`, retryAfterUnknownOutcome: false })).toMatchObject({ type: 'resyncRejected', reason: 'reply_unusable' });
    expect(reads).toEqual([comment.id]);
  });

  it("reads the user's tokens beside their groups, and hands the list to the token read that follows, once", async () => {
    const calls: string[] = [];
    let failTokens = 0;
    const counting = Object.assign(Object.create(platform) as LocalPlatform, {
      getGroups: async (userId: string) => {
        calls.push('groups:start');
        const groups = await platform.getGroups(userId);
        calls.push('groups:end');
        return groups;
      },
      listTokens: async (userId: string) => {
        calls.push('tokens:start');
        if (failTokens-- > 0) throw new Error('platform blip');
        return platform.listTokens(userId);
      },
    });
    const ticketing = new Map<string, TicketSystem>([['local', new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: '2fa_issue' })]]);
    const ahead = new EffectExecutor({ platform: counting, ticketing, timers: new WorkflowStore(redis, prefix), tokensAhead: new TokensReadAhead(), resyncLimit: { redis, keys: new Keys(prefix), perUserPerDay: 3 } });
    const tk = `local:${ticketId}`;
    const run = (type: 'readGroups' | 'readTokens', n: number, on = tk) => ahead.run({ type, id: `7.${n}.0`, userId: aliceId }, { tk: on, key: `${on}|7.${n}.0`, retryAfterUnknownOutcome: false });
    expect(await run('readGroups', 1)).toMatchObject({ type: 'groupsRead' });
    // the token read started with the group read, before its answer
    expect(calls).toEqual(['tokens:start', 'groups:start', 'groups:end']);
    expect(await run('readTokens', 2)).toMatchObject({ type: 'tokensRead', tokens: [expect.objectContaining({ serial: 'MP-1001' })] });
    expect(calls).toHaveLength(3);
    // handed out once: the next token read asks the platform
    expect(await run('readTokens', 3)).toMatchObject({ type: 'tokensRead' });
    expect(calls).toHaveLength(4);
    // another ticket of the same user does not take this ticket's list
    calls.length = 0;
    await run('readGroups', 4);
    expect(await run('readTokens', 5, 'local:other')).toMatchObject({ type: 'tokensRead' });
    expect(calls.filter((c) => c === 'tokens:start')).toHaveLength(2);
    // a read ahead that failed is read again when asked for, and the failure is nobody's
    calls.length = 0;
    failTokens = 1;
    await run('readGroups', 6);
    expect(await run('readTokens', 7)).toMatchObject({ type: 'tokensRead', tokens: [expect.objectContaining({ serial: 'MP-1001' })] });
    expect(calls.filter((c) => c === 'tokens:start')).toHaveLength(2);
  });

  async function platformSecret(): Promise<string | undefined> {
    const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')));
    return seed.tokens.find((t) => t.serial === 'MP-1001')?.secret;
  }
});
