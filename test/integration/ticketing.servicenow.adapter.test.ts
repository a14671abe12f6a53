import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { InvalidWebhook, TicketNotFound, TicketSystemUnavailable, TicketingAuthFailed } from '../../integrations/ticketing/errors.js';
import { ServiceNowAdapter } from '../../integrations/ticketing/servicenow/adapter.js';
import { loadServiceNowConfig, type ServiceNowConfig } from '../../integrations/ticketing/servicenow/config.js';
import { ServiceNowChoiceMissing, ServiceNowResponseInvalid } from '../../integrations/ticketing/servicenow/servicenow-errors.js';
import type { StoredEvent, TicketUpdate } from '../../integrations/ticketing/ticket-system.js';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { startFakeServiceNow, signAsServiceNow, type Delivery, type FakeServiceNow, type FakeSysUser } from '../support/fake-servicenow.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const SECRET = 'servicenow-webhook-secret-for-tests-0123456789';
const PASSWORD = 'bot-password-for-tests';
/** connection refused at once: the fake keeps its notifications and the test hands them to the adapter */
const NOWHERE = 'http://127.0.0.1:9/webhooks/servicenow';

function configFor(fake: FakeServiceNow, over: Partial<ServiceNowConfig> = {}): ServiceNowConfig {
  return {
    instanceUrl: fake.url,
    credentials: { kind: 'basic', user: fake.bot.user_name, password: PASSWORD },
    webhookSecret: SECRET,
    watchCategory: 'two_factor',
    watchTag: '2fa_issue',
    escalationGroupSysId: [...fake.groups.keys()][0] ?? '',
    pollIntervalS: 60,
    rateLimitPerMin: 1000,
    timeoutMs: 2000,
    retries: 2,
    ...over,
  };
}

function asRequest(d: Delivery, over: { body?: string; headers?: Record<string, string | undefined> } = {}) {
  return { headers: { ...d.headers, ...over.headers }, rawBody: Buffer.from(over.body ?? d.body, 'utf8') };
}

const UPDATE: TicketUpdate = { addTags: [], removeTags: [], escalate: false };
const ofType = <T extends StoredEvent['type']>(events: StoredEvent[], type: T) => events.filter((e): e is Extract<StoredEvent, { type: T }> => e.type === type);

describe('ServiceNow adapter against a fake instance (real HTTP, real Redis)', () => {
  let fake: FakeServiceNow;
  let redis: Redis;
  let prefix: string;
  let sn: ServiceNowAdapter;
  let agent: FakeSysUser;

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.disconnect());

  beforeEach(async () => {
    fake = await startFakeServiceNow({ password: PASSWORD, webhookSecret: SECRET, webhookUrl: NOWHERE });
    fake.addGroup('Service Desk L2');
    agent = fake.addUser({ user_name: 'agnes.agent', name: 'Agnes Agent', email: 'agnes@acme.example', itil: true });
    prefix = freshPrefix('sn');
    sn = new ServiceNowAdapter({ config: configFor(fake), redis, prefix, retryBaseDelayMs: 10 });
  });

  afterEach(async () => {
    await sn.close();
    await fake.close();
    await deletePrefix(redis, prefix);
  });

  /** The last notification the Business Rule sent, as the intake would receive it. */
  async function last(): Promise<Delivery> {
    await fake.settle();
    const d = fake.deliveries.at(-1);
    if (!d) throw new Error('no notification');
    return d;
  }

  function newIncident() {
    return fake.createIncident({ caller: { user_name: 'alice.ng', name: 'Alice Ng', email: 'alice@acme.example' }, short_description: 'My 2FA code is refused (I am bob@evil.example)' });
  }

  describe('notifications (the Business Rule)', () => {
    it('takes a correctly signed, fresh notification and refuses a missing, forged or altered signature with 401', async () => {
      newIncident();
      const d = await last();
      expect(() => sn.verifyWebhook(asRequest(d), Date.now())).not.toThrow();
      const refused = (req: ReturnType<typeof asRequest>) => {
        try {
          sn.verifyWebhook(req, Date.now());
        } catch (err) {
          return err instanceof InvalidWebhook ? { slug: err.slug, status: err.statusCode } : err;
        }
        return 'accepted';
      };
      expect(refused(asRequest(d, { headers: { 'x-servicenow-signature': undefined } }))).toEqual({ slug: 'missing_signature', status: 401 });
      expect(refused(asRequest(d, { headers: { 'x-servicenow-signature': signAsServiceNow('another-secret-of-enough-length-000000', d.body) } }))).toEqual({ slug: 'bad_signature', status: 401 });
      expect(refused(asRequest(d, { body: d.body.replace('"insert"', '"update"') }))).toEqual({ slug: 'bad_signature', status: 401 });
    });

    it('refuses a stale notification (a replay signed long ago) and one from the future, by the signed sent_at', async () => {
      newIncident();
      const body = JSON.parse((await last()).body) as Record<string, unknown>;
      const signed = (sentAt: number) => {
        const raw = JSON.stringify({ ...body, sent_at: sentAt });
        return { headers: { 'x-servicenow-signature': signAsServiceNow(SECRET, raw) }, rawBody: Buffer.from(raw) };
      };
      const now = Date.now();
      const slug = (fn: () => void) => {
        try {
          fn();
          return 'accepted';
        } catch (err) {
          return (err as InvalidWebhook).slug;
        }
      };
      expect(slug(() => sn.verifyWebhook(signed(now - 6 * 60_000), now))).toBe('stale_timestamp');
      expect(slug(() => sn.verifyWebhook(signed(now + 5 * 60_000), now))).toBe('stale_timestamp');
      expect(slug(() => sn.verifyWebhook(signed(now - 60_000), now))).toBe('accepted');
      const withoutTime = JSON.stringify({ ...body, sent_at: undefined });
      expect(slug(() => sn.verifyWebhook({ headers: { 'x-servicenow-signature': signAsServiceNow(SECRET, withoutTime) }, rawBody: Buffer.from(withoutTime) }, now))).toBe('stale_timestamp');
    });

    it('a new watched incident: tagged, with the caller from sys_user (never from what the caller typed), state from sys_choice', async () => {
      const i = newIncident();
      const d = await last();
      expect(sn.webhookDeliveryId(asRequest(d))).toBe((JSON.parse(d.body) as { delivery_id: string }).delivery_id);
      const [batch] = await sn.eventsFromWebhook(asRequest(d), Date.now());
      expect(batch?.ticketId).toBe(i.sys_id);
      const [t] = ofType(batch?.events ?? [], 'ticketTagged');
      const alice = fake.users.get(i.caller_id);
      expect(t?.ticket).toMatchObject({ system: 'servicenow', id: i.sys_id, status: 'new', tags: ['2fa_issue'], requester: { id: i.caller_id, email: 'alice@acme.example', externalId: 'alice.ng', name: 'Alice Ng' } });
      expect(alice?.user_name).toBe('alice.ng');
      expect(JSON.stringify(t?.ticket.requester)).not.toContain('bob@evil.example');
      // the fake's state values are not the base system's: "new" came from sys_choice
      expect(fake.stateLabel(i.state)).toBe('New');
      expect(i.state).not.toBe('1');
    });

    it('an incident of another category makes no event', async () => {
      fake.createIncident({ caller: { name: 'Carl', email: 'carl@acme.example' }, short_description: 'printer', category: 'hardware' });
      expect(fake.deliveries).toHaveLength(0);
      const body = JSON.stringify({ ...(JSON.parse((await (async () => (newIncident(), last()))()).body) as object), category: 'hardware', delivery_id: 'x1' });
      const events = await sn.eventsFromWebhook({ headers: { 'x-servicenow-signature': signAsServiceNow(SECRET, body) }, rawBody: Buffer.from(body) }, Date.now());
      expect(events).toEqual([]);
    });

    it("the bot's own updates make no event, no delivery record and no API call", async () => {
      const i = newIncident();
      await sn.applyUpdate(i.sys_id, { ...UPDATE, publicReply: 'Please send two codes.', status: 'pending' }, 'k-own');
      const d = await last();
      expect((JSON.parse(d.body) as { sys_updated_by: string }).sys_updated_by).toBe(fake.bot.user_name);
      const before = fake.requests.length;
      expect(sn.webhookDeliveryId(asRequest(d))).toBeUndefined();
      expect(await sn.eventsFromWebhook(asRequest(d), Date.now())).toEqual([]);
      expect(fake.requests.length).toBe(before);
    });

    it("the caller's reply: a public requester comment, held for the transition (no second read), the state back In Progress", async () => {
      const i = newIncident();
      await sn.applyUpdate(i.sys_id, { ...UPDATE, publicReply: 'Please send two codes.', internalNote: 'Matched alice.ng by email.', status: 'pending' }, 'k-ask');
      expect(fake.stateLabel(i.state)).toBe('On Hold');
      const entry = fake.addEntry(i.sys_id, { by: 'alice.ng', element: 'comments', value: 'code 1: 123456 code 2: 654321' });
      expect(fake.stateLabel(i.state)).toBe('In Progress');
      const [batch] = await sn.eventsFromWebhook(asRequest(await last()), Date.now());
      const comments = ofType(batch?.events ?? [], 'commentAdded');
      expect(comments).toEqual([expect.objectContaining({ id: `servicenow:${i.sys_id}:comment:${entry.sys_id}`, authorRole: 'requester', public: true, authorId: i.caller_id })]);
      expect(ofType(batch?.events ?? [], 'statusChanged')).toEqual([expect.objectContaining({ status: 'open', byRole: 'requester' })]);
      const before = fake.requests.length;
      expect((await sn.getComment(i.sys_id, entry.sys_id)).body).toBe('code 1: 123456 code 2: 654321');
      expect(fake.requests.length).toBe(before);
    });

    it('an agent resolving the incident, taking it out of the category, or tagging it: status and tag events by an agent', async () => {
      const i = newIncident();
      fake.addEntry(i.sys_id, { by: agent.user_name, element: 'work_notes', value: 'I will take this one. #2fa_bot_off' });
      const [tagging] = await sn.eventsFromWebhook(asRequest(await last()), Date.now());
      expect(ofType(tagging?.events ?? [], 'tagsChanged')).toEqual([expect.objectContaining({ added: ['2fa_bot_off'], byRole: 'agent', tags: expect.arrayContaining(['2fa_issue', '2fa_bot_off']) })]);
      expect(ofType(tagging?.events ?? [], 'commentAdded')).toEqual([expect.objectContaining({ authorRole: 'agent', public: false })]);

      fake.changeIncident(i.sys_id, { by: agent.user_name, state: fake.stateValue('Closed') });
      const [closing] = await sn.eventsFromWebhook(asRequest(await last()), Date.now());
      expect(ofType(closing?.events ?? [], 'statusChanged')).toEqual([expect.objectContaining({ status: 'closed', byRole: 'agent' })]);

      fake.changeIncident(i.sys_id, { by: agent.user_name, category: 'software' });
      const [moved] = await sn.eventsFromWebhook(asRequest(await last()), Date.now());
      expect(moved?.events).toEqual([expect.objectContaining({ type: 'tagsChanged', removed: ['2fa_issue'], byRole: 'agent' })]);
    });

    it('a body that is not the Business Rule\'s is refused 400 naming the field', async () => {
      const body = JSON.stringify({ sys_id: 'not-a-sys-id', number: 'INC1' });
      await expect(sn.eventsFromWebhook({ headers: {}, rawBody: Buffer.from(body) }, Date.now())).rejects.toMatchObject({ name: 'InvalidWebhook', slug: 'bad_shape', statusCode: 400, message: expect.stringContaining('sys_id') });
      await expect(sn.eventsFromWebhook({ headers: {}, rawBody: Buffer.from('{') }, Date.now())).rejects.toMatchObject({ slug: 'bad_json' });
    });
  });

  describe('updates', () => {
    it('one PATCH per step: the reply as Additional comments, the note (with tags) as Work notes, state and group from the instance', async () => {
      const i = newIncident();
      const before = fake.requests.filter((r) => r.method === 'PATCH').length;
      await sn.applyUpdate(i.sys_id, { publicReply: 'We could not find you.', internalNote: 'No account matched.', status: 'open', addTags: ['2fa_bot_escalated'], removeTags: [], escalate: true }, 'k-esc');
      const patches = fake.requests.filter((r) => r.method === 'PATCH');
      expect(patches.length - before).toBe(1);
      expect(fake.stateLabel(i.state)).toBe('In Progress');
      expect(i.assignment_group).toBe([...fake.groups.keys()][0]);
      const entries = fake.entriesOf(i.sys_id);
      expect(entries.map((e) => e.element).sort()).toEqual(['comments', 'work_notes']);
      expect(entries.every((e) => /\[twofa-desk ref [0-9a-f]{16} mid\]/.test(e.value))).toBe(true);
      const comments = await sn.listComments(i.sys_id);
      expect(comments.map((c) => [c.authorRole, c.public])).toEqual(expect.arrayContaining([['bot', true], ['bot', false]]));
      expect((await sn.getTicket(i.sys_id)).tags).toEqual(['2fa_issue', '2fa_bot_escalated']);
    });

    it('solving sets Resolved with a resolution code and notes from the instance (the fake refuses Resolved without them)', async () => {
      const i = newIncident();
      await sn.applyUpdate(i.sys_id, { ...UPDATE, publicReply: 'All set.', status: 'solved' }, 'k-solve');
      expect(fake.stateLabel(i.state)).toBe('Resolved');
      expect(i.close_code).toBe('Solution provided');
      expect(i.close_notes.length).toBeGreaterThan(10);
      expect(await sn.listWatchedTickets()).toEqual([]);
    });

    it('a retry after an answer that was lost writes no second journal entry (markers), and still applies the state', async () => {
      const i = newIncident();
      fake.failNextWrite('appliedThenLost');
      const step: TicketUpdate = { ...UPDATE, publicReply: 'Please send two codes.', internalNote: 'Matched by email.', status: 'pending' };
      await expect(sn.applyUpdate(i.sys_id, step, 'k-lost')).rejects.toBeInstanceOf(TicketSystemUnavailable);
      expect(fake.entriesOf(i.sys_id)).toHaveLength(2);
      i.state = fake.stateValue('New');
      await sn.applyUpdate(i.sys_id, step, 'k-lost');
      expect(fake.entriesOf(i.sys_id)).toHaveLength(2);
      expect(fake.stateLabel(i.state)).toBe('On Hold');
      // a new step (another key) writes again
      await sn.applyUpdate(i.sys_id, step, 'k-next');
      expect(fake.entriesOf(i.sys_id)).toHaveLength(4);
    });

    it('never opens a [code] block (HTML in a journal entry) with what it writes, whatever the text quotes', async () => {
      const i = newIncident();
      await sn.applyUpdate(i.sys_id, { ...UPDATE, internalNote: 'Subject: “[code]<img src=x onerror=alert(1)>[/CODE]”' }, 'k-code');
      const note = fake.entriesOf(i.sys_id)[0]?.value ?? '';
      expect(note).not.toMatch(/\[\/?code\]/i);
      expect(note).toContain('(code)<img src=x onerror=alert(1)>(/code)');
    });

    it("a caller whose user record is gone is no caller: the incident is tagged with an unknown requester", async () => {
      const i = newIncident();
      fake.users.delete(i.caller_id);
      const [batch] = await sn.eventsFromWebhook(asRequest(await last()), Date.now());
      expect(ofType(batch?.events ?? [], 'ticketTagged')[0]?.ticket.requester).toEqual({ id: 'no-caller' });
    });

    it("the bot's user writing without the marker is a person (an agent); the caller quoting the bot's marker is still the caller", async () => {
      const i = newIncident();
      await sn.applyUpdate(i.sys_id, { ...UPDATE, publicReply: 'Please send two codes.' }, 'k-q');
      const quoted = fake.entriesOf(i.sys_id)[0]?.value ?? '';
      fake.addEntry(i.sys_id, { by: fake.bot.user_name, element: 'comments', value: 'typed by a person logged in as the bot user' });
      fake.addEntry(i.sys_id, { by: 'alice.ng', element: 'comments', value: `123456 654321\n\n> ${quoted}` });
      const roles = (await sn.listComments(i.sys_id)).map((c) => c.authorRole);
      expect(roles).toEqual(['bot', 'agent', 'requester']);
    });
  });

  describe('reading', () => {
    it('an answer of the wrong shape is a typed error naming the field', async () => {
      const i = newIncident();
      fake.injectAnswer({ path: `/incident/${i.sys_id}`, times: 1, status: 200, body: { result: { sys_id: i.sys_id, number: i.number } } });
      const err = await sn.getTicket(i.sys_id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceNowResponseInvalid);
      expect((err as ServiceNowResponseInvalid).field).toBe('result.short_description');
      fake.injectAnswer({ path: '/sys_journal_field', times: 1, status: 200, body: { result: [{ sys_id: 'x', element: 'comments', element_id: i.sys_id, value: 'hi', sys_created_on: '12/03/2026 10:00:00', sys_created_by: 'alice.ng' }] } });
      expect(await sn.listComments(i.sys_id).catch((e: unknown) => (e as ServiceNowResponseInvalid).field)).toBe('result.0.sys_created_on');
    });

    it('an unknown incident is TicketNotFound; wrong credentials are TicketingAuthFailed', async () => {
      await expect(sn.getTicket('0'.repeat(32))).rejects.toBeInstanceOf(TicketNotFound);
      const wrong = new ServiceNowAdapter({ config: configFor(fake, { credentials: { kind: 'basic', user: fake.bot.user_name, password: 'wrong' } }), redis, prefix, retryBaseDelayMs: 10 });
      await expect(wrong.listWatchedTickets()).rejects.toBeInstanceOf(TicketingAuthFailed);
      await wrong.close();
    });

    it('the poller lists the unresolved incidents of the watched category, with sys_updated_on read as UTC', async () => {
      const a = newIncident();
      const b = newIncident();
      fake.createIncident({ caller: { name: 'Carl', email: 'carl@acme.example' }, short_description: 'printer', category: 'hardware' });
      fake.changeIncident(b.sys_id, { by: agent.user_name, state: fake.stateValue('Resolved') });
      const listed = await sn.listWatchedTickets();
      expect(listed.map((t) => t.id)).toEqual([a.sys_id]);
      expect(listed[0]?.updatedAt).toBe(Date.parse(`${a.sys_updated_on.replace(' ', 'T')}Z`));
      const query = fake.requests.find((r) => r.path === '/api/now/table/incident' && r.method === 'GET')?.query;
      expect(query?.sysparm_query).toContain('category=two_factor');
      expect(query?.sysparm_display_value).toBe('false');
      const events = await sn.eventsFromTicket(a.sys_id, Date.now());
      expect(events.map((e) => e.type)).toEqual(['ticketTagged']);
    });

    it('a state the instance lacks is a typed error naming the choice', async () => {
      const i = newIncident();
      for (const c of fake.choices) if (c.element === 'close_code') c.inactive = 'true';
      await expect(sn.applyUpdate(i.sys_id, { ...UPDATE, status: 'solved' }, 'k-x')).rejects.toBeInstanceOf(ServiceNowChoiceMissing);
    });
  });

  describe('OAuth client credentials', () => {
    it('asks /oauth_token.do once, learns its user from gs.getUserID(), and renews a revoked token once', async () => {
      const oauthFake = await startFakeServiceNow({ clientId: 'cid-0001', clientSecret: 'csecret-0001', webhookSecret: SECRET, webhookUrl: NOWHERE });
      const o = new ServiceNowAdapter({ config: { ...configFor(oauthFake), credentials: { kind: 'oauth', clientId: 'cid-0001', clientSecret: 'csecret-0001' } }, redis, prefix, retryBaseDelayMs: 10 });
      try {
        const i = oauthFake.createIncident({ caller: { name: 'Alice', email: 'alice@acme.example' }, short_description: '2FA' });
        await o.applyUpdate(i.sys_id, { ...UPDATE, publicReply: 'hello' }, 'k-o');
        expect((await o.listComments(i.sys_id)).map((c) => c.authorRole)).toEqual(['bot']);
        expect(oauthFake.tokensIssued).toBe(1);
        expect(oauthFake.requests.some((r) => r.query.sysparm_query === 'sys_id=javascript:gs.getUserID()')).toBe(true);
        oauthFake.revokeTokens();
        expect(await o.listWatchedTickets()).toHaveLength(1);
        expect(oauthFake.tokensIssued).toBe(2);
        const wrong = new ServiceNowAdapter({ config: { ...configFor(oauthFake), credentials: { kind: 'oauth', clientId: 'cid-0001', clientSecret: 'nope' } }, redis, prefix, retryBaseDelayMs: 10 });
        await expect(wrong.listWatchedTickets()).rejects.toBeInstanceOf(TicketingAuthFailed);
        await wrong.close();
      } finally {
        await o.close();
        await oauthFake.close();
      }
    });
  });
});

describe('ServiceNow configuration', () => {
  const base = { SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com/', SERVICENOW_USER: 'twofa.bot', SERVICENOW_PASSWORD: 'pw', SERVICENOW_WATCH_CATEGORY: 'two_factor', SERVICENOW_WEBHOOK_SECRET: 'x'.repeat(32) };
  const variable = (env: Record<string, string | undefined>) => {
    try {
      loadServiceNowConfig(env);
      return 'ok';
    } catch (err) {
      return err instanceof ConfigError ? err.variable : String(err);
    }
  };

  it('names the variable that is missing or wrong, and never echoes a secret', () => {
    expect(variable(base)).toBe('ok');
    expect(loadServiceNowConfig(base).instanceUrl).toBe('https://acme.service-now.com');
    expect(variable({ ...base, SERVICENOW_INSTANCE_URL: undefined })).toBe('SERVICENOW_INSTANCE_URL');
    expect(variable({ ...base, SERVICENOW_PASSWORD: undefined })).toBe('SERVICENOW_PASSWORD');
    expect(variable({ ...base, SERVICENOW_USER: undefined, SERVICENOW_PASSWORD: undefined })).toBe('SERVICENOW_USER');
    expect(variable({ ...base, SERVICENOW_USER: undefined, SERVICENOW_PASSWORD: undefined, SERVICENOW_CLIENT_ID: 'c' })).toBe('SERVICENOW_CLIENT_SECRET');
    expect(variable({ ...base, SERVICENOW_CLIENT_ID: 'c', SERVICENOW_CLIENT_SECRET: 's' })).toBe('SERVICENOW_CLIENT_ID');
    expect(variable({ ...base, SERVICENOW_WATCH_CATEGORY: undefined })).toBe('SERVICENOW_WATCH_CATEGORY');
    expect(variable({ ...base, SERVICENOW_WATCH_CATEGORY: 'Two Factor' })).toBe('SERVICENOW_WATCH_CATEGORY');
    expect(variable({ ...base, SERVICENOW_ESCALATION_GROUP_SYS_ID: 'Service Desk' })).toBe('SERVICENOW_ESCALATION_GROUP_SYS_ID');
    expect(variable({ ...base, SERVICENOW_WEBHOOK_SECRET: 'short' })).toBe('SERVICENOW_WEBHOOK_SECRET');
    try {
      loadServiceNowConfig({ ...base, SERVICENOW_WEBHOOK_SECRET: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
  });
});
