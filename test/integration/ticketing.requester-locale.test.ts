import { Redis } from 'ioredis';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JiraAdapter } from '../../integrations/ticketing/jira/adapter.js';
import { LocalDeskAdapter } from '../../integrations/ticketing/local/adapter.js';
import { ServiceNowAdapter } from '../../integrations/ticketing/servicenow/adapter.js';
import { ZendeskAdapter } from '../../integrations/ticketing/zendesk/adapter.js';
import { TEST_WEBHOOK_SECRET, deleteKeys, startLocalDesk, testPrefix, type LocalDesk } from '../support/local-desk.js';
import { jiraTestConfig, startFakeJira, type FakeJira } from '../support/fake-jira.js';
import { startFakeServiceNow, type FakeServiceNow } from '../support/fake-servicenow.js';
import { startFakeZendesk, type FakeZendesk } from '../support/fake-zendesk.js';
import { testRedisUrl } from '../support/redis.js';

/*
 * The requester's locale reaches the ticket snapshot from what the ticket system vouches for: Zendesk's user `locale`
 * (Users API), Jira's user `locale` (GET /rest/api/3/user), ServiceNow's sys_user Language (`preferred_language`), and
 * the embedded desk's user record, which only an agent sets (PUT /api/users), never the ticket's creator. The bot
 * replies in it; without one, in the language of the requester's first message, which JSM, ServiceNow and Zendesk keep
 * as the ticket's description (docs/languages.md).
 */

const WATCH = '2fa_issue';
let redis: Redis;

beforeAll(() => {
  redis = new Redis(testRedisUrl());
});

afterAll(async () => {
  await redis.quit();
});

describe('the embedded desk', () => {
  let desk: LocalDesk;
  let adapter: LocalDeskAdapter;
  const prefix = testPrefix('locale');

  beforeAll(async () => {
    desk = await startLocalDesk({ redis, prefix });
    adapter = new LocalDeskAdapter({ baseUrl: desk.url, webhookSecret: TEST_WEBHOOK_SECRET, watchTag: WATCH, retries: 1, retryBaseDelayMs: 10 });
  });

  afterAll(async () => {
    await adapter.close();
    await desk.close();
    await deleteKeys(redis, prefix);
  });

  it('keeps the locale an agent sets for a user, and every ticket of that user carries it', async () => {
    const api = axios.create({ baseURL: desk.url });
    const set = await api.put('/api/users', { email: 'jonas.becker@example.com', locale: 'de-AT' });
    expect(set.data).toMatchObject({ email: 'jonas.becker@example.com', locale: 'de-AT' });
    const { data: ticket } = await api.post<{ id: string }>('/api/tickets', { subject: 'Login', description: 'Hilfe', requester: { email: 'jonas.becker@example.com', name: 'Jonas Becker' }, tags: [WATCH] });
    expect((await adapter.getTicket(ticket.id)).requester.locale).toBe('de-AT');
    const events = await adapter.eventsFromTicket(ticket.id, Date.now());
    expect(events.find((e) => e.type === 'ticketTagged')).toMatchObject({ ticket: { requester: { locale: 'de-AT' } } });
    await api.put('/api/users', { email: 'jonas.becker@example.com', locale: null });
    expect((await adapter.getTicket(ticket.id)).requester.locale).toBeUndefined();
  });

  it('refuses a locale that is not a language tag, and ignores one in a new ticket’s body', async () => {
    const api = axios.create({ baseURL: desk.url, validateStatus: () => true });
    expect((await api.put('/api/users', { email: 'x@example.com', locale: 'Deutsch, bitte!' })).status).toBe(400);
    const { data: ticket } = await api.post<{ id: string }>('/api/tickets', { subject: 'Login', description: 'x', requester: { email: 'claire@example.com', name: 'Claire', locale: 'fr' }, tags: [WATCH] });
    expect((await adapter.getTicket(ticket.id)).requester.locale).toBeUndefined();
  });
});

describe('Zendesk', () => {
  let fake: FakeZendesk;
  let adapter: ZendeskAdapter;
  const prefix = testPrefix('zd-locale');

  beforeAll(async () => {
    fake = await startFakeZendesk({ apiToken: 'api-token-locale-0123456789', agentEmail: 'bot@acme.example', webhookSecret: 'zendesk-locale-secret', webhookUrl: 'http://127.0.0.1:9/webhooks/zendesk' });
    const group = fake.addGroup('Service Desk L2');
    adapter = new ZendeskAdapter({
      config: {
        baseUrl: fake.url,
        credentials: { kind: 'token', email: 'bot@acme.example', token: 'api-token-locale-0123456789' },
        webhookSecret: 'zendesk-locale-secret',
        watchTag: WATCH,
        escalationGroupId: String(group.id),
        pollIntervalS: 60,
        rateLimitPerMin: 1000,
        timeoutMs: 2000,
        retries: 1,
      },
      redis,
      prefix,
      retryBaseDelayMs: 10,
    });
  });

  afterAll(async () => {
    await adapter.close?.();
    await fake.close();
    await deleteKeys(redis, prefix);
  });

  it('reads the requester user’s locale (Users API `locale`), lower case as Zendesk may send it', async () => {
    const ticket = await fake.createTicket({ subject: 'Connexion', description: 'Mon code ne marche pas', requester: { email: 'claire@example.com', name: 'Claire Martin', locale: 'fr-ca' }, tags: [WATCH] });
    expect((await adapter.getTicket(String(ticket.id))).requester.locale).toBe('fr-ca');
  });

  it('takes the account’s default locale for a user who never set one', async () => {
    const ticket = await fake.createTicket({ subject: 'Login', description: 'My code fails', requester: { email: 'anna@example.com', name: 'Anna Archer' }, tags: [WATCH] });
    expect((await adapter.getTicket(String(ticket.id))).requester.locale).toBe('en-US');
  });

  it('carries the description, the first comment the comment events leave out, for the language of the first message', async () => {
    const ticket = await fake.createTicket({ subject: 'Login', description: 'Mijn code werkt niet meer, ik kan niet inloggen.', requester: { email: 'daan@example.com', name: 'Daan de Vries' }, tags: [WATCH] });
    expect((await adapter.getTicket(String(ticket.id))).description).toBe('Mijn code werkt niet meer, ik kan niet inloggen.');
  });
});

describe('Jira Service Management', () => {
  let fake: FakeJira;
  let adapter: JiraAdapter;
  const prefix = testPrefix('jira-locale');

  beforeAll(async () => {
    fake = await startFakeJira({ apiToken: 'jira-api-token-0123456789', webhookSecret: 'jira-webhook-secret-for-the-tests', webhookUrl: 'http://127.0.0.1:9/webhooks/jira' });
    adapter = new JiraAdapter({ config: jiraTestConfig(fake), redis, prefix, retryBaseDelayMs: 10 });
  });

  afterAll(async () => {
    await adapter.close();
    await fake.close();
    await deleteKeys(redis, prefix);
  });

  const userReads = (accountId: string) => fake.requests.filter((r) => r.path === '/rest/api/3/user' && r.query.accountId === accountId).length;

  it('reads the reporter’s user `locale` (Java form, de_DE) once per requester, however many requests they raise', async () => {
    const reporter = { email: 'jonas.becker@example.com', name: 'Jonas Becker', locale: 'de_DE' };
    const first = await fake.createRequest({ summary: 'Login', description: 'Hilfe', reporter, labels: [WATCH] });
    const second = await fake.createRequest({ summary: 'VPN', description: 'Hilfe', reporter, labels: [WATCH] });
    expect((await adapter.getTicket(first.key)).requester.locale).toBe('de-DE');
    const events = await adapter.eventsFromTicket(second.key, Date.now());
    expect(events.find((e) => e.type === 'ticketTagged')).toMatchObject({ ticket: { requester: { locale: 'de-DE' } } });
    expect(userReads(first.reporterId)).toBe(1);
  });

  it('has no locale for a customer whose profile shows none (`locale: null`)', async () => {
    const issue = await fake.createRequest({ summary: 'Login', description: 'Help', reporter: { email: 'anna@example.com', name: 'Anna Archer' }, labels: [WATCH] });
    expect((await adapter.getTicket(issue.key)).requester.locale).toBeUndefined();
  });

  it('reads the request without a locale when Jira refuses the user read (no "Browse users and groups")', async () => {
    const issue = await fake.createRequest({ summary: 'Login', description: 'Help', reporter: { email: 'lars@example.com', name: 'Lars Larsen', locale: 'da_DK' }, labels: [WATCH] });
    fake.injectAnswer({ path: '/rest/api/3/user', times: 1, status: 403, body: { errorMessages: ['You do not have the permission to see the specified user.'], errors: {} } });
    const snap = await adapter.getTicket(issue.key);
    expect(snap.requester).toMatchObject({ id: issue.reporterId, name: 'Lars Larsen' });
    expect(snap.requester.locale).toBeUndefined();
  });

  it('carries the description (Atlassian Document Format) as plain text, a line per paragraph', async () => {
    const issue = await fake.createRequest({ summary: 'Login', description: 'Bonjour,\nmon code ne marche pas.', reporter: { email: 'claire@example.com', name: 'Claire Martin' }, labels: [WATCH] });
    expect((await adapter.getTicket(issue.key)).description).toBe('Bonjour,\nmon code ne marche pas.');
  });
});

describe('ServiceNow', () => {
  let fake: FakeServiceNow;
  let adapter: ServiceNowAdapter;
  const prefix = testPrefix('sn-locale');

  beforeAll(async () => {
    fake = await startFakeServiceNow({ password: 'bot-password-for-tests', webhookSecret: 'servicenow-locale-secret-0123456789', webhookUrl: 'http://127.0.0.1:9/webhooks/servicenow' });
    adapter = new ServiceNowAdapter({
      config: {
        instanceUrl: fake.url,
        credentials: { kind: 'basic', user: fake.bot.user_name, password: 'bot-password-for-tests' },
        webhookSecret: 'servicenow-locale-secret-0123456789',
        watchCategory: 'two_factor',
        watchTag: WATCH,
        pollIntervalS: 60,
        rateLimitPerMin: 1000,
        timeoutMs: 2000,
        retries: 1,
      },
      redis,
      prefix,
      retryBaseDelayMs: 10,
    });
  });

  afterAll(async () => {
    await adapter.close();
    await fake.close();
    await deleteKeys(redis, prefix);
  });

  it('reads the caller’s Language (sys_user `preferred_language`) with the caller’s record: no call of its own', async () => {
    const incident = fake.createIncident({ caller: { name: 'Lucía Gómez', email: 'lucia@example.com', preferred_language: 'es' }, short_description: 'Login' });
    const before = fake.requests.length;
    expect((await adapter.getTicket(incident.sys_id)).requester.locale).toBe('es');
    expect(fake.requests.slice(before).filter((r) => r.path.startsWith('/api/now/table/sys_user/'))).toHaveLength(1);
  });

  it('has no locale for a caller without a Language (the instance’s default applies)', async () => {
    const incident = fake.createIncident({ caller: { name: 'Anna Archer', email: 'anna@example.com' }, short_description: 'Login' });
    expect((await adapter.getTicket(incident.sys_id)).requester.locale).toBeUndefined();
  });

  it('carries the description from the incident and from the Business Rule’s notification of a new one', async () => {
    const incident = fake.createIncident({ caller: { name: 'Jonas Becker', email: 'jonas@example.com' }, short_description: 'Login', description: 'Mein Code funktioniert nicht mehr.' });
    expect((await adapter.getTicket(incident.sys_id)).description).toBe('Mein Code funktioniert nicht mehr.');
    await fake.settle();
    const insert = fake.deliveries.find((d) => (JSON.parse(d.body) as { sys_id?: string; operation?: string }).sys_id === incident.sys_id);
    if (!insert) throw new Error('no notification of the new incident');
    const batches = await adapter.eventsFromWebhook({ headers: insert.headers, rawBody: Buffer.from(insert.body, 'utf8') }, Date.now());
    expect(batches.flatMap((b) => b.events).find((e) => e.type === 'ticketTagged')).toMatchObject({ ticket: { description: 'Mein Code funktioniert nicht mehr.' } });
  });
});
