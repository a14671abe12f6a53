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
import { ConnectWiseSimulatedUser, connectWiseAppEnv, startFakeConnectWise, type FakeConnectWise, type RecordedRequest } from '../test/support/fake-connectwise.js';
import { uniquePrefix, waitFor, type Row } from './util.js';
import type { EconomyDetail } from './economy.js';

const SECRET = 'bench-connectwise-callback-secret-0123456789abcdef';
const HAPPY = 'mobilepass-drift';
/** Scenarios the simulated contact plays alone (no agent's answer, no time-out to wait for). */
const OTHERS = ['kt4-out-of-sync', 'no-group', 'garbled-then-right', 'unknown-requester', 'same-last-name', 'wrong-codes', 'retest-fails'];
const BENCH = '4 API economy (ConnectWise)';

export const connectwiseEconomyDetails: EconomyDetail[] = [];

/** One route per kind of call, and the ticket it concerns: its id in the path, or its contact's record. */
function route(r: RecordedRequest, contacts: Map<string, string>): { ticket: string | undefined; route: string } {
  const byPath = /^\/service\/tickets\/(\d+)(?:\/notes)?$/.exec(r.path)?.[1];
  const byContact = contacts.get(/^\/company\/contacts\/(\d+)$/.exec(r.path)?.[1] ?? '');
  const name = `${r.method} ${r.path.replace(/\/service\/tickets\/\d+/, '/service/tickets/:id').replace(/\/(contacts|boards)\/\d+/, '/$1/:id')}`;
  return { ticket: byPath ?? byContact, route: name };
}

function count(requests: RecordedRequest[], ticket: string | undefined, contacts: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of requests) {
    const c = route(r, contacts);
    if (c.ticket !== ticket) continue;
    out.set(c.route, (out.get(c.route) ?? 0) + 1);
  }
  return out;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const breakdown = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} x${v}`).join(', ');

/**
 * The demo's scenarios against a fake ConnectWise PSA (test/support/fake-connectwise.ts: the REST API's documented
 * shapes, callbacks as "PSA Callbacks" describes them) with the whole app (TICKET_SYSTEM=connectwise, one process).
 * Every API request the fake receives is counted, by ticket and by route. The happy path runs first and alone, so the
 * calls of the process (the board's statuses, once) are its own; then the other scenarios together.
 */
export async function benchConnectWiseEconomy(redisUrl: string): Promise<Row[]> {
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const prefix = uniquePrefix('cw-eco');
  const port = await freePort();
  // registered with isSelfSuppressedFlag, as the setup guide tells operators: the bot is not called back for its own saves
  const fake = await startFakeConnectWise({ callbackUrl: `http://127.0.0.1:${port}/webhooks/connectwise?secret=${SECRET}`, selfSuppressed: true });
  const source = { ...connectWiseAppEnv({ redisUrl, prefix, port, fake, callbackSecret: SECRET, pollIntervalS: 60 }), LOG_LEVEL: 'silent' };
  // Reminders far beyond a run of seconds: a reminder racing a slow machine is not a call of the happy path.
  const policy = parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 60_000, timeoutAfterMs: 120_000 });
  const app = await createApp(loadConfig(source, { policy }), { log: pino({ level: 'silent' }), source });
  await app.start();
  // The poller's first look at start-up (the board's statuses, the list) is over before the first ticket.
  await waitFor(() => fake.requests.some((r) => r.path === '/service/tickets'), 10_000, "the poller's first look");
  const startup = fake.requests.length;
  const sent = new Set<string>();
  const tickets = new Map<string, { scenario: Scenario; state: WorkflowState | undefined }>();
  const contacts = new Map<string, string>();
  try {
    const byKey = (k: string) => SCENARIOS.find((s) => s.key === k);
    const happy = byKey(HAPPY);
    if (!happy) throw new Error(`no scenario ${HAPPY}`);
    const first = await play(fake, app, seed, happy, sent);
    tickets.set(first.ticketId, first);
    const rest = await Promise.all(OTHERS.map((k) => byKey(k)).filter((s): s is Scenario => s !== undefined).map((s) => play(fake, app, seed, s, sent)));
    for (const r of rest) tickets.set(r.ticketId, r);
    await fake.settle();
    for (const id of tickets.keys()) contacts.set(String(fake.tickets.get(Number(id))?.contactId ?? ''), id);
    const rows: Row[] = [];
    connectwiseEconomyDetails.length = 0;
    const counted = fake.requests.slice(startup);
    for (const [ticketId, r] of tickets) {
      const calls = count(counted, ticketId, contacts);
      const isHappy = r.scenario.key === HAPPY;
      const n = total(calls);
      connectwiseEconomyDetails.push({
        scenario: r.scenario.key,
        final: r.state?.status,
        ticketCalls: Object.fromEntries(calls),
        ticketPaths: counted.filter((q) => route(q, contacts).ticket === ticketId).map((q) => `${q.method} ${q.path}`),
        platformCalls: {},
      });
      rows.push({
        bench: BENCH,
        metric: `${r.scenario.key} → ${r.state?.status ?? '?'}`,
        value: n,
        unit: 'ConnectWise calls/ticket',
        ...(isHappy ? { goal: '<= 16 ConnectWise calls (happy path)', met: n <= 16 } : {}),
        note: breakdown(calls),
      });
    }
    const other = count(fake.requests, undefined, contacts);
    rows.push({ bench: BENCH, metric: 'calls not tied to a ticket, whole run (board statuses, poller list, escalation board)', value: total(other), unit: 'ConnectWise calls', note: breakdown(other) });
    return rows;
  } finally {
    await app.stop();
    await fake.close();
  }
}

async function play(fake: FakeConnectWise, app: App, seed: Seed, scenario: Scenario, sent: Set<string>): Promise<{ ticketId: string; scenario: Scenario; state: WorkflowState | undefined }> {
  const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
  const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
  const token = t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
  const ticket = fake.createTicket({ contact: scenario.requester, summary: `2FA code not working (${scenario.title})`, description: 'My 2FA code does not work, I cannot log in.' });
  const state = await new ConnectWiseSimulatedUser({ fake, ticketId: ticket.id, scenario, token, app, sent }).run(Date.now() + 45_000);
  return { ticketId: String(ticket.id), scenario, state };
}
