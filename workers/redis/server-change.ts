import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { luaScript } from '../../integrations/shared/lua-script.js';
import type { Keys } from '../store/keys.js';

const RECORD_CHANGE = luaScript('lua/record-server-change.lua', import.meta.url);

/** How long a read of the change time is reused (every drain asks). */
const CACHE_MS = 1_000;

/**
 * Notices that the bot's Redis is another server than before: a Sentinel failover promoted a replica (which may lack
 * the master's last writes: asynchronous replication) or the server restarted. Each process compares the server's
 * `run_id` with the one recorded in Redis, when it connects and after every reconnection; on a change it records the
 * time (the latest wins). Workflows saved before that time are checked against their tickets at their next event
 * (EventProcessor: `catchUp`): the ticket system, the source of truth, shows what a lost write did.
 * Not on a Redis Cluster (each node has its own run id): there a failover is not detected this way.
 */
export class ServerChange {
  private cached: { at: number; value: number | undefined } | undefined;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: Keys,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks now and after every reconnection. */
  watch(): void {
    if ('nodes' in this.redis && typeof (this.redis as Cluster).nodes === 'function' && (this.redis as Cluster).isCluster) return;
    const check = () => {
      this.check().catch((err: Error) => this.log.warn({ error: err.name, reason: err.message }, 'could not compare the Redis server with the last one seen'));
    };
    this.redis.on('ready', check);
    if (this.redis.status === 'ready') check();
  }

  /** Compares the server's run id with the recorded one; records a change. Returns whether it changed. */
  async check(): Promise<boolean> {
    const info = await (this.redis as Redis).info('server');
    const runId = /^run_id:(\w+)/m.exec(info)?.[1];
    if (!runId) return false;
    const seen = await this.redis.getset(this.keys.serverRunId, runId);
    if (seen === null || seen === runId) return false;
    const at = this.now();
    await this.redis.eval(RECORD_CHANGE.lua, 1, this.keys.serverChangedAt, String(at));
    this.cached = undefined;
    this.log.warn({ changedAt: new Date(at).toISOString() }, "the bot's Redis is another server than before (a failover or a restart): each workflow saved before now is checked against its ticket at its next event");
    return true;
  }

  /** When the server last changed (ms), if it ever did. */
  async changedAt(): Promise<number | undefined> {
    const t = this.now();
    if (this.cached && t - this.cached.at < CACHE_MS) return this.cached.value;
    const raw = await this.redis.get(this.keys.serverChangedAt);
    const value = raw === null ? undefined : Number(raw);
    this.cached = { at: t, value: Number.isFinite(value) ? value : undefined };
    return this.cached.value;
  }
}
