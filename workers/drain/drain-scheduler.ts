import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { EventProcessor } from './event-processor.js';
import type { Queues } from '../store/queues.js';
import type { WorkflowStore } from '../store/workflow-store.js';

export interface DrainSchedulerDeps {
  processor: Pick<EventProcessor, 'drain'>;
  queues: Pick<Queues, 'drain'>;
  /** for the state of a ticket named in a log line (failure path only) */
  store: Pick<WorkflowStore, 'getState'>;
  log: Logger;
  /** drains run at once by this scheduler (EVENT_CONCURRENCY) */
  concurrency: number;
  /**
   * tickets waiting for a local drain at most; beyond it, new ones get a drain job that any worker process may take
   * (LOCAL_DRAIN_BACKLOG)
   */
  maxWaiting: number;
}

/**
 * Wakes a ticket's drain in this process when this process runs workers, instead of through a drain job: the event
 * is already in the inbox and the ticket in the dirty set (the caller appended it), so a drain job would only carry
 * the ticket's key through Redis and back, at two to three BullMQ scripts a hop. What a local drain cannot take
 * goes to the drain queue as before, where every worker process can take it: more tickets waiting here than
 * `maxWaiting`, a drain that failed (the job retries it with backoff), and anything asked or still waiting once
 * the scheduler is closed. A process that dies with drains waiting here leaves dirty tickets, which the sweeper
 * drains.
 */
export class DrainScheduler {
  private readonly limit: LimitFunction;
  /** tickets whose local drain is asked for and not started: a second request for one of them is already served */
  private readonly waiting = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  /** callers of `whenRoom`, told once a waiting drain starts or the scheduler closes */
  private roomWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly deps: DrainSchedulerDeps) {
    this.limit = pLimit(Math.max(1, deps.concurrency));
  }

  /** Asks for a drain of the ticket; returns once it is scheduled (locally or as a job), not once it ran. */
  async wake(tk: string): Promise<void> {
    if (this.waiting.has(tk) && !this.closed) return;
    if (this.closed || this.waiting.size >= this.deps.maxWaiting) return this.deps.queues.drain(tk);
    this.waiting.add(tk);
    const task = this.limit(() => this.run(tk));
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  /** How many tickets wait for a local drain (gauge, tests). */
  get backlog(): number {
    return this.waiting.size;
  }

  /** How many more tickets may wait for a local drain before new ones become drain jobs (0 once closed). */
  room(): number {
    return this.closed ? 0 : Math.max(0, this.deps.maxWaiting - this.waiting.size);
  }

  /** Resolves once there may be room again: a waiting drain started, or the scheduler closed. */
  whenRoom(): Promise<void> {
    if (this.room() > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Stops taking drains; those not started yet become drain jobs; waits for the ones running. */
  async close(): Promise<void> {
    this.closed = true;
    this.tellRoom();
    await Promise.allSettled([...this.running]);
  }

  private tellRoom(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  private async run(tk: string): Promise<void> {
    this.waiting.delete(tk);
    if (this.roomWaiters.length > 0) this.tellRoom();
    try {
      if (this.closed) return await this.deps.queues.drain(tk);
      await this.deps.processor.drain(tk);
    } catch (err) {
      const e = err as { name?: string; reason?: string; message?: string };
      const state = await this.deps.store.getState(tk).then(
        ({ state: s }) => s?.status ?? 'none',
        () => 'unknown',
      );
      this.deps.log.warn({ tk, state, error: e.name, reason: e.reason ?? e.message }, 'drain failed: handed to a drain job, which retries it');
      await this.deps.queues.drain(tk).catch((qerr: Error) => this.deps.log.error({ tk, state, error: qerr.name, reason: qerr.message }, 'drain job not queued: the sweeper drains the ticket'));
    }
  }
}
