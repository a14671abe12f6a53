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
import { HaloSimulatedUser, haloAppEnv, startFakeHalo, type FakeHalo, type RecordedRequest } from '../test/support/fake-halo.js';
import { uniquePrefix, waitFor, type Row } from './util.js';
import type { EconomyDetail } from './economy.js';

const SECRET = 'bench-halo-webhook-secret-0123456789abcdef';
const CLIENT = { clientId: 'bench-halo-app', clientSecret: 'bench-halo-client-secret' };
const TYPE = 25;
const HAPPY = 'mobilepass-drift';
/** Scenarios the simulated end user plays alone (no agent's answer, no time-out to wait for). */
const OTHERS = ['kt4-out-of-sync', 'no-group', 'garbled-then-right', 'unknown-requester', 'same-last-name', 'wrong-codes', 'retest-fails'];
const BENCH = '4 API economy (HaloPSA)';

export const haloEconomyDetails: EconomyDetail[] = [];

/**
 * One route per kind of call, and the ticket it concerns: its id in the path, the ticket_id of an action query or of a
 * posted action, the id of a posted ticket update; `GET /Users/{id}` reads are the ticket's when the user is its end user.
 */
function route(r: RecordedRequest, users: Map<string, string>): { ticket: string | undefined; route: string } {
  const byPath = /^\/api\/Tickets\/(\d+)$/.exec(r.path)?.[1];
  const byQuery = r.path === '/api/Actions' ? r.query.ticket_id : undefined;
  const posted = Array.isArray(r.body) ? (r.body[0] as { ticket_id?: number; id?: number } | undefined) : undefined;
  const byBody = r.method === 'POST' && r.path === '/api/Actions' ? posted?.ticket_id : r.method === 'POST' && r.path === '/api/Tickets' ? posted?.id : undefined;
  const byUser = users.get(/^\/api\/Users\/(\d+)$/.exec(r.path)?.[1] ?? '');
  const name = `${r.method} ${r.path.replace(/^\/api/, '').replace(/\/\d+$/, '/:id')}`;
  return { ticket: byPath ?? byQuery ?? (byBody !== undefined ? String(byBody) : undefined) ?? byUser, route: name };
}

function count(requests: RecordedRequest[], ticket: string | undefined, users: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of requests) {
    const c = route(r, users);
    if (c.ticket !== ticket) continue;
    out.set(c.route, (out.get(c.route) ?? 0) + 1);
  }
  return out;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const breakdown = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} x${v}`).join(', ');

/**
 * The demo's scenarios against a fake Halo tenant (test/support/fake-halo.ts: the API's documented shapes, a webhook
 * per event with Basic authentication) with the whole app (TICKET_SYSTEM=halo, one process). Every API request the
 * fake receives is counted, by ticket and by route. The happy path runs first and alone, so the calls of the process
 * (a token, the agent it acts as, the statuses, once each) are its own; then the other scenarios together.
 */
export async function benchHaloEconomy(redisUrl: string): Promise<Row[]> {
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const prefix = uniquePrefix('halo-eco');
  const port = await freePort();
  const fake = await startFakeHalo({ ...CLIENT, webhook: { url: `http://127.0.0.1:${port}/webhooks/halo`, user: 'twofa-desk', password: SECRET } });
  const source = { ...haloAppEnv({ redisUrl, prefix, port, fake, ...CLIENT, webhookSecret: SECRET, ticketTypeId: TYPE, pollIntervalS: 60 }), LOG_LEVEL: 'silent' };
  // Reminders far beyond a run of seconds: a reminder racing a slow machine is not a call of the happy path.
  const policy = parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 60_000, timeoutAfterMs: 120_000 });
  const app = await createApp(loadConfig(source, { policy }), { log: pino({ level: 'silent' }), source });
  await app.start();
  // The poller's first look at start-up is over before the first ticket: its list (and its token) is no per-ticket cost.
  await waitFor(() => fake.requests.some((r) => r.path === '/api/Tickets'), 10_000, "the poller's first look");
  const started = fake.requests.length;
  const sent = new Set<string>();
  const tickets = new Map<string, { scenario: Scenario; state: WorkflowState | undefined }>();
  const users = new Map<string, string>();
  try {
    const byKey = (k: string) => SCENARIOS.find((s) => s.key === k);
    const happy = byKey(HAPPY);
    if (!happy) throw new Error(`no scenario ${HAPPY}`);
    const first = await play(fake, app, seed, happy, sent);
    tickets.set(first.ticketId, first);
    await fake.settle();
    const settled = fake.requests.length;
    const rest = await Promise.all(OTHERS.map((k) => byKey(k)).filter((s): s is Scenario => s !== undefined).map((s) => play(fake, app, seed, s, sent)));
    for (const r of rest) tickets.set(r.ticketId, r);
    await fake.settle();
    for (const id of tickets.keys()) users.set(String(fake.tickets.get(Number(id))?.user_id ?? ''), id);
    const rows: Row[] = [];
    haloEconomyDetails.length = 0;
    // the process's own calls while the happy path ran alone (the agent it acts as, the statuses: once each)
    const processCalls = count(fake.requests.slice(started, settled), undefined, users);
    for (const [ticketId, r] of tickets) {
      const calls = count(fake.requests, ticketId, users);
      const isHappy = r.scenario.key === HAPPY;
      const all = isHappy ? new Map([...calls, ...processCalls]) : calls;
      const n = total(all);
      haloEconomyDetails.push({
        scenario: r.scenario.key,
        final: r.state?.status,
        ticketCalls: Object.fromEntries(all),
        ticketPaths: fake.requests.filter((q) => route(q, users).ticket === ticketId).map((q) => `${q.method} ${q.path}`),
        platformCalls: {},
      });
      rows.push({
        bench: BENCH,
        metric: `${r.scenario.key} → ${r.state?.status ?? '?'}`,
        value: n,
        unit: 'Halo calls/ticket',
        ...(isHappy ? { goal: '<= 30 Halo calls (happy path, every webhook read back)', met: n <= 30 } : {}),
        note: breakdown(all),
      });
    }
    const other = count(fake.requests, undefined, users);
    rows.push({ bench: BENCH, metric: 'calls not tied to a ticket, whole run (token, agent, statuses, poller)', value: total(other), unit: 'Halo calls', note: breakdown(other) });
    return rows;
  } finally {
    await app.stop();
    await fake.close();
  }
}

async function play(fake: FakeHalo, app: App, seed: Seed, scenario: Scenario, sent: Set<string>): Promise<{ ticketId: string; scenario: Scenario; state: WorkflowState | undefined }> {
  const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
  const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
  const token = t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
  const ticket = fake.createTicket({ user: scenario.requester, company: 'Contoso Ltd', summary: `2FA code not working (${scenario.title})`, details: 'My 2FA code does not work, I cannot log in.', tickettype_id: TYPE });
  const state = await new HaloSimulatedUser({ fake, ticketId: ticket.id, scenario, token, app, sent }).run(Date.now() + 45_000);
  return { ticketId: String(ticket.id), scenario, state };
}
