import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../workers/app.js';
import { DEFAULT_SEED, loadConfig } from '../../workers/config.js';
import { DEMO_POLICY } from '../demo/run-demo.js';
import { SCENARIOS, type Scenario } from '../demo/scenarios.js';
import { ticketKey } from '../../workers/store/keys.js';
import { freePort } from '../../workers/redis/private-redis.js';
import { parseSeed } from '../../integrations/twofa/local/seed.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { DEMO_DEVICE_COUNTERS } from '../../integrations/twofa/local/demo-devices.js';
import { hasMarker } from '../../integrations/ticketing/comment-marker.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { parsePolicy, type Policy } from '../../workflows/resync/policy.js';
import { HaloSimulatedUser, haloAppEnv, startFakeHalo, type FakeHalo, type FakeHaloAction, type FakeHaloTicket } from '../support/fake-halo.js';
import type { Logger } from '../../workers/logger.js';
import { capturedLogger } from '../support/log-capture.js';
import { codesIn } from '../support/secret-scan.js';
import { deletePrefix, dumpPrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'halo-e2e-webhook-secret-0123456789abcdef';
const CLIENT = { clientId: 'halo-e2e-app', clientSecret: 'halo-e2e-client-secret' };
const TYPE = 25;
const RUN = ['mobilepass-drift', 'kt4-out-of-sync', 'garbled-then-right', 'unknown-requester', 'identity-approved'];

interface Result {
  scenario: Scenario;
  ticket: FakeHaloTicket;
  state: WorkflowState | undefined;
  publicReplies: number;
  internalNotes: number;
}

interface System {
  fake: FakeHalo;
  app: App;
  prefix: string;
  play(scenario: Scenario, deadlineMs: number): Promise<Result>;
  botActions(ticketId: number): FakeHaloAction[];
  stop(): Promise<void>;
}

/** The whole app (TICKET_SYSTEM=halo, the embedded 2FA platform) against a fresh fake Halo tenant. */
async function startSystem(opts: { pollIntervalS: number; log: Logger; sent: Set<string>; redis: Redis; policy?: Policy }): Promise<System> {
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const prefix = freshPrefix('e2e-halo');
  const port = await freePort();
  const fake = await startFakeHalo({ ...CLIENT, webhook: { url: `http://127.0.0.1:${port}/webhooks/halo`, user: 'twofa-desk', password: SECRET } });
  const source = haloAppEnv({ redisUrl: testRedisUrl(), prefix, port, fake, ...CLIENT, webhookSecret: SECRET, ticketTypeId: TYPE, pollIntervalS: opts.pollIntervalS });
  const app = await createApp(loadConfig(source, { policy: opts.policy ?? DEMO_POLICY }), { log: opts.log, source });
  await app.start();

  const tokenFor = (scenario: Scenario): VirtualToken | undefined => {
    const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
    const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
    return t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
  };
  const botActions = (id: number) => fake.actionsOf(id).filter((a) => a.who_agentid === fake.bot.id && hasMarker(a.note));
  return {
    fake,
    app,
    prefix,
    botActions,
    async play(scenario, deadlineMs) {
      const ticket = fake.createTicket({ user: scenario.requester, company: 'Contoso Ltd', summary: `2FA code not working (${scenario.title})`, details: 'My 2FA code does not work, I cannot log in.', tickettype_id: TYPE });
      const user = new HaloSimulatedUser({ fake, ticketId: ticket.id, scenario, token: tokenFor(scenario), app, sent: opts.sent });
      const state = await user.run(Date.now() + deadlineMs);
      const bot = botActions(ticket.id);
      return { scenario, ticket, state, publicReplies: bot.filter((a) => !a.hiddenfromuser).length, internalNotes: bot.filter((a) => a.hiddenfromuser).length };
    },
    async stop() {
      await app.stop();
      await fake.close();
      await deletePrefix(opts.redis, prefix);
    },
  };
}

const webhookOf = (body: string) => JSON.parse(body) as { id: string; object_id: number; agent_id: number; event: string };

describe('the demo scenarios through the whole app against a fake Halo (webhooks read back, poller, BullMQ, real Redis)', () => {
  let sys: System;
  let fake: FakeHalo;
  let app: App;
  let redis: Redis;
  let prefix: string;
  const { log, lines } = capturedLogger('debug');
  const sent = new Set<string>();
  let results: Result[] = [];

  beforeAll(async () => {
    redis = newRedis();
    sys = await startSystem({ pollIntervalS: 2, log, sent, redis });
    ({ fake, app, prefix } = sys);
    results = await Promise.all(SCENARIOS.filter((s) => RUN.includes(s.key)).map((s) => sys.play(s, 45_000)));
    await fake.settle();
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
    redis.disconnect();
  });

  it('took every webhook Halo sent (202)', () => {
    expect(fake.deliveries.length).toBeGreaterThan(10);
    expect(new Set(fake.deliveries.map((d) => d.status))).toEqual(new Set([202]));
  });

  for (const key of RUN) {
    const scenario = SCENARIOS.find((s) => s.key === key);
    if (!scenario) throw new Error(`no scenario ${key}`);
    it(`${scenario.title}: ends ${scenario.expect.final} with ${scenario.expect.publicReplies} visible actions of the bot on the ticket`, () => {
      const r = results.find((x) => x.scenario.key === key);
      expect(r?.state?.status).toBe(scenario.expect.final);
      expect(r?.publicReplies).toBe(scenario.expect.publicReplies);
      expect(r?.internalNotes).toBeGreaterThan(0);
    });
  }

  it('resolved the resolved tickets and gave the escalated one to the escalation team', () => {
    const byKey = (k: string) => results.find((r) => r.scenario.key === k);
    const solved = byKey('mobilepass-drift')?.ticket;
    expect(fake.statusName(solved?.status_id ?? 0)).toBe('Resolved');
    const unknown = byKey('unknown-requester');
    expect(unknown?.state?.escalation?.reason).toBe('user_not_found');
    expect(unknown?.ticket.team).toBe('Service Desk L2');
    expect(sys.botActions(unknown?.ticket.id ?? 0).some((a) => a.note.includes(`+${DEMO_POLICY.escalatedTag}`))).toBe(true);
  });

  it('a duplicate webhook changes nothing: the same delivery is refused as a replay, a new id for the same change adds no event', async () => {
    const r = results.find((x) => x.scenario.key === 'mobilepass-drift');
    if (!r) throw new Error('no result');
    const replies = fake.deliveries.filter((d) => webhookOf(d.body).object_id === r.ticket.id && webhookOf(d.body).event === 'Updated by End-User');
    expect(replies.length).toBeGreaterThan(1);
    // refused as a replay where the first delivery brought events; else (an earlier webhook's read took the reply) taken again with none
    for (const d of replies) {
      const res = await fetch(`${app.url}/webhooks/halo`, { method: 'POST', headers: d.headers, body: d.body });
      const answer = (await res.json()) as { accepted?: number; error?: string };
      expect(res.status === 409 ? answer.error : answer).toEqual(res.status === 409 ? 'replayed' : { accepted: 0 });
    }
    const created = fake.deliveries.find((d) => webhookOf(d.body).object_id === r.ticket.id && webhookOf(d.body).event === 'New Ticket Logged');
    if (!created) throw new Error('no webhook of the new ticket');
    expect(await fake.redeliver(created)).toBe(409);
    const last = replies.at(-1);
    if (!last) throw new Error('no end-user webhook');
    const body = JSON.stringify({ ...(JSON.parse(last.body) as object), id: 'another-id-for-the-same-change' });
    const res = await fetch(`${app.url}/webhooks/halo`, { method: 'POST', headers: last.headers, body });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 0 });
    expect(sys.botActions(r.ticket.id).filter((a) => !a.hiddenfromuser)).toHaveLength(r.publicReplies);
    expect(await app.store.pendingEffects(ticketKey('halo', String(r.ticket.id)))).toEqual([]);
  });

  it('refuses a webhook without or with the wrong Basic authentication at the intake', async () => {
    const d = fake.deliveries[0];
    const post = (headers: Record<string, string>) => fetch(`${app.url}/webhooks/halo`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: d?.body ?? '{}' });
    const none = await post({});
    expect([none.status, ((await none.json()) as { error: string }).error]).toEqual([401, 'missing_signature']);
    const wrong = await post({ authorization: `Basic ${Buffer.from('twofa-desk:a-guessed-password-that-is-long-enough-0').toString('base64')}` });
    expect([wrong.status, ((await wrong.json()) as { error: string }).error]).toEqual([401, 'bad_signature']);
  });

  it("never writes a code the users sent to a log line, our Redis keys or a bot's action", async () => {
    expect(sent.size).toBeGreaterThan(4);
    expect(codesIn(lines.join('\n'), sent)).toEqual([]);
    const bot = results.flatMap((r) => sys.botActions(r.ticket.id).map((a) => a.note)).join('\n');
    expect(bot.length).toBeGreaterThan(100);
    expect(codesIn(bot, sent)).toEqual([]);
    const ours = await dumpPrefix(redis, prefix);
    expect(ours.length).toBeGreaterThan(10);
    expect(codesIn(ours.map((e) => `${e.key}\n${e.values.join('\n')}`).join('\n'), sent)).toEqual([]);
    expect(lines.join('\n')).not.toContain(CLIENT.clientSecret);
    expect(lines.join('\n')).not.toContain(SECRET);
  });
});

describe('lost webhooks: the poller alone carries a ticket to the end (every webhook of it dropped)', () => {
  let sys: System;
  let redis: Redis;
  const { log } = capturedLogger('info');

  beforeAll(async () => {
    redis = newRedis();
    sys = await startSystem({ pollIntervalS: 1, log, sent: new Set(), redis, policy: parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 20_000, timeoutAfterMs: 40_000 }) });
  }, 30_000);

  afterAll(async () => {
    await sys?.stop();
    redis.disconnect();
  });

  it("resolves it with the scenario's public replies, through the ticket list on the watched type", async () => {
    const { fake } = sys;
    const scenario = SCENARIOS.find((s) => s.key === 'no-group');
    if (!scenario) throw new Error('no scenario');
    fake.dropWebhooks = 1_000_000;
    const before = fake.deliveries.length;
    const r = await sys.play(scenario, 50_000);
    fake.dropWebhooks = 0;
    expect(fake.deliveries.length).toBe(before);
    expect(r.state?.status).toBe('resolved');
    expect(r.publicReplies).toBe(scenario.expect.publicReplies);
    expect(fake.requests.some((q) => q.path === '/api/Tickets' && q.query.requesttype_id === String(TYPE))).toBe(true);
  }, 60_000);
});

describe('API economy: a MobilePASS happy path on Halo, every request counted', () => {
  let sys: System;
  let redis: Redis;
  const { log } = capturedLogger('info');
  let result: Result;
  let calls: string[] = [];

  beforeAll(async () => {
    redis = newRedis();
    // reminders and the poller far beyond the run: the calls counted are the happy path's own
    sys = await startSystem({ pollIntervalS: 600, log, sent: new Set(), redis, policy: parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 60_000, timeoutAfterMs: 120_000 }) });
    await waitFor("the poller's first look", async () => (sys.fake.requests.some((r) => r.path === '/api/Tickets') ? true : undefined));
    const settledAt = sys.fake.requests.length;
    const scenario = SCENARIOS.find((s) => s.key === 'mobilepass-drift');
    if (!scenario) throw new Error('no scenario');
    result = await sys.play(scenario, 45_000);
    await sys.fake.settle();
    const id = String(result.ticket.id);
    // everything the process asked of Halo after the poller's first look: the happy path ran alone
    calls = sys.fake.requests.slice(settledAt).map((r) => `${r.method} ${r.path.replace(`/${id}`, '/:ticket').replace(`/${result.ticket.user_id}`, '/:user')}${r.query.ticket_id === id ? '?ticket_id=:ticket' : ''}`);
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
    redis.disconnect();
  });

  it('resolves the ticket with 3 public replies', () => {
    expect(result.state?.status).toBe('resolved');
    expect(result.publicReplies).toBe(3);
  });

  it('writes one action per comment and one ticket update per status change, and reads the end user once', () => {
    expect(calls.filter((c) => c === 'POST /api/Actions')).toHaveLength(result.publicReplies + result.internalNotes);
    expect(calls.filter((c) => c === 'POST /api/Tickets').length).toBeLessThanOrEqual(3);
    expect(calls.filter((c) => c === 'GET /api/Users/:user')).toHaveLength(1);
    expect(calls.filter((c) => c === 'GET /api/Status')).toHaveLength(0);
    // every webhook costs the ticket (the body is a notification); its actions only when an earlier read did not take them
    const tickets = calls.filter((c) => c === 'GET /api/Tickets/:ticket').length;
    const actions = calls.filter((c) => c === 'GET /api/Actions?ticket_id=:ticket').length;
    expect(actions).toBeGreaterThanOrEqual(4);
    expect(actions).toBeLessThan(tickets);
    expect(calls.length).toBeLessThanOrEqual(29);
  });
});
