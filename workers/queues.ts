import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Effect } from '../workflows/resync/effects.js';
import { jobId } from './keys.js';
import { effectKey } from './workflow-store.js';

export const QUEUE = {
  /** "drain ticket X": apply its inbox in order */
  events: 'events',
  /** one job per effect, id derived from the effect key */
  effects: 'effects',
  /** delayed jobs that fire reminderDue / timeoutDue */
  timers: 'timers',
  /** repeatable jobs: the poller and the sweeper */
  maintenance: 'maintenance',
} as const;

export interface DrainJob {
  tk: string;
}
export interface EffectJob {
  key: string;
  tk: string;
}
export interface TimerJob {
  tk: string;
  timerId: string;
  kind: 'reminder' | 'timeout';
}

/**
 * BullMQ workers block on Redis: they must never give up on a request by themselves. While Redis restarts,
 * ioredis reconnects and replays queued commands; connection errors are reported, never thrown.
 */
export function redisConnection(url: string, onError: (err: Error) => void, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra });
  redis.on('error', onError);
  return redis;
}

export function bullPrefix(prefix: string): string {
  return `${prefix}:q`;
}

export const DRAIN_JOB_OPTS: JobsOptions = {
  attempts: 20,
  backoff: { type: 'exponential', delay: 200 },
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
};

export class Queues {
  readonly events: Queue<DrainJob>;
  readonly effects: Queue<EffectJob>;
  readonly timers: Queue<TimerJob>;
  readonly maintenance: Queue;

  private readonly effectOpts: JobsOptions;

  constructor(
    connection: ConnectionOptions,
    prefix: string,
    effectRetry: { attempts: number; backoffMs: number } = { attempts: 8, backoffMs: 1000 },
    onError: (err: Error) => void = () => undefined,
  ) {
    this.effectOpts = {
      attempts: effectRetry.attempts,
      backoff: { type: 'exponential', delay: effectRetry.backoffMs, jitter: 0.3 },
      removeOnComplete: true,
      removeOnFail: { count: 5000 },
    };
    const opts = { connection, prefix: bullPrefix(prefix) };
    this.events = new Queue<DrainJob>(QUEUE.events, opts);
    this.effects = new Queue<EffectJob>(QUEUE.effects, opts);
    this.timers = new Queue<TimerJob>(QUEUE.timers, opts);
    this.maintenance = new Queue(QUEUE.maintenance, opts);
    for (const q of [this.events, this.effects, this.timers, this.maintenance]) q.on('error', onError);
  }

  /** A drain job for a ticket that just got events: every append gets its own, so no wake-up is lost. */
  async drain(tk: string): Promise<void> {
    await this.events.add('drain', { tk }, DRAIN_JOB_OPTS);
  }

  /**
   * A drain job for a ticket found dirty by the sweeper: one at a time per ticket (deterministic id), so a
   * backlog does not make the sweeper flood the queue with drains that all find the same events.
   */
  async drainOnce(tk: string): Promise<void> {
    const id = jobId('sweep-drain', tk);
    const existing = await this.events.getJob(id);
    if (existing && (await existing.isFailed())) await existing.retry('failed');
    else await this.events.add('drain', { tk }, { ...DRAIN_JOB_OPTS, jobId: id });
  }

  /** One job per effect; the id comes from the effect key, so queuing the same effect twice is a no-op. */
  async addEffects(tk: string, effects: Effect[]): Promise<void> {
    await this.effects.addBulk(
      effects.map((e) => {
        const key = effectKey(tk, e.id);
        return { name: e.type, data: { key, tk }, opts: { ...this.effectOpts, jobId: effectJobId(key) } };
      }),
    );
  }

  async addRecoveredEffect(key: string): Promise<void> {
    const tk = key.slice(0, key.lastIndexOf('|'));
    await this.effects.add('recovered', { key, tk }, { ...this.effectOpts, jobId: effectJobId(key) });
  }

  async close(): Promise<void> {
    await Promise.all([this.events.close(), this.effects.close(), this.timers.close(), this.maintenance.close()]);
  }
}

export function effectJobId(key: string): string {
  return jobId('fx', key);
}
