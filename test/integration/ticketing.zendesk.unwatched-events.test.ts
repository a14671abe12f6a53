import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { ticketKey } from '../../workers/store/keys.js';
import { freePort } from '../../workers/redis/private-redis.js';
import { EventSchema, type WorkflowEvent } from '../../workflows/resync/events.js';
import { startFakeZendesk, type FakeTicket, type FakeUser, type FakeZendesk } from '../support/fake-zendesk.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'zendesk-unwatched-webhook-signing-secret';
const TOKEN = 'zendesk-unwatched-api-token';
const EMAIL = 'twofa-bot@acme.example';
const UNWATCHED_TICKETS = 40;

/**
 * Issue 16, item 9: event webhooks about tickets without the watch tag (most of an account's traffic) are dropped from
 * the signed body alone, with no Zendesk API call and no Redis write; the watched ticket's events still arrive. The
 * real intake (ROLES=intake: no poller, no sweeper writing on its own) behind a fake Zendesk sending real webhooks.
 */
describe('Zendesk event webhooks about unwatched tickets', () => {
  const prefix = freshPrefix('zd-unw');
  const { log } = capturedLogger('warn');
  let redis: Redis;
  let fake: FakeZendesk;
  let app: App;
  let agent: FakeUser;
  let watched: FakeTicket;

  beforeAll(async () => {
    redis = newRedis();
    const port = await freePort();
    fake = await startFakeZendesk({ apiToken: TOKEN, agentEmail: EMAIL, webhookSecret: SECRET, webhookUrl: `http://127.0.0.1:${port}/webhooks/zendesk` });
    agent = fake.addUser({ name: 'Agnes Agent', email: 'agnes@acme.example', role: 'agent' });
    const source = {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      ROLES: 'intake',
      TICKET_SYSTEM: 'zendesk',
      ZENDESK_BASE_URL: fake.url,
      ZENDESK_EMAIL: EMAIL,
      ZENDESK_API_TOKEN: TOKEN,
      ZENDESK_WEBHOOK_SECRET: SECRET,
    };
    app = await createApp(loadConfig(source), { log, source });
    await app.start();
    watched = await fake.createTicket({ subject: 'MobilePASS code rejected', description: 'cannot log in', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    await fake.settle();
    await waitFor('the watched ticket to be tagged', async () => ((await inbox(watched)).some((e) => e.type === 'ticketTagged') ? true : undefined));
  });

  afterAll(async () => {
    await app.stop();
    await fake.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  async function inbox(t: FakeTicket): Promise<WorkflowEvent[]> {
    const { heads } = await app.store.loadBatch(ticketKey('zendesk', String(t.id)), 100);
    return heads.map((h) => EventSchema.parse(JSON.parse(h)));
  }

  async function keyCount(): Promise<number> {
    let n = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
    return n;
  }

  it('drops every event of tickets without the watch tag with zero API calls and zero Redis writes', async () => {
    const keysBefore = await keyCount();
    // every command that names one of the app's keys, read or write
    const monitor = await redis.duplicate().monitor();
    const touched: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((a) => a.includes(prefix))) touched.push(args.slice(0, 2).join(' '));
    });
    const apiCallsBefore = fake.requests.length;
    const deliveredBefore = fake.deliveries.length;

    for (let i = 0; i < UNWATCHED_TICKETS; i++) {
      const t = await fake.createTicket({ subject: `printer ${i} jammed`, description: 'paper everywhere', requester: { email: `user${i}@example.com`, name: `User ${i}` }, tags: ['printer'] });
      await fake.addComment(t.id, { authorId: t.requester_id, body: 'any news?' });
      await fake.addComment(t.id, { authorId: agent.id, body: 'looking into it', public: false });
      await fake.changeTicket(t.id, { actorId: agent.id, addTags: ['hardware'], status: 'pending' });
    }
    await fake.settle();
    const burst = fake.deliveries.slice(deliveredBefore);
    // created, two comments, a tag change and a status change per ticket: all accepted, none stored
    expect(burst).toHaveLength(UNWATCHED_TICKETS * 5);
    expect(burst.every((d) => d.status === 202)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    await monitor.disconnect();

    expect(fake.requests.slice(apiCallsBefore)).toEqual([]);
    expect(touched).toEqual([]);
    expect(await keyCount()).toBe(keysBefore);
  });

  it("still takes the watched ticket's events, and the agent's removal of the watch tag (a hand-off)", async () => {
    const reply = await fake.addComment(watched.id, { authorId: watched.requester_id, body: 'it still fails' });
    await fake.changeTicket(watched.id, { actorId: agent.id, removeTags: ['2fa_issue'] });
    await fake.settle();
    const events = await waitFor('the reply and the tag removal in the inbox', async () => {
      const found = await inbox(watched);
      return found.some((e) => e.type === 'tagsChanged') ? found : undefined;
    });
    expect(events.find((e) => e.type === 'commentAdded')).toMatchObject({ commentId: String(reply.id), authorRole: 'requester' });
    expect(events.find((e) => e.type === 'tagsChanged')).toMatchObject({ removed: ['2fa_issue'], byRole: 'agent' });
  });

  it('drops what happens on the ticket once the watch tag is gone: it is not the bot’s any more', async () => {
    const apiCallsBefore = fake.requests.length;
    const before = (await inbox(watched)).length;
    await fake.addComment(watched.id, { authorId: watched.requester_id, body: 'hello again' });
    await fake.settle();
    expect(fake.deliveries.at(-1)?.status).toBe(202);
    expect(fake.requests.slice(apiCallsBefore)).toEqual([]);
    expect(await inbox(watched)).toHaveLength(before);
  });
});
