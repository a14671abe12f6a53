import { z } from 'zod';
import { SlaTargetSchema, type WorkflowEvent } from '../workflows/resync/events.js';
import type { Logger } from 'pino';
import type { Queues } from './queues.js';
import type { WorkflowStore } from './workflow-store.js';

/** What a timer job holds (`TimerJob` in queues.ts). Read back from Redis, so parsed. */
export const TimerJobDataSchema = z.object({
  tk: z.string().min(1),
  timerId: z.string().min(1),
  kind: z.enum(['reminder', 'timeout', 'sla_risk']),
});
export type TimerJobData = z.infer<typeof TimerJobDataSchema>;

/** SLA timer ids are `<round>.sla.<target>` (workflows/resync/transition-sla.ts). */
const SLA_TIMER_ID = /\.sla\.([a-z_]+)$/;

export class BadTimerJob extends Error {
  override readonly name = 'BadTimerJob';
  readonly reason: string;
  constructor(what: string) {
    super(`unreadable timer job: ${what}`);
    this.reason = `a job in the timers queue is not a timer this version knows (${what}); remove it from the queue or upgrade the workers`;
  }
}


/** The event a due timer becomes. */
export function timerEvent(data: TimerJobData, now: number): WorkflowEvent {
  const { tk, timerId, kind } = data;
  const id = `timer:${tk}:${timerId}`;
  if (kind === 'reminder') return { type: 'reminderDue', id, at: now, timerId };
  if (kind === 'timeout') return { type: 'timeoutDue', id, at: now, timerId };
  const target = SlaTargetSchema.safeParse(SLA_TIMER_ID.exec(timerId)?.[1]);
  if (!target.success) throw new BadTimerJob(`SLA timer id '${timerId}' names no SLA target`);
  return { type: 'slaRiskDue', id, at: now, timerId, target: target.data };
}

/** A due timer becomes an event; the workflow ignores it when its state has moved on. */
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
