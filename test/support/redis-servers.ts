/**
 * Real redis-server processes for the TLS, Sentinel and Cluster tests: on 127.0.0.1, on free ports, in temporary
 * folders, without persistence; stopped and their folders deleted by `stop()` (and killed if the test process exits).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort } from '../../workers/redis/private-redis.js';
import { waitFor } from './wait-for.js';

const execFileAsync = promisify(execFile);

/** Runs a tool; a missing one says how to get it. */
async function run(tool: 'openssl' | 'redis-cli', args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<void> {
  try {
    await execFileAsync(tool, args, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} is not installed: run \`bash scripts/install-redis-test-tools.sh\``);
    throw err;
  }
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

interface ServerProcess {
  readonly port: number;
  /** what the process wrote (warnings and errors), for a failure's message */
  output(): string;
  stop(): Promise<void>;
  /**
   * Sends `signal` to the process: SIGSTOP freezes it (a replica that lags), SIGCONT lets it go on, SIGKILL crashes it
   * without a clean shutdown (and waits until it is gone).
   */
  signal(signal: 'SIGSTOP' | 'SIGCONT' | 'SIGKILL'): Promise<void>;
}

function spawnRedis(port: number, args: string[]): ServerProcess {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('error', (err) => keep(Buffer.from(`${err.message}: run \`bash scripts/install-redis-test-tools.sh\`\n`)));
  child.once('exit', () => running.delete(child));
  return {
    port,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        // a process that never started (no redis-server) has no pid and no exit to wait for
        if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    signal: (signal) =>
      new Promise<void>((resolve) => {
        if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
        if (signal !== 'SIGKILL') {
          child.kill(signal);
          return resolve();
        }
        child.once('exit', () => resolve());
        // a frozen process dies of SIGKILL too
        child.kill('SIGKILL');
      }),
  };
}

const BASE_ARGS = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning', '--maxmemory-policy', 'noeviction'];

/** PINGs with `options` until the server answers, then returns; a failure names the server's own output. */
async function answering(server: ServerProcess, options: RedisOptions, ms = 10_000): Promise<void> {
  let last = '';
  try {
    await waitFor(
      `redis-server on port ${server.port}`,
      async () => {
        const client = new Redis({ host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...options });
        client.on('error', () => undefined);
        try {
          await client.connect();
          return (await client.ping()) === 'PONG' ? true : undefined;
        } catch (err) {
          last = (err as Error).message;
          return undefined;
        } finally {
          client.disconnect();
        }
      },
      ms,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (last error: ${last}); server output: ${server.output()}`);
  }
}

export interface TlsFiles {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** a CA that signed neither certificate */
  otherCa: string;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

/**
 * A throw-away CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, made with the openssl
 * command (EC P-256 keys, valid one day) in a temporary folder. Never committed: each run makes its own.
 */
export async function makeTlsFiles(): Promise<TlsFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'twofa-desk-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = async (name: string) => {
    await openssl(dir, 'req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=twofa-desk test ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  };
  const leaf = async (name: string, ext: string) => {
    await openssl(dir, 'req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    await writeFile(join(dir, `${name}.ext`), ext);
    await openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
  };
  await ca('ca');
  await ca('other-ca');
  // redis-server also presents its certificate as a client (a replica to its master): it may do both
  await leaf('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  await leaf('client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    ca: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    otherCa: join(dir, 'other-ca.crt'),
  };
}

export interface TlsRedis {
  /** rediss://127.0.0.1:<port>: the server has no plain-text port */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** redis-server with TLS only; `authClients`: it asks for a client certificate signed by the CA (tls-auth-clients). */
export async function startTlsRedis(files: TlsFiles, opts: { authClients: boolean; password?: string }): Promise<TlsRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'twofa-desk-redis-tls-'));
  const port = await freePort();
  const server = spawnRedis(port, [
    '--port', '0',
    '--tls-port', String(port),
    '--tls-cert-file', files.serverCert,
    '--tls-key-file', files.serverKey,
    '--tls-ca-cert-file', files.ca,
    '--tls-auth-clients', opts.authClients ? 'yes' : 'no',
    '--dir', dir,
    ...(opts.password ? ['--requirepass', opts.password] : []),
    ...BASE_ARGS,
  ]);
  const tls = { ca: await readFile(files.ca, 'utf8'), cert: await readFile(files.clientCert, 'utf8'), key: await readFile(files.clientKey, 'utf8') };
  await answering(server, { port, tls, ...(opts.password ? { password: opts.password } : {}) });
  return {
    url: `rediss://127.0.0.1:${port}`,
    port,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SentinelGroup {
  /** the master group name the sentinels monitor */
  name: string;
  /** `127.0.0.1:<port>` of each sentinel, as REDIS_SENTINELS takes them */
  sentinels: string[];
  /** the ports of the two data servers, the master's first at the start */
  dataPorts: number[];
  /** the port the sentinels name as master now (asked of every sentinel: they must agree) */
  masterPort(): Promise<number | undefined>;
  /** SENTINEL FAILOVER on the first sentinel, then waits until every sentinel names the other server and it is a master */
  failover(): Promise<{ from: number; to: number }>;
  /**
   * Sends `signal` to the data server on `port` (one of `dataPorts`): SIGSTOP to make a replica lag behind its
   * master, SIGCONT to let it go on, SIGKILL to crash a master the way a machine dies (no clean shutdown, no sync).
   */
  signalDataServer(port: number, signal: 'SIGSTOP' | 'SIGCONT' | 'SIGKILL'): Promise<void>;
  /** waits until every sentinel names `port` as master and it answers as one (after a crash of the old master) */
  waitForMaster(port: number, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The TLS settings of a server that speaks TLS only, to clients and to the servers it connects to itself. */
function tlsSettings(files: TlsFiles, port: number): string[][] {
  return [
    ['port', '0'],
    ['tls-port', String(port)],
    ['tls-cert-file', files.serverCert],
    ['tls-key-file', files.serverKey],
    ['tls-ca-cert-file', files.ca],
    ['tls-auth-clients', 'no'],
    // replicas to their master, sentinels to the servers (and the port each announces is its TLS port)
    ['tls-replication', 'yes'],
  ];
}

/**
 * A master, one replica and three sentinels (quorum 2) on loopback. The data servers require `password`, the
 * sentinels `sentinelPassword` (and use it between themselves). With `tls`, every one of them speaks TLS only.
 */
export async function startSentinelGroup(opts: { password: string; sentinelPassword: string; name?: string; tls?: TlsFiles }): Promise<SentinelGroup> {
  const name = opts.name ?? 'twofa';
  const dir = await mkdtemp(join(tmpdir(), 'twofa-desk-sentinel-'));
  const auth = ['--requirepass', opts.password, '--masterauth', opts.password];
  const files = opts.tls;
  const portArgs = (port: number) => (files ? tlsSettings(files, port).flatMap(([k, v]) => [`--${k}`, v as string]) : ['--port', String(port)]);
  const clientTls: RedisOptions = files ? { tls: { ca: await readFile(files.ca, 'utf8') } } : {};
  const dataClient = <T>(port: number, f: (c: Redis) => Promise<T>) => clientOn({ port, password: opts.password, ...clientTls }, f);
  const [m, r] = [await freePort(), await freePort()];
  const master = spawnRedis(m, [...portArgs(m), '--dir', dir, '--dbfilename', `dump-${m}.rdb`, ...auth, ...BASE_ARGS]);
  const replica = spawnRedis(r, [...portArgs(r), '--dir', dir, '--dbfilename', `dump-${r}.rdb`, '--replicaof', '127.0.0.1', String(m), ...auth, ...BASE_ARGS]);
  const data = [master, replica];
  const servers: ServerProcess[] = [...data];
  const stop = async () => {
    // a frozen server would never see the SIGTERM
    await Promise.all(data.map((s) => s.signal('SIGCONT')));
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await answering(master, { port: m, password: opts.password, ...clientTls });
    await answering(replica, { port: r, password: opts.password, ...clientTls });
    await dataClient(r, (c) =>
      waitFor('the replica in sync', async () => ((await c.info('replication')).includes('master_link_status:up') ? true : undefined), 10_000),
    );
    const sentinelPorts = [await freePort(), await freePort(), await freePort()];
    for (const port of sentinelPorts) {
      const conf = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        conf,
        [
          ...(files ? tlsSettings(files, port).map((kv) => kv.join(' ')) : [`port ${port}`]),
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${m} 2`,
          `sentinel auth-pass ${name} ${opts.password}`,
          `sentinel down-after-milliseconds ${name} 2000`,
          `sentinel failover-timeout ${name} 10000`,
          `requirepass ${opts.sentinelPassword}`,
          `sentinel sentinel-pass ${opts.sentinelPassword}`,
          '',
        ].join('\n'),
      );
      servers.push(spawnRedis(port, [conf, '--sentinel']));
    }
    const ask = (port: number) => (f: (c: Redis) => Promise<unknown>) => clientOn({ port, password: opts.sentinelPassword, ...clientTls }, f);
    for (const port of sentinelPorts) {
      await waitFor(
        `sentinel ${port} to know the replica and the other sentinels`,
        () =>
          ask(port)(async (c) => {
            const replicas = (await c.call('SENTINEL', 'REPLICAS', name)) as string[][];
            const others = (await c.call('SENTINEL', 'SENTINELS', name)) as string[][];
            return replicas.length === 1 && others.length === 2 ? true : undefined;
          }).catch(() => undefined) as Promise<true | undefined>,
        20_000,
      );
    }
    const masterPortOf = (port: number) =>
      ask(port)(async (c) => Number(((await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[])[1])) as Promise<number>;
    const masterPort = async () => {
      const ports = await Promise.all(sentinelPorts.map(masterPortOf));
      return ports.every((p) => p === ports[0]) ? ports[0] : undefined;
    };
    const waitForMaster = async (to: number, ms = 30_000) => {
      await waitFor('every sentinel to name the new master', async () => ((await masterPort().catch(() => undefined)) === to ? true : undefined), ms);
      await dataClient(to, (c) =>
        waitFor('the new master to take writes', async () => ((await c.info('replication')).includes('role:master') ? true : undefined), 10_000),
      );
    };
    return {
      name,
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
      dataPorts: [m, r],
      masterPort,
      async failover() {
        const from = await masterPort();
        const to = from === m ? r : m;
        await ask(sentinelPorts[0] as number)((c) => c.call('SENTINEL', 'FAILOVER', name));
        await waitFor('every sentinel to name the new master', async () => ((await masterPort()) === to ? true : undefined), 30_000);
        await dataClient(to, (c) =>
          waitFor('the new master to take writes', async () => ((await c.info('replication')).includes('role:master') ? true : undefined), 10_000),
        );
        return { from: from ?? 0, to };
      },
      async signalDataServer(port, signal) {
        const server = port === m ? master : port === r ? replica : undefined;
        if (!server) throw new Error(`port ${port} is not a data server of this group (${m}, ${r})`);
        await server.signal(signal);
      },
      waitForMaster,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface RedisClusterServers {
  /** `127.0.0.1:<port>` of each master, as REDIS_CLUSTER_NODES takes them */
  nodes: string[];
  ports: number[];
  stop(): Promise<void>;
}

/** Three masters (no replicas) with `redis-cli --cluster create`, password on; the bus ports are free ports too. */
export async function startRedisCluster(opts: { password: string }): Promise<RedisClusterServers> {
  const dir = await mkdtemp(join(tmpdir(), 'twofa-desk-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const servers: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      servers.push(
        spawnRedis(port, [
          '--port', String(port),
          '--cluster-enabled', 'yes',
          '--cluster-port', String(await freePort()),
          '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', '5000',
          '--dir', dir,
          '--requirepass', opts.password,
          '--masterauth', opts.password,
          ...BASE_ARGS,
        ]),
      );
    }
    for (const [i, port] of ports.entries()) await answering(servers[i] as ServerProcess, { port, password: opts.password });
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], {
      env: { ...process.env, REDISCLI_AUTH: opts.password },
      timeout: 30_000,
    });
    for (const port of ports) {
      await clientOn({ port, password: opts.password }, (c) =>
        waitFor(`cluster node ${port} to see the whole cluster`, async () => {
          const info = await c.call('CLUSTER', 'INFO');
          return String(info).includes('cluster_state:ok') && String(info).includes('cluster_known_nodes:3') ? true : undefined;
        }, 20_000),
      );
    }
    return { nodes: ports.map((p) => `127.0.0.1:${p}`), ports, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A client to one server on loopback for the length of `f`. */
export async function clientOn<T>(options: RedisOptions, f: (c: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null, ...options });
  client.on('error', () => undefined);
  try {
    return await f(client);
  } finally {
    client.disconnect();
  }
}
