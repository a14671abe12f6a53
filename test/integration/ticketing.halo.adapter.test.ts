import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { InvalidWebhook, TicketSystemRateLimited, TicketingAuthFailed } from '../../integrations/ticketing/errors.js';
import type { WebhookRequest } from '../../integrations/ticketing/ticket-system.js';
import { HaloAdapter } from '../../integrations/ticketing/halo/adapter.js';
import type { HaloConfig } from '../../integrations/ticketing/halo/config.js';
import { loadHaloConfig } from '../../integrations/ticketing/halo/config.js';
import { HaloBudgetSpent, HaloResponseInvalid, HaloStatusMissing } from '../../integrations/ticketing/halo/halo-errors.js';
import { StatusMap } from '../../integrations/ticketing/halo/status-map.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import type { EventOf } from '../../workflows/resync/events.js';
import { HALO_CLIENT, HALO_WATCH_TYPE, HALO_WEBHOOK_SECRET, haloContractConfig } from '../support/contract-desk-halo.js';
import { startFakeHalo, type Delivery, type FakeHalo } from '../support/fake-halo.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const step = (over: Record<string, unknown> = {}) => ({ addTags: [], removeTags: [], escalate: false, ...over });
const who = { name: 'Grace Hopper', email: 'grace@contoso.example' };

describe('the Halo adapter against a fake tenant', () => {
  let fake: FakeHalo;
  let redis: Redis;
  let prefix: string;
  let adapter: HaloAdapter;
  let clock: number;

  const make = (over: Partial<HaloConfig> = {}, opts: { maxRateWaitMs?: number; rateWindowMs?: number; now?: () => number } = {}) =>
    new HaloAdapter({ config: haloContractConfig(fake, over), redis, prefix, retryBaseDelayMs: 5, ...opts });
  const asRequest = (d: Delivery, headers: Record<string, string> = {}): WebhookRequest => ({ headers: { ...d.headers, ...headers }, rawBody: Buffer.from(d.body) });
  const lastDelivery = async (ticketId: number) => {
    await fake.settle();
    const d = fake.deliveries.filter((x) => (JSON.parse(x.body) as { object_id: number }).object_id === ticketId).at(-1);
    if (!d) throw new Error('no webhook');
    return d;
  };
  const calls = (method: string, path: string) => fake.requests.filter((r) => r.method === method && r.path === path);

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.disconnect());
  beforeEach(async () => {
    fake = await startFakeHalo({ ...HALO_CLIENT, tenant: 'contoso', webhook: { url: 'http://127.0.0.1:9/webhooks/halo', user: 'twofa-desk', password: HALO_WEBHOOK_SECRET } });
    prefix = freshPrefix('halo-ad');
    clock = Date.now();
    adapter = make({ tenant: 'contoso' });
  });
  afterEach(async () => {
    await adapter.close();
    await fake.close();
    await deletePrefix(redis, prefix);
  });

  describe('the company (organization) on the snapshot', () => {
    it("carries the ticket's client as the organization, on getTicket and on the ticketTagged of poller and webhook", async () => {
      const t = fake.createTicket({ user: who, company: 'Contoso Ltd', summary: 'MobilePASS codes rejected', tickettype_id: HALO_WATCH_TYPE });
      const snap = await adapter.getTicket(String(t.id));
      expect(snap.organization).toEqual({ id: String(t.client_id), name: 'Contoso Ltd' });
      const polled = (await adapter.eventsFromTicket(String(t.id), 1)).find((e): e is EventOf<'ticketTagged'> => e.type === 'ticketTagged');
      expect(polled?.ticket.organization).toEqual({ id: String(t.client_id), name: 'Contoso Ltd' });
      const hooked = (await adapter.eventsFromWebhook(asRequest(await lastDelivery(t.id)), 2)).flatMap((b) => b.events).find((e): e is EventOf<'ticketTagged'> => e.type === 'ticketTagged');
      expect(hooked?.ticket.organization?.name).toBe('Contoso Ltd');
      const other = fake.createTicket({ user: { name: 'Olaf', email: 'olaf@fabrikam.example' }, company: 'Fabrikam', summary: 'x', tickettype_id: HALO_WATCH_TYPE });
      expect((await adapter.getTicket(String(other.id))).organization).toEqual({ id: String(other.client_id), name: 'Fabrikam' });
      expect(other.client_id).not.toBe(t.client_id);
    });

    it('takes the requester from the user record Halo keeps, not from the name on the ticket', async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      t.user_name = 'alice-typed';
      const snap = await adapter.getTicket(String(t.id));
      expect(snap.requester).toEqual({ id: String(t.user_id), name: who.name, email: who.email });
      expect(calls('GET', `/api/Users/${t.user_id}`)).toHaveLength(1);
    });
  });

  describe('who wrote an action', () => {
    it("takes the ticket's end user by actionby_user_id: another user on the ticket (a cc) with the same name is an end user, not the requester", async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      const namesake = fake.createTicket({ user: { name: who.name, email: 'grace.h@fabrikam.example' }, summary: 'other', tickettype_id: HALO_WATCH_TYPE });
      fake.addAction(t.id, { by: 'user', note: 'my codes' });
      fake.addAction(t.id, { by: { userId: namesake.user_id }, note: 'cc: same here' });
      const comments = await adapter.listComments(String(t.id));
      expect(comments.map((c) => [c.body, c.authorRole, c.authorId])).toEqual([
        ['my codes', 'requester', String(t.user_id)],
        ['cc: same here', 'end-user', `user:${namesake.user_id}`],
      ]);
    });
  });

  describe('OAuth client credentials', () => {
    it('asks for a token with the tenant and scope, keeps it, and renews it once on a 401', async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      await adapter.getTicket(String(t.id));
      await adapter.getTicket(String(t.id));
      expect(fake.tokensIssued).toBe(1);
      const tokenCall = calls('POST', '/auth/token')[0];
      expect(tokenCall?.query).toEqual({ tenant: 'contoso' });
      expect(tokenCall?.body).toMatchObject({ grant_type: 'client_credentials', client_id: HALO_CLIENT.clientId, scope: 'all' });
      fake.revokeTokens();
      await adapter.getTicket(String(t.id));
      expect(fake.tokensIssued).toBe(2);
    });

    it('renews the token before Halo says it expires', async () => {
      await fake.close();
      fake = await startFakeHalo({ ...HALO_CLIENT, tokenLifetimeS: 3600 });
      adapter = make({}, { now: () => clock });
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      await adapter.getTicket(String(t.id));
      clock += 3600_000 - 59_000;
      await adapter.getTicket(String(t.id));
      expect(fake.tokensIssued).toBe(2);
    });

    it('says the credentials are refused, without the secret', async () => {
      adapter = make({ clientSecret: 'not-the-secret-of-this-app' });
      const err = await adapter.getTicket('4201').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TicketingAuthFailed);
      expect(JSON.stringify({ m: (err as Error).message, r: (err as TicketingAuthFailed).reason })).not.toContain('not-the-secret');
    });
  });

  describe('answers read with zod', () => {
    it('names the field of an answer that is not the documented shape', async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      fake.injectAnswer({ path: `/api/Tickets/${t.id}`, times: 1, status: 200, body: { id: t.id, summary: 'x', tickettype_id: 'twenty-five', status_id: 1 } });
      const err = await adapter.getTicket(String(t.id)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HaloResponseInvalid);
      expect((err as HaloResponseInvalid).field).toBe('tickettype_id');
    });
  });

  describe('writing actions and the status', () => {
    it("writes the tenant's status ids read from /api/Status (once), a visible e-mailed reply and a hidden note", async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      await adapter.applyUpdate(String(t.id), step({ publicReply: 'Send two codes.', internalNote: 'Asked.', status: 'pending' }), 'halo:1|r1.e1');
      await adapter.applyUpdate(String(t.id), step({ status: 'open', escalate: true }), 'halo:1|r1.e2');
      expect(t.status_id).toBe(fake.statusId('In Progress'));
      expect(t.team).toBe('Service Desk L2');
      const posted = calls('POST', '/api/Tickets').map((r) => r.body);
      expect(posted).toEqual([[{ id: t.id, status_id: fake.statusId('With User') }], [{ id: t.id, status_id: fake.statusId('In Progress'), team: 'Service Desk L2' }]]);
      expect(calls('GET', '/api/Status')).toHaveLength(1);
      const bodies = calls('POST', '/api/Actions').map((r) => (r.body as Array<Record<string, unknown>>)[0]);
      expect(bodies.map((b) => [b?.hiddenfromuser, b?.sendemail])).toEqual([
        [false, true],
        [true, false],
      ]);
    });

    it("writes what the requester typed as text, never as HTML, and reads it back as text", async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      await adapter.applyUpdate(String(t.id), step({ internalNote: 'The requester wrote: <img src=x onerror=alert(1)> & "quotes"' }), 'halo:1|r1.e3');
      const note = fake.actionsOf(t.id)[0]?.note ?? '';
      expect(note).not.toMatch(/<img/);
      expect(note).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
      const [comment] = await adapter.listComments(String(t.id));
      expect(comment?.body).toContain('<img src=x onerror=alert(1)> & "quotes"');
      expect(comment?.authorRole).toBe('bot');
    });
  });

  describe('webhooks', () => {
    it('refuses a delivery without or with the wrong Basic authentication, a body that is not JSON or names no ticket', async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      const d = await lastDelivery(t.id);
      const refused = (req: WebhookRequest) => {
        try {
          adapter.verifyWebhook(req, Date.now());
        } catch (err) {
          return err as InvalidWebhook;
        }
        return undefined;
      };
      expect(refused(asRequest(d))).toBeUndefined();
      expect(refused({ headers: { 'content-type': 'application/json' }, rawBody: Buffer.from(d.body) })).toMatchObject({ slug: 'missing_signature', statusCode: 401 });
      const other = `Basic ${Buffer.from(`twofa-desk:${HALO_WEBHOOK_SECRET.slice(0, -1)}x`).toString('base64')}`;
      expect(refused(asRequest(d, { authorization: other }))).toMatchObject({ slug: 'bad_signature', statusCode: 401 });
      expect(refused(asRequest(d, { authorization: `Bearer ${HALO_WEBHOOK_SECRET}` }))).toMatchObject({ slug: 'bad_signature' });
      await expect(adapter.eventsFromWebhook({ headers: d.headers, rawBody: Buffer.from('{not json') }, 1)).rejects.toMatchObject({ slug: 'bad_json', statusCode: 400 });
      await expect(adapter.eventsFromWebhook({ headers: d.headers, rawBody: Buffer.from(JSON.stringify({ id: 'x', event: 'New Ticket Logged' })) }, 1)).rejects.toMatchObject({ slug: 'bad_shape', statusCode: 400 });
      expect(adapter.webhookDeliveryId(asRequest(d))).toBe((JSON.parse(d.body) as { id: string }).id);
    });

    it("reads the ticket back: an agent closing it is a status event by an agent; the bot's own status write makes none", async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      await adapter.applyUpdate(String(t.id), step({ publicReply: 'Send two codes.', status: 'pending' }), 'halo:1|r1.e1');
      const own = (await adapter.eventsFromWebhook(asRequest(await lastDelivery(t.id)), 3)).flatMap((b) => b.events);
      expect(own.filter((e) => e.type === 'statusChanged' || e.type === 'commentAdded')).toEqual([]);
      const agent = fake.addAgent('Agnes Agent');
      fake.changeTicket(t.id, { status_id: fake.statusId('Closed'), agent: { agentId: agent.id, name: agent.name } });
      const closed = (await adapter.eventsFromWebhook(asRequest(await lastDelivery(t.id)), 4)).flatMap((b) => b.events);
      expect(closed.filter((e) => e.type === 'statusChanged')).toEqual([expect.objectContaining({ status: 'closed', byRole: 'agent' })]);
      // the body's own ticket fields are never trusted: a delivery naming the ticket reads it from the API
      expect(calls('GET', `/api/Tickets/${t.id}`).length).toBeGreaterThanOrEqual(2);
    });

    it("reads only the ticket for a webhook of what an earlier webhook's read took, never skipping a reply written between the bot's writes", async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      const id = String(t.id);
      const events = async (d: Delivery) => (await adapter.eventsFromWebhook(asRequest(d), 1)).flatMap((b) => b.events);
      fake.addAction(t.id, { by: 'user', note: 'first words' });
      expect((await events(await lastDelivery(t.id))).filter((e) => e.type === 'commentAdded')).toHaveLength(1);
      await adapter.applyUpdate(id, step({ publicReply: 'Send two codes.' }), 'halo:1|r1.e1');
      const ownReply = await lastDelivery(t.id);
      // an end user answering between the bot's reply and its note: the webhook of the reply is read after both
      fake.addAction(t.id, { by: 'user', note: '123456 654321' });
      const between = await lastDelivery(t.id);
      await adapter.applyUpdate(id, step({ internalNote: 'Asked for codes.', status: 'pending' }), 'halo:1|r1.e2');
      const ownStatus = await lastDelivery(t.id);
      const fromReply = await events(ownReply);
      expect(fromReply.filter((e) => e.type === 'commentAdded')).toEqual([expect.objectContaining({ authorRole: 'requester', authorId: String(t.user_id) }), expect.objectContaining({ authorRole: 'requester' })]);
      const reads = calls('GET', '/api/Actions').length;
      expect(await events(between)).toEqual([]);
      expect(await events(ownStatus)).toEqual([]);
      expect(calls('GET', '/api/Actions')).toHaveLength(reads);
      // something new after all that (an agent's hidden note): read in full again
      const agent = fake.addAgent('Agnes Agent');
      fake.addAction(t.id, { by: { agentId: agent.id, name: agent.name }, note: 'checked #2fa_bot_off', hidden: true });
      expect((await events(await lastDelivery(t.id))).filter((e) => e.type === 'tagsChanged')).toEqual([expect.objectContaining({ added: ['2fa_bot_off'], byRole: 'agent' })]);
      expect(calls('GET', '/api/Actions')).toHaveLength(reads + 1);
    });

    it('says the watch tag is gone when an agent moves the ticket to another type', async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      const agent = fake.addAgent('Agnes Agent');
      fake.changeTicket(t.id, { tickettype_id: 1, agent: { agentId: agent.id, name: agent.name } });
      const events = (await adapter.eventsFromWebhook(asRequest(await lastDelivery(t.id)), 5)).flatMap((b) => b.events);
      expect(events).toEqual([expect.objectContaining({ type: 'tagsChanged', removed: ['2fa_issue'], byRole: 'agent' })]);
    });
  });

  describe('the poller', () => {
    it('pages through the watched open tickets with the date filter and the ticket type', async () => {
      for (let i = 0; i < 130; i++) fake.createTicket({ user: { name: `U${i}`, email: `u${i}@contoso.example` }, summary: `t${i}`, tickettype_id: HALO_WATCH_TYPE });
      const closed = fake.createTicket({ user: who, summary: 'done', tickettype_id: HALO_WATCH_TYPE });
      fake.changeTicket(closed.id, { status_id: fake.statusId('Closed') });
      const resolved = fake.createTicket({ user: who, summary: 'resolved', tickettype_id: HALO_WATCH_TYPE });
      fake.changeTicket(resolved.id, { status_id: fake.statusId('Resolved') });
      fake.createTicket({ user: who, summary: 'printer', tickettype_id: 1 });
      const listed = await adapter.listWatchedTickets();
      expect(listed).toHaveLength(130);
      expect(listed.map((t) => t.id)).not.toContain(String(resolved.id));
      const pages = calls('GET', '/api/Tickets');
      expect(pages.map((p) => p.query.page_no)).toEqual(['1', '2']);
      expect(pages[0]?.query).toMatchObject({ pageinate: 'true', page_size: '100', open_only: 'true', datesearch: 'lastactiondate', requesttype_id: String(HALO_WATCH_TYPE) });
      expect(Date.parse(pages[0]?.query.startdate ?? '')).toBeLessThan(Date.now() - 29 * 86_400_000);
    });

    it("looks back HALO_POLL_LOOKBACK_DAYS from the adapter's clock, not the machine's", async () => {
      const at = Date.parse('2026-03-01T12:00:00Z');
      const dated = make({ tenant: 'contoso', pollLookbackDays: 30 }, { now: () => at });
      try {
        await dated.listWatchedTickets();
        expect(calls('GET', '/api/Tickets')[0]?.query.startdate).toBe('2026-01-30T12:00:00Z');
      } finally {
        await dated.close();
      }
    });
  });

  describe('HALO_RATE_LIMIT_PER_MIN', () => {
    it("sends no more than the bot's own budget: past it, a typed error naming the variable, and nothing sent", async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      const small = make({ tenant: 'contoso', rateLimitPerMin: 2 }, { maxRateWaitMs: 0, rateWindowMs: 600_000 });
      try {
        const before = fake.requests.length;
        const err = await small.getTicket(String(t.id)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(HaloBudgetSpent);
        expect((err as HaloBudgetSpent).retryAfterMs).toBeGreaterThan(0);
        expect((err as HaloBudgetSpent).reason).toContain('HALO_RATE_LIMIT_PER_MIN');
        // the token and the ticket: the user record that comes next is never asked for
        expect(fake.requests.slice(before).map((r) => r.path)).toEqual(['/auth/token', `/api/Tickets/${t.id}`]);
      } finally {
        await small.close();
      }
    });
  });

  describe('429', () => {
    it('pauses every worker of the tenant for the Retry-After Halo sends, and says so with a typed error', async () => {
      const t = fake.createTicket({ user: who, summary: 'codes', tickettype_id: HALO_WATCH_TYPE });
      await adapter.getTicket(String(t.id));
      await adapter.close();
      adapter = make({}, { maxRateWaitMs: 200 });
      const other = make({}, { maxRateWaitMs: 200 });
      try {
        fake.startStorm(5);
        const err = await adapter.getTicket(String(t.id)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TicketSystemRateLimited);
        expect((err as TicketSystemRateLimited).retryAfterMs).toBeGreaterThan(1000);
        const before = fake.requests.length;
        // the other worker sends nothing while the pause holds
        await expect(other.getTicket(String(t.id))).rejects.toBeInstanceOf(TicketSystemRateLimited);
        expect(fake.requests.length).toBe(before);
      } finally {
        await other.close();
      }
    });
  });
});

describe("the tenant's statuses, by name", () => {
  it('writes Resolved for solved where the tenant has it, and Closed (read back as solved) where it has not', () => {
    const withResolved = new StatusMap([
      { id: 31, name: 'With User' },
      { id: 32, name: 'Resolved' },
      { id: 33, name: 'Closed' },
    ]);
    expect([withResolved.idFor('solved'), withResolved.toStatus(32), withResolved.toStatus(33)]).toEqual([32, 'solved', 'closed']);
    const without = new StatusMap([
      { id: 41, name: 'with user' },
      { id: 49, name: 'Closed' },
      { id: 50, name: 'Cancelled' },
    ]);
    expect([without.idFor('solved'), without.toStatus(49), without.toStatus(50), without.idFor('pending'), without.toStatus(77)]).toEqual([49, 'solved', 'closed', 41, 'open']);
    expect(() => without.idFor('hold')).toThrow(HaloStatusMissing);
    expect(without.describe().ok).toBe(false);
  });
});

describe('HALO_* configuration', () => {
  const base = {
    HALO_BASE_URL: 'https://acme.halopsa.com/api/',
    HALO_AUTH_URL: 'https://acme.halopsa.com/auth',
    HALO_CLIENT_ID: 'id',
    HALO_CLIENT_SECRET: 'secret-value-never-echoed',
    HALO_WATCH_TICKET_TYPE_ID: '25',
    HALO_WEBHOOK_SECRET: 'w'.repeat(32),
  };
  const error = (env: Record<string, string | undefined>) => {
    try {
      loadHaloConfig(env);
    } catch (err) {
      return err as ConfigError;
    }
    return undefined;
  };

  it('reads the fixed names, with the base URL taken without /api', () => {
    const c = loadHaloConfig({ ...base, HALO_TENANT: 'acme', HALO_ESCALATION_TEAM: 'Service Desk L2' });
    expect(c).toMatchObject({ baseUrl: 'https://acme.halopsa.com', authUrl: 'https://acme.halopsa.com/auth', tenant: 'acme', watchTicketTypeId: 25, escalationTeam: 'Service Desk L2', scope: 'all', pollIntervalS: 60, rateLimitPerMin: 80 });
  });

  it('names the variable that is wrong, never its value', () => {
    expect(error({ ...base, HALO_WATCH_TICKET_TYPE_ID: undefined })?.variable).toBe('HALO_WATCH_TICKET_TYPE_ID');
    expect(loadHaloConfig({ ...base, HALO_WATCH_TICKET_TYPE_ID: undefined, HALO_WATCH_CATEGORY: '2FA' }).watchCategory).toBe('2FA');
    expect(error({ ...base, HALO_WEBHOOK_SECRET: 'short' })?.variable).toBe('HALO_WEBHOOK_SECRET');
    expect(error({ ...base, HALO_WATCH_TICKET_TYPE_ID: 'abc' })?.variable).toBe('HALO_WATCH_TICKET_TYPE_ID');
    const bad = error({ ...base, HALO_AUTH_URL: 'secret-value-never-echoed' });
    expect(bad?.variable).toBe('HALO_AUTH_URL');
    expect(bad?.message).not.toContain('secret-value-never-echoed');
  });
});
