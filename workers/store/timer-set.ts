import { z } from 'zod';
import { EventSchema, SlaTargetSchema, type TimerRef, type WorkflowEvent } from '../../workflows/resync/index.js';

export type { TimerRef };

/** What a timer job holds (`TimerJob` in queues.ts, and a timer-set member). Read back from Redis, so parsed. */
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

/**
 * How a timer is held in the timers sorted set (scored by its due time): the JSON of the event it becomes, without
 * its time (added when it fires). Deterministic, so the commit that replaces or ends a timer names the same member
 * to remove it, and the same timer set twice is one member.
 */
export function timerMember(tk: string, timer: TimerRef): string {
  const { at: _at, ...rest } = timerEvent({ tk, timerId: timer.timerId, kind: timer.kind }, 0);
  return JSON.stringify(rest);
}

/** The event a due member becomes, fired at `now`, and its ticket; undefined for a member this version cannot read. */
export function firedTimer(member: string, now: number): { tk: string; event: WorkflowEvent } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(member);
  } catch {
    return undefined;
  }
  const event = EventSchema.safeParse({ ...(parsed as object), at: now });
  if (!event.success) return undefined;
  // ids are `timer:<tk>:<timerId>`; a timer id holds no ':'
  const id = event.data.id;
  const tk = id.startsWith('timer:') ? id.slice('timer:'.length, id.lastIndexOf(':')) : '';
  return tk === '' ? undefined : { tk, event: event.data };
}
