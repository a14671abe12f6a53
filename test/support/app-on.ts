import axios, { type AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';

/**
 * The whole app (intake, embedded desk, workers) in this process, on the Redis that `env` names (REDIS_URL,
 * REDIS_SENTINELS, REDIS_CLUSTER_NODES …), with the generated seed at `seedPath` and short intervals.
 */
export async function startAppOn(env: Record<string, string>, seedPath: string, log: Logger): Promise<{ app: App; desk: AxiosInstance }> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    TWOFA_LOCAL_SEED: seedPath,
    POLL_INTERVAL_S: '2',
    SWEEP_INTERVAL_S: '1',
    EFFECT_BACKOFF_MS: '100',
    JOB_LOCK_MS: '5000',
    ...env,
  });
  const app = await createApp(config, { log });
  await app.start();
  return { app, desk: axios.create({ baseURL: `${app.url}/desk`, timeout: 10_000 }) };
}

/** Every drain and every effect a BullMQ job, so that a test runs the queues' workers and not only in-process drains. */
export const ALL_AS_JOBS = { LOCAL_DRAIN_BACKLOG: '0', EFFECTS_INLINE: 'false' } as const;
