import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { InvalidWebhook, TicketNotFound, TicketSystemRateLimited, TicketingAuthFailed } from '../../integrations/ticketing/errors.js';
import { ZendeskAdapter } from '../../integrations/ticketing/zendesk/adapter.js';
import { loadZendeskConfig, type ZendeskConfig } from '../../integrations/ticketing/zendesk/config.js';
import { ZendeskBudgetSpent, ZendeskResponseInvalid } from '../../integrations/ticketing/zendesk/zendesk-errors.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { loadConfig } from '../../workers/config.js';
import { createTicketSystems } from '../../workers/adapters/ticket-systems.js';
import { createLogger } from '../../workers/logger.js';
import { run as zendeskCheck } from '../../workers/cli/zendesk-check.js';
import { startFakeZendesk, signAsZendesk, type Delivery, type FakeUser, type FakeZendesk } from '../support/fake-zendesk.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const SECRET = 'zendesk-webhook-signing-secret-for-tests';
const TOKEN = 'api-token-0123456789';
const EMAIL = 'twofa-bot@acme.example';
/** connection refused at once: the deliveries are kept by the fake and handed to the adapter by the test */
const NOWHERE = 'http://127.0.0.1:9/webhooks/zendesk';

function configFor(fake: FakeZendesk, over: Partial<ZendeskConfig> = {}): ZendeskConfig {
  return {
    baseUrl: fake.url,
    credentials: { kind: 'token', email: EMAIL, token: TOKEN },
    webhookSecret: SECRET,
    watchTag: '2fa_issue',
    escalationGroupId: String([...fake.groups.keys()][0]),
    pollIntervalS: 60,
    rateLimitPerMin: 1000,
    timeoutMs: 2000,
    retries: 3,
    ...over,
  };
}

function asRequest(d: Delivery, over: { body?: string; headers?: Record<string, string | undefined> } = {}) {
  return { headers: { ...d.headers, ...over.headers }, rawBody: Buffer.from(over.body ?? d.body, 'utf8') };
}

describe('Zendesk adapter against a fake Zendesk (real HTTP, real Redis)', () => {
  let fake: FakeZendesk;
  let redis: Redis;
  let prefix: string;
  let zd: ZendeskAdapter;
  let agent: FakeUser;
  let cc: FakeUser;

  beforeAll(async () => {
    redis = newRedis();
  });
  afterAll(() => redis.disconnect());

  beforeEach(async () => {
    fake = await startFakeZendesk({ apiToken: TOKEN, agentEmail: EMAIL, webhookSecret: SECRET, webhookUrl: NOWHERE });
    fake.addGroup('Service Desk L2');
    agent = fake.addUser({ name: 'Agnes Agent', email: 'agnes@acme.example', role: 'agent' });
    cc = fake.addUser({ name: 'Colin Copied', email: 'colin@example.com', role: 'end-user' });
    prefix = freshPrefix('zd');
    zd = new ZendeskAdapter({ config: configFor(fake), redis, prefix, retryBaseDelayMs: 10 });
  });

  afterEach(async () => {
    await zd.close();
    await fake.close();
    await deletePrefix(redis, prefix);
  });

  async function ticket(tags = ['2fa_issue']) {
    return fake.createTicket({
      subject: 'My 2FA code does not work',
      description: 'Cannot log in, code rejected.',
      requester: { email: 'alice.archer@example.com', name: 'Alice Archer', externalId: 'alice' },
      tags,
    });
  }

  describe('config', () => {
    it('names the missing or bad variable', () => {
      expect(() => loadZendeskConfig({ ZENDESK_WEBHOOK_SECRET: SECRET, ZENDESK_EMAIL: EMAIL, ZENDESK_API_TOKEN: TOKEN })).toThrow(ConfigError);
      expect(() => loadZendeskConfig({ ZENDESK_WEBHOOK_SECRET: SECRET, ZENDESK_EMAIL: EMAIL, ZENDESK_API_TOKEN: TOKEN })).toThrow(/ZENDESK_SUBDOMAIN/);
      expect(() => loadZendeskConfig({ ZENDESK_SUBDOMAIN: 'acme', ZENDESK_WEBHOOK_SECRET: SECRET, ZENDESK_API_TOKEN: TOKEN })).toThrow(/ZENDESK_EMAIL/);
      expect(() => loadZendeskConfig({ ZENDESK_SUBDOMAIN: 'acme', ZENDESK_EMAIL: EMAIL, ZENDESK_API_TOKEN: TOKEN })).toThrow(/ZENDESK_WEBHOOK_SECRET/);
      expect(() => loadZendeskConfig({ ZENDESK_SUBDOMAIN: 'acme', ZENDESK_EMAIL: EMAIL, ZENDESK_API_TOKEN: TOKEN, ZENDESK_WEBHOOK_SECRET: SECRET, ZENDESK_ESCALATION_GROUP_ID: 'L2' })).toThrow(/ZENDESK_ESCALATION_GROUP_ID/);
      const c = loadZendeskConfig({ ZENDESK_SUBDOMAIN: 'acme', ZENDESK_EMAIL: EMAIL, ZENDESK_API_TOKEN: TOKEN, ZENDESK_WEBHOOK_SECRET: SECRET });
      expect(c).toMatchObject({ baseUrl: 'https://acme.zendesk.com', watchTag: '2fa_issue', pollIntervalS: 60, rateLimitPerMin: 200 });
    });
  });

  describe('wiring (TICKET_SYSTEM=zendesk)', () => {
    const source = () => ({ TICKET_SYSTEM: 'zendesk', ZENDESK_BASE_URL: fake.url, ZENDESK_EMAIL: EMAIL, ZENDESK_API_TOKEN: TOKEN, ZENDESK_WEBHOOK_SECRET: SECRET });
    const deps = (env: Record<string, string>) => ({ config: loadConfig(env), source: env, redis, log: createLogger('silent'), localDeskUrl: 'http://127.0.0.1:9/desk' });

    it('registers the adapter as /webhooks/zendesk', async () => {
      const systems = await createTicketSystems(deps(source()));
      expect([...systems.keys()]).toEqual(['zendesk']);
      expect(await systems.get('zendesk')?.listWatchedTickets()).toEqual([]);
      await systems.get('zendesk')?.close?.();
    });

    it('refuses a ZENDESK_WATCH_TAG that differs from the policy tag, naming it', async () => {
      const err = await createTicketSystems(deps({ ...source(), ZENDESK_WATCH_TAG: 'mfa' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe('ZENDESK_WATCH_TAG');
    });
  });

  describe('reading', () => {
    it('reads a ticket with its requester side-loaded in one request', async () => {
      const t = await ticket();
      const before = fake.requests.length;
      const snap = await zd.getTicket(String(t.id));
      expect(snap).toMatchObject({
        system: 'zendesk',
        id: String(t.id),
        subject: 'My 2FA code does not work',
        status: 'new',
        tags: ['2fa_issue'],
        requester: { id: String(t.requester_id), email: 'alice.archer@example.com', name: 'Alice Archer', externalId: 'alice' },
      });
      expect(snap.updatedAt).toBe(Date.parse(t.updated_at));
      const reqs = fake.requests.slice(before);
      expect(reqs.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/v2/tickets/${t.id}.json`]);
      expect(reqs[0]?.query.include).toBe('users');
    });

    it("takes the external id from the requester's user record (admin-set), never from what the ticket says", async () => {
      const t = await fake.createTicket({ subject: 'I am alice', description: 'external id: alice', requester: { email: 'mallory@evil.example', name: 'Alice Archer' }, tags: ['2fa_issue'] });
      t.custom_fields = [{ id: 360001, value: 'alice' }];
      expect((await zd.getTicket(String(t.id))).requester.externalId).toBeUndefined();
      const requester = fake.users.get(t.requester_id);
      if (!requester) throw new Error('no requester');
      // an admin (or the SSO sync) records it on the user: that is what Zendesk vouches for
      requester.external_id = 'mallory';
      expect((await zd.getTicket(String(t.id))).requester.externalId).toBe('mallory');
    });

    it("carries the requester's organization (the MSP's customer: what routes the ticket to its tenant), and none when it has none", async () => {
      const t = await fake.createTicket({ subject: '2FA', description: 'help', requester: { email: 'olga@customer.example', name: 'Olga Org' }, tags: ['2fa_issue'], organizationId: 4711 });
      expect((await zd.getTicket(String(t.id))).organization).toEqual({ id: '4711' });
      const events = await zd.eventsFromTicket(String(t.id), Date.now());
      const tagged = events.find((e) => e.type === 'ticketTagged');
      expect(tagged?.type === 'ticketTagged' && tagged.ticket.organization).toEqual({ id: '4711' });
      expect((await zd.getTicket(String((await ticket()).id))).organization).toBeUndefined();
    });

    it('tells the requester, a CC, an agent, the bot and the bot user without its marker apart', async () => {
      const t = await ticket();
      await fake.addComment(t.id, { authorId: t.requester_id, body: 'codes: 123456 654321' });
      await fake.addComment(t.id, { authorId: cc.id, body: 'same for me' });
      await fake.addComment(t.id, { authorId: agent.id, body: 'looking', public: false });
      await zd.applyUpdate(String(t.id), { publicReply: 'Please send two codes.', addTags: [], removeTags: [], escalate: false }, 'k1');
      await fake.addComment(t.id, { authorId: fake.botId, body: 'typed by a person logged in as the API user' });
      const comments = await zd.listComments(String(t.id));
      expect(comments.map((c) => [c.authorRole, c.public])).toEqual([
        ['requester', true],
        ['requester', true],
        ['end-user', true],
        ['agent', false],
        ['bot', true],
        ['agent', true],
      ]);
      const reply = await zd.getComment(String(t.id), comments[1]?.id ?? '');
      expect(reply.body).toBe('codes: 123456 654321');
      await expect(zd.getComment(String(t.id), '999999999')).rejects.toBeInstanceOf(TicketNotFound);
    });

    it('follows the comments cursor past one page', async () => {
      const t = await ticket();
      for (let i = 0; i < 130; i++) await fake.addComment(t.id, { authorId: t.requester_id, body: `reply ${i}` });
      const comments = await zd.listComments(String(t.id));
      expect(comments).toHaveLength(131);
      expect(comments.at(-1)?.body).toBe('reply 129');
      const pages = fake.requests.filter((r) => r.path === `/api/v2/tickets/${t.id}/comments.json`);
      expect(pages.map((p) => p.query['page[after]'] !== undefined)).toEqual([false, true]);
      expect(pages.every((p) => p.query['page[size]'] === '100')).toBe(true);
    });

    it('lists watched unsolved tickets through the export search API', async () => {
      const a = await ticket();
      const b = await ticket();
      await ticket(['other']);
      await fake.changeTicket(b.id, { actorId: agent.id, status: 'solved' });
      const c = await ticket();
      const listed = await zd.listWatchedTickets();
      expect(listed.map((x) => x.id).sort()).toEqual([String(a.id), String(c.id)].sort());
      const search = fake.requests.find((r) => r.path === '/api/v2/search/export.json');
      expect(search?.query).toMatchObject({ query: 'tags:2fa_issue status<solved', 'filter[type]': 'ticket', 'page[size]': '100' });
    });

    it('describes a ticket for the poller: tagged, then comments other than the description and the bot', async () => {
      const t = await ticket();
      await zd.applyUpdate(String(t.id), { publicReply: 'Please send two codes.', addTags: [], removeTags: [], escalate: false }, 'k1');
      const c = await fake.addComment(t.id, { authorId: t.requester_id, body: '123456 654321' });
      const events = await zd.eventsFromTicket(String(t.id), 1000);
      expect(events.map((e) => e.id)).toEqual([`zendesk:${t.id}:tagged`, `zendesk:${t.id}:comment:${c.id}`]);
      expect(JSON.stringify(events)).not.toContain('654321');
    });

    it('maps 404 to TicketNotFound and bad credentials to TicketingAuthFailed', async () => {
      await expect(zd.getTicket('424242')).rejects.toBeInstanceOf(TicketNotFound);
      const wrong = new ZendeskAdapter({ config: configFor(fake, { credentials: { kind: 'token', email: EMAIL, token: 'wrong-token' } }), redis, prefix });
      await expect(wrong.listWatchedTickets()).rejects.toBeInstanceOf(TicketingAuthFailed);
      await wrong.close();
    });

    it('authenticates with an OAuth bearer token', async () => {
      const oauthFake = await startFakeZendesk({ oauthToken: 'oauth-token-abcdef' });
      const oauth = new ZendeskAdapter({ config: configFor(oauthFake, { credentials: { kind: 'oauth', token: 'oauth-token-abcdef' } }), redis, prefix: `${prefix}-o` });
      expect(await oauth.listWatchedTickets()).toEqual([]);
      await oauth.close();
      await oauthFake.close();
    });

    it('throws a typed error naming the field when an answer has an unexpected shape', async () => {
      const t = await ticket();
      fake.injectAnswer({ path: `/tickets/${t.id}.json`, times: 1, status: 200, body: { ticket: { ...t, status: 'weird' } } });
      const err = await zd.getTicket(String(t.id)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ZendeskResponseInvalid);
      expect((err as ZendeskResponseInvalid).field).toBe('ticket.status');
      expect((err as ZendeskResponseInvalid).reason).toContain('"ticket.status"');
      fake.injectAnswer({ path: '/search/export.json', times: 1, status: 200, body: { results: [{ id: 'x' }], meta: { has_more: false } } });
      const err2 = await zd.listWatchedTickets().catch((e: unknown) => e);
      expect((err2 as ZendeskResponseInvalid).field).toBe('results.0.id');
    });
  });

  describe('writing', () => {
    it('folds reply, status, tags and escalation group into one ticket update', async () => {
      const t = await ticket();
      const groupId = [...fake.groups.keys()][0];
      await zd.applyUpdate(String(t.id), { publicReply: 'Escalated to a colleague.', status: 'open', addTags: ['2fa_bot_escalated'], removeTags: ['2fa_waiting'], escalate: true, ends: true }, 'step-1');
      const puts = fake.requests.filter((r) => r.method === 'PUT');
      expect(puts).toHaveLength(1);
      const body = puts[0]?.body as { ticket: Record<string, unknown> };
      expect(body.ticket).toMatchObject({ status: 'open', additional_tags: ['2fa_bot_escalated'], remove_tags: ['2fa_waiting'], group_id: groupId, comment: { public: true } });
      expect(body.ticket).not.toHaveProperty('tags');
      const stored = fake.tickets.get(t.id);
      expect(stored?.group_id).toBe(groupId);
      expect(stored?.tags).toContain('2fa_bot_escalated');
      expect(fake.comments.get(t.id)?.at(-1)?.body).toMatch(/^Escalated to a colleague\.\n\n\[twofa-desk ref [0-9a-f]{16} end\]$/);
    });

    it('posts a note and a reply as two updates (one comment each), changes on the last', async () => {
      const t = await ticket();
      await zd.applyUpdate(String(t.id), { internalNote: 'Located alice.', publicReply: 'Please send two codes.', status: 'pending', addTags: [], removeTags: [], escalate: false }, 'step-2');
      const puts = fake.requests.filter((r) => r.method === 'PUT').map((r) => (r.body as { ticket: Record<string, unknown> }).ticket);
      expect(puts).toHaveLength(2);
      expect(puts[0]).toMatchObject({ comment: { public: false } });
      expect(puts[0]).not.toHaveProperty('status');
      expect(puts[1]).toMatchObject({ comment: { public: true }, status: 'pending' });
      expect(fake.tickets.get(t.id)?.status).toBe('pending');
    });

    it('does not post a step twice when it is applied again (a retry after an unknown outcome)', async () => {
      const t = await ticket();
      const update = { internalNote: 'Located alice.', publicReply: 'Please send two codes.', status: 'pending' as const, addTags: ['2fa_bot'], removeTags: [], escalate: false };
      await zd.applyUpdate(String(t.id), update, 'step-3');
      await zd.applyUpdate(String(t.id), update, 'step-3');
      // A second adapter (another worker) retrying the same effect looks too.
      const other = new ZendeskAdapter({ config: configFor(fake), redis, prefix });
      await other.applyUpdate(String(t.id), update, 'step-3');
      await other.close();
      const bot = fake.comments.get(t.id)?.filter((c) => c.author_id === fake.botId) ?? [];
      expect(bot.map((c) => c.public)).toEqual([false, true]);
      // The repeats only re-send the (idempotent) changes, without a comment.
      const puts = fake.requests.filter((r) => r.method === 'PUT').map((r) => (r.body as { ticket: Record<string, unknown> }).ticket);
      expect(puts.slice(2).every((p) => !('comment' in p) && p.status === 'pending')).toBe(true);
    });

    it('posts the comment on a retry when the first try did not reach Zendesk', async () => {
      const t = await ticket();
      fake.injectAnswer({ path: `/tickets/${t.id}.json`, times: 1, status: 500, body: { error: 'InternalError' } });
      await expect(zd.applyUpdate(String(t.id), { publicReply: 'Please send two codes.', addTags: [], removeTags: [], escalate: false }, 'step-4')).rejects.toMatchObject({ name: 'TicketSystemUnavailable' });
      await zd.applyUpdate(String(t.id), { publicReply: 'Please send two codes.', addTags: [], removeTags: [], escalate: false }, 'step-4');
      expect(fake.comments.get(t.id)?.filter((c) => c.author_id === fake.botId)).toHaveLength(1);
    });
  });

  describe('webhooks', () => {
    it('accepts a signed event, refuses wrong secret, tampered body, stale timestamp and missing headers', async () => {
      await ticket();
      const d = fake.deliveries[0];
      if (!d) throw new Error('no delivery');
      const now = Date.parse(d.headers['x-zendesk-webhook-signature-timestamp'] ?? '');
      expect(() => zd.verifyWebhook(asRequest(d), now + 1000)).not.toThrow();
      const slug = (f: () => void) => {
        try {
          f();
          return 'accepted';
        } catch (err) {
          return err instanceof InvalidWebhook ? `${err.slug}/${err.statusCode}` : String(err);
        }
      };
      const wrongSecret = signAsZendesk('another-secret-entirely', d.headers['x-zendesk-webhook-signature-timestamp'] ?? '', d.body);
      expect(slug(() => zd.verifyWebhook(asRequest(d, { headers: { 'x-zendesk-webhook-signature': wrongSecret } }), now))).toBe('bad_signature/401');
      expect(slug(() => zd.verifyWebhook(asRequest(d, { body: d.body.replace('"tags":["2fa_issue"]', '"tags":["2fa_issue","vip"]') }), now))).toBe('bad_signature/401');
      expect(slug(() => zd.verifyWebhook(asRequest(d), now + 5 * 60_000 + 1000))).toBe('stale_timestamp/401');
      expect(slug(() => zd.verifyWebhook(asRequest(d, { headers: { 'x-zendesk-webhook-signature': undefined } }), now))).toBe('missing_signature/401');
      expect(slug(() => zd.verifyWebhook(asRequest(d, { headers: { 'x-zendesk-webhook-signature-timestamp': undefined } }), now))).toBe('missing_signature/401');
      // A replayed old delivery re-signed with a fresh timestamp needs the secret: the signature covers the timestamp.
      expect(slug(() => zd.verifyWebhook(asRequest(d, { headers: { 'x-zendesk-webhook-signature-timestamp': new Date(now + 10_000).toISOString() } }), now + 10_000))).toBe('bad_signature/401');
    });

    it('takes the delivery id from the signed event body', async () => {
      await ticket();
      const d = fake.deliveries[0];
      if (!d) throw new Error('no delivery');
      expect(zd.webhookDeliveryId(asRequest(d))).toBe((JSON.parse(d.body) as { id: string }).id);
      expect(zd.webhookDeliveryId({ headers: {}, rawBody: Buffer.from('{"twofa_desk":"trigger","ticket_id":"1"}') })).toBeUndefined();
    });

    it('turns ticket events into workflow events, read from the API, none for the bot', async () => {
      const t = await ticket();
      const tid = String(t.id);
      await zd.applyUpdate(tid, { publicReply: 'Please send two codes.', status: 'pending', addTags: ['2fa_bot'], removeTags: [], escalate: false }, 'k1');
      const reply = await fake.addComment(t.id, { authorId: t.requester_id, body: 'here: 123456 654321' });
      await fake.changeTicket(t.id, { actorId: agent.id, addTags: ['2fa_bot_off'] });
      await fake.changeTicket(t.id, { actorId: agent.id, status: 'solved' });
      const byType = new Map<string, Delivery[]>();
      for (const d of fake.deliveries) {
        const type = (JSON.parse(d.body) as { type: string }).type;
        byType.set(type, [...(byType.get(type) ?? []), d]);
      }
      const eventsOf = async (d: Delivery | undefined) => (d ? (await zd.eventsFromWebhook(asRequest(d), 5)).flatMap((b) => b.events) : []);
      const created = await eventsOf(byType.get('zen:event-type:ticket.created')?.[0]);
      expect(created).toMatchObject([{ type: 'ticketTagged', id: `zendesk:${tid}:tagged`, ticket: { requester: { email: 'alice.archer@example.com' } } }]);
      const comments = byType.get('zen:event-type:ticket.comment_added') ?? [];
      expect(comments).toHaveLength(2);
      expect(await eventsOf(comments[0])).toEqual([]);
      const fromRequester = await eventsOf(comments[1]);
      expect(fromRequester).toEqual([{ type: 'commentAdded', id: `zendesk:${tid}:comment:${reply.id}`, at: 5, commentId: String(reply.id), authorId: String(t.requester_id), authorRole: 'requester', public: true }]);
      const tags = byType.get('zen:event-type:ticket.tags_changed') ?? [];
      expect(await eventsOf(tags[0])).toEqual([]);
      expect(await eventsOf(tags[1])).toMatchObject([{ type: 'tagsChanged', added: ['2fa_bot_off'], removed: [], byRole: 'agent' }]);
      const statuses = (byType.get('zen:event-type:ticket.status_changed') ?? []).map((d) => JSON.parse(d.body) as { detail: { actor_id: string }; event: { current: string } });
      expect(statuses.map((s) => [s.detail.actor_id === String(fake.botId) ? 'bot' : 'other', s.event.current])).toEqual([
        ['bot', 'PENDING'],
        ['other', 'OPEN'],
        ['other', 'SOLVED'],
      ]);
      const statusEvents = await Promise.all((byType.get('zen:event-type:ticket.status_changed') ?? []).map(eventsOf));
      expect(statusEvents.map((e) => e.map((x) => (x.type === 'statusChanged' ? `${x.status}/${x.byRole}` : x.type)))).toEqual([[], ['open/requester'], ['solved/agent']]);
      expect(JSON.stringify([created, fromRequester])).not.toContain('654321');
    });

    it('drops an event on a ticket without the watch tag from its body alone: no API call, no delivery id', async () => {
      const t = await ticket(['printer']);
      await fake.addComment(t.id, { authorId: t.requester_id, body: 'any news?' });
      await fake.changeTicket(t.id, { actorId: agent.id, addTags: ['hardware'] });
      const before = fake.requests.length;
      for (const d of fake.deliveries) {
        expect(zd.webhookDeliveryId(asRequest(d))).toBeUndefined();
        expect(await zd.eventsFromWebhook(asRequest(d), 1)).toEqual([]);
      }
      expect(fake.requests.length).toBe(before);
    });

    it('keeps an event whose tags or tag change name the watch tag, and one that carries no tags', async () => {
      const t = await ticket(['printer']);
      await fake.changeTicket(t.id, { actorId: agent.id, addTags: ['2fa_issue'] });
      await fake.changeTicket(t.id, { actorId: agent.id, removeTags: ['2fa_issue'] });
      const [, added, removed] = fake.deliveries;
      if (!added || !removed) throw new Error('no deliveries');
      expect(zd.webhookDeliveryId(asRequest(added))).toBe((JSON.parse(added.body) as { id: string }).id);
      expect((await zd.eventsFromWebhook(asRequest(added), 1)).flatMap((b) => b.events.map((e) => e.type))).toContain('tagsChanged');
      expect((await zd.eventsFromWebhook(asRequest(removed), 1)).flatMap((b) => b.events)).toMatchObject([{ type: 'tagsChanged', removed: ['2fa_issue'] }]);
      const untagged = JSON.parse(removed.body) as { detail: Record<string, unknown> };
      delete untagged.detail.tags;
      const before = fake.requests.length;
      expect(await zd.eventsFromWebhook({ headers: {}, rawBody: Buffer.from(JSON.stringify(untagged)) }, 1)).toHaveLength(1);
      expect(fake.requests.length).toBeGreaterThan(before);
    });

    it('accepts the trigger body and reads the whole ticket', async () => {
      const t = await ticket();
      const c = await fake.addComment(t.id, { authorId: t.requester_id, body: '123456 654321' });
      const batches = await zd.eventsFromWebhook({ headers: {}, rawBody: Buffer.from(JSON.stringify({ twofa_desk: 'trigger', ticket_id: String(t.id) })) }, 7);
      expect(batches).toEqual([{ ticketId: String(t.id), events: [expect.objectContaining({ type: 'ticketTagged' }), expect.objectContaining({ id: `zendesk:${t.id}:comment:${c.id}` })] }]);
    });

    it('refuses bodies of an unknown shape naming the field, and ignores other ticket events', async () => {
      const bad = (body: unknown) => zd.eventsFromWebhook({ headers: {}, rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) }, 1).catch((e: unknown) => e);
      expect(await bad('not json')).toMatchObject({ slug: 'bad_json' });
      expect(await bad({ hello: 1 })).toMatchObject({ slug: 'bad_shape' });
      const e = (await bad({ type: 'zen:event-type:ticket.comment_added', account_id: 1, id: 'x', time: new Date().toISOString(), subject: 'zen:ticket:1', detail: { id: '1' }, event: {} })) as InvalidWebhook;
      expect(e.slug).toBe('bad_shape');
      expect(e.message).toContain('event.comment');
      expect(await zd.eventsFromWebhook({ headers: {}, rawBody: Buffer.from(JSON.stringify({ type: 'zen:event-type:ticket.priority_changed', account_id: 1, id: 'y', time: new Date().toISOString(), subject: 'zen:ticket:1', detail: { id: '1' }, event: {} })) }, 1)).toEqual([]);
    });
  });

  describe('rate limits shared through Redis', () => {
    it('a 429 storm: no request of either adapter goes out before the Retry-After has passed', async () => {
      const t = await ticket();
      const other = new ZendeskAdapter({ config: configFor(fake), redis, prefix, retryBaseDelayMs: 10 });
      fake.startStorm(1);
      const before = fake.requests.length;
      const first = zd.getTicket(String(t.id));
      // The second worker starts once the first has been told to wait (the pause is visible in Redis).
      for (let i = 0; i < 200 && (await other.limiter.pausedForMs()) === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(await other.limiter.pausedForMs()).toBeGreaterThan(0);
      const results = await Promise.all([first, other.getTicket(String(t.id)), other.listWatchedTickets(), zd.listComments(String(t.id))]);
      await other.close();
      expect(results[0].id).toBe(String(t.id));
      const reqs = fake.requests.slice(before);
      const limited = reqs.filter((r) => r.status === 429);
      expect(limited).toHaveLength(1);
      const storm = limited[0];
      if (!storm) throw new Error('no 429');
      const resumeAt = storm.answeredAt + (storm.retryAfterS ?? 0) * 1000;
      const after = reqs.filter((r) => r !== storm);
      expect(after.length).toBeGreaterThanOrEqual(4);
      expect(after.filter((r) => r.at < resumeAt)).toEqual([]);
      expect(after.every((r) => r.status === 200)).toBe(true);
    });

    it('keeps one request budget per account over all adapters', async () => {
      const t = await ticket();
      const opts = { redis, prefix, rateWindowMs: 600_000, maxRateWaitMs: 0 };
      const a = new ZendeskAdapter({ config: configFor(fake, { rateLimitPerMin: 3 }), ...opts });
      const b = new ZendeskAdapter({ config: configFor(fake, { rateLimitPerMin: 3 }), ...opts });
      const before = fake.requests.length;
      await a.getTicket(String(t.id));
      await b.getTicket(String(t.id));
      await a.getTicket(String(t.id));
      const err = await b.getTicket(String(t.id)).catch((e: unknown) => e);
      // the bot's own budget, named as such: Zendesk did not ask to slow down
      expect(err).toBeInstanceOf(ZendeskBudgetSpent);
      expect((err as ZendeskBudgetSpent).retryAfterMs).toBeGreaterThan(0);
      expect((err as ZendeskBudgetSpent).reason).toMatch(/bot's own budget of 3 requests/);
      expect(fake.requests.length - before).toBe(3);
      await a.close();
      await b.close();
    });

    it('stops every adapter calling an account that keeps failing (shared circuit breaker)', async () => {
      const t = await ticket();
      const a = new ZendeskAdapter({ config: configFor(fake, { retries: 0 }), redis, prefix });
      const b = new ZendeskAdapter({ config: configFor(fake, { retries: 0 }), redis, prefix });
      fake.injectAnswer({ path: `/tickets/${t.id}.json`, times: 5, status: 502, body: { error: 'BadGateway' } });
      for (const z of [a, b, a, b, a]) await expect(z.getTicket(String(t.id))).rejects.toMatchObject({ name: 'TicketSystemUnavailable' });
      const sent = fake.requests.length;
      const err = await b.getTicket(String(t.id)).catch((e: unknown) => e);
      expect((err as Error).message).toContain('circuit is open');
      expect(fake.requests.length).toBe(sent);
      await a.close();
      await b.close();
    });

    it('hands a Retry-After longer than it waits to the effect runner as TicketSystemRateLimited', async () => {
      const t = await ticket();
      const short = new ZendeskAdapter({ config: configFor(fake), redis, prefix: `${prefix}-s`, maxRateWaitMs: 500 });
      fake.startStorm(30);
      const err = await short.getTicket(String(t.id)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TicketSystemRateLimited);
      expect((err as TicketSystemRateLimited).retryAfterMs).toBeGreaterThan(25_000);
      expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(1);
      await short.close();
    });
  });

  describe('twofa-desk zendesk check', () => {
    async function check(env: Record<string, string>, args = ['check']) {
      const out: string[] = [];
      const code = await zendeskCheck({ args, env, out: (l) => out.push(l), err: (l) => out.push(l) });
      return { code, out };
    }
    const envOf = (over: Record<string, string> = {}) => ({
      ZENDESK_BASE_URL: fake.url,
      ZENDESK_EMAIL: EMAIL,
      ZENDESK_API_TOKEN: TOKEN,
      ZENDESK_WEBHOOK_SECRET: SECRET,
      ZENDESK_ESCALATION_GROUP_ID: String([...fake.groups.keys()][0]),
      ...over,
    });

    it('passes with working credentials, search, group and secret', async () => {
      await ticket();
      const { code, out } = await check(envOf());
      expect(code).toBe(0);
      expect(out.filter((l) => l.startsWith('✓'))).toHaveLength(5);
      expect(out.join('\n')).toContain('1 unsolved ticket(s) tagged "2fa_issue"');
      expect(out.join('\n')).toContain('"Service Desk L2"');
      expect(out.join('\n')).not.toContain(TOKEN);
    });

    it('fails naming what is wrong: credentials, the group, a missing variable', async () => {
      const badToken = await check(envOf({ ZENDESK_API_TOKEN: 'not-the-token' }));
      expect(badToken.code).toBe(1);
      expect(badToken.out.join('\n')).toMatch(/✗ credentials: check the zendesk API credentials/);
      const badGroup = await check(envOf({ ZENDESK_ESCALATION_GROUP_ID: '999' }));
      expect(badGroup.code).toBe(1);
      expect(badGroup.out.join('\n')).toMatch(/✗ escalation group 999: zendesk answered 404/);
      const noSecret = await check({ ...envOf(), ZENDESK_WEBHOOK_SECRET: '' });
      expect(noSecret.code).toBe(1);
      expect(noSecret.out[0]).toMatch(/^✗ ZENDESK_WEBHOOK_SECRET/);
      await expect(check(envOf(), ['verify'])).rejects.toThrow(/unknown arguments/);
    });
  });
});
