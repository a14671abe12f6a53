import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { InvalidWebhook, TicketSystemRateLimited } from '../../integrations/ticketing/errors.js';
import { JiraAdapter } from '../../integrations/ticketing/jira/adapter.js';
import { JiraBudgetSpent } from '../../integrations/ticketing/jira/jira-errors.js';
import type { StoredEvent, WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { REQUEST_TYPE, jiraTestConfig, signAsJiraWebhook, startFakeJira, type Delivery, type FakeJira, type FakeJiraUser } from '../support/fake-jira.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const SECRET = 'jira-webhook-secret-for-the-tests';
const TOKEN = 'jira-api-token-0123456789';
const NOWHERE = 'http://127.0.0.1:9/webhooks/jira';

function asRequest(d: Delivery, over: { body?: string; headers?: Record<string, string | undefined> } = {}): WebhookRequest {
  return { headers: { ...d.headers, ...over.headers }, rawBody: Buffer.from(over.body ?? d.body, 'utf8') };
}

const eventOf = (d: Delivery) => JSON.parse(d.body) as { webhookEvent: string; timestamp: number; user?: { accountId: string }; comment?: { author: { accountId: string } } };

function slug(f: () => void): string {
  try {
    f();
    return 'accepted';
  } catch (err) {
    return err instanceof InvalidWebhook ? `${err.slug}/${err.statusCode}` : String(err);
  }
}

describe('Jira webhooks and rate limits (real HTTP, real Redis)', () => {
  let fake: FakeJira;
  let redis: Redis;
  let prefix: string;
  let jira: JiraAdapter;
  let agent: FakeJiraUser;

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.disconnect());

  beforeEach(async () => {
    fake = await startFakeJira({ apiToken: TOKEN, webhookSecret: SECRET, webhookUrl: NOWHERE });
    agent = fake.addUser({ displayName: 'Agnes Agent', email: 'agnes@acme.example', accountType: 'atlassian' });
    prefix = freshPrefix('jira-wh');
    jira = new JiraAdapter({ config: jiraTestConfig(fake), redis, prefix, retryBaseDelayMs: 10 });
  });

  afterEach(async () => {
    await jira.close();
    await fake.close();
    await deletePrefix(redis, prefix);
  });

  const request = (labels = ['2fa_issue'], requestTypeId?: string) =>
    fake.createRequest({ summary: 'My 2FA code does not work', description: 'help', reporter: { email: 'alice.archer@example.com', name: 'Alice Archer' }, labels, ...(requestTypeId ? { requestTypeId } : {}) });
  const eventsOf = async (d: Delivery | undefined, a = jira): Promise<StoredEvent[]> => (d ? (await a.eventsFromWebhook(asRequest(d), 5)).flatMap((b) => b.events) : []);
  const sinceLast = (n: number) => fake.deliveries.slice(n);

  describe('verification', () => {
    it('accepts a signed admin webhook; refuses a wrong secret, a changed body, a bad or missing header, and an old or future timestamp', async () => {
      await request();
      const d = fake.deliveries[0];
      if (!d) throw new Error('no delivery');
      const at = eventOf(d).timestamp;
      expect(d.headers['x-hub-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(slug(() => jira.verifyWebhook(asRequest(d), at + 1000))).toBe('accepted');
      expect(slug(() => jira.verifyWebhook(asRequest(d, { headers: { 'x-hub-signature': signAsJiraWebhook('another-secret-entirely', d.body) } }), at))).toBe('bad_signature/401');
      expect(slug(() => jira.verifyWebhook(asRequest(d, { body: d.body.replace('"labels":["2fa_issue"]', '"labels":["2fa_issue","vip"]') }), at))).toBe('bad_signature/401');
      const hex = (d.headers['x-hub-signature'] ?? '').slice('sha256='.length);
      expect(slug(() => jira.verifyWebhook(asRequest(d, { headers: { 'x-hub-signature': hex } }), at))).toBe('bad_signature/401');
      expect(slug(() => jira.verifyWebhook(asRequest(d, { headers: { 'x-hub-signature': `sha1=${hex.slice(0, 40)}` } }), at))).toBe('bad_signature/401');
      expect(slug(() => jira.verifyWebhook(asRequest(d, { headers: { 'x-hub-signature': undefined } }), at))).toBe('missing_signature/401');
      // Jira retries for about 30 minutes with the first body: 34 minutes is taken, 36 refused
      expect(slug(() => jira.verifyWebhook(asRequest(d), at + 34 * 60_000))).toBe('accepted');
      expect(slug(() => jira.verifyWebhook(asRequest(d), at + 36 * 60_000))).toBe('stale_timestamp/401');
      expect(slug(() => jira.verifyWebhook(asRequest(d), at - 5 * 60_000))).toBe('stale_timestamp/401');
      // a replayed old body with a fresh timestamp needs the secret: the signature covers the timestamp
      const refreshed = d.body.replace(`"timestamp":${at}`, `"timestamp":${at + 40 * 60_000}`);
      expect(slug(() => jira.verifyWebhook(asRequest(d, { body: refreshed }), at + 40 * 60_000))).toBe('bad_signature/401');
      const unstamped = JSON.stringify({ webhookEvent: 'jira:issue_created' });
      expect(slug(() => jira.verifyWebhook({ headers: { 'x-hub-signature': signAsJiraWebhook(SECRET, unstamped) }, rawBody: Buffer.from(unstamped) }, at))).toBe('stale_timestamp/401');
    });

    it('accepts an Automation request with the secret header, and refuses a wrong one', () => {
      const body = Buffer.from(JSON.stringify({ twofa_desk: 'automation', issue_key: 'ITS-1' }));
      expect(slug(() => jira.verifyWebhook({ headers: { 'x-twofa-desk-secret': SECRET }, rawBody: body }, Date.now()))).toBe('accepted');
      expect(slug(() => jira.verifyWebhook({ headers: { 'x-twofa-desk-secret': `${SECRET}x` }, rawBody: body }, Date.now()))).toBe('bad_signature/401');
      expect(slug(() => jira.verifyWebhook({ headers: {}, rawBody: body }, Date.now()))).toBe('missing_signature/401');
    });

    it('takes the delivery id from the signed bytes (the identifier header is not signed), none for an unwatched issue or an Automation body', async () => {
      await request();
      await request(['printer']);
      const [watched, unwatched] = fake.deliveries;
      if (!watched || !unwatched) throw new Error('no deliveries');
      const id = jira.webhookDeliveryId(asRequest(watched));
      expect(id).toMatch(/^body:[0-9a-f]{40}$/);
      expect(jira.webhookDeliveryId(asRequest(watched, { headers: { 'x-atlassian-webhook-identifier': 'another' } }))).toBe(id);
      expect(jira.webhookDeliveryId(asRequest(unwatched))).toBeUndefined();
      expect(jira.webhookDeliveryId({ headers: {}, rawBody: Buffer.from(JSON.stringify({ twofa_desk: 'automation', issue_key: 'ITS-1' })) })).toBeUndefined();
    });
  });

  describe('events', () => {
    it('a new request: tagged from the API (the webhook carries no email), then the requester\'s comment from the signed body alone', async () => {
      const t = await request();
      const created = await eventsOf(fake.deliveries[0]);
      expect(created).toMatchObject([{ type: 'ticketTagged', id: `jira:${t.key}:tagged`, ticket: { requester: { email: 'alice.archer@example.com' } } }]);
      const n = fake.deliveries.length;
      const c = await fake.addComment(t.key, { authorId: t.reporterId, body: 'here: 123456 654321' });
      const before = fake.requests.length;
      const events = await eventsOf(sinceLast(n)[0]);
      expect(events).toEqual([{ type: 'commentAdded', id: `jira:${t.key}:comment:${c.id}`, at: 5, commentId: c.id, authorId: t.reporterId, authorRole: 'requester', public: true }]);
      expect(fake.requests.length).toBe(before);
      // the transition that reads it next takes the text from memory, without a comment list
      expect((await jira.getComment(t.key, c.id)).body).toBe('here: 123456 654321');
      expect(fake.requests.length).toBe(before);
      expect(JSON.stringify(events)).not.toContain('654321');
    });

    it("the bot's own comments, labels and transitions make no events; an agent's internal comment is an agent's", async () => {
      const t = await request();
      await eventsOf(fake.deliveries[0]);
      const n = fake.deliveries.length;
      await jira.applyUpdate(t.key, { internalNote: 'note', publicReply: 'Please send two codes.', status: 'pending', addTags: ['2fa_bot'], removeTags: [], escalate: false }, 'k1');
      const own = sinceLast(n);
      expect(own.map((d) => eventOf(d).webhookEvent)).toEqual(['comment_created', 'comment_created', 'jira:issue_updated', 'jira:issue_updated']);
      for (const d of own) expect(await eventsOf(d)).toEqual([]);
      const m = fake.deliveries.length;
      await fake.addComment(t.key, { authorId: agent.accountId, body: 'I will take it from here', public: false });
      expect(await eventsOf(sinceLast(m)[0])).toMatchObject([{ type: 'commentAdded', authorRole: 'agent', public: false }]);
    });

    it('the customer answering moves the request back (JSM automation): a status change by the system; an agent solving it: by an agent', async () => {
      const t = await request();
      await eventsOf(fake.deliveries[0]);
      await jira.applyUpdate(t.key, { publicReply: 'Please send two codes.', status: 'pending', addTags: [], removeTags: [], escalate: false }, 'k1');
      const n = fake.deliveries.length;
      await fake.addComment(t.key, { authorId: t.reporterId, body: 'done' });
      const [comment, moved] = sinceLast(n);
      expect(eventOf(moved ?? comment ?? ({} as Delivery)).user?.accountId).toBe(fake.automation.accountId);
      expect(await eventsOf(moved)).toMatchObject([{ type: 'statusChanged', status: 'open', byRole: 'system' }]);
      const m = fake.deliveries.length;
      await fake.changeIssue(t.key, { actorId: agent.accountId, toStatus: 'Resolved' });
      expect(await eventsOf(sinceLast(m)[0])).toMatchObject([{ type: 'statusChanged', status: 'solved', byRole: 'agent' }]);
    });

    it('labels changed by an agent: tagsChanged; the watch label added to an older request: its comments, then a re-open', async () => {
      const t = await request(['printer']);
      const early = await fake.addComment(t.key, { authorId: t.reporterId, body: 'my token is broken' });
      const n = fake.deliveries.length;
      await fake.changeIssue(t.key, { actorId: agent.accountId, addLabels: ['2fa_issue'] });
      const events = await eventsOf(sinceLast(n)[0]);
      expect(events.map((e) => e.type)).toEqual(['commentAdded', 'ticketTagged', 'tagsChanged']);
      expect(events[0]).toMatchObject({ commentId: early.id, authorRole: 'requester' });
      expect(events[1]).toMatchObject({ past: { watchTagAdded: true, botCommented: false } });
      expect(events[2]).toMatchObject({ added: ['2fa_issue'], removed: [], byRole: 'agent', tags: ['printer', '2fa_issue'] });
      const m = fake.deliveries.length;
      await fake.changeIssue(t.key, { actorId: agent.accountId, removeLabels: ['2fa_issue'] });
      expect(await eventsOf(sinceLast(m)[0])).toMatchObject([{ type: 'tagsChanged', removed: ['2fa_issue'], byRole: 'agent' }]);
    });

    it('drops an event on an issue without the watch label from its body alone: no API call, no delivery id', async () => {
      const t = await request(['printer']);
      await fake.changeIssue(t.key, { actorId: agent.accountId, addLabels: ['hardware'] });
      const before = fake.requests.length;
      for (const d of fake.deliveries) {
        expect(jira.webhookDeliveryId(asRequest(d))).toBeUndefined();
        expect(await jira.eventsFromWebhook(asRequest(d), 1)).toEqual([]);
      }
      expect(fake.requests.length).toBe(before);
      // a comment event carries no labels: one read tells, and the next comment costs nothing
      await fake.addComment(t.key, { authorId: t.reporterId, body: 'any news?' });
      await fake.addComment(t.key, { authorId: t.reporterId, body: 'hello?' });
      const [c1, c2] = fake.deliveries.slice(-2);
      expect(await eventsOf(c1)).toEqual([]);
      expect(await eventsOf(c2)).toEqual([]);
      expect(fake.requests.length - before).toBe(1);
    });

    it('reads the comment from the JSM list when the webhook does not say whether it is public', async () => {
      const quiet = await startFakeJira({ apiToken: TOKEN, webhookSecret: SECRET, webhookUrl: NOWHERE, commentWebhookWithoutVisibility: true });
      const a = new JiraAdapter({ config: jiraTestConfig(quiet), redis, prefix: `${prefix}-q` });
      const t = await quiet.createRequest({ summary: 's', description: 'd', reporter: { email: 'alice.archer@example.com', name: 'Alice Archer' }, labels: ['2fa_issue'] });
      const c = await quiet.addComment(t.key, { authorId: t.reporterId, body: '123456 654321' });
      const events = (await a.eventsFromWebhook(asRequest(quiet.deliveries.at(-1) ?? { body: '', headers: {} }), 1)).flatMap((b) => b.events);
      expect(events).toMatchObject([{ type: 'commentAdded', commentId: c.id, authorRole: 'requester', public: true }]);
      expect(quiet.requests.some((r) => r.path === `/rest/servicedeskapi/request/${t.key}/comment`)).toBe(true);
      await a.close();
      await quiet.close();
    });

    it('an Automation request names the issue: its events are read whole', async () => {
      const t = await request();
      const c = await fake.addComment(t.key, { authorId: t.reporterId, body: '123456 654321' });
      const batches = await jira.eventsFromWebhook({ headers: {}, rawBody: Buffer.from(JSON.stringify({ twofa_desk: 'automation', issue_key: t.key })) }, 7);
      expect(batches).toEqual([{ ticketId: t.key, events: [expect.objectContaining({ type: 'ticketTagged' }), expect.objectContaining({ id: `jira:${t.key}:comment:${c.id}` })] }]);
      expect(await jira.eventsFromWebhook({ headers: {}, rawBody: Buffer.from(JSON.stringify({ twofa_desk: 'automation', issue_key: 'ITS-999' })) }, 7)).toEqual([]);
    });

    it('labels a new request of the watched request type (JIRA_REQUEST_TYPE_ID) and takes it; another type is left alone', async () => {
      const typed = new JiraAdapter({ config: jiraTestConfig(fake, { requestTypeId: REQUEST_TYPE.twofa }), redis, prefix });
      const mine = await request([], REQUEST_TYPE.twofa);
      const other = await request([], REQUEST_TYPE.other);
      const [d1, d2] = fake.deliveries;
      expect(typed.webhookDeliveryId(asRequest(d1 ?? { body: '', headers: {} }))).toBeDefined();
      expect(await eventsOf(d1, typed)).toMatchObject([{ type: 'ticketTagged', ticket: { tags: ['2fa_issue'] } }]);
      expect(fake.issues.get(mine.key)?.labels).toEqual(['2fa_issue']);
      expect(await eventsOf(d2, typed)).toEqual([]);
      expect(fake.issues.get(other.key)?.labels).toEqual([]);
      await typed.close();
    });

    it('refuses bodies of an unknown shape naming the field, and ignores other events', async () => {
      const bad = (body: unknown) => jira.eventsFromWebhook({ headers: {}, rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) }, 1).catch((e: unknown) => e);
      expect(await bad('not json')).toMatchObject({ slug: 'bad_json' });
      expect(await bad({ hello: 1 })).toMatchObject({ slug: 'bad_shape' });
      const e = (await bad({ timestamp: 1, webhookEvent: 'comment_created', issue: { id: '1', key: 'its 1' } })) as InvalidWebhook;
      expect(e.slug).toBe('bad_shape');
      expect(e.message).toContain('issue.key');
      const t = await request();
      await jira.getTicket(t.key);
      expect(await jira.eventsFromWebhook({ headers: {}, rawBody: Buffer.from(JSON.stringify({ timestamp: 1, webhookEvent: 'worklog_created', issue: { id: t.id, key: t.key, fields: { labels: ['2fa_issue'] } } })) }, 1)).toEqual([]);
    });
  });

  describe('rate limits shared through Redis', () => {
    it('a 429 storm: no request of either adapter goes out before the Retry-After has passed', async () => {
      const t = await request();
      const other = new JiraAdapter({ config: jiraTestConfig(fake), redis, prefix, retryBaseDelayMs: 10 });
      fake.startStorm(1);
      const before = fake.requests.length;
      const first = jira.getTicket(t.key);
      for (let i = 0; i < 200 && (await other.limiter.pausedForMs()) === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(await other.limiter.pausedForMs()).toBeGreaterThan(0);
      const results = await Promise.all([first, other.getTicket(t.key), other.listWatchedTickets(), jira.listComments(t.key)]);
      await other.close();
      expect(results[0].id).toBe(t.key);
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

    it('keeps one request budget per site over all adapters, named as the bot\'s own', async () => {
      const t = await request();
      const opts = { redis, prefix, rateWindowMs: 600_000, maxRateWaitMs: 0 };
      const a = new JiraAdapter({ config: jiraTestConfig(fake, { rateLimitPerMin: 5 }), ...opts });
      const b = new JiraAdapter({ config: jiraTestConfig(fake, { rateLimitPerMin: 5 }), ...opts });
      const before = fake.requests.length;
      // each adapter's first read is the issue and the reporter's user record (their locale); a's second, the issue
      await a.getTicket(t.key);
      await b.getTicket(t.key);
      await a.getTicket(t.key);
      const err = await b.getTicket(t.key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JiraBudgetSpent);
      expect((err as JiraBudgetSpent).reason).toMatch(/bot's own budget of 5 requests/);
      expect(fake.requests.length - before).toBe(5);
      await a.close();
      await b.close();
    });

    it('stops every adapter calling a site that keeps failing (shared circuit breaker)', async () => {
      const t = await request();
      const a = new JiraAdapter({ config: jiraTestConfig(fake, { retries: 0 }), redis, prefix });
      const b = new JiraAdapter({ config: jiraTestConfig(fake, { retries: 0 }), redis, prefix });
      fake.injectAnswer({ path: `/issue/${t.key}`, times: 5, status: 502, body: { errorMessages: ['bad gateway'] } });
      for (const x of [a, b, a, b, a]) await expect(x.getTicket(t.key)).rejects.toMatchObject({ name: 'TicketSystemUnavailable' });
      const sent = fake.requests.length;
      const err = await b.getTicket(t.key).catch((e: unknown) => e);
      expect((err as Error).message).toContain('circuit is open');
      expect(fake.requests.length).toBe(sent);
      await a.close();
      await b.close();
    });

    it('hands a Retry-After longer than it waits (a 429, or a 503 with Retry-After) up as TicketSystemRateLimited', async () => {
      const t = await request();
      const short = new JiraAdapter({ config: jiraTestConfig(fake), redis, prefix: `${prefix}-s`, maxRateWaitMs: 500 });
      fake.startStorm(30);
      const err = await short.getTicket(t.key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TicketSystemRateLimited);
      expect((err as TicketSystemRateLimited).retryAfterMs).toBeGreaterThan(25_000);
      expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(1);
      await short.close();
    });

    it('takes a 503 with Retry-After (a Jira resource limit) as a pause too, not as an outage', async () => {
      const a = new JiraAdapter({ config: jiraTestConfig(fake), redis, prefix: `${prefix}-u`, maxRateWaitMs: 500 });
      fake.injectAnswer({ path: '/search/jql', times: 1, status: 503, body: { errorMessages: ['resource limit'] }, headers: { 'retry-after': '20' } });
      const err = await a.listWatchedTickets().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TicketSystemRateLimited);
      expect((err as TicketSystemRateLimited).retryAfterMs).toBeGreaterThan(15_000);
      expect(await a.limiter.pausedForMs()).toBeGreaterThan(15_000);
      await a.close();
    });
  });
});
