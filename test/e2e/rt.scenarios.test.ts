import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../workers/app.js';
import { DEFAULT_SEED, loadConfig } from '../../workers/config.js';
import { DEMO_POLICY } from '../demo/run-demo.js';
import { SCENARIOS, type Scenario } from '../demo/scenarios.js';
import { freePort } from '../../workers/redis/private-redis.js';
import { parseSeed } from '../../integrations/twofa/local/seed.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { DEMO_DEVICE_COUNTERS } from '../../integrations/twofa/local/demo-devices.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { parsePolicy, type Policy } from '../../workflows/resync/policy.js';
import { capturedLogger } from '../support/log-capture.js';
import { codesIn } from '../support/secret-scan.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';
import { RtTestDesk } from '../support/rt-desk.js';
import { RT_BOT, RT_ESCALATION_QUEUE, RT_FIELD, RT_QUEUE, startRt, type RunningRt } from '../support/rt-server.js';
import { RtSimulatedUser } from '../support/rt-simulated-user.js';

const SECRET = 'rt-e2e-scrip-signing-secret';
const skip = process.env.TEST_RT === 'off';
/**
 * The demo policy with reminders and time-outs far beyond a run: the demo's own (2 s, 5 s) are made for the embedded
 * desk, while a round trip through RT (a mail through its gateway, each API call ~0.3 s of RT's CPU) takes seconds,
 * so the demo's values would add reminders and time-outs the scenarios do not expect.
 */
const RT_POLICY = parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 60_000, timeoutAfterMs: 120_000 });

interface Result {
  scenario: Scenario;
  ticketId: string;
  state: WorkflowState | undefined;
  publicReplies: number;
  notes: number;
  /** the first line of each of the bot's correspondences, for a failing test's message */
  replies: string[];
}

/** The whole app (TICKET_SYSTEM=rt, the embedded 2FA platform) on the real RT; `watchValue` keeps two apps apart. */
async function startApp(o: { rt: RunningRt; port: number; pollIntervalS: number; secret?: string; watchValue: string; policy?: Policy; sent: Set<string>; calls?: string[] }) {
  const prefix = freshPrefix('e2e-rt');
  const source: Record<string, string> = {
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    PORT: String(o.port),
    HOST: '127.0.0.1',
    TICKET_SYSTEM: 'rt',
    TWOFA_PLATFORM: 'local',
    SWEEP_INTERVAL_S: '2',
    EFFECT_BACKOFF_MS: '200',
    RT_URL: o.rt.url,
    RT_USER: RT_BOT.name,
    RT_TOKEN: o.rt.botToken,
    RT_QUEUE,
    RT_WATCH_FIELD: RT_FIELD,
    RT_WATCH_VALUE: o.watchValue,
    RT_ESCALATION_QUEUE,
    RT_POLL_INTERVAL_S: String(o.pollIntervalS),
    RT_RATE_LIMIT_PER_MIN: '600',
    ...(o.secret ? { RT_WEBHOOK_SECRET: o.secret } : {}),
  };
  const { log, lines } = capturedLogger('info');
  const app = await createApp(loadConfig(source, { policy: o.policy ?? DEMO_POLICY }), { log, source });
  await app.start();
  return { app, prefix, lines };
}

async function tokenFor(scenario: Scenario): Promise<VirtualToken | undefined> {
  const seed = parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
  const t = user ? seed.tokens.find((x) => x.userId === user.id) : undefined;
  return t ? new VirtualToken({ secret: t.secret, kind: t.kind, counter: DEMO_DEVICE_COUNTERS[t.serial] ?? t.counter, digits: t.digits ?? (t.kind === 'kt4' ? 8 : 6) }) : undefined;
}

async function play(desk: RtTestDesk, app: App, scenario: Scenario, watchValue: string, sent: Set<string>, deadlineMs: number): Promise<Result> {
  const ticketId = await desk.createByMail({ from: scenario.requester, subject: `2FA code not working (${scenario.title})`, text: 'My 2FA code does not work, I cannot log in.', style: 'multipart' });
  // an agent (or the admin's own Scrip) marks the ticket as a 2FA issue
  await desk.agentUpdate(ticketId, { CustomFields: { [RT_FIELD]: [watchValue] } });
  const user = new RtSimulatedUser({ desk, ticketId, scenario, token: await tokenFor(scenario), app, sent });
  const state = await user.run(Date.now() + deadlineMs);
  const bot = (await desk.messages(ticketId)).filter((m) => m.creator === RT_BOT.name);
  const replies = bot.filter((m) => m.type === 'Correspond');
  return { scenario, ticketId, state, publicReplies: replies.length, notes: bot.filter((m) => m.type === 'Comment').length, replies: replies.map((m) => m.text.split('\n')[0] ?? '') };
}

describe.skipIf(skip)('the demo scenarios end to end on the real RT 5 with the embedded 2FA platform', () => {
  let rt: RunningRt;
  let desk: RtTestDesk;
  let redis: Redis;
  const appPort = { scrip: 0 };
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    appPort.scrip = await freePort();
    rt = await startRt({ webhookUrl: `http://127.0.0.1:${appPort.scrip}/webhooks/rt`, webhookSecret: SECRET });
    desk = new RtTestDesk(rt);
    redis = newRedis();
  }, 120_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await rt?.stop();
    redis?.disconnect();
  });

  describe('Scrip notifications alone (the poller looks once, at start: RT_POLL_INTERVAL_S=3600)', () => {
    const sent = new Set<string>();
    let results: Result[] = [];
    let app: App;
    let lines: string[];
    const RUN = ['mobilepass-drift', 'unknown-requester'];

    beforeAll(async () => {
      const started = await startApp({ rt, port: appPort.scrip, pollIntervalS: 3600, secret: SECRET, watchValue: '2fa_issue', policy: RT_POLICY, sent });
      app = started.app;
      lines = started.lines;
      cleanups.push(async () => {
        await app.stop();
        await deletePrefix(redis, started.prefix);
      });
      results = [];
      for (const s of SCENARIOS.filter((x) => RUN.includes(x.key))) results.push(await play(desk, app, s, '2fa_issue', sent, 90_000));
    }, 240_000);

    for (const key of ['mobilepass-drift', 'unknown-requester']) {
      const scenario = SCENARIOS.find((s) => s.key === key);
      if (!scenario) throw new Error(`no scenario ${key}`);
      it(`${scenario.title}: ends ${scenario.expect.final} with ${scenario.expect.publicReplies} correspondences of the bot on the RT ticket`, () => {
        const r = results.find((x) => x.scenario.key === key);
        expect(r?.state?.status).toBe(scenario.expect.final);
        expect(r?.publicReplies, JSON.stringify(r?.replies)).toBe(scenario.expect.publicReplies);
        expect(r?.notes).toBeGreaterThan(0);
      });
    }

    it('resolved the MobilePASS ticket in RT and moved the unknown requester\'s to the escalation queue, with end markers', async () => {
      const drift = results.find((r) => r.scenario.key === 'mobilepass-drift');
      const unknown = results.find((r) => r.scenario.key === 'unknown-requester');
      expect((await desk.ticket(drift?.ticketId ?? '0')).Status).toBe('resolved');
      expect(await desk.fieldValues(drift?.ticketId ?? '0', RT_FIELD)).toContain(DEMO_POLICY.resolvedTag);
      expect((await desk.ticket(unknown?.ticketId ?? '0')).Queue.id).toBe(await desk.queueId(RT_ESCALATION_QUEUE));
      expect(await desk.fieldValues(unknown?.ticketId ?? '0', RT_FIELD)).toContain(DEMO_POLICY.escalatedTag);
    });

    it('took the Scrip\'s signed notifications (the poller ran once, at start)', () => {
      expect(results.map((r) => r.state?.status)).toEqual(RUN.map((k) => SCENARIOS.find((s) => s.key === k)?.expect.final));
      expect(lines.filter((l) => l.includes('poller found events no webhook brought'))).toEqual([]);
    });

    it('never wrote a code the user sent to a log line or a bot message', async () => {
      expect(sent.size).toBeGreaterThan(1);
      expect(codesIn(lines.join('\n'), sent)).toEqual([]);
      const bot = (await Promise.all(results.map((r) => desk.messages(r.ticketId)))).flat().filter((m) => m.creator === RT_BOT.name).map((m) => m.text).join('\n');
      expect(bot.length).toBeGreaterThan(100);
      expect(codesIn(bot, sent)).toEqual([]);
    });

    it('an agent\'s correspondence hands the ticket off: the bot writes nothing more', async () => {
      const scenario = SCENARIOS.find((s) => s.key === 'mobilepass-drift');
      if (!scenario) throw new Error('no scenario');
      const ticketId = await desk.createByMail({ from: scenario.requester, subject: '2FA: agent takes over', text: 'My 2FA code does not work.' });
      await desk.agentUpdate(ticketId, { CustomFields: { [RT_FIELD]: ['2fa_issue'] } });
      const tk = `rt:${ticketId}`;
      const status = async () => (await app.store.getState(tk)).state?.status;
      // the bot's first round: it asks for codes (the policy's time-outs are minutes: no reminder, no time-out here)
      await waitFor('the bot to ask for codes', async () => ((await status()) === 'awaiting_codes' ? true : undefined), 30_000);
      await desk.agentMessage(ticketId, 'correspond', 'Hi, I will call you about this.');
      await waitFor('the hand-off', async () => ((await status()) === 'handed_off' ? true : undefined), 30_000);
      const botReplies = async () => (await desk.messages(ticketId)).filter((m) => m.creator === RT_BOT.name && m.type === 'Correspond').length;
      const before = await botReplies();
      await desk.replyByMail(ticketId, scenario.requester, '123456 654321');
      // the requester's reply is taken (its event seen) and applied (inbox empty, no effect pending): then nothing new
      const reply = (await desk.messages(ticketId)).filter((m) => m.type === 'Correspond' && m.creator === scenario.requester.email).at(-1);
      expect(reply).toBeDefined();
      await waitFor('the reply to be taken', async () => ((await redis.exists(app.store.keys.seen(`rt:${ticketId}:comment:${reply?.id ?? ''}`))) === 1 ? true : undefined), 30_000);
      await waitFor('the reply to be applied', async () => ((await redis.llen(app.store.keys.inbox(tk))) === 0 && (await app.store.pendingEffects(tk)).length === 0 ? true : undefined), 30_000);
      expect(await status()).toBe('handed_off');
      expect(await botReplies()).toBe(before);
    }, 90_000);
  });

  describe('the poller alone (no RT_WEBHOOK_SECRET: every notification refused)', () => {
    it('carries a ticket to the end: resolved with the scenario\'s correspondences', async () => {
      const sent = new Set<string>();
      const port = await freePort();
      const policy = parsePolicy({ ...DEMO_POLICY, reminderAfterMs: 30_000, timeoutAfterMs: 60_000 });
      const { app, prefix } = await startApp({ rt, port, pollIntervalS: 1, watchValue: '2fa_poll', policy, sent });
      cleanups.push(async () => {
        await app.stop();
        await deletePrefix(redis, prefix);
      });
      const scenario = SCENARIOS.find((s) => s.key === 'no-group');
      if (!scenario) throw new Error('no scenario');
      const r = await play(desk, app, scenario, '2fa_poll', sent, 90_000);
      expect(r.state?.status).toBe('resolved');
      expect(r.publicReplies).toBe(scenario.expect.publicReplies);
      expect((await desk.ticket(r.ticketId)).Status).toBe('resolved');
    }, 150_000);
  });
});
