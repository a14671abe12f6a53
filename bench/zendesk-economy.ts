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
import { startFakeZendesk, zendeskAppEnv, type FakeZendesk, type RecordedRequest } from '../test/support/fake-zendesk.js';
import { ZendeskSimulatedUser } from '../test/support/zendesk-simulated-user.js';
import { uniquePrefix, waitFor, type Row } from './util.js';
import type { EconomyDetail } from './economy.js';

const SECRET = 'bench-zendesk-webhook-signing-secret';
const TOKEN = 'bench-zendesk-api-token';
const EMAIL = 'twofa-bot@acme.example';
const HAPPY = 'mobilepass-drift';
/** Scenarios the Zendesk simulated user plays alone (no agent's answer, no time-out to wait for). */
const OTHERS = ['kt4-out-of-sync', 'no-group', 'garbled-then-right', 'unknown-requester', 'same-last-name', 'wrong-codes', 'retest-fails'];

export const zendeskEconomyDetails: EconomyDetail[] = [];

/** `GET /tickets/:id`, `PUT /tickets/:id`, `GET /tickets/:id/comments`: one route per kind of call. */
function route(r: RecordedRequest): { ticket: string | undefined; route: string } {
  const m = /^\/api\/v2\/tickets\/(\d+)/.exec(r.path);
  return { ticket: m?.[1], route: `${r.method} ${r.path.replace(/^\/api\/v2/, '').replace(/\/tickets\/\d+/, '/tickets/:id').replace(/\/users\/\d+/, '/users/:id')}` };
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
 * The demo's scenarios against a fake Zendesk (test/support/fake-zendesk.ts: Zendesk's documented shapes, its
 * webhooks signed as Zendesk signs them) with the whole app (TICKET_SYSTEM=zendesk, one process as `npm start`
 * runs it). Every API request the fake receives is counted, by ticket and by route. The happy path runs first and
 * alone, so the calls of the process (`users/me`, once) are its own; then the other scenarios together.
 */
export async function benchZendeskEconomy(redisUrl: string): Promise<Row[]> {
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const prefix = uniquePrefix('zd-eco');
  const port = await freePort();
  // As Zendesk sends them: the description's own comment event too.
  const fake = await startFakeZendesk({ apiToken: TOKEN, agentEmail: EMAIL, webhookSecret: SECRET, webhookUrl: `http://127.0.0.1:${port}/webhooks/zendesk`, descriptionCommentEvent: true });
  const groupId = fake.addGroup('Service Desk L2').id;
  const source = {
    // the default poll interval: a happy path of seconds ends before the poller's first look at it (its cost is on its own row)
    ...zendeskAppEnv({ redisUrl, prefix, port, zendeskUrl: fake.url, credentials: { email: EMAIL, apiToken: TOKEN, webhookSecret: SECRET }, escalationGroupId: groupId, pollIntervalS: 60 }),
    LOG_LEVEL: 'silent',
  };

  // Reminders far beyond a run of seconds: a reminder racing a slow machine is not a call of the happy path.
  const policy = parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 60_000, timeoutAfterMs: 120_000 });
  const app = await createApp(loadConfig(source, { policy }), { log: pino({ level: 'silent' }), source });
  await app.start();
  // The poller's first look at start-up (an empty account) is over before the first ticket: its looks are not a
  // per-ticket cost that a run of seconds could show fairly (see the README).
  await waitFor(() => fake.requests.some((r) => r.path === '/api/v2/search/export.json'), 10_000, "the poller's first look");
  const sent = new Set<string>();
  const tickets = new Map<string, { scenario: Scenario; state: WorkflowState | undefined }>();
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
    const rows: Row[] = [];
    zendeskEconomyDetails.length = 0;
    const processCalls = count(fake.requests.slice(0, settled), undefined);
    for (const [ticketId, r] of tickets) {
      const calls = count(fake.requests, ticketId);
      const isHappy = r.scenario.key === HAPPY;
      // the happy path ran alone: the calls of the process (the bot's user, once) were made for it
      const all = isHappy ? new Map([...calls, ...[...processCalls].filter(([k]) => k.startsWith('GET /users/me'))]) : calls;
      const n = total(all);
      zendeskEconomyDetails.push({ scenario: r.scenario.key, final: r.state?.status, ticketCalls: Object.fromEntries(all), ticketPaths: fake.requests.filter((q) => route(q).ticket === ticketId).map((q) => `${q.method} ${q.path}`), platformCalls: {} });
      rows.push({
        bench: '4 API economy (Zendesk)',
        metric: `${r.scenario.key} → ${r.state?.status ?? '?'}`,
        value: n,
        unit: 'Zendesk calls/ticket',
        ...(isHappy ? { goal: '<= 8 Zendesk calls (happy path, with users/me)', met: n <= 8 } : {}),
        note: breakdown(all),
      });
    }
    const other = count(fake.requests, undefined);
    rows.push({ bench: '4 API economy (Zendesk)', metric: 'calls not tied to a ticket, whole run (users/me, poller)', value: total(other), unit: 'Zendesk calls', note: breakdown(other) });
    return rows;
  } finally {
    await app.stop();
    await fake.close();
  }
}

async function play(fake: FakeZendesk, app: App, seed: Seed, scenario: Scenario, sent: Set<string>): Promise<{ ticketId: string; scenario: Scenario; state: WorkflowState | undefined }> {
  const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
  const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
  const token = t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
  const ticket = await fake.createTicket({ subject: `2FA code not working (${scenario.title})`, description: 'My 2FA code does not work, I cannot log in.', requester: scenario.requester, tags: [DEMO_POLICY.watchTag] });
  const state = await new ZendeskSimulatedUser({ fake, ticketId: ticket.id, scenario, token, app, sent }).run(Date.now() + 45_000);
  return { ticketId: String(ticket.id), scenario, state };
}
