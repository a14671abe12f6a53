import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../workers/app.js';
import { DEFAULT_SEED, loadConfig } from '../../workers/config.js';
import { DEMO_POLICY } from '../demo/run-demo.js';
import { SCENARIOS } from '../demo/scenarios.js';
import { freePort } from '../../workers/redis/private-redis.js';
import { parseSeed } from '../../integrations/twofa/local/seed.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { DEMO_DEVICE_COUNTERS } from '../../integrations/twofa/local/demo-devices.js';
import type { RtAdapter } from '../../integrations/ticketing/rt/adapter.js';
import { parsePolicy } from '../../workflows/resync/policy.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { capturedLogger } from '../support/log-capture.js';
import { codesIn } from '../support/secret-scan.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { RtTestDesk } from '../support/rt-desk.js';
import { RT_BOT, RT_ESCALATION_QUEUE, RT_FIELD, RT_QUEUE, startRt, type RunningRt } from '../support/rt-server.js';
import { RtSimulatedUser } from '../support/rt-simulated-user.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = 'rt-economy-scrip-signing-secret';

interface Played {
  ticketId: string;
  state: WorkflowState | undefined;
  /** every request the bot sent to RT while this ticket was played (one at a time, the poller idle) */
  calls: string[];
}

/**
 * Issue 20's cost on the real RT 5: the whole app (TICKET_SYSTEM=rt, the README's Scrip for intake, the poller idle
 * after its first look) carries happy-path tickets one after another, requesters answering by multi-part mail; every
 * request the adapter's client sends is counted (RtAdapter.observeRequests). Each authenticated call costs RT about
 * 0.3 s of CPU.
 */
describe.skipIf(process.env.TEST_RT === 'off')('RT happy paths: API calls per ticket', () => {
  let rt: RunningRt;
  let desk: RtTestDesk;
  let app: App;
  let redis: Redis;
  const prefix = freshPrefix('e2e-rt-eco');
  const { log, lines } = capturedLogger('info');
  const sent = new Set<string>();
  const played = new Map<string, Played>();
  let calls: string[] = [];

  async function play(key: string): Promise<Played> {
    const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
    const scenario = SCENARIOS.find((s) => s.key === key);
    if (!scenario) throw new Error(`no scenario ${key}`);
    const user = seed.users.find((u) => u.userName === scenario.userName);
    const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
    const token = t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
    calls = [];
    const ticketId = await desk.createByMail({ from: scenario.requester, subject: `2FA code not working (${scenario.title})`, text: 'My 2FA code does not work, I cannot log in.', style: 'multipart' });
    await desk.agentUpdate(ticketId, { CustomFields: { [RT_FIELD]: ['2fa_issue'] } });
    const state = await new RtSimulatedUser({ desk, ticketId, scenario, token, app, sent }).run(Date.now() + 60_000);
    // the last notification (the requester's "works") is answered before the state is final: nothing is in flight now
    const mine = calls.map((c) => c.replace(`/ticket/${ticketId}`, '/ticket/:id').replace(/\/transaction\/\d+/, '/transaction/:txn').replace(/\/user\/[^/?]+/, '/user/:name'));
    return { ticketId, state, calls: mine };
  }

  beforeAll(async () => {
    redis = newRedis();
    const port = await freePort();
    rt = await startRt({ webhookUrl: `http://127.0.0.1:${port}/webhooks/rt`, webhookSecret: SECRET });
    desk = new RtTestDesk(rt);
    const source: Record<string, string> = {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      TICKET_SYSTEM: 'rt',
      TWOFA_PLATFORM: 'local',
      SWEEP_INTERVAL_S: '2',
      EFFECT_BACKOFF_MS: '200',
      RT_URL: rt.url,
      RT_USER: RT_BOT.name,
      RT_TOKEN: rt.botToken,
      RT_QUEUE,
      RT_WATCH_FIELD: RT_FIELD,
      RT_WATCH_VALUE: '2fa_issue',
      RT_ESCALATION_QUEUE,
      // the poller looks once, at start: the calls counted are the Scrip-driven happy path's own
      RT_POLL_INTERVAL_S: '3600',
      RT_RATE_LIMIT_PER_MIN: '600',
      RT_WEBHOOK_SECRET: SECRET,
    };
    // reminders far beyond the run
    app = await createApp(loadConfig(source, { policy: parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 120_000, timeoutAfterMs: 240_000 }) }), { log, source });
    (app.ticketing.get('rt') as RtAdapter).observeRequests((method, path) => calls.push(`${method} ${path}`));
    await app.start();
    await waitFor("the poller's first look", async () => (calls.some((c) => c.startsWith('GET /tickets')) ? true : undefined));
    played.set('mobilepass-drift', await play('mobilepass-drift'));
    played.set('kt4-out-of-sync', await play('kt4-out-of-sync'));
    played.set('no-group', await play('no-group'));
  }, 240_000);

  afterAll(async () => {
    await app?.stop();
    await rt?.stop();
    await deletePrefix(redis, prefix);
    redis?.disconnect();
  });

  it('resolves each ticket in RT', async () => {
    for (const [key, p] of played) {
      expect({ key, state: p.state?.status }).toEqual({ key, state: 'resolved' });
      expect({ key, status: (await desk.ticket(p.ticketId)).Status }).toEqual({ key, status: 'resolved' });
    }
  });

  it('costs at most 20 RT calls per happy-path ticket (21 on the first: the agent\'s user record): 3 per notification read, 1 per new message, 2 per step', () => {
    const [first, ...rest] = [...played.values()];
    // before this economy (each read 5 calls, a second read per requester reply, a /user per requester): 31, 30, 30
    expect(first?.calls.length ?? 99, JSON.stringify(first?.calls)).toBeLessThanOrEqual(21);
    for (const p of rest) expect(p.calls.length, JSON.stringify(p.calls)).toBeLessThanOrEqual(20);
  });

  it('reads each message once: its own attachments, never the ticket\'s whole list; the bot\'s own messages not at all', () => {
    for (const [key, p] of played) {
      const count = (call: string) => p.calls.filter((c) => c === call).length;
      // the requester answers twice (codes, then "works"): one read of each answer's text
      expect({ key, texts: count('GET /transaction/:txn/attachments'), lists: count('GET /ticket/:id/attachments') }).toEqual({ key, texts: 2, lists: 0 });
      // one read of the ticket per notification that names a change not read yet: creation, tagging, two answers;
      // none for RT's own status change after the bot's reply, none before the step's end markers are written
      expect({ key, tickets: count('GET /ticket/:id'), histories: count('GET /ticket/:id/history') }).toEqual({ key, tickets: 4, histories: 8 });
      // a step is its note and its reply, the status and end markers riding on the reply
      expect({ key, posts: p.calls.filter((c) => c.startsWith('POST')).length, puts: p.calls.filter((c) => c.startsWith('PUT')).length }).toEqual({ key, posts: 6, puts: 0 });
    }
  });

  it('reads no requester\'s user record: each came with their mail\'s transaction', () => {
    const users = [...played.values()].flatMap((p) => p.calls.filter((c) => c.startsWith('GET /user/')));
    // the agent who tagged the first ticket: whether they are staff is no field of a transaction's author
    expect(users).toEqual(['GET /user/:name']);
  });

  it('took every notification without the poller, and never wrote a code to a log line', () => {
    expect(lines.some((l) => l.includes('poller found events no webhook brought'))).toBe(false);
    expect(sent.size).toBeGreaterThan(2);
    expect(codesIn(lines.join('\n'), sent)).toEqual([]);
  });
});
