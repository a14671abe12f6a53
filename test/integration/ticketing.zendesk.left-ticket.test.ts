import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ZendeskAdapter } from '../../integrations/ticketing/zendesk/adapter.js';
import { parsePolicy } from '../../workflows/resync/policy.js';
import { transition } from '../../workflows/resync/transition.js';
import { startFakeZendesk, type Delivery, type FakeUser, type FakeZendesk } from '../support/fake-zendesk.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const SECRET = 'zendesk-webhook-signing-secret-for-tests';
const TOKEN = 'api-token-0123456789';
const EMAIL = 'twofa-bot@acme.example';
const NOWHERE = 'http://127.0.0.1:9/webhooks/zendesk';

/**
 * Issue 16, item 1 on Zendesk: what the adapter tells the workflow of a ticket's past (the bot's marked comments, an
 * agent adding the watch tag), and what the workflow, with no state left, makes of it.
 */
describe('Zendesk: a ticket the bot left', () => {
  const policy = parsePolicy();
  let fake: FakeZendesk;
  let redis: Redis;
  let prefix: string;
  let zd: ZendeskAdapter;
  let agent: FakeUser;

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.disconnect());
  beforeEach(async () => {
    fake = await startFakeZendesk({ apiToken: TOKEN, agentEmail: EMAIL, webhookSecret: SECRET, webhookUrl: NOWHERE });
    fake.addGroup('Service Desk L2');
    agent = fake.addUser({ name: 'Agnes Agent', email: 'agnes@acme.example', role: 'agent' });
    prefix = freshPrefix('zdleft');
    zd = new ZendeskAdapter({
      config: { baseUrl: fake.url, credentials: { kind: 'token', email: EMAIL, token: TOKEN }, webhookSecret: SECRET, watchTag: '2fa_issue', escalationGroupId: String([...fake.groups.keys()][0]), pollIntervalS: 60, rateLimitPerMin: 1000, timeoutMs: 2000, retries: 3 },
      redis,
      prefix,
      retryBaseDelayMs: 10,
    });
  });
  afterEach(async () => {
    await zd.close();
    await fake.close();
    await deletePrefix(redis, prefix);
  });

  /** A ticket as the bot left it: its marked reply, and a tag of its own when it ended with one. */
  async function leftTicket(endTags: string[]) {
    const t = await fake.createTicket({ subject: 'code rejected', description: 'help', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    // as the workflow ends a round (timed out, resolved, escalated): the update says it ends it
    await zd.applyUpdate(String(t.id), { publicReply: 'Please send two codes.', status: 'solved', addTags: endTags, removeTags: [], escalate: false, ends: true }, 'old-round|1.3.1');
    return t;
  }

  const tagDeliveries = (): Delivery[] => fake.deliveries.filter((d) => (JSON.parse(d.body) as { type: string }).type === 'zen:event-type:ticket.tags_changed');

  it('the poller’s look at a timed-out ticket (no tag of the bot, its marked comment) says the bot was there: no start', async () => {
    const t = await leftTicket([]);
    await fake.changeTicket(t.id, { actorId: t.requester_id, status: 'open' });
    const events = await zd.eventsFromTicket(String(t.id), 10);
    const tagged = events.find((e) => e.type === 'ticketTagged');
    expect(tagged).toMatchObject({ id: `zendesk:${t.id}:tagged`, past: { botCommented: true } });
    expect(tagged && transition(undefined, tagged, policy).changed).toBe(false);
  });

  it('a ticket whose bot comment was marked before markers said where in a round they were written stays left', async () => {
    const t = await fake.createTicket({ subject: 'code rejected', description: 'help', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    // the footer of an earlier version: no ` mid` / ` end` flag
    await fake.addComment(t.id, { authorId: fake.botId, body: 'Please send two codes.\n\n[twofa-desk ref 0123456789abcdef]', public: true });
    const tagged = (await zd.eventsFromTicket(String(t.id), Date.now())).find((e) => e.type === 'ticketTagged');
    expect(tagged).toMatchObject({ past: { botCommented: true } });
    expect(tagged?.type === 'ticketTagged' ? tagged.past?.botMidRound : 'none').toBeUndefined();
    expect(tagged && transition(undefined, tagged, policy).changed).toBe(false);
  });

  it('an agent adding the watch tag again is a re-open with an id of its own, after the comments written before', async () => {
    const t = await leftTicket(['2fa_bot_escalated']);
    const note = await fake.addComment(t.id, { authorId: agent.id, body: 'user called back', public: false });
    await fake.changeTicket(t.id, { actorId: agent.id, removeTags: ['2fa_issue'] });
    await fake.changeTicket(t.id, { actorId: agent.id, addTags: ['2fa_issue'] });
    await fake.settle();
    const readd = tagDeliveries().at(-1);
    const [batch] = readd ? await zd.eventsFromWebhook({ headers: readd.headers, rawBody: Buffer.from(readd.body) }, 20) : [];
    const eventId = (JSON.parse(readd?.body ?? '{}') as { id: string }).id;
    expect(batch?.events.map((e) => e.type)).toEqual(['commentAdded', 'ticketTagged', 'tagsChanged']);
    expect(batch?.events[0]).toMatchObject({ commentId: String(note.id) });
    const tagged = batch?.events[1];
    expect(tagged).toMatchObject({ id: `zendesk:${t.id}:tagged:${eventId}`, past: { watchTagAdded: true, botCommented: true } });
    expect(tagged && transition(undefined, tagged, policy).state?.status).toBe('locating_user');
  });

  it('the requester adding the watch tag is no re-open', async () => {
    const t = await leftTicket(['2fa_bot_resolved']);
    await fake.changeTicket(t.id, { actorId: agent.id, removeTags: ['2fa_issue'] });
    await fake.changeTicket(t.id, { actorId: t.requester_id, addTags: ['2fa_issue'] });
    await fake.settle();
    const readd = tagDeliveries().at(-1);
    const [batch] = readd ? await zd.eventsFromWebhook({ headers: readd.headers, rawBody: Buffer.from(readd.body) }, 20) : [];
    const tagged = batch?.events.find((e) => e.type === 'ticketTagged');
    expect(tagged).toMatchObject({ id: `zendesk:${t.id}:tagged`, past: { botCommented: true } });
    expect(tagged && transition(undefined, tagged, policy).changed).toBe(false);
  });
});
