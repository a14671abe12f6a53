import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ZendeskAdapter } from '../../integrations/ticketing/zendesk/adapter.js';
import type { ZendeskConfig } from '../../integrations/ticketing/zendesk/config.js';
import { startFakeZendesk, type Delivery, type FakeTicket, type FakeUser, type FakeZendesk, type MailClient } from '../support/fake-zendesk.js';
import { deletePrefix, dumpPrefix, freshPrefix, newRedis } from '../support/redis.js';

const SECRET = 'zendesk-webhook-signing-secret-for-tests';
const TOKEN = 'api-token-0123456789';
const EMAIL = 'twofa-bot@acme.example';
/** connection refused at once: the deliveries are kept by the fake and handed to the adapter by the test */
const NOWHERE = 'http://127.0.0.1:9/webhooks/zendesk';

const asRequest = (d: Delivery) => ({ headers: d.headers, rawBody: Buffer.from(d.body, 'utf8') });
const typeOf = (d: Delivery) => (JSON.parse(d.body) as { type: string }).type;

/**
 * Issue 17, API economy: a signed `ticket.comment_added` event carries the comment's text, author and visibility, so
 * the adapter takes them from it and reads nothing again; the text stays in this process's memory for the transition
 * that reads it next and is never written to Redis.
 */
describe('Zendesk comment events: what the signed webhook carries is not read again', () => {
  let fake: FakeZendesk;
  let redis: Redis;
  let prefix: string;
  let zd: ZendeskAdapter;
  let agent: FakeUser;
  let cc: FakeUser;

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.disconnect());

  beforeEach(async () => {
    fake = await startFakeZendesk({ apiToken: TOKEN, agentEmail: EMAIL, webhookSecret: SECRET, webhookUrl: NOWHERE, descriptionCommentEvent: true });
    agent = fake.addUser({ name: 'Agnes Agent', email: 'agnes@acme.example', role: 'agent' });
    cc = fake.addUser({ name: 'Colin Copied', email: 'colin@example.com', role: 'end-user' });
    prefix = freshPrefix('zd-wc');
    const config: ZendeskConfig = {
      baseUrl: fake.url,
      credentials: { kind: 'token', email: EMAIL, token: TOKEN },
      webhookSecret: SECRET,
      watchTag: '2fa_issue',
      pollIntervalS: 60,
      rateLimitPerMin: 1000,
      timeoutMs: 2000,
      retries: 1,
    };
    zd = new ZendeskAdapter({ config, redis, prefix, retryBaseDelayMs: 10 });
  });

  afterEach(async () => {
    await zd.close();
    await fake.close();
    await deletePrefix(redis, prefix);
  });

  async function ticket(): Promise<FakeTicket> {
    return fake.createTicket({ subject: 'My 2FA code does not work', description: 'Cannot log in, code rejected.', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
  }

  /** the events of the last delivery, and the API requests they cost */
  async function lastDelivery(): Promise<{ events: unknown[]; calls: string[] }> {
    const d = fake.deliveries.at(-1);
    if (!d) throw new Error('no delivery');
    const before = fake.requests.length;
    const events = (await zd.eventsFromWebhook(asRequest(d), 9)).flatMap((b) => b.events);
    return { events, calls: fake.requests.slice(before).map((r) => `${r.method} ${r.path}`) };
  }

  it("takes a requester's reply from the event: no ticket read, no comment list, and its text from memory after", async () => {
    const t = await ticket();
    await zd.applyUpdate(String(t.id), { publicReply: 'Please send two codes.', status: 'pending', addTags: [], removeTags: [], escalate: false }, 'k1');
    await lastDelivery(); // the bot's own reply: recognised by its user (read once per process) and its marker
    const reply = await fake.addComment(t.id, { authorId: t.requester_id, body: 'code 1: 287 082\ncode 2: 359152' });
    const statusChange = fake.deliveries.pop();
    expect(statusChange && typeOf(statusChange)).toBe('zen:event-type:ticket.status_changed');
    const { events, calls } = await lastDelivery();
    expect(calls).toEqual([]);
    expect(events).toEqual([{ type: 'commentAdded', id: `zendesk:${t.id}:comment:${reply.id}`, at: 9, commentId: String(reply.id), authorId: String(t.requester_id), authorRole: 'requester', public: true }]);
    const before = fake.requests.length;
    expect(await zd.getComment(String(t.id), String(reply.id))).toMatchObject({ body: 'code 1: 287 082\ncode 2: 359152', authorRole: 'requester' });
    expect(fake.requests.length).toBe(before);
    // in memory only: nothing of the reply is in Redis
    const stored = await dumpPrefix(redis, prefix);
    expect(JSON.stringify(stored)).not.toContain('359152');
  });

  it('makes no event and no call for the description, whose own comment event comes with the ticket', async () => {
    await ticket();
    const [created, description] = fake.deliveries;
    expect([created, description].map((d) => d && typeOf(d))).toEqual(['zen:event-type:ticket.created', 'zen:event-type:ticket.comment_added']);
    const { events, calls } = await lastDelivery();
    expect(events).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('tells the bot, an agent, the bot user without its marker and a CC apart from the event alone', async () => {
    const t = await ticket();
    await zd.applyUpdate(String(t.id), { internalNote: 'Waiting for codes.', addTags: [], removeTags: [], escalate: false }, 'k2');
    const bot = await lastDelivery();
    expect(bot.events).toEqual([]);
    expect(bot.calls).toEqual(['GET /api/v2/users/me.json']);
    const roles: string[] = [];
    for (const [authorId, body] of [
      [agent.id, 'approve'],
      [fake.botId, 'typed by a person logged in as the bot'],
      [cc.id, 'me too'],
    ] as const) {
      await fake.addComment(t.id, { authorId, body, public: false });
      const { events, calls } = await lastDelivery();
      expect(calls).toEqual([]);
      roles.push(...events.map((e) => (e as { authorRole: string }).authorRole));
    }
    expect(roles).toEqual(['agent', 'agent', 'end-user']);
  });

  it.each<MailClient>(['gmail', 'outlook', 'mobile'])(
    "a reply from %s quotes the bot's message and its marker: still the requester's, taken from the event with its history",
    async (client) => {
      const t = await ticket();
      await zd.applyUpdate(String(t.id), { publicReply: 'Please reply with two codes in a row.', status: 'pending', addTags: [], removeTags: [], escalate: false }, 'k3');
      await lastDelivery();
      const reply = await fake.replyByEmail(t.id, { client, text: '287082 359152' });
      expect(reply.body).toMatch(/\[twofa-desk ref [0-9a-f]{16}( mid| end)?\]/);
      fake.deliveries.pop();
      const { events, calls } = await lastDelivery();
      expect(calls).toEqual([]);
      expect(events).toMatchObject([{ type: 'commentAdded', authorRole: 'requester', commentId: String(reply.id) }]);
      expect((await zd.getComment(String(t.id), String(reply.id))).body).toBe(reply.body);
    },
  );

  it('lists the comments once, without a ticket read, for a comment this process did not take from a webhook', async () => {
    const t = await ticket();
    await lastDelivery(); // the description's event: the requester is known from its ticket
    const c = await fake.addComment(t.id, { authorId: t.requester_id, body: 'works now' });
    const before = fake.requests.length;
    expect(await zd.getComment(String(t.id), String(c.id))).toMatchObject({ body: 'works now', authorRole: 'requester' });
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/v2/tickets/${t.id}/comments.json`, 'GET /api/v2/users/me.json']);
  });
});
