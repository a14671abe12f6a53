import type { Logger } from 'pino';
import { effectJobId, type Queues } from '../store/queues.js';
import type { WorkflowStore } from '../store/workflow-store.js';

/**
 * Finds work a crash left behind: effects saved with a state change but never completed (their job was lost,
 * or failed for good), and tickets whose inbox holds events no drain job is coming for. Safe to run anywhere,
 * any time: re-adding a job whose id still exists is a no-op.
 */
export class Sweeper {
  constructor(
    private readonly store: WorkflowStore,
    private readonly queues: Queues,
    private readonly log: Logger,
    /** an effect younger than this is still in flight normally */
    private readonly graceMs = 5_000,
  ) {}

  async sweep(now = Date.now()): Promise<{ effects: number; tickets: number }> {
    let effects = 0;
    for (const key of await this.store.staleEffects(now - this.graceMs)) {
      const job = await this.queues.effects.getJob(effectJobId(key));
      if (!job) {
        await this.queues.addRecoveredEffect(key);
        effects++;
      } else if (await job.isFailed()) {
        await job.retry('failed');
        effects++;
      }
    }
    const dirty = await this.store.dirtyTickets();
    // the same deduplicated drain job as any other: a backlog does not flood the queue with drains that find the same events
    for (const tk of dirty) await this.queues.drain(tk);
    if (effects > 0) this.log.warn({ effects }, 'sweeper re-queued effects left behind');
    return { effects, tickets: dirty.length };
  }
}
