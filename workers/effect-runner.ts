import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { WorkflowEvent } from '../workflows/resync/events.js';
import type { EffectExecutor } from './effect-executor.js';
import type { EffectJob, Queues } from './queues.js';
import type { WorkflowStore } from './workflow-store.js';

export interface EffectRunnerDeps {
  store: WorkflowStore;
  queues: Queues;
  executor: EffectExecutor;
  log: Logger;
  /** attempts before an effect is given up and reported to the workflow as effectFailed */
  attempts: number;
  backoffMs: number;
  now?: () => number;
  onEffect?: (type: string, outcome: 'ok' | 'retry' | 'failed', reason?: string) => void;
}

interface ErrorLike {
  name?: string;
  message?: string;
  reason?: string;
  retryable?: boolean;
  retryAfterMs?: number;
}

/**
 * Runs one effect job: carries it out, then completes it once (result event into the ticket's inbox). Failures
 * are retried with exponential backoff (or after the Retry-After a rate-limited API gave); a failure that no retry
 * can fix, or the last attempt, becomes an effectFailed event so the workflow hands the ticket to a human.
 */
export class EffectRunner {
  private readonly now: () => number;

  constructor(private readonly deps: EffectRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  async process(job: Job<EffectJob>, token?: string): Promise<void> {
    const { store, executor, log } = this.deps;
    const { key, tk } = job.data;
    const record = await store.getEffect(key);
    if (!record) return; // completed already (a duplicate job, or the sweeper re-queued it as it finished)
    const { effect } = record;
    const starts = await store.markEffectStarted(key);
    let result: WorkflowEvent | undefined;
    try {
      result = await executor.run(effect, { tk, key, retryAfterUnknownOutcome: starts > 1 });
    } catch (raw) {
      const err = raw as ErrorLike;
      const reason = err.reason ?? err.message ?? String(raw);
      const lastAttempt = job.attemptsMade + 1 >= this.deps.attempts;
      if (err.retryable === false || lastAttempt) {
        log.warn({ tk, effect: effect.type, effectId: effect.id, error: err.name, reason }, 'effect failed: reported to the workflow');
        this.deps.onEffect?.(effect.type, 'failed', err.name ?? 'Error');
        await this.complete(key, tk, {
          type: 'effectFailed',
          id: `fx:${key}`,
          effectId: effect.id,
          effectType: effect.type,
          reason: `${err.name ?? 'Error'}: ${reason}`.slice(0, 500),
          at: this.now(),
        });
        return;
      }
      this.deps.onEffect?.(effect.type, 'retry', err.name ?? 'Error');
      if (typeof err.retryAfterMs === 'number' && err.retryAfterMs > 0 && token) {
        log.info({ tk, effect: effect.type, retryAfterMs: err.retryAfterMs }, 'rate limited: effect delayed');
        await job.moveToDelayed(this.now() + err.retryAfterMs, token);
        throw new DelayedError();
      }
      log.info({ tk, effect: effect.type, attempt: job.attemptsMade + 1, error: err.name, reason }, 'effect failed: will retry');
      throw raw;
    }
    this.deps.onEffect?.(effect.type, 'ok');
    await this.complete(key, tk, result);
  }

  private async complete(key: string, tk: string, result: WorkflowEvent | undefined): Promise<void> {
    const done = await this.deps.store.completeEffect(key, tk, result);
    if (done && result) await this.deps.queues.drain(tk);
  }
}
