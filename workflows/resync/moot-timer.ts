import type { Effect, EffectOf } from './effects.js';
import { TERMINAL_STATES, UNFINISHED_STATES, type WorkflowState } from './state.js';
import { slaTimerId } from './transition-sla.js';

/** A timer as the workflow names it: its id and kind (a setTimer without its due time). */
export type TimerRef = Pick<EffectOf<'setTimer'>, 'timerId' | 'kind'>;

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATES);
const UNFINISHED: ReadonlySet<string> = new Set(UNFINISHED_STATES);
const SLA_TIMERS: readonly TimerRef[] = [
  { timerId: slaTimerId('first_reply'), kind: 'sla_risk' },
  { timerId: slaTimerId('resolution'), kind: 'sla_risk' },
];

/**
 * Whether a timer is moot in a state: the state would ignore it when it fires. Every timer once the ticket ended;
 * every one but the retry of a stuck ticket once its round was left unfinished (update_failed, stuck); the SLA timers
 * once the ticket is in a later round, and the first-reply one once the first public reply is out (a new ticket's
 * reads and first reply are saved together); a wait's reminder or time-out once a later step replaced it. A worker
 * leaves moot timers out of what it saves, and takes out the ones a batch made moot.
 */
export function isMootTimer(state: WorkflowState | undefined, timer: Effect | TimerRef): boolean {
  if ('type' in timer && timer.type !== 'setTimer') return false;
  if (!('timerId' in timer) || state === undefined) return false;
  if (TERMINAL.has(state.status)) return true;
  // A round left to a person keeps only the timer that retries its simpler update (stuck); SLA timers are moot.
  if (UNFINISHED.has(state.status)) return state.timer?.id !== timer.timerId;
  if (timer.kind === 'sla_risk') {
    if (state.round !== 1) return true;
    return timer.timerId === slaTimerId('first_reply') && state.sla.firstPublicReplyAt !== undefined;
  }
  return state.timer?.id !== timer.timerId;
}

/** The timers a ticket had in `before` that are moot in `after`: the ones a batch of transitions made moot. */
export function timersMadeMoot(before: WorkflowState | undefined, after: WorkflowState | undefined): TimerRef[] {
  if (before === undefined || after === undefined || before === after) return [];
  const known = [...(before.timer ? [{ timerId: before.timer.id, kind: before.timer.kind }] : []), ...(before.round === 1 ? SLA_TIMERS : [])];
  return known.filter((t) => !isMootTimer(before, t) && isMootTimer(after, t));
}
