import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { TicketSystemRateLimited } from '../../integrations/ticketing/errors.js';
import { ServiceNowAdapter } from '../../integrations/ticketing/servicenow/adapter.js';
import type { ServiceNowConfig } from '../../integrations/ticketing/servicenow/config.js';
import { ServiceNowBudgetSpent } from '../../integrations/ticketing/servicenow/servicenow-errors.js';
import { startFakeServiceNow, type FakeServiceNow } from '../support/fake-servicenow.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const SECRET = 'servicenow-webhook-secret-for-tests-0123456789';
const PASSWORD = 'bot-password-for-tests';

function configFor(fake: FakeServiceNow, over: Partial<ServiceNowConfig> = {}): ServiceNowConfig {
  return {
    instanceUrl: fake.url,
    credentials: { kind: 'basic', user: fake.bot.user_name, password: PASSWORD },
    webhookSecret: SECRET,
    watchCategory: 'two_factor',
    watchTag: '2fa_issue',
    pollIntervalS: 60,
    rateLimitPerMin: 1000,
    timeoutMs: 5000,
    retries: 3,
    ...over,
  };
}

/**
 * Two adapters stand for two worker processes: each has its own HTTP client and process memory, and they share only
 * Redis (one connection each), as two processes on two machines would.
 */
describe('ServiceNow rate limits shared by two processes through Redis', () => {
  let fake: FakeServiceNow;
  let redisA: Redis;
  let redisB: Redis;
  let prefix: string;
  let a: ServiceNowAdapter;
  let b: ServiceNowAdapter;

  beforeAll(() => {
    redisA = newRedis();
    redisB = newRedis();
  });
  afterAll(() => {
    redisA.disconnect();
    redisB.disconnect();
  });

  beforeEach(async () => {
    fake = await startFakeServiceNow({ password: PASSWORD, webhookSecret: SECRET });
    prefix = freshPrefix('sn-rl');
  });

  afterEach(async () => {
    await a?.close();
    await b?.close();
    await fake.close();
    await deletePrefix(redisA, prefix);
  });

  it('a 429 storm: after the first 429 neither process sends before Retry-After has passed, then both succeed', async () => {
    a = new ServiceNowAdapter({ config: configFor(fake), redis: redisA, prefix, retryBaseDelayMs: 10 });
    b = new ServiceNowAdapter({ config: configFor(fake), redis: redisB, prefix, retryBaseDelayMs: 10 });
    fake.createIncident({ caller: { name: 'Alice', email: 'alice@acme.example' }, short_description: '2FA' });
    fake.startStorm(2);
    const [ra, rb] = await Promise.all([a.listWatchedTickets(), (async () => {
      // B starts once A has met the storm: it must wait the pause out without trying
      while (!fake.requests.some((r) => r.status === 429)) await new Promise((r) => setTimeout(r, 5));
      return b.listWatchedTickets();
    })()]);
    expect(ra).toHaveLength(1);
    expect(rb).toHaveLength(1);
    const storm = fake.requests.filter((r) => r.status === 429);
    expect(storm).toHaveLength(1);
    const pauseEnds = (storm[0]?.at ?? 0) + (storm[0]?.retryAfterS ?? 0) * 1000;
    const during = fake.requests.filter((r) => r.at > (storm[0]?.at ?? 0) && r.at < pauseEnds - 50);
    expect(during).toEqual([]);
  });

  it('a pause longer than a process waits goes up as TicketSystemRateLimited with the time to wait, for the other process too', async () => {
    a = new ServiceNowAdapter({ config: configFor(fake), redis: redisA, prefix, retryBaseDelayMs: 10, maxRateWaitMs: 1_000 });
    b = new ServiceNowAdapter({ config: configFor(fake), redis: redisB, prefix, retryBaseDelayMs: 10, maxRateWaitMs: 1_000 });
    fake.startStorm(30);
    const errA = await a.listWatchedTickets().catch((e: unknown) => e);
    expect(errA).toBeInstanceOf(TicketSystemRateLimited);
    const sent = fake.requests.length;
    const errB = await b.listWatchedTickets().catch((e: unknown) => e);
    expect(errB).toBeInstanceOf(TicketSystemRateLimited);
    expect((errB as TicketSystemRateLimited).retryAfterMs).toBeGreaterThan(20_000);
    // B learnt of the pause from Redis: it sent nothing
    expect(fake.requests.length).toBe(sent);
  });

  it("the bot's own budget is one for both processes: past it, neither sends, and the error says whose limit it is", async () => {
    a = new ServiceNowAdapter({ config: configFor(fake, { rateLimitPerMin: 4 }), redis: redisA, prefix, retryBaseDelayMs: 10, maxRateWaitMs: 100 });
    b = new ServiceNowAdapter({ config: configFor(fake, { rateLimitPerMin: 4 }), redis: redisB, prefix, retryBaseDelayMs: 10, maxRateWaitMs: 100 });
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((n) => (n % 2 === 0 ? a : b).listWatchedTickets().then(() => 'ok', (e: unknown) => e)));
    // the first call of each reads sys_choice too: 4 requests in all fit, the rest are refused before sending
    expect(fake.requests.length).toBe(4);
    const spent = results.filter((r) => r instanceof ServiceNowBudgetSpent);
    expect(spent.length).toBeGreaterThan(0);
    expect((spent[0] as ServiceNowBudgetSpent).reason).toContain('SERVICENOW_RATE_LIMIT_PER_MIN');
  });
});
