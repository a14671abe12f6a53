import type { Logger } from 'pino';
import type { Queues } from '../store/queues.js';
import type { WorkflowStore } from '../store/workflow-store.js';
import { BadTimerJob, TimerJobDataSchema, timerEvent } from '../store/timer-set.js';

/**
 * The consumer of the BullMQ `timers` queue, which held workflow timers before they moved to the timer set. A
 * deployment upgraded with timer jobs still delayed in that queue gets them fired here. Remove after 2027-06-01,
 * when no supported upgrade path can still hold such jobs (and the `timers` queue with it).
 */
export async function fireTimer(job: { data: unknown }, store: WorkflowStore, queues: Queues, now: number, log?: Logger): Promise<void> {
  const parsed = TimerJobDataSchema.safeParse(job.data);
  if (!parsed.success) throw new BadTimerJob(parsed.error.issues[0]?.message ?? 'bad shape');
  const { tk, timerId, kind } = parsed.data;
  await store.append(tk, [timerEvent(parsed.data, now)]);
  await queues.drain(tk);
  // Reading the state costs a round trip: only when the line is written.
  if (log?.isLevelEnabled('debug')) {
    const { state } = await store.getState(tk);
    log.debug({ tk, state: state?.status, timer: kind, timerId, current: state?.timer?.id === timerId }, 'timer fired');
  }
}
