import { afterAll, beforeAll } from 'vitest';
import axios from 'axios';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApp, type App } from '../../workers/app.js';
import { DEFAULT_SEED, loadConfig } from '../../workers/config.js';
import { EventProcessor, type EventProcessorDeps } from '../../workers/drain/event-processor.js';
import { ticketKey } from '../../workers/store/keys.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from './redis.js';
import { capturedLogger } from './log-capture.js';
import { waitFor } from './wait-for.js';

/**
 * An app with the intake and the embedded desk only (`ROLES=intake`: no worker takes anything), on a fresh prefix:
 * the tests that play a worker themselves (one that dies, one whose effects run long) start from it.
 */
export interface IntakeOnly {
  prefix: string;
  redis: Redis;
  intake: App;
  /** a ticket tagged 2fa_issue on the desk, once its webhook's event is in the inbox */
  newTaggedTicket(): Promise<{ id: string; tk: string }>;
  /** an app with the workers role on the same prefix and desk (stopped by `stop`) */
  startWorkers(): Promise<App>;
  /** a drain the test plays itself, on the intake's store, queues, policy and ticket systems (`deps` replace any) */
  processor(deps?: Partial<EventProcessorDeps>): EventProcessor;
  stop(): Promise<void>;
}

export async function startIntakeOnly(name: string, log: Logger): Promise<IntakeOnly> {
  const prefix = freshPrefix(name);
  const redis = newRedis();
  const intake = await createApp(loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ROLES: 'intake' }), { log });
  await intake.start();
  const workers: App[] = [];
  return {
    prefix,
    redis,
    intake,
    async newTaggedTicket() {
      const desk = axios.create({ baseURL: `${intake.url}/desk` });
      const { data } = await desk.post<{ id: string }>('/api/tickets', { subject: 'code rejected', description: 'help', requester: { email: 'alice.archer@example.com', name: 'Alice Archer' }, tags: ['2fa_issue'] });
      const tk = ticketKey('local', String(data.id));
      await waitFor('the webhook', async () => ((await redis.llen(intake.store.keys.inbox(tk))) > 0 ? true : undefined));
      return { id: String(data.id), tk };
    },
    processor(deps = {}) {
      return new EventProcessor({ store: intake.store, queues: intake.queues, policy: intake.config.policy, ticketing: intake.ticketing, log, ...deps });
    },
    async startWorkers() {
      const app = await createApp(
        loadConfig({ REDIS_URL: testRedisUrl(), REDIS_PREFIX: prefix, ROLES: 'workers', LOCAL_DESK_URL: `${intake.url}/desk`, TWOFA_LOCAL_SEED: DEFAULT_SEED, SWEEP_INTERVAL_S: '3600' }),
        { log },
      );
      workers.push(app);
      await app.start();
      return app;
    },
    async stop() {
      for (const w of workers) await w.stop();
      await intake.stop();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/**
 * An intake-only system for the enclosing `describe` (started before its tests, stopped after; warnings are kept
 * in memory, not printed): `sys()` is the running system inside the tests.
 */
export function intakeOnlyPerSuite(name: string): { sys: () => IntakeOnly } {
  const { log } = capturedLogger('warn');
  let running: IntakeOnly | undefined;
  beforeAll(async () => {
    running = await startIntakeOnly(name, log);
  });
  afterAll(async () => {
    await running?.stop();
  });
  return {
    sys: () => {
      if (!running) throw new Error(`the intake-only system '${name}' is not running`);
      return running;
    },
  };
}
