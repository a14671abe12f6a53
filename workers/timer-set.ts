import { EventSchema, type WorkflowEvent } from '../workflows/resync/events.js';
import type { TimerRef } from '../workflows/resync/moot-timer.js';
import { timerEvent } from './timer-handler.js';

export type { TimerRef };

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
