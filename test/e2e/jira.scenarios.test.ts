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
import { hasMarker } from '../../integrations/ticketing/jira/comment-marker.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { parsePolicy, type Policy } from '../../workflows/resync/policy.js';
import { JiraSimulatedUser, jiraAppEnv, signAsJiraWebhook, startFakeJira, type FakeJira, type FakeJiraComment, type FakeJiraIssue, type FakeJiraUser } from '../support/fake-jira.js';
import type { Logger } from '../../workers/logger.js';
import { capturedLogger } from '../support/log-capture.js';
import { codesIn } from '../support/secret-scan.js';
import { deletePrefix, dumpPrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'jira-e2e-webhook-secret-0123456789';
const TOKEN = 'jira-e2e-api-token';
const EMAIL = 'twofa-bot@acme.example';
const RUN = ['mobilepass-drift', 'kt4-out-of-sync', 'garbled-then-right', 'unknown-requester'];

interface Result {
  scenario: Scenario;
  issue: FakeJiraIssue;
  state: WorkflowState | undefined;
  publicReplies: number;
  internalNotes: number;
}

interface System {
  fake: FakeJira;
  app: App;
  escalation: FakeJiraUser;
  prefix: string;
  play(scenario: Scenario, deadlineMs: number): Promise<Result>;
  botComments(key: string): FakeJiraComment[];
  stop(): Promise<void>;
}

/** The whole app (TICKET_SYSTEM=jira, the embedded 2FA platform) against a fresh fake JSM site. */
async function startSystem(opts: { style: 'admin' | 'automation'; pollIntervalS: number; log: Logger; sent: Set<string>; redis: Redis; policy?: Policy }): Promise<System> {
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const prefix = freshPrefix('e2e-jira');
  const port = await freePort();
  const fake = await startFakeJira({ apiToken: TOKEN, email: EMAIL, webhookSecret: SECRET, webhookUrl: `http://127.0.0.1:${port}/webhooks/jira`, webhookStyle: opts.style, transitionIdOffset: 3 });
  const escalation = fake.addUser({ displayName: 'Service Desk L2', email: 'l2@acme.example', accountType: 'atlassian' });
  const source = jiraAppEnv({ redisUrl: testRedisUrl(), prefix, port, jiraUrl: fake.url, credentials: { email: EMAIL, apiToken: TOKEN, webhookSecret: SECRET }, escalationAssignee: escalation.accountId, pollIntervalS: opts.pollIntervalS });
  const app = await createApp(loadConfig(source, { policy: opts.policy ?? DEMO_POLICY }), { log: opts.log, source });
  await app.start();

  const tokenFor = (scenario: Scenario): VirtualToken | undefined => {
    const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
    const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
    return t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
  };
  const botComments = (key: string) => (fake.comments.get(key) ?? []).filter((c) => c.authorId === fake.bot.accountId && hasMarker(c.body));
  return {
    fake,
    app,
    escalation,
    prefix,
    botComments,
    async play(scenario, deadlineMs) {
      const issue = await fake.createRequest({ summary: `2FA code not working (${scenario.title})`, description: 'My 2FA code does not work, I cannot log in.', reporter: scenario.requester, labels: ['2fa_issue'] });
      const state = await new JiraSimulatedUser({ fake, key: issue.key, scenario, token: tokenFor(scenario), app, sent: opts.sent }).run(Date.now() + deadlineMs);
      const bot = botComments(issue.key);
      return { scenario, issue, state, publicReplies: bot.filter((c) => c.public).length, internalNotes: bot.filter((c) => !c.public).length };
    },
    async stop() {
      await app.stop();
      await fake.close();
      await deletePrefix(opts.redis, prefix);
    },
  };
}

/** Requests the bot made about one issue: `METHOD /path` with the key replaced. */
function callsFor(fake: FakeJira, key: string): string[] {
  return fake.requests.filter((r) => r.path.includes(`/${key}`)).map((r) => `${r.method} ${r.path.replace(key, ':key')}`);
}

describe('the demo scenarios through the whole app against a fake Jira Service Management site (webhooks, poller, BullMQ, real Redis)', () => {
  let sys: System;
  let fake: FakeJira;
  let app: App;
  let redis: Redis;
  let prefix: string;
  const { log, lines } = capturedLogger('debug');
  const sent = new Set<string>();
  let happy: Result;
  let results: Result[] = [];

  beforeAll(async () => {
    redis = newRedis();
    // a poll interval beyond the run: the webhooks alone carry the tickets, and the calls counted are theirs
    sys = await startSystem({ style: 'admin', pollIntervalS: 600, log, sent, redis, policy: parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 60_000, timeoutAfterMs: 120_000 }) });
    ({ fake, app, prefix } = sys);
    // the poller's first look at start-up (an empty site) is over before the first request: it is no per-ticket cost
    await waitFor("the poller's first look", async () => (fake.requests.some((r) => r.path === '/rest/api/3/search/jql') ? true : undefined));
    const byKey = (k: string) => SCENARIOS.find((s) => s.key === k);
    // the happy path first and alone: the calls of the process (the bot's account, the service desk) are its own
    const first = byKey('mobilepass-drift');
    if (!first) throw new Error('no scenario');
    happy = await sys.play(first, 45_000);
    const rest = await Promise.all(RUN.filter((k) => k !== first.key).map((k) => byKey(k)).filter((s): s is Scenario => s !== undefined).map((s) => sys.play(s, 45_000)));
    results = [happy, ...rest];
    await fake.settle();
  }, 120_000);

  afterAll(async () => {
    await sys?.stop();
    redis.disconnect();
  });

  it('took every webhook Jira sent (202)', () => {
    expect(fake.deliveries.length).toBeGreaterThan(20);
    expect(new Set(fake.deliveries.map((d) => d.status))).toEqual(new Set([202]));
  });

  for (const key of RUN) {
    const scenario = SCENARIOS.find((s) => s.key === key);
    if (!scenario) throw new Error(`no scenario ${key}`);
    it(`${scenario.title}: ends ${scenario.expect.final} with ${scenario.expect.publicReplies} public replies on the Jira request`, () => {
      const r = results.find((x) => x.scenario.key === key);
      expect(r?.state?.status).toBe(scenario.expect.final);
      expect(r?.publicReplies).toBe(scenario.expect.publicReplies);
      expect(r?.internalNotes).toBeGreaterThan(0);
    });
  }

  it('resolved the solved requests through "Resolve this issue", and assigned and labelled the escalated one', () => {
    const byKey = (k: string) => results.find((r) => r.scenario.key === k);
    const solved = fake.issues.get(byKey('mobilepass-drift')?.issue.key ?? '');
    expect(solved && fake.statusName(solved)).toBe('Resolved');
    expect(solved?.labels).toContain(DEMO_POLICY.resolvedTag);
    const escalated = fake.issues.get(byKey('unknown-requester')?.issue.key ?? '');
    expect(byKey('unknown-requester')?.state?.escalation?.reason).toBe('user_not_found');
    expect(escalated?.assigneeId).toBe(sys.escalation.accountId);
    expect(escalated?.labels).toContain(DEMO_POLICY.escalatedTag);
    expect(escalated && fake.statusName(escalated)).toBe('Waiting for support');
  });

  it('costs 11 Jira calls on the happy path (goal 8): 6 comments, 1 label edit, reads and transitions as the race with JSM goes', () => {
    const calls = callsFor(fake, happy.issue.key);
    // the bot's account comes with its first comment: no read of the API user
    expect(fake.requests.filter((r) => r.path === '/rest/api/3/myself')).toEqual([]);
    const count = (c: string) => calls.filter((x) => x === c).length;
    expect(count('POST /rest/servicedeskapi/request/:key/comment')).toBe(6);
    expect(count('PUT /rest/api/3/issue/:key')).toBe(1);
    // One read, and a transition per question and for the solve. The customer may answer before the bot's transition
    // to "Waiting for customer" (then JSM does not move the request back, and the next question needs no transition),
    // or the bot may ask before it saw JSM move it back: then it reads the status once more instead of trusting memory.
    const reads = count('GET /rest/api/3/issue/:key');
    const transitions = count('POST /rest/api/3/issue/:key/transitions');
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(2);
    expect(transitions).toBeGreaterThanOrEqual(2);
    expect(transitions).toBeLessThanOrEqual(3);
    // no comment list: the requester's replies came in the signed webhooks; no separate read of transitions
    expect(calls.filter((c) => c.includes('/comment') && c.startsWith('GET'))).toEqual([]);
    expect(calls.filter((c) => c.startsWith('GET') && c.endsWith('/transitions'))).toEqual([]);
    expect(calls).toHaveLength(7 + reads + transitions);
    expect(calls.length).toBeLessThanOrEqual(12);
    // and one read of the requester's user record for their locale (an issue's reporter has none), not repeated
    expect(fake.requests.filter((r) => r.path === '/rest/api/3/user' && r.query.accountId === happy.issue.reporterId)).toHaveLength(1);
  });

  it('a duplicate webhook changes nothing: a delivery that carried events is refused as a replay, a fresh signature over a changed id adds no event', async () => {
    const key = happy.issue.key;
    const mine = fake.deliveries.filter((d) => (JSON.parse(d.body) as { issue?: { key?: string } }).issue?.key === key);
    expect(mine.length).toBeGreaterThan(5);
    const requesterSide = mine.filter((d) => {
      const e = JSON.parse(d.body) as { webhookEvent: string; comment?: { author?: { accountId?: string } } };
      return e.webhookEvent === 'jira:issue_created' || (e.webhookEvent === 'comment_created' && e.comment?.author?.accountId === happy.issue.reporterId);
    });
    expect(requesterSide.length).toBeGreaterThan(1);
    for (const d of requesterSide) expect(await fake.redeliver(d, { 'x-atlassian-webhook-identifier': 'a-new-identifier' })).toBe(409);
    const comment = requesterSide.find((d) => d.body.includes('"comment_created"'));
    if (!comment) throw new Error('no requester comment delivery');
    const body = JSON.stringify({ ...(JSON.parse(comment.body) as object), timestamp: Date.now() });
    const res = await fetch(`${app.url}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': signAsJiraWebhook(SECRET, body) }, body });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 0 });
    expect(sys.botComments(key).filter((c) => c.public)).toHaveLength(happy.publicReplies);
    expect(await app.store.pendingEffects(ticketKey('jira', key))).toEqual([]);
  });

  it('refuses an unsigned, forged or stale webhook at the intake', async () => {
    const post = (headers: Record<string, string>, body: string) => fetch(`${app.url}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const unsigned = await post({}, '{"twofa_desk":"automation","issue_key":"ITS-1"}');
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: string }).error).toBe('missing_signature');
    const body = JSON.stringify({ timestamp: Date.now(), webhookEvent: 'jira:issue_created', issue: { id: '1', key: happy.issue.key, fields: { labels: ['2fa_issue'] } } });
    const forged = await post({ 'x-hub-signature': signAsJiraWebhook('not-the-secret-at-all', body) }, body);
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: string }).error).toBe('bad_signature');
    const old = JSON.stringify({ timestamp: Date.now() - 3_600_000, webhookEvent: 'jira:issue_created', issue: { id: '1', key: happy.issue.key, fields: { labels: ['2fa_issue'] } } });
    const stale = await post({ 'x-hub-signature': signAsJiraWebhook(SECRET, old) }, old);
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: string }).error).toBe('stale_timestamp');
  });

  it('never writes a code the users sent to a log line, our Redis keys or a bot comment', async () => {
    expect(sent.size).toBeGreaterThan(4);
    expect(codesIn(lines.join('\n'), sent)).toEqual([]);
    const bot = results.flatMap((r) => sys.botComments(r.issue.key).map((c) => c.body)).join('\n');
    expect(bot.length).toBeGreaterThan(100);
    expect(codesIn(bot, sent)).toEqual([]);
    const ours = await dumpPrefix(redis, prefix);
    expect(ours.length).toBeGreaterThan(10);
    expect(codesIn(ours.map((e) => `${e.key}\n${e.values.join('\n')}`).join('\n'), sent)).toEqual([]);
  });
});

describe('lost webhooks: the poller alone carries a Jira request to the end (every webhook of it dropped)', () => {
  let sys: System;
  let redis: Redis;
  const { log } = capturedLogger('info');

  beforeAll(async () => {
    redis = newRedis();
    sys = await startSystem({ style: 'admin', pollIntervalS: 1, log, sent: new Set(), redis, policy: parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 20_000, timeoutAfterMs: 40_000 }) });
  }, 30_000);

  afterAll(async () => {
    await sys?.stop();
    redis.disconnect();
  });

  it("resolves it with the scenario's public replies, through the JQL search", async () => {
    const { fake } = sys;
    const scenario = SCENARIOS.find((s) => s.key === 'no-group');
    if (!scenario) throw new Error('no scenario');
    fake.dropWebhooks = 1_000_000;
    const before = fake.deliveries.length;
    const r = await sys.play(scenario, 45_000);
    fake.dropWebhooks = 0;
    expect(fake.deliveries.length).toBe(before);
    expect(r.state?.status).toBe('resolved');
    expect(r.publicReplies).toBe(scenario.expect.publicReplies);
    expect(fake.requests.some((q) => q.path === '/rest/api/3/search/jql')).toBe(true);
    expect(fake.statusName(fake.issues.get(r.issue.key) ?? r.issue)).toBe('Resolved');
  }, 60_000);
});

describe('the same app with an Automation rule "Send web request" instead of admin webhooks (the README\'s body and header)', () => {
  let sys: System;
  let redis: Redis;
  const { log } = capturedLogger('info');
  let result: Result;

  beforeAll(async () => {
    redis = newRedis();
    sys = await startSystem({ style: 'automation', pollIntervalS: 600, log, sent: new Set(), redis });
    const scenario = SCENARIOS.find((s) => s.key === 'mobilepass-drift');
    if (!scenario) throw new Error('no scenario');
    result = await sys.play(scenario, 45_000);
    await sys.fake.settle();
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
    redis.disconnect();
  });

  it('resolves the MobilePASS request with 3 public replies, each posted once', () => {
    expect(result.state?.status).toBe('resolved');
    expect(result.publicReplies).toBe(3);
    expect(sys.fake.deliveries.every((d) => (JSON.parse(d.body) as { twofa_desk?: string }).twofa_desk === 'automation')).toBe(true);
    expect(new Set(sys.fake.deliveries.map((d) => d.status))).toEqual(new Set([202]));
    expect(sys.fake.requests.filter((q) => q.path === '/rest/api/3/search/jql').length).toBeLessThanOrEqual(1);
  });
});
