import { readFile } from 'node:fs/promises';
import axios from 'axios';
import type { Logger } from 'pino';
import { parsePolicy, type Policy } from '../../workflows/resync/policy.js';
import type { WorkflowState } from '../../workflows/resync/state.js';
import { parseSeed, type Seed } from '../../integrations/twofa/local/seed.js';
import { VirtualToken } from '../../integrations/twofa/local/virtual-token.js';
import { DEMO_DEVICE_COUNTERS } from '../../integrations/twofa/local/demo-devices.js';
import { createApp, type App } from '../../workers/app.js';
import { DEFAULT_SEED, loadConfig } from '../../workers/config.js';
import { createLogger } from '../../workers/logger.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { SimulatedUser, type DeskComment } from './simulated-user.js';
import { REQUESTER_TEXTS } from './requester-texts.js';
import { languageOfLocale } from '../../workflows/resync/language.js';

export interface DemoResult {
  scenario: Scenario;
  ticketId: string;
  state: WorkflowState | undefined;
  publicReplies: number;
  internalNotes: number;
  seconds: number;
  comments: DeskComment[];
}

export interface DemoRun {
  results: DemoResult[];
  /** every code and response the simulated users sent */
  sent: Set<string>;
  app: App;
  prefix: string;
}

export interface DemoOptions {
  redisUrl: string;
  prefix?: string;
  log?: Logger;
  scenarios?: Scenario[];
  deadlineMs?: number;
  /** keep the app running after the run (tests read Redis, then stop it) */
  keepRunning?: boolean;
  /** more environment for the app, e.g. TWOFA_PLATFORM=privacyidea and its PRIVACYIDEA_* variables */
  env?: Record<string, string>;
  /** how a simulated user logs in for the re-test when the platform is not the embedded one */
  login?: (userName: string, code: string) => Promise<unknown>;
  /** run the scenarios on this running app instead of starting one (it is left running) */
  app?: App;
  /** more tags on each ticket (a tenant's routing tag, say) */
  tags?: string[];
  /** the seed the users' devices come from (default: the demo seed) and their devices' counters by serial */
  seed?: Seed;
  deviceCounters?: Record<string, number>;
  /** the workflow's policy for the app it starts (default DEMO_POLICY) */
  policy?: Policy;
  /**
   * every requester's locale, set on the desk user by an agent (PUT /api/users) before the ticket: the bot replies in
   * it, and the requesters write in its language (default: none, each writes in their scenario's language)
   */
  locale?: string;
}

/** Demo policy: the production defaults with timers in seconds, so "never replies" ends within the run. */
export const DEMO_POLICY = parsePolicy({
  reminderAfterMs: 2_000,
  maxReminders: 1,
  timeoutAfterMs: 5_000,
  // No watch of the auth log: the scripted users log in and say "works" at once, and a look between the two would
  // make the closing reply a race (the one-message test, test/e2e/one-message.test.ts, runs with a watch).
  authWatchForMs: 0,
  groupMapping: { byDomain: { 'example.com': 'VPN Users' } },
});

/**
 * Runs every scenario at once through the whole system: the embedded desk over HTTP, webhooks to the intake,
 * BullMQ workers on real Redis, the embedded 2FA platform, and simulated end users with their own tokens.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoRun> {
  const prefix = opts.prefix ?? `demo-${Date.now().toString(36)}`;
  const log = opts.log ?? createLogger('warn');
  const env = { REDIS_URL: opts.redisUrl, REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', POLL_INTERVAL_S: '5', SWEEP_INTERVAL_S: '2', EFFECT_BACKOFF_MS: '200', ...opts.env };
  let app = opts.app;
  if (!app) {
    const config = loadConfig(env, { policy: opts.policy ?? DEMO_POLICY });
    app = await createApp(config, { log, ...(opts.env ? { source: env } : {}) });
    await app.start();
  }
  const running = app;
  const seed = opts.seed ?? parseSeed(JSON.parse(await readFile(DEFAULT_SEED, 'utf8')), DEFAULT_SEED);
  const counters = opts.deviceCounters ?? DEMO_DEVICE_COUNTERS;
  const desk = axios.create({ baseURL: `${running.url}/desk`, timeout: 5_000 });
  const sent = new Set<string>();
  const deadline = Date.now() + (opts.deadlineMs ?? 45_000);

  const results = await Promise.all(
    (opts.scenarios ?? SCENARIOS).map(async (scenario): Promise<DemoResult> => {
      const started = Date.now();
      const user = scenario.userName ? seed.users.find((u) => u.userName === scenario.userName) : undefined;
      const tokenSeed = user ? seed.tokens.find((t) => t.userId === user.id) : undefined;
      const token = tokenSeed
        ? new VirtualToken({ secret: tokenSeed.secret, kind: tokenSeed.kind, counter: counters[tokenSeed.serial] ?? tokenSeed.counter, digits: tokenSeed.digits ?? (tokenSeed.kind === 'kt4' ? 8 : 6) })
        : undefined;
      const language = languageOfLocale(opts.locale) ?? scenario.language ?? 'en';
      const texts = REQUESTER_TEXTS[language];
      if (opts.locale !== undefined) await desk.put('/api/users', { email: scenario.requester.email, locale: opts.locale });
      const created = await desk.post<{ id: string }>('/api/tickets', {
        // The title is English: a ticket in another language carries the scenario's key instead, so its subject reads as one language.
        subject: `${texts.subject} (${language === 'en' ? scenario.title : scenario.key})`,
        description: texts.description,
        requester: scenario.requester,
        tags: [DEMO_POLICY.watchTag, ...(opts.tags ?? [])],
      });
      const ticketId = String(created.data.id);
      const sim = new SimulatedUser({
        desk,
        ticketId,
        scenario,
        token,
        sent,
        app: running,
        language,
        ...(opts.login ? { login: opts.login } : {}),
      });
      const state = await sim.run(deadline);
      const seconds = (Date.now() - started) / 1000;
      const { data } = await desk.get<{ comments: DeskComment[] }>(`/api/tickets/${ticketId}`);
      const bot = data.comments.filter((c) => c.authorRole === 'bot');
      return {
        scenario,
        ticketId,
        state,
        publicReplies: bot.filter((c) => c.public).length,
        internalNotes: bot.filter((c) => !c.public).length,
        seconds,
        comments: data.comments,
      };
    }),
  );
  if (!opts.keepRunning && !opts.app) await running.stop();
  return { results, sent, app: running, prefix };
}
