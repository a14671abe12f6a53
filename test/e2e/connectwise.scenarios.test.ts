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
import { ConnectWiseSimulatedUser, connectWiseAppEnv, startFakeConnectWise, type FakeConnectWise, type FakeNote, type FakeTicket } from '../support/fake-connectwise.js';
import type { Logger } from '../../workers/logger.js';
import { capturedLogger } from '../support/log-capture.js';
import { codesIn } from '../support/secret-scan.js';
import { deletePrefix, dumpPrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'connectwise-e2e-callback-secret-0123456789abcdef';
const RUN = ['mobilepass-drift', 'kt4-out-of-sync', 'garbled-then-right', 'unknown-requester', 'identity-approved'];

interface Result {
  scenario: Scenario;
  ticket: FakeTicket;
  state: WorkflowState | undefined;
  publicReplies: number;
  internalNotes: number;
}

interface System {
  fake: FakeConnectWise;
  app: App;
  prefix: string;
  play(scenario: Scenario, deadlineMs: number): Promise<Result>;
  botNotes(ticketId: number): FakeNote[];
  stop(): Promise<void>;
}

/** The whole app (TICKET_SYSTEM=connectwise, the embedded 2FA platform) against a fresh fake ConnectWise PSA. */
async function startSystem(opts: { pollIntervalS: number; log: Logger; sent: Set<string>; redis: Redis; policy?: Policy }): Promise<System> {
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const prefix = freshPrefix('e2e-cw');
  const port = await freePort();
  // registered as the README says (isSelfSuppressedFlag): the bot's own saves post no callback
  const fake = await startFakeConnectWise({ callbackUrl: `http://127.0.0.1:${port}/webhooks/connectwise?secret=${SECRET}`, selfSuppressed: true });
  const source = connectWiseAppEnv({ redisUrl: testRedisUrl(), prefix, port, fake, callbackSecret: SECRET, pollIntervalS: opts.pollIntervalS });
  const app = await createApp(loadConfig(source, { policy: opts.policy ?? DEMO_POLICY }), { log: opts.log, source });
  await app.start();

  const tokenFor = (scenario: Scenario): VirtualToken | undefined => {
    const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
    const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
    return t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
  };
  const botNotes = (id: number) => fake.notesOf(id).filter((n) => n.memberId === fake.bot.id && hasMarker(n.text));
  return {
    fake,
    app,
    prefix,
    botNotes,
    async play(scenario, deadlineMs) {
      const ticket = fake.createTicket({ contact: scenario.requester, summary: `2FA code not working (${scenario.title})`, description: 'My 2FA code does not work, I cannot log in.' });
      const user = new ConnectWiseSimulatedUser({ fake, ticketId: ticket.id, scenario, token: tokenFor(scenario), app, sent: opts.sent });
      const state = await user.run(Date.now() + deadlineMs);
      const bot = botNotes(ticket.id);
      return { scenario, ticket, state, publicReplies: bot.filter((n) => !n.internalAnalysisFlag).length, internalNotes: bot.filter((n) => n.internalAnalysisFlag).length };
    },
    async stop() {
      await app.stop();
      await fake.close();
      await deletePrefix(opts.redis, prefix);
    },
  };
}

describe('the demo scenarios through the whole app against a fake ConnectWise PSA (callbacks with the URL secret, poller, BullMQ, real Redis)', () => {
  let sys: System;
  let fake: FakeConnectWise;
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

  it('took every callback the PSA sent (202)', () => {
    expect(fake.deliveries.length).toBeGreaterThan(10);
    expect(new Set(fake.deliveries.map((d) => d.status))).toEqual(new Set([202]));
  });

  for (const key of RUN) {
    const scenario = SCENARIOS.find((s) => s.key === key);
    if (!scenario) throw new Error(`no scenario ${key}`);
    it(`${scenario.title}: ends ${scenario.expect.final} with ${scenario.expect.publicReplies} Discussion notes of the bot on the ticket`, () => {
      const r = results.find((x) => x.scenario.key === key);
      expect(r?.state?.status).toBe(scenario.expect.final);
      expect(r?.publicReplies).toBe(scenario.expect.publicReplies);
      expect(r?.internalNotes).toBeGreaterThan(0);
    });
  }

  it('completed the resolved ticket (its reply the Resolution) and moved the escalated one to the escalation board', () => {
    const byKey = (k: string) => results.find((r) => r.scenario.key === k);
    const solved = byKey('mobilepass-drift');
    expect(fake.statusName(solved?.ticket as FakeTicket)).toBe('Completed');
    expect(botNotesOf(solved).some((n) => n.resolutionFlag)).toBe(true);
    const unknown = byKey('unknown-requester');
    expect(unknown?.state?.escalation?.reason).toBe('user_not_found');
    expect(unknown?.ticket.boardId).toBe(fake.escalationBoard.id);
    expect(fake.statusName(unknown?.ticket as FakeTicket)).toBe('In Progress');
    expect(botNotesOf(unknown).some((n) => n.text.includes(`+${DEMO_POLICY.escalatedTag}`))).toBe(true);
  });

  function botNotesOf(r: Result | undefined): FakeNote[] {
    return r ? sys.botNotes(r.ticket.id) : [];
  }

  it('a repeated callback changes nothing: a customer save is refused as a replay, a new MessageId for it adds no event', async () => {
    const r = results.find((x) => x.scenario.key === 'mobilepass-drift');
    if (!r) throw new Error('no result');
    const mine = fake.deliveries.filter((d) => (JSON.parse(d.body) as { ID: number }).ID === r.ticket.id);
    const customer = mine.filter((d) => (JSON.parse(d.body) as { MemberId: string }).MemberId !== fake.bot.identifier);
    expect(customer.length).toBeGreaterThan(1);
    // a save whose events were stored is refused as a replay; one that brought nothing new (already taken) stores nothing
    const again = await Promise.all(customer.map(async (d) => {
      const res = await fetch(`${app.url}/webhooks/connectwise?secret=${SECRET}`, { method: 'POST', headers: d.headers, body: d.body });
      return res.status === 202 ? `202 ${JSON.stringify(await res.json())}` : String(res.status);
    }));
    expect(again).toContain('409');
    for (const a of again) expect(['409', '202 {"accepted":0}']).toContain(a);
    const last = customer.at(-1);
    if (!last) throw new Error('no customer callback');
    const body = JSON.stringify({ ...(JSON.parse(last.body) as object), MessageId: 'another-id-for-the-same-save' });
    const res = await fetch(`${app.url}/webhooks/connectwise?secret=${SECRET}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 0 });
    expect(sys.botNotes(r.ticket.id).filter((n) => !n.internalAnalysisFlag)).toHaveLength(r.publicReplies);
    expect(await app.store.pendingEffects(ticketKey('connectwise', String(r.ticket.id)))).toEqual([]);
  });

  it('refuses a callback without the secret or with another at the intake, and never logs the secret', async () => {
    const body = fake.deliveries[0]?.body ?? '{}';
    const post = (query: string) => fetch(`${app.url}/webhooks/connectwise${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const none = await post('');
    expect([none.status, ((await none.json()) as { error: string }).error]).toEqual([401, 'missing_signature']);
    const wrong = await post('?secret=a-guessed-secret-that-is-long-enough-000');
    expect([wrong.status, ((await wrong.json()) as { error: string }).error]).toEqual([401, 'bad_signature']);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('never writes a code the users sent to a log line, our Redis keys or a bot note', async () => {
    expect(sent.size).toBeGreaterThan(4);
    expect(codesIn(lines.join('\n'), sent)).toEqual([]);
    const bot = results.flatMap((r) => sys.botNotes(r.ticket.id).map((n) => n.text)).join('\n');
    expect(bot.length).toBeGreaterThan(100);
    expect(codesIn(bot, sent)).toEqual([]);
    const ours = await dumpPrefix(redis, prefix);
    expect(ours.length).toBeGreaterThan(10);
    expect(codesIn(ours.map((e) => `${e.key}\n${e.values.join('\n')}`).join('\n'), sent)).toEqual([]);
  });
});

describe('lost callbacks: the poller alone carries a ticket to the end (every callback of it dropped)', () => {
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

  it("resolves it with the scenario's public replies, through the ticket list on the watched board and type", async () => {
    const { fake } = sys;
    const scenario = SCENARIOS.find((s) => s.key === 'no-group');
    if (!scenario) throw new Error('no scenario');
    fake.dropCallbacks = 1_000_000;
    const before = fake.deliveries.length;
    const r = await sys.play(scenario, 50_000);
    fake.dropCallbacks = 0;
    expect(fake.deliveries.length).toBe(before);
    expect(r.state?.status).toBe('resolved');
    expect(r.publicReplies).toBe(scenario.expect.publicReplies);
    expect(fake.requests.some((q) => q.path === '/service/tickets' && q.query.conditions?.includes(`board/id=${fake.board.id} and type/name="2FA"`))).toBe(true);
  }, 60_000);
});

describe('API economy: a MobilePASS happy path on ConnectWise, every request counted', () => {
  let sys: System;
  let redis: Redis;
  const { log } = capturedLogger('info');
  let result: Result;
  let calls: string[] = [];

  beforeAll(async () => {
    redis = newRedis();
    // reminders and the poller far beyond the run: the calls counted are the happy path's own
    sys = await startSystem({ pollIntervalS: 600, log, sent: new Set(), redis, policy: parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 60_000, timeoutAfterMs: 120_000 }) });
    await waitFor("the poller's first look", async () => (sys.fake.requests.some((r) => r.path === '/service/tickets') ? true : undefined));
    const scenario = SCENARIOS.find((s) => s.key === 'mobilepass-drift');
    if (!scenario) throw new Error('no scenario');
    result = await sys.play(scenario, 45_000);
    await sys.fake.settle();
    // everything the process asked of ConnectWise but the poller's own list (and the statuses it read for it)
    const first = sys.fake.requests.findIndex((r) => r.path === '/service/tickets');
    calls = sys.fake.requests.slice(first + 1).map((r) => `${r.method} ${r.path.replace(String(result.ticket.id), ':ticket').replace(String(result.ticket.contactId), ':contact')}`);
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
    redis.disconnect();
  });

  it('resolves the ticket with 3 public replies', () => {
    expect(result.state?.status).toBe('resolved');
    expect(result.publicReplies).toBe(3);
  });

  it('costs one ticket and one notes read per customer callback, one contact read, and the notes and PATCHes of its steps', () => {
    const n = (c: string) => calls.filter((x) => x === c).length;
    expect(n('GET /company/contacts/:contact')).toBe(1);
    expect(n('GET /service/tickets/:ticket')).toBe(n('GET /service/tickets/:ticket/notes'));
    expect(n('GET /service/tickets/:ticket')).toBeLessThanOrEqual(3);
    expect(n('PATCH /service/tickets/:ticket')).toBe(3);
    expect(n('POST /service/tickets/:ticket/notes')).toBeGreaterThanOrEqual(3);
    expect(calls.filter((c) => c.startsWith('GET /service/boards'))).toEqual([]);
    expect(calls.length).toBeLessThanOrEqual(16);
  });
});
