import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { type Effect, EventSchema, type WorkflowEvent } from '../../workflows/resync/index.js';
import type { EffectExecutor } from './effect-executor.js';
import type { EffectJob, Queues } from '../store/queues.js';
import type { EffectAttempt } from '../observe/ticket-observer.js';
import type { WorkflowStore } from '../store/workflow-store.js';
import { effectKey } from '../store/keys.js';

/** An effect this worker ran to the end: its key, and the event it reports (none for a timer or a note). */
export interface InlineOutcome {
  key: string;
  result: WorkflowEvent | undefined;
}

export interface EffectRunnerDeps {
  store: WorkflowStore;
  queues: Queues;
  executor: EffectExecutor;
  log: Logger;
  /** wakes the ticket's drain once a result is in its inbox (default: a drain job) */
  wake?: (tk: string) => Promise<void>;
  /** attempts before an effect is given up and reported to the workflow as effectFailed */
  attempts: number;
  backoffMs: number;
  now?: () => number;
  /** called after every attempt (metrics, the ticket's activity list) */
  onEffect?: (attempt: EffectAttempt) => void;
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
    const { store, executor } = this.deps;
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
      const log = await this.ticketLog(tk, { effect: effect.type, effectId: effect.id });
      if (err.retryable === false || job.attemptsMade + 1 >= this.deps.attempts) {
        await this.fail(tk, effect, raw, log);
        if (await this.deps.store.completeEffect(key, tk, this.failedEvent(key, effect, raw))) await this.wake(tk);
        return;
      }
      this.deps.onEffect?.({ tk, effect, outcome: 'retry', error: raw, at: this.now() });
      if (typeof err.retryAfterMs === 'number' && err.retryAfterMs > 0 && token) {
        log.info({ retryAfterMs: err.retryAfterMs }, 'rate limited: effect delayed');
        await job.moveToDelayed(this.now() + err.retryAfterMs, token);
        throw new DelayedError();
      }
      log.info({ attempt: job.attemptsMade + 1, error: err.name, reason }, 'effect failed: will retry');
      throw raw;
    }
    this.deps.onEffect?.({ tk, effect, outcome: 'ok', at: this.now() });
    const done = await store.completeEffect(key, tk, result);
    if (done && result) await this.wake(tk);
  }

  private wake(tk: string): Promise<void> {
    return this.deps.wake ? this.deps.wake(tk) : this.deps.queues.drain(tk);
  }

  /**
   * Runs an effect in the drain that committed it, without a job: the fast path (EFFECTS_INLINE). The commit leased
   * the effect to this worker (the sweeper leaves it alone until JOB_LOCK_MS has passed), so a crash here is
   * recovered like a lost job. Returns its outcome (its result, or an effectFailed when no retry can fix the
   * failure) for the calling drain to apply and complete in its next commit; no drain is queued. A failure a retry
   * may fix hands the effect to a job (the usual retries and backoff, starting after the backoff or the Retry-After
   * the API gave) and returns nothing. Only resyncs count their starts (an earlier start matters only to them, see
   * EffectContext).
   */
  async runInline(tk: string, effect: Effect): Promise<InlineOutcome | undefined> {
    const { store, executor } = this.deps;
    const key = effectKey(tk, effect.id);
    const resync = effect.type === 'resyncOtp' || effect.type === 'resyncChallenge';
    const starts = resync ? await store.markEffectStarted(key) : 1;
    let result: WorkflowEvent | undefined;
    try {
      result = await executor.run(effect, { tk, key, retryAfterUnknownOutcome: starts > 1 });
    } catch (raw) {
      const err = raw as ErrorLike;
      const log = await this.ticketLog(tk, { effect: effect.type, effectId: effect.id });
      if (err.retryable === false) {
        await this.fail(tk, effect, raw, log);
        return { key, result: this.failedEvent(key, effect, raw) };
      }
      this.deps.onEffect?.({ tk, effect, outcome: 'retry', error: raw, at: this.now() });
      const rateLimited = typeof err.retryAfterMs === 'number' && err.retryAfterMs > 0;
      const delayMs = rateLimited ? (err.retryAfterMs as number) : this.deps.backoffMs;
      // the job path's line, with when its job takes it up
      log.info({ attempt: 1, retryInMs: delayMs, error: err.name, reason: err.reason ?? err.message ?? String(raw) }, 'effect failed: will retry');
      await this.deps.queues.addEffectAfter(tk, effect, delayMs);
      return undefined;
    }
    this.deps.onEffect?.({ tk, effect, outcome: 'ok', at: this.now() });
    if (result === undefined) return { key, result };
    // The result is applied without the inbox's round trip through JSON and the event schema: it is checked here
    // instead, and one the schema refuses goes the inbox's way (set aside there for an operator, like any event).
    const checked = EventSchema.safeParse(result);
    if (checked.success) return { key, result: checked.data };
    await store.completeEffect(key, tk, result);
    return undefined;
  }

  /**
   * Runs a read-only effect that was never saved, ahead of the commit of the transition that asked for it (see
   * EventProcessor.readAhead): its result event, or nothing when it failed or the result does not pass the event
   * schema. Success is reported by the drain once a commit saved the result (`onReadAhead`); a failure is reported
   * here as an attempt to retry: the drain commits the effect, tries it again at once, then as a job with backoff.
   */
  async readAhead(tk: string, effect: Effect, state: string | undefined): Promise<WorkflowEvent | undefined> {
    const key = effectKey(tk, effect.id);
    let result: WorkflowEvent | undefined;
    try {
      result = await this.deps.executor.run(effect, { tk, key, retryAfterUnknownOutcome: false });
    } catch (raw) {
      const err = raw as ErrorLike;
      this.deps.onEffect?.({ tk, effect, outcome: 'retry', error: raw, at: this.now() });
      // the state the drain holds in memory: the store has not seen this ticket's newest transitions yet
      const log = this.deps.log.child({ tk, state: state ?? 'received', effect: effect.type, effectId: effect.id });
      log.info({ attempt: 1, ahead: true, error: err.name, reason: err.reason ?? err.message ?? String(raw) }, 'effect failed: will retry');
      return undefined;
    }
    const checked = EventSchema.safeParse(result);
    return checked.success ? checked.data : undefined;
  }

  private async fail(tk: string, effect: Effect, raw: unknown, log: Logger): Promise<void> {
    const err = raw as ErrorLike;
    log.warn({ error: err.name, reason: err.reason ?? err.message ?? String(raw) }, 'effect failed: reported to the workflow');
    this.deps.onEffect?.({ tk, effect, outcome: 'failed', error: raw, at: this.now() });
  }

  private failedEvent(key: string, effect: Effect, raw: unknown): WorkflowEvent {
    const err = raw as ErrorLike;
    return {
      type: 'effectFailed',
      id: `fx:${key}`,
      effectId: effect.id,
      effectType: effect.type,
      reason: `${err.name ?? 'Error'}: ${err.reason ?? err.message ?? String(raw)}`.slice(0, 500),
      // the typed error's own word: a refusal no retry can fix, or retries that ran out (a later try may succeed)
      retryable: err.retryable !== false,
      at: this.now(),
    };
  }

  /**
   * A logger for lines about this ticket: its key and its current workflow state. The state costs a read, so it
   * is only made on the paths that log (failures), never for a successful effect.
   */
  private async ticketLog(tk: string, fields: Record<string, unknown>): Promise<Logger> {
    let state: string | undefined;
    try {
      state = (await this.deps.store.getState(tk)).state?.status;
    } catch {
      state = 'unknown';
    }
    return this.deps.log.child({ tk, state, ...fields });
  }
}
