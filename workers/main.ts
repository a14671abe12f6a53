import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

/** `npm start`: the long-running worker, configured from the environment. */
async function main(): Promise<void> {
  let config;
  let app;
  try {
    config = loadConfig();
    // createApp refuses an exposure it cannot protect (checkExposure) before it connects to anything
    app = await createApp(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`twofa-desk: bad configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
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
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await app.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`twofa-desk: start-up failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
