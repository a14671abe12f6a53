import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { createApp, type App } from '../workers/app.js';
import { DEFAULT_SEED, loadConfig } from '../workers/config.js';
import { DEMO_POLICY } from '../test/demo/run-demo.js';
import { SCENARIOS, type Scenario } from '../test/demo/scenarios.js';
import { freePort } from '../workers/redis/private-redis.js';
import { parsePolicy } from '../workflows/resync/policy.js';
import type { WorkflowState } from '../workflows/resync/state.js';
import { DEMO_DEVICE_COUNTERS } from '../integrations/twofa/local/demo-devices.js';
import { parseSeed, type Seed } from '../integrations/twofa/local/seed.js';
import { VirtualToken } from '../integrations/twofa/local/virtual-token.js';
import { JiraSimulatedUser, jiraAppEnv, startFakeJira, type FakeJira, type RecordedRequest } from '../test/support/fake-jira.js';
import { uniquePrefix, waitFor, type Row } from './util.js';
import type { EconomyDetail } from './economy.js';

const SECRET = 'bench-jira-webhook-secret-0123456789';
const TOKEN = 'bench-jira-api-token';
const EMAIL = 'twofa-bot@acme.example';
const HAPPY = 'mobilepass-drift';
/** Scenarios the simulated customer plays alone (no agent's answer, no time-out to wait for). */
const OTHERS = ['kt4-out-of-sync', 'no-group', 'garbled-then-right', 'unknown-requester', 'same-last-name', 'wrong-codes', 'retest-fails'];
const BENCH = '4 API economy (Jira)';

export const jiraEconomyDetails: EconomyDetail[] = [];

/** `GET /issue/:key`, `POST /request/:key/comment` …: one route per kind of call, and the issue it concerns. */
function route(r: RecordedRequest): { ticket: string | undefined; route: string } {
  const m = /\/([A-Z][A-Z0-9]*-\d+)(?:\/|$)/.exec(r.path);
  const path = r.path.replace(/^\/rest\/(api\/3|servicedeskapi)/, '').replace(/\/[A-Z][A-Z0-9]*-\d+/, '/:key');
  return { ticket: m?.[1], route: `${r.method} ${path}` };
}

function count(requests: RecordedRequest[], ticket: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of requests) {
    const c = route(r);
    if (c.ticket !== ticket) continue;
    out.set(c.route, (out.get(c.route) ?? 0) + 1);
  }
  return out;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const breakdown = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} x${v}`).join(', ');

/**
 * The demo's scenarios against the fake JSM site (test/support/fake-jira.ts: Atlassian's documented shapes, admin
 * webhooks signed as Jira signs them, JSM's "customer commented" transition) with the whole app (TICKET_SYSTEM=jira,
 * one process). Every API request is counted, by issue and by route. The happy path runs first and alone, so the
 * process's own calls (the bot's account, once) are its; then the other scenarios together.
 */
export async function benchJiraEconomy(redisUrl: string): Promise<Row[]> {
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const prefix = uniquePrefix('jira-eco');
  const port = await freePort();
  const fake = await startFakeJira({ apiToken: TOKEN, email: EMAIL, webhookSecret: SECRET, webhookUrl: `http://127.0.0.1:${port}/webhooks/jira` });
  const escalation = fake.addUser({ displayName: 'Service Desk L2', email: 'l2@acme.example', accountType: 'atlassian' });
  const source = {
    ...jiraAppEnv({ redisUrl, prefix, port, jiraUrl: fake.url, credentials: { email: EMAIL, apiToken: TOKEN, webhookSecret: SECRET }, escalationAssignee: escalation.accountId, pollIntervalS: 60 }),
    LOG_LEVEL: 'silent',
  };
  // Reminders far beyond a run of seconds: a reminder racing a slow machine is not a call of the happy path.
  const policy = parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 60_000, timeoutAfterMs: 120_000 });
  const app = await createApp(loadConfig(source, { policy }), { log: pino({ level: 'silent' }), source });
  await app.start();
  // The poller's first look at start-up (an empty site) is over before the first request: not a per-ticket cost.
  await waitFor(() => fake.requests.some((r) => r.path === '/rest/api/3/search/jql'), 10_000, "the poller's first look");
  const tickets = new Map<string, { scenario: Scenario; state: WorkflowState | undefined }>();
  const sent = new Set<string>();
  try {
    const byKey = (k: string) => SCENARIOS.find((s) => s.key === k);
    const happy = byKey(HAPPY);
    if (!happy) throw new Error(`no scenario ${HAPPY}`);
    const first = await play(fake, app, seed, happy, sent);
    tickets.set(first.key, first);
    const settled = fake.requests.length;
    const rest = await Promise.all(OTHERS.map((k) => byKey(k)).filter((s): s is Scenario => s !== undefined).map((s) => play(fake, app, seed, s, sent)));
    for (const r of rest) tickets.set(r.key, r);
    await fake.settle();
    const rows: Row[] = [];
    jiraEconomyDetails.length = 0;
    const processCalls = count(fake.requests.slice(0, settled), undefined);
    for (const [key, r] of tickets) {
      const calls = count(fake.requests, key);
      const isHappy = r.scenario.key === HAPPY;
      // the happy path ran alone: a read of the bot's account then was made for it, and so was the read of its
      // requester's user record (their locale), which a later request of the same requester would not repeat
      const reporterId = fake.issues.get(key)?.reporterId;
      const requesterReads = fake.requests.slice(0, settled).filter((q) => q.path === '/rest/api/3/user' && q.query.accountId === reporterId).length;
      const all = isHappy
        ? new Map([...calls, ...[...processCalls].filter(([k]) => k.startsWith('GET /myself')), ...(requesterReads > 0 ? [['GET /user (requester)', requesterReads] as const] : [])])
        : calls;
      const n = total(all);
      jiraEconomyDetails.push({ scenario: r.scenario.key, final: r.state?.status, ticketCalls: Object.fromEntries(all), ticketPaths: fake.requests.filter((q) => route(q).ticket === key).map((q) => `${q.method} ${q.path}`), platformCalls: {} });
      rows.push({
        bench: BENCH,
        metric: `${r.scenario.key} → ${r.state?.status ?? '?'}`,
        value: n,
        unit: 'Jira calls/ticket',
        ...(isHappy ? { goal: '<= 8 Jira calls (happy path, with myself)', met: n <= 8 } : {}),
        note: breakdown(all),
      });
    }
    const other = count(fake.requests, undefined);
    rows.push({ bench: BENCH, metric: 'calls not tied to a ticket, whole run (myself, service desk, poller, other requesters\' user records)', value: total(other), unit: 'Jira calls', note: breakdown(other) });
    return rows;
  } finally {
    await app.stop();
    await fake.close();
  }
}

async function play(fake: FakeJira, app: App, seed: Seed, scenario: Scenario, sent: Set<string>): Promise<{ key: string; scenario: Scenario; state: WorkflowState | undefined }> {
  const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
  const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
  const token = t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
  const issue = await fake.createRequest({ summary: `2FA code not working (${scenario.title})`, description: 'My 2FA code does not work, I cannot log in.', reporter: scenario.requester, labels: [DEMO_POLICY.watchTag] });
  const state = await new JiraSimulatedUser({ fake, key: issue.key, scenario, token, app, sent }).run(Date.now() + 45_000);
  return { key: issue.key, scenario, state };
}
