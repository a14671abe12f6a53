import axios from 'axios';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApp, type App } from '../../workers/app.js';
import { DEFAULT_SEED, loadConfig } from '../../workers/config.js';
import { ticketKey } from '../../workers/keys.js';
import { deletePrefix, freshPrefix, newRedis, testRedisUrl } from './redis.js';
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
