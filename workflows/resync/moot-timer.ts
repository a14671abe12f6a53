import type { Effect } from './effects.js';
import type { WorkflowState } from './state.js';
import { slaTimerId } from './transition-sla.js';

/**
 * Whether a timer asked for earlier in a batch of transitions is already moot in the state the batch ends in: the
 * state would ignore it when it fires. The first-reply SLA timer once the first public reply is out (a new ticket's
 * reads and its first reply are saved together), a wait's reminder or time-out once a later step replaced it. A
 * worker that saves the batch in one commit leaves such timers out: each would only queue a job that changes nothing.
 */
export function isMootTimer(state: WorkflowState | undefined, effect: Effect): boolean {
  if (effect.type !== 'setTimer' || state === undefined) return false;
  if (effect.kind === 'sla_risk') return effect.timerId === slaTimerId('first_reply') && state.sla.firstPublicReplyAt !== undefined;
  return state.timer?.id !== effect.timerId;
}
