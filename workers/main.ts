import { createApp, type App } from './app.js';
import { ConfigError } from '../integrations/shared/config-error.js';
import { checkExposure, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { startDefaultRedis, usesPrivateRedis } from './redis/default-redis.js';
import { RedisServerMissing, type PrivateRedis } from './redis/private-redis.js';

/** `npm start`: the long-running worker, configured from the environment. */
async function main(): Promise<void> {
  let config: Config;
  let privateRedis = false;
  try {
    config = loadConfig();
    privateRedis = usesPrivateRedis(process.env, config.env);
    // createApp checks this too; here a refused exposure starts no Redis first
    checkExposure(config.env);
  } catch (err) {
    return badConfiguration(err);
  }
  const log = createLogger(config.env.LOG_LEVEL);
  let redis: PrivateRedis | undefined;
  if (privateRedis) {
    redis = await startDefaultRedis();
    config = { ...config, env: { ...config.env, REDIS_URL: redis.url } };
    log.warn(
      { redisUrl: redis.url, dataDir: redis.dir },
      'REDIS_URL is not set: started a private redis-server for the embedded desk and platform, its data in dataDir, deleted when this process stops. Not for production: set REDIS_URL to keep tickets',
    );
  }
  let app: App;
  try {
    app = await createApp(config, { log });
  } catch (err) {
    await redis?.stop();
    return badConfiguration(err);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing active jobs');
    const force = setTimeout(() => {
      app.log.error('shutdown grace period over: exiting');
      process.exit(1);
    }, config.env.SHUTDOWN_GRACE_MS + 2000);
    force.unref();
    await app.stop();
    await redis?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    await app.start();
  } catch (err) {
    await redis?.stop();
    throw err;
  }
}

/** A ConfigError stops start-up with exit code 2 and the variable's name; anything else is a start-up failure. */
function badConfiguration(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`twofa-desk: bad configuration: ${err.message}\n`);
  process.exit(2);
}

main().catch((err: unknown) => {
  if (err instanceof RedisServerMissing) process.stderr.write(`twofa-desk: ${err.reason}\n`);
  else process.stderr.write(`twofa-desk: start-up failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
