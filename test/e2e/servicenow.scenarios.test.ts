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
import { ServiceNowSimulatedUser, serviceNowAppEnv, signAsServiceNow, startFakeServiceNow, type FakeIncident, type FakeJournalEntry, type FakeServiceNow } from '../support/fake-servicenow.js';
import type { Logger } from '../../workers/logger.js';
import { capturedLogger } from '../support/log-capture.js';
import { codesIn } from '../support/secret-scan.js';
import { deletePrefix, dumpPrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'servicenow-e2e-webhook-secret-0123456789abcdef';
const PASSWORD = 'servicenow-e2e-bot-password';
const RUN = ['mobilepass-drift', 'kt4-out-of-sync', 'garbled-then-right', 'unknown-requester', 'identity-approved'];

interface Result {
  scenario: Scenario;
  incident: FakeIncident;
  state: WorkflowState | undefined;
  publicReplies: number;
  internalNotes: number;
}

interface System {
  fake: FakeServiceNow;
  app: App;
  groupId: string;
  prefix: string;
  play(scenario: Scenario, deadlineMs: number): Promise<Result>;
  botEntries(sysId: string): FakeJournalEntry[];
  stop(): Promise<void>;
}

/** The whole app (TICKET_SYSTEM=servicenow, the embedded 2FA platform) against a fresh fake ServiceNow instance. */
async function startSystem(opts: { pollIntervalS: number; log: Logger; sent: Set<string>; redis: Redis; policy?: Policy }): Promise<System> {
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const prefix = freshPrefix('e2e-sn');
  const port = await freePort();
  const fake = await startFakeServiceNow({ password: PASSWORD, webhookSecret: SECRET, webhookUrl: `http://127.0.0.1:${port}/webhooks/servicenow` });
  const groupId = fake.addGroup('Service Desk L2').sys_id;
  const source = serviceNowAppEnv({ redisUrl: testRedisUrl(), prefix, port, instanceUrl: fake.url, credentials: { user: fake.bot.user_name, password: PASSWORD, webhookSecret: SECRET }, escalationGroupSysId: groupId, pollIntervalS: opts.pollIntervalS });
  const app = await createApp(loadConfig(source, { policy: opts.policy ?? DEMO_POLICY }), { log: opts.log, source });
  await app.start();

  const tokenFor = (scenario: Scenario): VirtualToken | undefined => {
    const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
    const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
    return t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
  };
  const botEntries = (id: string) => fake.entriesOf(id).filter((e) => e.sys_created_by === fake.bot.user_name && hasMarker(e.value));
  return {
    fake,
    app,
    groupId,
    prefix,
    botEntries,
    async play(scenario, deadlineMs) {
      const incident = fake.createIncident({ caller: scenario.requester, short_description: `2FA code not working (${scenario.title})`, description: 'My 2FA code does not work, I cannot log in.' });
      const user = new ServiceNowSimulatedUser({ fake, sysId: incident.sys_id, scenario, token: tokenFor(scenario), app, sent: opts.sent });
      const state = await user.run(Date.now() + deadlineMs);
      const bot = botEntries(incident.sys_id);
      return { scenario, incident, state, publicReplies: bot.filter((e) => e.element === 'comments').length, internalNotes: bot.filter((e) => e.element === 'work_notes').length };
    },
    async stop() {
      await app.stop();
      await fake.close();
      await deletePrefix(opts.redis, prefix);
    },
  };
}

describe('the demo scenarios through the whole app against a fake ServiceNow (Business Rule notifications, poller, BullMQ, real Redis)', () => {
  let sys: System;
  let fake: FakeServiceNow;
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

  it('took every notification the Business Rule sent (202)', () => {
    expect(fake.deliveries.length).toBeGreaterThan(10);
    expect(new Set(fake.deliveries.map((d) => d.status))).toEqual(new Set([202]));
  });

  for (const key of RUN) {
    const scenario = SCENARIOS.find((s) => s.key === key);
    if (!scenario) throw new Error(`no scenario ${key}`);
    it(`${scenario.title}: ends ${scenario.expect.final} with ${scenario.expect.publicReplies} Additional comments of the bot on the incident`, () => {
      const r = results.find((x) => x.scenario.key === key);
      expect(r?.state?.status).toBe(scenario.expect.final);
      expect(r?.publicReplies).toBe(scenario.expect.publicReplies);
      expect(r?.internalNotes).toBeGreaterThan(0);
    });
  }

  it('resolved the resolved incidents (with a resolution code) and assigned the escalation group to the escalated one', () => {
    const byKey = (k: string) => results.find((r) => r.scenario.key === k);
    const solved = fake.incidents.get(byKey('mobilepass-drift')?.incident.sys_id ?? '');
    expect(fake.stateLabel(solved?.state ?? '')).toBe('Resolved');
    expect(solved?.close_code).toBe('Solution provided');
    const unknown = byKey('unknown-requester');
    expect(unknown?.state?.escalation?.reason).toBe('user_not_found');
    expect(fake.incidents.get(unknown?.incident.sys_id ?? '')?.assignment_group).toBe(sys.groupId);
    expect(sys.botEntries(unknown?.incident.sys_id ?? '').some((e) => e.value.includes(`+${DEMO_POLICY.escalatedTag}`))).toBe(true);
  });

  it('a duplicate notification changes nothing: the same delivery is refused as a replay, a new id for the same change adds no event', async () => {
    const r = results.find((x) => x.scenario.key === 'mobilepass-drift');
    if (!r) throw new Error('no result');
    const mine = fake.deliveries.filter((d) => (JSON.parse(d.body) as { sys_id: string }).sys_id === r.incident.sys_id);
    const callers = mine.filter((d) => (JSON.parse(d.body) as { sys_updated_by: string }).sys_updated_by !== fake.bot.user_name);
    expect(callers.length).toBeGreaterThan(1);
    // the caller's notifications are replays now (stale too, if signed long enough ago): never 202 again
    for (const d of callers) expect([401, 409]).toContain(await fake.redeliver(d));
    const reply = callers.at(-1);
    if (!reply) throw new Error('no caller notification');
    const body = JSON.stringify({ ...(JSON.parse(reply.body) as object), delivery_id: 'another-id-for-the-same-change', sent_at: Date.now() });
    const res = await fetch(`${app.url}/webhooks/servicenow`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-servicenow-signature': signAsServiceNow(SECRET, body) }, body });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 0 });
    expect(sys.botEntries(r.incident.sys_id).filter((e) => e.element === 'comments')).toHaveLength(r.publicReplies);
    expect(await app.store.pendingEffects(ticketKey('servicenow', r.incident.sys_id))).toEqual([]);
  });

  it('refuses an unsigned, a forged and a stale notification at the intake', async () => {
    const body = fake.deliveries[0]?.body ?? '{}';
    const post = (headers: Record<string, string>, b = body) => fetch(`${app.url}/webhooks/servicenow`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    const unsigned = await post({});
    expect([unsigned.status, ((await unsigned.json()) as { error: string }).error]).toEqual([401, 'missing_signature']);
    const forged = await post({ 'x-servicenow-signature': signAsServiceNow('a-guessed-secret-that-is-long-enough-000', body) });
    expect([forged.status, ((await forged.json()) as { error: string }).error]).toEqual([401, 'bad_signature']);
    const old = JSON.stringify({ ...(JSON.parse(body) as object), delivery_id: 'fresh-id', sent_at: Date.now() - 60 * 60_000 });
    const stale = await post({ 'x-servicenow-signature': signAsServiceNow(SECRET, old) }, old);
    expect([stale.status, ((await stale.json()) as { error: string }).error]).toEqual([401, 'stale_timestamp']);
  });

  it('never writes a code the users sent to a log line, our Redis keys or a bot journal entry', async () => {
    expect(sent.size).toBeGreaterThan(4);
    expect(codesIn(lines.join('\n'), sent)).toEqual([]);
    const bot = results.flatMap((r) => sys.botEntries(r.incident.sys_id).map((e) => e.value)).join('\n');
    expect(bot.length).toBeGreaterThan(100);
    expect(codesIn(bot, sent)).toEqual([]);
    const ours = await dumpPrefix(redis, prefix);
    expect(ours.length).toBeGreaterThan(10);
    expect(codesIn(ours.map((e) => `${e.key}\n${e.values.join('\n')}`).join('\n'), sent)).toEqual([]);
  });
});

describe('lost notifications: the poller alone carries an incident to the end (every notification of it dropped)', () => {
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

  it("resolves it with the scenario's public replies, through the Table API list on the watched category", async () => {
    const { fake } = sys;
    const scenario = SCENARIOS.find((s) => s.key === 'no-group');
    if (!scenario) throw new Error('no scenario');
    fake.dropNotifications = 1_000_000;
    const before = fake.deliveries.length;
    const r = await sys.play(scenario, 50_000);
    fake.dropNotifications = 0;
    expect(fake.deliveries.length).toBe(before);
    expect(r.state?.status).toBe('resolved');
    expect(r.publicReplies).toBe(scenario.expect.publicReplies);
    expect(fake.requests.some((q) => q.path === '/api/now/table/incident' && q.query.sysparm_query?.includes('category=two_factor'))).toBe(true);
  }, 60_000);
});

describe('API economy: a MobilePASS happy path on ServiceNow, every request counted', () => {
  let sys: System;
  let redis: Redis;
  const { log } = capturedLogger('info');
  let result: Result;
  let calls: string[] = [];

  beforeAll(async () => {
    redis = newRedis();
    // reminders and the poller far beyond the run: the calls counted are the happy path's own
    sys = await startSystem({ pollIntervalS: 600, log, sent: new Set(), redis, policy: parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 60_000, timeoutAfterMs: 120_000 }) });
    await waitFor("the poller's first look", async () => (sys.fake.requests.some((r) => r.path === '/api/now/table/incident') ? true : undefined));
    const scenario = SCENARIOS.find((s) => s.key === 'mobilepass-drift');
    if (!scenario) throw new Error('no scenario');
    result = await sys.play(scenario, 45_000);
    await sys.fake.settle();
    // everything the process asked of ServiceNow but the poller's own list: the happy path ran alone
    calls = sys.fake.requests.filter((r) => !(r.method === 'GET' && r.path === '/api/now/table/incident')).map((r) => `${r.method} ${r.path.replace(result.incident.sys_id, ':incident').replace(result.incident.caller_id, ':caller')}`);
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
    redis.disconnect();
  });

  it('resolves the incident with 3 public replies', () => {
    expect(result.state?.status).toBe('resolved');
    expect(result.publicReplies).toBe(3);
  });

  it('costs at most 8 ServiceNow calls, the choice list included: one PATCH per step, one journal read per reply, no incident read', () => {
    expect(calls.length).toBeLessThanOrEqual(8);
    expect(calls.filter((c) => c === 'PATCH /api/now/table/incident/:incident')).toHaveLength(3);
    expect(calls.filter((c) => c === 'GET /api/now/table/sys_journal_field')).toHaveLength(2);
    expect(calls.filter((c) => c === 'GET /api/now/table/sys_choice')).toHaveLength(1);
    expect(calls.filter((c) => c === 'GET /api/now/table/incident/:incident')).toEqual([]);
  });
});
