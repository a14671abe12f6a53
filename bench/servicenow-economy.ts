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
import { ServiceNowSimulatedUser, serviceNowAppEnv, startFakeServiceNow, type FakeServiceNow, type RecordedRequest } from '../test/support/fake-servicenow.js';
import { uniquePrefix, waitFor, type Row } from './util.js';
import type { EconomyDetail } from './economy.js';

const SECRET = 'bench-servicenow-webhook-secret-0123456789abcdef';
const PASSWORD = 'bench-servicenow-bot-password';
const HAPPY = 'mobilepass-drift';
/** Scenarios the simulated caller plays alone (no agent's answer, no time-out to wait for). */
const OTHERS = ['kt4-out-of-sync', 'no-group', 'garbled-then-right', 'unknown-requester', 'same-last-name', 'wrong-codes', 'retest-fails'];
const BENCH = '4 API economy (ServiceNow)';

export const servicenowEconomyDetails: EconomyDetail[] = [];

/**
 * One route per kind of call, and the incident it concerns: its sys_id in the path, or the element_id of a journal
 * query. `caller` reads (sys_user/{id}) are the incident's when the caller is that incident's.
 */
function route(r: RecordedRequest, callers: Map<string, string>): { ticket: string | undefined; route: string } {
  const byPath = /^\/api\/now\/table\/incident\/([0-9a-f]{32})$/.exec(r.path)?.[1];
  const byJournal = /(?:^|\^)element_id=([0-9a-f]{32})/.exec(r.query.sysparm_query ?? '')?.[1];
  const byCaller = callers.get(/^\/api\/now\/table\/sys_user\/([0-9a-f]{32})$/.exec(r.path)?.[1] ?? '');
  const name = `${r.method} ${r.path.replace(/^\/api\/now\/table/, '').replace(/\/[0-9a-f]{32}$/, '/:sys_id')}`;
  return { ticket: byPath ?? byJournal ?? byCaller, route: name };
}

function count(requests: RecordedRequest[], ticket: string | undefined, callers: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of requests) {
    const c = route(r, callers);
    if (c.ticket !== ticket) continue;
    out.set(c.route, (out.get(c.route) ?? 0) + 1);
  }
  return out;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const breakdown = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} x${v}`).join(', ');

/**
 * The demo's scenarios against a fake ServiceNow instance (test/support/fake-servicenow.ts: the Table API's documented
 * shapes, notifications as the README's Business Rule sends them) with the whole app (TICKET_SYSTEM=servicenow, one
 * process). Every API request the fake receives is counted, by incident and by route. The happy path runs first and
 * alone, so the calls of the process (the incident choice list, once) are its own; then the other scenarios together.
 */
export async function benchServiceNowEconomy(redisUrl: string): Promise<Row[]> {
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const prefix = uniquePrefix('sn-eco');
  const port = await freePort();
  const fake = await startFakeServiceNow({ password: PASSWORD, webhookSecret: SECRET, webhookUrl: `http://127.0.0.1:${port}/webhooks/servicenow` });
  const groupId = fake.addGroup('Service Desk L2').sys_id;
  const source = {
    ...serviceNowAppEnv({ redisUrl, prefix, port, instanceUrl: fake.url, credentials: { user: fake.bot.user_name, password: PASSWORD, webhookSecret: SECRET }, escalationGroupSysId: groupId, pollIntervalS: 60 }),
    LOG_LEVEL: 'silent',
  };
  // Reminders far beyond a run of seconds: a reminder racing a slow machine is not a call of the happy path.
  const policy = parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 60_000, timeoutAfterMs: 120_000 });
  const app = await createApp(loadConfig(source, { policy }), { log: pino({ level: 'silent' }), source });
  await app.start();
  // The poller's first look at start-up is over before the first incident: its list is not a per-ticket cost.
  await waitFor(() => fake.requests.some((r) => r.path === '/api/now/table/incident'), 10_000, "the poller's first look");
  const sent = new Set<string>();
  const tickets = new Map<string, { scenario: Scenario; state: WorkflowState | undefined }>();
  const callers = new Map<string, string>();
  try {
    const byKey = (k: string) => SCENARIOS.find((s) => s.key === k);
    const happy = byKey(HAPPY);
    if (!happy) throw new Error(`no scenario ${HAPPY}`);
    const first = await play(fake, app, seed, happy, sent);
    tickets.set(first.ticketId, first);
    const settled = fake.requests.length;
    const rest = await Promise.all(OTHERS.map((k) => byKey(k)).filter((s): s is Scenario => s !== undefined).map((s) => play(fake, app, seed, s, sent)));
    for (const r of rest) tickets.set(r.ticketId, r);
    await fake.settle();
    for (const id of tickets.keys()) callers.set(fake.incidents.get(id)?.caller_id ?? '', id);
    const rows: Row[] = [];
    servicenowEconomyDetails.length = 0;
    // the process's own calls before the happy path ended (the choice list, read once), not the poller's list
    const processCalls = new Map([...count(fake.requests.slice(0, settled), undefined, callers)].filter(([k]) => k !== 'GET /incident'));
    for (const [ticketId, r] of tickets) {
      const calls = count(fake.requests, ticketId, callers);
      const isHappy = r.scenario.key === HAPPY;
      const all = isHappy ? new Map([...calls, ...processCalls]) : calls;
      const n = total(all);
      servicenowEconomyDetails.push({
        scenario: r.scenario.key,
        final: r.state?.status,
        ticketCalls: Object.fromEntries(all),
        ticketPaths: fake.requests.filter((q) => route(q, callers).ticket === ticketId).map((q) => `${q.method} ${q.path}`),
        platformCalls: {},
      });
      rows.push({
        bench: BENCH,
        metric: `${r.scenario.key} → ${r.state?.status ?? '?'}`,
        value: n,
        unit: 'ServiceNow calls/ticket',
        ...(isHappy ? { goal: '<= 8 ServiceNow calls (happy path, with the choice list)', met: n <= 8 } : {}),
        note: breakdown(all),
      });
    }
    const other = count(fake.requests, undefined, callers);
    rows.push({ bench: BENCH, metric: 'calls not tied to an incident, whole run (choice list, poller)', value: total(other), unit: 'ServiceNow calls', note: breakdown(other) });
    return rows;
  } finally {
    await app.stop();
    await fake.close();
  }
}

async function play(fake: FakeServiceNow, app: App, seed: Seed, scenario: Scenario, sent: Set<string>): Promise<{ ticketId: string; scenario: Scenario; state: WorkflowState | undefined }> {
  const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
  const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
  const token = t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
  const incident = fake.createIncident({ caller: scenario.requester, short_description: `2FA code not working (${scenario.title})`, description: 'My 2FA code does not work, I cannot log in.' });
  const state = await new ServiceNowSimulatedUser({ fake, sysId: incident.sys_id, scenario, token, app, sent }).run(Date.now() + 45_000);
  return { ticketId: incident.sys_id, scenario, state };
}
