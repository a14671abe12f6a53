import { Redis } from 'ioredis';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDeskAdapter } from '../../integrations/ticketing/local/adapter.js';
import { ZendeskAdapter } from '../../integrations/ticketing/zendesk/adapter.js';
import { TEST_WEBHOOK_SECRET, deleteKeys, startLocalDesk, testPrefix, type LocalDesk } from '../support/local-desk.js';
import { startFakeZendesk, type FakeZendesk } from '../support/fake-zendesk.js';
import { testRedisUrl } from '../support/redis.js';

/*
 * The requester's locale reaches the ticket snapshot from what the ticket system vouches for: Zendesk's user `locale`
 * (Users API), and the embedded desk's user record, which only an agent sets (PUT /api/users), never the ticket's
 * creator. The bot replies in it (docs/languages.md).
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
});
