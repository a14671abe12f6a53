import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { ticketKey } from '../../workers/store/keys.js';
import { freePort } from '../../workers/redis/private-redis.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { capturedLogger } from '../support/log-capture.js';
import { startLocalDesk, TEST_WEBHOOK_SECRET, type LocalDesk } from '../support/local-desk.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 16, item 1: once a ticket's workflow and seen-event keys have expired, a ticket the bot left (its end tags,
 * its comments) is never started again by the webhook, the poller or a tag change, unless an agent adds the watch
 * tag anew. Redis's forgetting is played by deleting the ticket's worker keys; the desk keeps the ticket as it is.
 */
describe('a ticket the bot left, once Redis has forgotten it', () => {
  const prefix = freshPrefix('left');
  const { log } = capturedLogger('warn');
  let redis: Redis;
  let desk: LocalDesk;
  let app: App;

  beforeAll(async () => {
    redis = newRedis();
    // The desk beside the app (as the app serves it), so that a test can wait for its webhooks to be answered.
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
  const botComments = async (id: string, only: { public?: boolean } = {}) =>
    (await desk.store.listComments(id)).filter((c) => c.authorRole === 'bot' && (only.public === undefined || c.public === only.public)).length;

  /** Every webhook answered, every event applied and every effect done. */
  async function settled(): Promise<void> {
    await desk.notifier?.idle();
    await waitFor('the workers to settle', async () => {
      const [dirty, outbox, jobs] = await Promise.all([redis.scard(app.store.keys.dirty), redis.zcard(app.store.keys.outbox), app.queues.events.getJobCounts('waiting', 'active', 'delayed')]);
      return dirty === 0 && outbox === 0 && Object.values(jobs).every((n) => n === 0) ? true : undefined;
    });
  }

  /** What Redis forgets of a ticket in 30 days: its workflow, seen events, activity, timers and the poller's stamp. */
  async function forget(id: string): Promise<void> {
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

  /** An agent's internal note (its webhook), then the poller's look at the changed ticket. */
  async function agentNoteThenPoll(id: string): Promise<void> {
    await desk.store.addComment(id, { authorId: 'agent-7', authorRole: 'agent', public: false, body: 'Called the user, waiting for the new phone.' });
    await settled();
    await app.poller.poll();
    await settled();
  }

  it('(a) escalated ticket + an agent note or tag: no workflow, nothing written on the ticket', async () => {
    const ticket = await desk.store.createTicket({ subject: 'token broken', description: 'help', requester: { email: 'nobody.known@example.com', name: 'Nobody Known' }, tags: ['2fa_issue'] });
    await waitFor('the escalation', async () => ((await stateOf(ticket.id))?.status === 'escalated' ? true : undefined));
    await settled();
    const before = await desk.store.getTicketWithComments(ticket.id);
    expect(before?.tags).toContain('2fa_bot_escalated');
    await forget(ticket.id);

    await agentNoteThenPoll(ticket.id);
    await desk.store.addTags(ticket.id, ['vip'], 'agent');
    await settled();
    await app.poller.poll();
    await settled();

    expect(await stateOf(ticket.id)).toBeUndefined();
    expect(await app.store.pendingEffects(ticketKey('local', ticket.id))).toEqual([]);
    const after = await desk.store.getTicketWithComments(ticket.id);
    expect(after?.comments.filter((c) => c.authorRole === 'bot')).toEqual(before?.comments.filter((c) => c.authorRole === 'bot'));
    expect(after?.assigneeGroup).toBe(before?.assigneeGroup);
  });

  it('(b) a ticket an agent took over with 2fa_bot_off + an agent note: no workflow, no question to the requester', async () => {
    const ticket = await desk.store.createTicket({ subject: 'codes rejected', description: 'help', requester: { email: 'frank.fisher@example.com', name: 'Frank Fisher' }, tags: ['2fa_issue'] });
    await waitFor('the question for codes', async () => ((await stateOf(ticket.id))?.status === 'awaiting_codes' ? true : undefined));
    await desk.store.addTags(ticket.id, ['2fa_bot_off'], 'agent');
    await waitFor('the hand-off', async () => ((await stateOf(ticket.id))?.status === 'handed_off' ? true : undefined));
    await settled();
    const asked = await botComments(ticket.id);
    await forget(ticket.id);

    await agentNoteThenPoll(ticket.id);

    expect(await stateOf(ticket.id)).toBeUndefined();
    expect(await botComments(ticket.id)).toBe(asked);
  });

  it('(c) a resolved ticket the requester writes on again after expiry: no new round without state (one with state is)', async () => {
    // As the bot left it a month ago: its last reply, its resolved tag, solved.
    const ticket = await desk.store.createTicket({ subject: 'codes rejected', description: 'help', requester: { email: 'carol.clark@example.com', name: 'Carol Clark' }, tags: [] });
    await desk.store.applyBotUpdate(ticket.id, { publicReply: 'Your token works again.', status: 'solved', addTags: ['2fa_issue', '2fa_bot_resolved'], removeTags: [], escalate: false }, 'an-old-round');
    await settled();

    await desk.store.addComment(ticket.id, { authorId: ticket.requester.id, authorRole: 'requester', public: true, body: 'It fails again: 123456 654321' });
    expect((await desk.store.getTicket(ticket.id))?.status).toBe('open');
    await settled();
    await app.poller.poll();
    await settled();

    expect(await stateOf(ticket.id)).toBeUndefined();
    expect(await botComments(ticket.id)).toBe(1);
  });

  it('(d) an agent removes and re-adds the watch tag: a deliberate re-open starts the workflow again', async () => {
    const ticket = await desk.store.createTicket({ subject: 'codes rejected', description: 'help', requester: { email: 'erin.evans@example.com', name: 'Erin Evans' }, tags: ['2fa_issue'] });
    await waitFor('the question for codes', async () => ((await stateOf(ticket.id))?.status === 'awaiting_codes' ? true : undefined));
    await desk.store.addTags(ticket.id, ['2fa_bot_off'], 'agent');
    await waitFor('the hand-off', async () => ((await stateOf(ticket.id))?.status === 'handed_off' ? true : undefined));
    await settled();
    const asked = await botComments(ticket.id, { public: true });
    await forget(ticket.id);

    await desk.store.removeTags(ticket.id, ['2fa_issue'], 'agent');
    await settled();
    expect(await stateOf(ticket.id)).toBeUndefined();
    await desk.store.addTags(ticket.id, ['2fa_issue'], 'agent');

    const state = await waitFor('the new question for codes', async () => {
      const s = await stateOf(ticket.id);
      return s?.status === 'awaiting_codes' ? s : undefined;
    });
    expect(state.history[0]?.to).toBe('locating_user');
    expect(state.appliedEventIds.some((e) => e.startsWith(`local:${ticket.id}:tagged:`))).toBe(true);
    await settled();
    // asked again, in words of its own: the desk does not take the new question for a repeat of the old one
    expect(await botComments(ticket.id, { public: true })).toBe(asked + 1);
  });
});
