import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Effect, EffectOf } from '../../workflows/resync/index.js';
import { jobId } from './keys.js';
import { effectKey } from './keys.js';

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
/** A due-later workflow timer (read back through `TimerJobDataSchema` in timer-set.ts). */
export interface TimerJob {
  tk: string;
  timerId: string;
  kind: EffectOf<'setTimer'>['kind'];
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

function drainDedupId(tk: string): string {
  return jobId('drain', tk);
}

/** The options of a ticket's drain job: retries, and at most one waiting job per ticket (see Queues.drain). */
export function drainJobOpts(tk: string): JobsOptions {
  return { ...DRAIN_JOB_OPTS, deduplication: { id: drainDedupId(tk) } };
}

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

  /**
   * Wakes the ticket's drain, unless a drain job for the ticket is already waiting: that one will see the new events
   * (BullMQ deduplication on the ticket). The drain releases the deduplication key in the same Lua step that reads
   * the inbox (see `drainWakeKey`), so an event that arrives once a drain has read the inbox queues a new drain, as
   * does one that arrives while a drain waits out a retry or sits with a crashed worker: deduplication only drops
   * drains that would find the same events. A key whose job was lost is recovered by BullMQ (it checks that the job
   * still exists), and the sweeper drains dirty tickets whatever happened.
   */
  async drain(tk: string): Promise<void> {
    await this.events.add('drain', { tk }, drainJobOpts(tk));
  }

  /** The Redis key that holds the ticket's waiting drain job (BullMQ's deduplication key), for the drain to release. */
  drainWakeKey(tk: string): string {
    return `${this.events.keys.de}:${drainDedupId(tk)}`;
  }

  /** One job per effect; the id comes from the effect key, so queuing the same effect twice is a no-op. */
  async addEffects(tk: string, effects: Effect[]): Promise<void> {
    const job = (e: Effect) => {
      const key = effectKey(tk, e.id);
      return { name: e.type, data: { key, tk }, opts: { ...this.effectOpts, jobId: effectJobId(key) } };
    };
    // One effect (the common case) is one script call; addBulk wraps even one job in a pipeline, which on BullMQ's
    // connection copies its ~65 script commands into the pipeline object first.
    if (effects.length === 1) {
      const { name, data, opts } = job(effects[0] as Effect);
      await this.effects.add(name, data, opts);
    } else if (effects.length > 1) {
      await this.effects.addBulk(effects.map(job));
    }
  }

  /**
   * The job of an effect its worker ran itself and that failed in a way a retry may fix: the job takes over the
   * retries, first after `delayMs` (the backoff, or the Retry-After an API gave).
   */
  async addEffectAfter(tk: string, effect: Effect, delayMs: number): Promise<void> {
    const key = effectKey(tk, effect.id);
    await this.effects.add(effect.type, { key, tk }, { ...this.effectOpts, jobId: effectJobId(key), delay: Math.max(0, Math.round(delayMs)) });
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
