import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ZendeskAdapter } from '../../integrations/ticketing/zendesk/adapter.js';
import type { ZendeskConfig } from '../../integrations/ticketing/zendesk/config.js';
import { run as zendeskCheck } from '../../workers/cli/zendesk-check.js';
import { startFakeZendesk, type FakeUser, type FakeZendesk } from '../support/fake-zendesk.js';
import { deletePrefix, freshPrefix, newRedis } from '../support/redis.js';

const SECRET = 'zendesk-webhook-signing-secret-for-tests';
const TOKEN = 'api-token-0123456789';
const EMAIL = 'twofa-bot@acme.example';
const NOWHERE = 'http://127.0.0.1:9/webhooks/zendesk';

const solve = { publicReply: 'Glad it works again!', internalNote: 'Solved: the requester confirmed the login works.', status: 'solved' as const, addTags: ['2fa_resolved'], removeTags: [], escalate: false };

/**
 * Issue 17, item 2: Zendesk refuses `solved` without an assignee unless "Auto-assign tickets upon solve" is on (its
 * default, which admins turn off). The bot assigns the ticket it solves when nobody is assigned, and `zendesk check`
 * says what the account requires.
 */
describe('solving a Zendesk ticket without an assignee', () => {
  let fake: FakeZendesk;
  let redis: Redis;
  let prefix: string;
  let agent: FakeUser;
  const adapters: ZendeskAdapter[] = [];

  beforeAll(() => {
    redis = newRedis();
  });
  afterAll(() => redis.disconnect());

  beforeEach(async () => {
    fake = await startFakeZendesk({ apiToken: TOKEN, agentEmail: EMAIL, webhookSecret: SECRET, webhookUrl: NOWHERE, autoAssignOnSolve: false });
    agent = fake.addUser({ name: 'Agnes Agent', email: 'agnes@acme.example', role: 'agent' });
    prefix = freshPrefix('zd-solve');
  });

  afterEach(async () => {
    for (const a of adapters.splice(0)) await a.close();
    await fake.close();
    await deletePrefix(redis, prefix);
  });

  function adapter(over: Partial<ZendeskConfig> = {}): ZendeskAdapter {
    const config: ZendeskConfig = {
      baseUrl: fake.url,
      credentials: { kind: 'token', email: EMAIL, token: TOKEN },
      webhookSecret: SECRET,
      watchTag: '2fa_issue',
      pollIntervalS: 60,
      rateLimitPerMin: 1000,
      timeoutMs: 2000,
      retries: 1,
      ...over,
    };
    const zd = new ZendeskAdapter({ config, redis, prefix, retryBaseDelayMs: 10 });
    adapters.push(zd);
    return zd;
  }

  async function ticket() {
    return fake.createTicket({ subject: '2FA code rejected', description: 'Cannot log in.', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
  }

  it('refuses, as Zendesk does, a solve without an assignee when the account does not assign the solver', async () => {
    const t = await ticket();
    const res = await fetch(`${fake.url}/api/v2/tickets/${t.id}.json`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${EMAIL}/token:${TOKEN}`).toString('base64')}` },
      body: JSON.stringify({ ticket: { status: 'solved' } }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toBe('RecordInvalid');
    expect(fake.tickets.get(t.id)?.status).toBe('new');
  });

  it("assigns the bot's own user on the update that solves, and solves", async () => {
    const t = await ticket();
    await adapter().applyUpdate(String(t.id), solve, 'solve-1');
    const after = fake.tickets.get(t.id);
    expect(after?.status).toBe('solved');
    expect(after?.assignee_id).toBe(fake.botId);
    const puts = fake.requests.filter((r) => r.method === 'PUT').map((r) => (r.body as { ticket: Record<string, unknown> }).ticket);
    expect(puts.map((p) => [p.status, p.assignee_id])).toEqual([
      [undefined, undefined],
      ['solved', fake.botId],
    ]);
  });

  it('assigns the agent ZENDESK_SOLVE_ASSIGNEE_ID names instead', async () => {
    const t = await ticket();
    await adapter({ solveAssigneeId: String(agent.id) }).applyUpdate(String(t.id), { ...solve, internalNote: undefined }, 'solve-2');
    expect(fake.tickets.get(t.id)).toMatchObject({ status: 'solved', assignee_id: agent.id });
  });

  it('keeps an assignee an agent chose', async () => {
    const t = await ticket();
    const owner = fake.addUser({ name: 'Otto Owner', email: 'otto@acme.example', role: 'agent' });
    const tk = fake.tickets.get(t.id);
    if (tk) tk.assignee_id = owner.id;
    const zd = adapter();
    await zd.applyUpdate(String(t.id), solve, 'solve-3');
    expect(fake.tickets.get(t.id)).toMatchObject({ status: 'solved', assignee_id: owner.id });
    const last = fake.requests.filter((r) => r.method === 'PUT').at(-1)?.body as { ticket: Record<string, unknown> };
    expect(last.ticket).not.toHaveProperty('assignee_id');
  });

  describe('twofa-desk zendesk check', () => {
    async function check(over: Record<string, string> = {}) {
      const out: string[] = [];
      const env = { ZENDESK_BASE_URL: fake.url, ZENDESK_EMAIL: EMAIL, ZENDESK_API_TOKEN: TOKEN, ZENDESK_WEBHOOK_SECRET: SECRET, ZENDESK_ESCALATION_GROUP_ID: String(fake.addGroup('L2').id), ...over };
      const code = await zendeskCheck({ args: ['check'], env, out: (l) => out.push(l), err: (l) => out.push(l) });
      return { code, text: out.join('\n') };
    }

    it('says the account refuses to solve without an assignee, and whom the bot assigns', async () => {
      const { code, text } = await check();
      expect(code).toBe(0);
      expect(text).toContain('✓ solving: "Auto-assign tickets upon solve" (Admin Center > Objects and rules > Tickets > Settings > Assignments) is off: Zendesk refuses to solve a ticket without an assignee');
      expect(text).toContain(`the bot assigns a ticket it solves without an assignee to the bot's own user #${fake.botId}`);
    });

    it('says when the account assigns the solver itself, and names a configured agent', async () => {
      fake.settings.assignTicketsUponSolve = true;
      const { text } = await check({ ZENDESK_SOLVE_ASSIGNEE_ID: String(agent.id) });
      expect(text).toContain('is on: Zendesk assigns the solver itself');
      expect(text).toContain(`#${agent.id} "Agnes Agent" (ZENDESK_SOLVE_ASSIGNEE_ID)`);
    });

    it('fails on an assignee that is an end user or does not exist', async () => {
      const user = fake.addUser({ name: 'Eve End', email: 'eve@example.com', role: 'end-user' });
      const endUser = await check({ ZENDESK_SOLVE_ASSIGNEE_ID: String(user.id) });
      expect(endUser.code).toBe(1);
      expect(endUser.text).toContain(`✗ ZENDESK_SOLVE_ASSIGNEE_ID #${user.id} is an end user`);
      const missing = await check({ ZENDESK_SOLVE_ASSIGNEE_ID: '999999' });
      expect(missing.code).toBe(1);
      expect(missing.text).toMatch(/✗ ZENDESK_SOLVE_ASSIGNEE_ID 999999: zendesk answered 404/);
    });
  });
});
