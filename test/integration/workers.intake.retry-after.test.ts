import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ZendeskAdapter } from '../../integrations/ticketing/zendesk/adapter.js';
import type { ZendeskConfig } from '../../integrations/ticketing/zendesk/config.js';
import type { TicketSystem } from '../../integrations/ticketing/ticket-system.js';
import { createIntakeServer } from '../../workers/intake/intake-server.js';
import { ticketKey } from '../../workers/store/keys.js';
import { WorkflowStore } from '../../workers/store/workflow-store.js';
import { startFakeZendesk, signAsZendesk, type FakeZendesk } from '../support/fake-zendesk.js';
import { capturedLogger } from '../support/log-capture.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'zendesk-webhook-signing-secret-for-tests';
const TOKEN = 'api-token-0123456789';
const EMAIL = 'twofa-bot@acme.example';
const WINDOW_MS = 2_000;

/**
 * Issue 17, item 3: when the intake cannot take a webhook now because of a rate limit, it answers 503 with a short
 * Retry-After, the one answer after which Zendesk sends the webhook again (it also retries 409, and 429); without
 * it the event waits for the poller. The bot's own budget is logged as its own, not as Zendesk asking to slow down.
 * The fake Zendesk resends as Zendesk's reference says (`webhookRetries`).
 */
describe('the intake answers a rate limit with Retry-After, and Zendesk sends the webhook again', () => {
  let redis: Redis;
  let prefix: string;
  let fake: FakeZendesk;
  let zd: ZendeskAdapter;
  let config: ZendeskConfig;
  let intake: ReturnType<typeof createIntakeServer>;
  let lines: string[];
  const ticketing = new Map<string, TicketSystem>();

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.disconnect());

  beforeEach(async () => {
    prefix = freshPrefix('zd-ra');
    const captured = capturedLogger('info');
    lines = captured.lines;
    intake = createIntakeServer({ store: new WorkflowStore(redis, prefix), ticketing, log: captured.log, isReady: () => true });
    const url = await intake.listen({ port: 0, host: '127.0.0.1' });
    fake = await startFakeZendesk({ apiToken: TOKEN, agentEmail: EMAIL, webhookSecret: SECRET, webhookUrl: `${url}/webhooks/zendesk`, webhookRetries: true });
    config = { baseUrl: fake.url, credentials: { kind: 'token', email: EMAIL, token: TOKEN }, webhookSecret: SECRET, watchTag: '2fa_issue', pollIntervalS: 60, rateLimitPerMin: 1, timeoutMs: 2000, retries: 1 };
    // a budget of one request per 2 s, and no waiting for it: the second request in a window is refused at once
    zd = new ZendeskAdapter({ config, redis, prefix, rateWindowMs: WINDOW_MS, maxRateWaitMs: 0, retryBaseDelayMs: 10 });
    ticketing.set('zendesk', zd);
  });

  afterEach(async () => {
    await fake.close();
    await zd.close();
    await intake.close();
    await deletePrefix(redis, prefix);
  });

  const inbox = (id: number) => redis.lrange(`${prefix}:inbox:${ticketKey('zendesk', String(id))}`, 0, -1);

  it("the bot's own budget is spent: 503 with Retry-After, logged as the bot's own budget; the resend is taken", async () => {
    const other = await fake.createTicket({ subject: 'other', description: 'x', requester: { email: 'bob@example.com', name: 'Bob' }, tags: ['printer'] });
    await fake.settle();
    // early in a window (the budget's windows are fixed), so that the webhook below finds the same one spent
    while (Date.now() % WINDOW_MS > WINDOW_MS / 4) await new Promise((r) => setTimeout(r, 20));
    await zd.getTicket(String(other.id)); // spends the window's one request
    const t = await fake.createTicket({ subject: '2FA code rejected', description: 'Cannot log in.', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    await fake.settle();
    const delivery = fake.deliveries.at(-1);
    const [first, ...rest] = delivery?.attempts ?? [];
    expect(first?.status).toBe(503);
    expect(Number(first?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(first?.retryAfter)).toBeLessThan(60);
    expect(rest.at(-1)?.status).toBe(202);
    expect((await inbox(t.id)).map((e) => (JSON.parse(e) as { type: string }).type)).toEqual(['ticketTagged']);
    const deferred = lines.map((l) => JSON.parse(l) as { msg: string; reason?: string }).filter((l) => l.msg.startsWith('webhook deferred'));
    expect(deferred).toHaveLength(1);
    expect(deferred[0]?.reason).toMatch(/bot's own budget of 1 requests per 2000 ms/);
    expect(deferred[0]?.reason).not.toMatch(/asked to slow down for/);
  });

  it('Zendesk asked to slow down (429): 503 with its Retry-After, logged as Zendesk\'s pause; the resend is taken', async () => {
    const wide = new ZendeskAdapter({ config: { ...config, rateLimitPerMin: 1000 }, redis, prefix: `${prefix}-w`, maxRateWaitMs: 0, retryBaseDelayMs: 10 });
    ticketing.set('zendesk', wide);
    fake.startStorm(1);
    const t = await fake.createTicket({ subject: '2FA code rejected', description: 'Cannot log in.', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    await fake.settle();
    const attempts = fake.deliveries.at(-1)?.attempts ?? [];
    expect(attempts[0]).toEqual({ status: 503, retryAfter: '1' });
    expect(attempts.at(-1)?.status).toBe(202);
    expect(await inbox(t.id)).toHaveLength(1);
    const deferred = lines.map((l) => JSON.parse(l) as { msg: string; reason?: string }).filter((l) => l.msg.startsWith('webhook deferred'));
    expect(deferred[0]?.reason).toMatch(/zendesk asked to slow down/);
    await wide.close();
  });

  it('any other failure is a 503 with a short Retry-After too', async () => {
    const body = JSON.stringify({ type: 'zen:event-type:ticket.created', account_id: 1, id: 'evt-1', time: new Date().toISOString(), subject: 'zen:ticket:424242', detail: { id: '424242', tags: ['2fa_issue'] } });
    fake.injectAnswer({ path: '/tickets/424242.json', times: 2, status: 500, body: { error: 'InternalError' } });
    const timestamp = new Date().toISOString();
    const res = await intake.inject({ method: 'POST', url: '/webhooks/zendesk', headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signAsZendesk(SECRET, timestamp, body), 'x-zendesk-webhook-signature-timestamp': timestamp }, payload: body });
    expect(res.statusCode).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThan(60);
  });

  it('a replayed delivery is refused with 409, which Zendesk retries and the intake refuses again', async () => {
    await fake.createTicket({ subject: '2FA code rejected', description: 'Cannot log in.', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
    await fake.settle();
    const d = fake.deliveries.at(-1);
    if (!d) throw new Error('no delivery');
    await waitFor('the first delivery', async () => (d.status === 202 ? true : undefined));
    expect(await fake.redeliver(d)).toBe(409);
  });
});
