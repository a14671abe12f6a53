import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createApp, type App } from '../../workers/app.js';
import { loadConfig } from '../../workers/config.js';
import { freePort, startPrivateRedis, type PrivateRedis } from '../../workers/redis/private-redis.js';
import { startLocalDesk, type LocalDesk } from '../support/local-desk.js';
import { startFailoverStage, type FailoverStage } from './failover.js';
import type { FaultProxy } from './fault-proxy.js';

/** What the bot's set-up depends on (see ChaosOptions). */
export interface BotOptions {
  mode?: 'restart' | 'failover' | undefined;
  /** the workers' and the intake's time-out for the desk (LOCAL_DESK_TIMEOUT_MS) */
  clientTimeoutMs: number;
}

/** The bot's intake app, the desk it serves or is served by, and the fault proxy in front of that desk. */
export interface Bot {
  app: App;
  /** the desk's API as people and the checks reach it (not through the proxy) */
  deskUrl: string;
  proxy: FaultProxy;
  proxyUrl: string;
  /** the Redis variables of the bot's processes */
  redisEnv: Record<string, string>;
  /** the Redis of the desk and the platform when it is not the bot's (failover mode), for the secret scan */
  systemsRedis: Redis | undefined;
  stop(): Promise<void>;
}

/**
 * Restart mode: one Redis for all, the intake serves the embedded desk itself. Failover mode: the bot's Redis is a
 * Sentinel group, the desk runs here (as a ticket system of its own) on the plain Redis that also holds the 2FA
 * platform, its webhooks go to the intake, and the intake and workers reach it through the fault proxy.
 */
export async function startBot(opts: BotOptions, prefix: string, seedPath: string, log: App['log'], makeProxy: (target: string) => FaultProxy): Promise<Bot & { stage?: FailoverStage; redisServer?: PrivateRedis }> {
  const base = { REDIS_PREFIX: prefix, HOST: '127.0.0.1', ROLES: 'intake', TWOFA_LOCAL_SEED: seedPath, LOG_LEVEL: 'debug' };
  if (opts.mode !== 'failover') {
    const redisServer = await startPrivateRedis();
    const app = await createApp(loadConfig({ ...base, REDIS_URL: redisServer.url, PORT: '0' }), { log });
    await app.start();
    const proxy = makeProxy(app.url!);
    const proxyUrl = await proxy.start();
    return {
      app,
      deskUrl: `${app.url}/desk`,
      proxy,
      proxyUrl,
      redisEnv: { REDIS_URL: redisServer.url },
      systemsRedis: undefined,
      redisServer,
      async stop() {
        await app.stop();
        await proxy.stop();
        await redisServer.stop();
      },
    };
  }
  const stage = await startFailoverStage();
  try {
    return await startBotOn(stage, opts, base, log, makeProxy);
  } catch (err) {
    await stage.stop();
    throw err;
  }
}

async function startBotOn(stage: FailoverStage, opts: BotOptions, base: Record<string, string>, log: App['log'], makeProxy: (target: string) => FaultProxy): Promise<Bot & { stage: FailoverStage }> {
  const prefix = base.REDIS_PREFIX as string;
  const secret = `chaos-desk-${randomBytes(12).toString('hex')}`;
  const port = await freePort();
  const systemsRedis = new Redis(stage.systems.url, { maxRetriesPerRequest: null });
  systemsRedis.on('error', () => undefined);
  const desk: LocalDesk = await startLocalDesk({
    redis: systemsRedis,
    prefix: `${prefix}:desk`,
    webhookUrl: `http://127.0.0.1:${port}/webhooks/local`,
    webhookSecret: secret,
    notifyBotChanges: false,
    // as the intake wires it when it serves the desk (the notifier's own defaults)
    notifier: { retryDelayMs: 250, log },
  });
  const proxy = makeProxy(new URL(desk.url).origin);
  const proxyUrl = await proxy.start();
  const redisEnv = { ...stage.env, LOCAL_DESK_WEBHOOK_SECRET: secret };
  const app = await createApp(
    loadConfig({ ...base, ...redisEnv, PORT: String(port), LOCAL_DESK_SERVE: 'false', LOCAL_DESK_URL: `${proxyUrl}/desk`, LOCAL_DESK_TIMEOUT_MS: String(opts.clientTimeoutMs) }),
    { log },
  );
  await app.start();
  return {
    app,
    deskUrl: desk.url,
    proxy,
    proxyUrl,
    redisEnv,
    systemsRedis,
    stage,
    async stop() {
      await app.stop();
      await desk.close();
      await proxy.stop();
      systemsRedis.disconnect();
      await stage.stop();
    },
  };
}
