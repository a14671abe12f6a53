import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../../integrations/shared/config-error.js';
import { type Env } from '../config.js';

/** The variables every Redis connection is built from (README, Configuration). */
export type RedisEnv = Pick<
  Env,
  | 'REDIS_URL'
  | 'REDIS_USERNAME'
  | 'REDIS_PASSWORD'
  | 'REDIS_TLS_CA_FILE'
  | 'REDIS_TLS_CERT_FILE'
  | 'REDIS_TLS_KEY_FILE'
  | 'REDIS_SENTINELS'
  | 'REDIS_SENTINEL_NAME'
  | 'REDIS_SENTINEL_USERNAME'
  | 'REDIS_SENTINEL_PASSWORD'
  | 'REDIS_SENTINEL_TLS'
  | 'REDIS_CLUSTER_NODES'
>;

/** What a connection is for; the defaults are those of a worker's connection. */
export interface ConnectOptions {
  /** send the commands of one turn of the event loop together (the store's connection, see app.ts); default false */
  autoPipelining?: boolean;
  /**
   * an operator command's connection: a few tries, then the command or connect() fails. Default false: a command
   * waits as long as Redis is away (BullMQ's rule for workers, maxRetriesPerRequest null), through a restart or a
   * failover, and ioredis replays it once connected again.
   */
  failFast?: boolean;
  /** connect on connect() or the first command rather than at once; default false */
  lazyConnect?: boolean;
}

/**
 * Every connection of the workers and the CLI, from the configuration: one server (`redis://`, `rediss://`), a master
 * found through Sentinel, or a Cluster. Errors go to `onError` (ioredis reconnects by itself); a TLS file that cannot
 * be read is a ConfigError naming its variable.
 *
 * The workers type their connections as `Redis`. A `Cluster` takes the same commands, scripts (defineCommand),
 * pipelines and transactions, routed by their keys, and BullMQ takes either; it is returned as one so that nothing
 * downstream needs to know. Commands without a key (PING, SCAN) go to any node: the workers use none on their data
 * except LocalPlatformStore.clear() (tests and seeding with `replace`).
 */
export function connectRedis(env: RedisEnv, onError: (err: Error) => void, opts: ConnectOptions = {}): Redis {
  const client = env.REDIS_CLUSTER_NODES ? (createCluster(env, env.REDIS_CLUSTER_NODES, opts) as unknown as Redis) : new Redis(serverOptions(env, opts));
  client.on('error', onError);
  return client;
}

/** After a failover the old master answers writes with READONLY until the client reconnects: reconnect and resend. */
function reconnectOnReadonly(err: Error): 2 | false {
  return err.message.startsWith('READONLY') ? 2 : false;
}

const giveUpAfterFour = (attempt: number): number | null => (attempt > 3 ? null : 200);

function retryOptions(opts: ConnectOptions): RedisOptions {
  return opts.failFast ? { maxRetriesPerRequest: 2, connectTimeout: 5_000, retryStrategy: giveUpAfterFour } : { maxRetriesPerRequest: null };
}

interface UrlParts {
  host: string;
  port: number;
  db: number;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
}

function urlParts(env: RedisEnv): UrlParts {
  const url = new URL(env.REDIS_URL);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) throw new ConfigError('REDIS_URL', `the path must be a database number (/0 … /15), not /${path}`);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    db: path === '' ? 0 : Number(path),
    username: env.REDIS_USERNAME ?? (url.username ? decodeURIComponent(url.username) : undefined),
    password: env.REDIS_PASSWORD ?? (url.password ? decodeURIComponent(url.password) : undefined),
    tls: url.protocol === 'rediss:',
  };
}

function readPem(variable: 'REDIS_TLS_CA_FILE' | 'REDIS_TLS_CERT_FILE' | 'REDIS_TLS_KEY_FILE', path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(variable, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!/-----BEGIN [A-Z ]+-----/.test(text)) throw new ConfigError(variable, `${path} holds nothing in PEM format`);
  return text;
}

/** The server's certificate is always verified: against REDIS_TLS_CA_FILE when set, else the system's CAs. */
function tlsOptions(env: RedisEnv): TlsOptions {
  return {
    ...(env.REDIS_TLS_CA_FILE ? { ca: readPem('REDIS_TLS_CA_FILE', env.REDIS_TLS_CA_FILE) } : {}),
    ...(env.REDIS_TLS_CERT_FILE ? { cert: readPem('REDIS_TLS_CERT_FILE', env.REDIS_TLS_CERT_FILE) } : {}),
    ...(env.REDIS_TLS_KEY_FILE ? { key: readPem('REDIS_TLS_KEY_FILE', env.REDIS_TLS_KEY_FILE) } : {}),
  };
}

/** One server, or the master of a Sentinel group (the URL's host is then not used). */
function serverOptions(env: RedisEnv, opts: ConnectOptions): RedisOptions {
  const url = urlParts(env);
  const tls = url.tls || env.REDIS_SENTINEL_TLS ? tlsOptions(env) : undefined;
  const common: RedisOptions = {
    db: url.db,
    ...(url.username ? { username: url.username } : {}),
    ...(url.password ? { password: url.password } : {}),
    enableReadyCheck: true,
    enableAutoPipelining: opts.autoPipelining ?? false,
    lazyConnect: opts.lazyConnect ?? false,
    reconnectOnError: reconnectOnReadonly,
    ...retryOptions(opts),
  };
  if (!env.REDIS_SENTINELS) return { ...common, host: url.host, port: url.port, ...(url.tls && tls ? { tls } : {}) };
  return {
    ...common,
    sentinels: env.REDIS_SENTINELS,
    name: env.REDIS_SENTINEL_NAME ?? '',
    ...(env.REDIS_SENTINEL_USERNAME ? { sentinelUsername: env.REDIS_SENTINEL_USERNAME } : {}),
    ...(env.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
    ...(url.tls && tls ? { tls, enableTLSForSentinelMode: true } : {}),
    ...(env.REDIS_SENTINEL_TLS && tls ? { sentinelTLS: tls } : {}),
    // Sentinel disconnects the clients of a master it demotes, but a master that died may leave our sockets open
    // until TCP gives up: listening for +switch-master on the sentinels reconnects at once.
    failoverDetector: !opts.failFast,
    ...(opts.failFast ? { sentinelRetryStrategy: giveUpAfterFour } : {}),
  };
}

function createCluster(env: RedisEnv, nodes: NonNullable<RedisEnv['REDIS_CLUSTER_NODES']>, opts: ConnectOptions): Cluster {
  const url = urlParts(env);
  return new Cluster(nodes, {
    redisOptions: {
      ...(url.username ? { username: url.username } : {}),
      ...(url.password ? { password: url.password } : {}),
      ...(url.tls ? { tls: tlsOptions(env) } : {}),
      // BullMQ reads maxRetriesPerRequest here: null for the workers, as on one server
      ...retryOptions(opts),
    },
    enableAutoPipelining: opts.autoPipelining ?? false,
    lazyConnect: opts.lazyConnect ?? false,
    ...(opts.failFast ? { clusterRetryStrategy: giveUpAfterFour } : {}),
  });
}
