import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { TimerJob, Queues } from './queues.js';
import type { WorkflowStore } from './workflow-store.js';

/** A due timer becomes an event; the workflow ignores it when its state has moved on. */
export async function fireTimer(job: Job<TimerJob>, store: WorkflowStore, queues: Queues, now: number, log?: Logger): Promise<void> {
  const { tk, timerId, kind } = job.data;
  const type = kind === 'reminder' ? 'reminderDue' : 'timeoutDue';
  await store.append(tk, [{ type, id: `timer:${tk}:${timerId}`, at: now, timerId }]);
  await queues.drain(tk);
  // Reading the state costs a round trip: only when the line is written.
  if (log?.isLevelEnabled('debug')) {
    const { state } = await store.getState(tk);
    log.debug({ tk, state: state?.status, timer: kind, timerId, current: state?.timer?.id === timerId }, 'timer fired');
  }
}
