import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '../../workers/redis/private-redis.js';
import { clientOn, startSentinelGroup, type SentinelGroup } from '../support/redis-servers.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The failover mode's world: the bot's Redis is a Sentinel group (a master, a replica, three sentinels), and the
 * systems the bot serves keep their data on a plain Redis of their own, as real ones would: the embedded desk (the
 * ticket system, the source of truth) and the embedded 2FA platform (TWOFA_LOCAL_REDIS_URL). A failover of the
 * bot's Redis loses none of their data.
 */
export interface FailoverStage {
  group: SentinelGroup;
  /** the desk's and the platform's Redis */
  systems: PrivateRedis;
  /** what the bot's processes (intake and workers) connect with: the Sentinel group, the platform's own Redis */
  env: Record<string, string>;
  /** see failOver() */
  failOver(opts: FailOverOptions): Promise<FailoverReport>;
  stop(): Promise<void>;
}

export async function startFailoverStage(): Promise<FailoverStage> {
  const password = `chaos-${randomBytes(8).toString('hex')}`;
  const sentinelPassword = `chaos-sentinel-${randomBytes(8).toString('hex')}`;
  const systems = await startPrivateRedis();
  let group: SentinelGroup;
  try {
    group = await startSentinelGroup({ password, sentinelPassword, name: 'chaos' });
  } catch (err) {
    await systems.stop();
    throw err;
  }
  return {
    group,
    systems,
    env: {
      REDIS_SENTINELS: group.sentinels.join(','),
      REDIS_SENTINEL_NAME: group.name,
      REDIS_PASSWORD: password,
      REDIS_SENTINEL_PASSWORD: sentinelPassword,
      TWOFA_LOCAL_REDIS_URL: systems.url,
    },
    failOver: (opts) => failOver(group, password, opts),
    async stop() {
      await group.stop();
      await systems.stop();
    },
  };
}

/** What the bot's Redis lost when its master died: measured on the master just before the kill, and on the replica that took over. */
export interface FailoverReport {
  /** tickets done when the failover started */
  atFinished: number;
  masterPort: number;
  replicaPort: number;
  /** how long the replica was frozen and cut off while the master took writes */
  lagMs: number;
  /** workflow states on the master just before the kill */
  statesBefore: number;
  /** of those, the promoted replica holds an older version */
  statesRewound: number;
  /** of those, the promoted replica does not hold at all */
  statesLost: number;
  /** master_repl_offset at the kill minus the replica's offset: the replication stream the replica never received */
  bytesNotReceived: number;
  /** from the kill until every sentinel named the replica and it took writes */
  promotionSeconds: number;
  line: string;
}

const offsetOf = (info: string, field: string): number => Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(info)?.[1] ?? Number.NaN);

/** Every workflow's version (`v` of its `wf` hash) on one server. */
async function workflowVersions(c: Redis, prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}:wf:*`, 'COUNT', 1000);
    cursor = next;
    const vs = await Promise.all(keys.map((k) => c.hget(k, 'v')));
    keys.forEach((k, i) => out.set(k, Number(vs[i] ?? 0)));
  } while (cursor !== '0');
  return out;
}

export interface FailOverOptions {
  prefix: string;
  /** how long the master takes writes the replica never sees (default 2500 ms) */
  lagMs?: number;
  atFinished: number;
  /** started when the replica is cut off: the burst of new tickets, whose workflows then exist on the master only */
  onLagStart?: () => void;
  say?: (line: string) => void;
}

/**
 * Fails the Sentinel group's master over the hard way. The replica is frozen (SIGSTOP) and its replication link
 * cut (CLIENT KILL TYPE replica: a frozen replica cannot reconnect), the master takes writes for `lagMs`, then it is
 * SIGKILLed (no clean shutdown), the replica goes on (SIGCONT) and the sentinels promote it.
 *
 * Why the cut: SIGSTOP alone loses nothing on loopback. The kernel's socket buffers hold megabytes of the
 * replication stream (measured: 2.5 MB written while the replica was frozen, 0 bytes missing after the master's
 * SIGKILL), and a killed master's kernel still delivers what it had queued. A link that broke before the master
 * died is how asynchronous replication really loses the last seconds.
 */
export async function failOver(group: SentinelGroup, password: string, opts: FailOverOptions): Promise<FailoverReport> {
  const say = opts.say ?? (() => undefined);
  const lagMs = opts.lagMs ?? 2500;
  const masterPort = await waitFor('the sentinels to agree on the master', () => group.masterPort().catch(() => undefined), 10_000);
  const replicaPort = group.dataPorts.find((p) => p !== masterPort) as number;
  const master = new Redis({ host: '127.0.0.1', port: masterPort, password, maxRetriesPerRequest: 1, retryStrategy: () => null });
  master.on('error', () => undefined);
  let before: Map<string, number>;
  let masterOffset: number;
  try {
    await group.signalDataServer(replicaPort, 'SIGSTOP');
    const cut = await master.call('CLIENT', 'KILL', 'TYPE', 'replica');
    say(`chaos: failover: replica ${replicaPort} frozen, ${String(cut)} replication link cut; master ${masterPort} takes writes alone for ${lagMs} ms`);
    opts.onLagStart?.();
    await new Promise((r) => setTimeout(r, lagMs));
    before = await workflowVersions(master, opts.prefix);
    masterOffset = offsetOf(await master.info('replication'), 'master_repl_offset');
  } finally {
    master.disconnect();
  }
  await group.signalDataServer(masterPort, 'SIGKILL');
  const killedAt = Date.now();
  await group.signalDataServer(replicaPort, 'SIGCONT');

  // Read the replica before the sentinels promote it (at least down-after-milliseconds, 2 s): nothing writes to it
  // until then, so what it holds is what the new master starts from. It first reads what its socket still held.
  const after = await clientOn({ port: replicaPort, password, maxRetriesPerRequest: 5 }, async (c) => {
    let offset = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 150));
      const info = await c.info('replication');
      // promoted already (not expected this early): its own offset carries on from where replication stopped
      const now = info.includes('role:slave') ? offsetOf(info, 'slave_repl_offset') : offsetOf(info, 'master_repl_offset');
      if (now === offset || !info.includes('role:slave')) return { offset: now, role: /^role:(\w+)/m.exec(info)?.[1], versions: await workflowVersions(c, opts.prefix) };
      offset = now;
    }
  });
  await group.waitForMaster(replicaPort, 60_000);
  const promotionSeconds = (Date.now() - killedAt) / 1000;

  let statesRewound = 0;
  let statesLost = 0;
  for (const [key, v] of before) {
    const now = after.versions.get(key);
    if (now === undefined) statesLost++;
    else if (now < v) statesRewound++;
  }
  const bytesNotReceived = Math.max(0, masterOffset - after.offset);
  const line =
    `chaos: failover at ${opts.atFinished} tickets done: master ${masterPort} SIGKILLed after ${lagMs} ms of writes its replica never got, replica ${replicaPort} promoted in ${promotionSeconds.toFixed(1)} s; ` +
    `the bot lost ${statesLost} workflow states and ${statesRewound} went back to an older version (of ${before.size}), ${bytesNotReceived} bytes of replication not received` +
    (after.role === 'slave' ? '' : ` (the replica was read as ${after.role ?? 'unknown'}: the count may miss writes)`);
  say(line);
  return { atFinished: opts.atFinished, masterPort, replicaPort, lagMs, statesBefore: before.size, statesRewound, statesLost, bytesNotReceived, promotionSeconds, line };
}
