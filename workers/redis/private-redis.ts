import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export class RedisServerMissing extends Error {
  override readonly name = 'RedisServerMissing';
  readonly reason =
    'redis-server is not installed: run `npm run redis:install` (apt-get as root) or `sudo apt-get install -y redis-server`, or set REDIS_URL';
  constructor() {
    super('redis-server is not installed: run `npm run redis:install` or set REDIS_URL');
  }
}

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Stops the server (SHUTDOWN NOSAVE is not used: the append-only file stays consistent). */
  stop(): Promise<void>;
  /**
   * Stops the process and starts it again on the same port and folder: it reloads its append-only file.
   * SIGTERM is a clean restart (Redis syncs the file first); SIGKILL a crash (up to a second of writes lost).
   */
  restart(signal?: NodeJS.Signals): Promise<void>;
}

/** Ports handed out by this process: two servers it starts never get the same one, though neither listens yet. */
const handedOut = new Set<number>();

/**
 * A free TCP port on loopback, for a server started next. Chosen below the kernel's range for outgoing connections
 * (ip_local_port_range): a port the kernel picks from that range can be taken by an outgoing connection between this
 * check and the server's bind, which happened in busy runs (EADDRINUSE). Falls back to the kernel's choice.
 */
export async function freePort(): Promise<number> {
  const below = await ephemeralLow();
  const low = 10_000;
  if (below - low > 1_000) {
    for (let tries = 0; tries < 50; tries++) {
      const port = low + randomInt(below - low);
      if (handedOut.has(port)) continue;
      if (handedOut.size >= 10_000) handedOut.clear();
      handedOut.add(port);
      if (await bindable(port)) return port;
    }
  }
  return listenOn(0);
}

async function ephemeralLow(): Promise<number> {
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  const low = Number(text.trim().split(/\s+/)[0]);
  return Number.isInteger(low) && low > 0 ? low : 32_768;
}

async function bindable(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

/** Listens on the port (0: the kernel's choice) and closes again; resolves with the port that was bound. */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr && typeof addr === 'object') {
        const bound = addr.port;
        srv.close(() => resolve(bound));
      } else reject(new Error('no port'));
    });
  });
}

async function waitForPing(url: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < until) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      // Loading the append-only file answers LOADING until done.
      if ((await client.ping()) === 'PONG') {
        client.disconnect();
        return;
      }
    } catch (err) {
      lastError = err;
    }
    client.disconnect();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`private redis-server did not answer at ${url}: ${String(lastError)}`);
}

function spawnServer(port: number, dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--dir', dir,
        '--appendonly', 'yes',
        '--appendfsync', 'everysec',
        '--save', '',
        '--maxmemory-policy', 'noeviction',
        '--daemonize', 'no',
        '--protected-mode', 'yes',
        '--loglevel', 'warning',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new RedisServerMissing() : err);
    });
    child.once('spawn', () => resolve(child));
  });
}

/** Starts redis-server on a free loopback port in a temp folder, append-only file on, noeviction. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'twofa-desk-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child = await spawnServer(port, dir).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  await waitForPing(url, 10_000);

  const killChild = (signal: NodeJS.Signals): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });

  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);

  return {
    url,
    port,
    dir,
    async stop() {
      process.removeListener('exit', onExit);
      await killChild('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    async restart(signal: NodeJS.Signals = 'SIGKILL') {
      await killChild(signal);
      child = await spawnServer(port, dir);
      await waitForPing(url, 20_000);
    },
  };
}
