import type { EventOf, WorkflowEvent } from './events.js';
import { escalate, handOff } from './transition-outcomes.js';
import { unfinishedNote } from './transition-notes.js';
import type { Step } from './transition-step.js';
import { CLOSING_OUTCOMES, type ClosingOutcome, type WorkflowState } from './state.js';

/*
 * A round's last update (solve, close as no response, escalate) is what tells people how it ended. The workflow
 * enters the outcome when it asks for that update; when the ticket system then does not take it (a 422 from a
 * business rule or a deleted group, an outage longer than the retries), the round is not done:
 *
 *   resolved | timed_out | escalated --effectFailed(its update)--> update_failed   simpler update: note, open, escalated tag
 *   update_failed --effectFailed(refused)--> update_failed                         simpler still: the note alone
 *   update_failed --effectFailed(otherwise)--> stuck                               retried on a timer while a retry may help
 *   stuck --its timer--> update_failed                                             the simpler update again
 *
 * The simpler update carries no public reply (nothing may claim success to the requester) and no group (a deleted
 * group is a common cause). From update_failed and stuck only people move the ticket on: an agent's public reply,
 * the hand-off tag, solving it (handed_off), or an operator's `ticket escalate` (the whole escalation again, for
 * once the cause is fixed) or `ticket handoff`. Each fallback is a new effect with its own id, so the usual
 * idempotency keys hold; the ladder ends, so a ticket system that refuses everything cannot make it loop.
 */

const CLOSING: ReadonlySet<string> = new Set(CLOSING_OUTCOMES);
/** First retry of a stuck ticket's simpler update, doubled per failure up to the cap. */
const RETRY_FIRST_MS = 15 * 60_000;
const RETRY_MAX_MS = 4 * 60 * 60_000;

/** The ticket system did not take the update that tells how the round ended. */
export function closingUpdateFailed(s: WorkflowState, e: WorkflowEvent): e is EventOf<'effectFailed'> {
  return e.type === 'effectFailed' && e.effectType === 'updateTicket' && s.closingUpdate !== undefined && e.effectId === s.closingUpdate;
}

/** resolved, timed_out or escalated whose update failed: not done; a simpler update tells an agent instead. */
export function onClosingUpdateFailed(step: Step, e: EventOf<'effectFailed'>): void {
  const { s } = step;
  if (!CLOSING.has(s.status)) return;
  const outcome = s.status as ClosingOutcome;
  // The failed update carried the public reply that set firstPublicReplyAt when it was asked for; the requester never
  // saw it. Nor did the bot close anything.
  const askedAt = s.history.findLast((h) => h.to === outcome)?.at;
  if (askedAt !== undefined && s.sla.firstPublicReplyAt === askedAt) s.sla.firstPublicReplyAt = undefined;
  s.sla.resolvedAt = undefined;
  s.deskFailure = { outcome, reason: e.reason, at: e.at, fallback: 'note_open_tag', failures: 0 };
  step.go('update_failed', `the ${outcome} update failed: ${e.reason}`);
  sendFallback(step);
}

/** update_failed and stuck: waiting for a person; the simpler update's own failures step down the ladder. */
export function onUnfinished(step: Step, handoff: string | undefined): void {
  const { s, event: e } = step;
  if (e.type === 'operatorCommand') {
    if (e.action === 'handoff') return handOff(step, `an operator handed it off${e.reason ? `: ${e.reason}` : ''}`);
    return escalate(step, 'operator_request', e.reason || 'no reason given');
  }
  if (handoff) return handOff(step, handoff);
  if (s.status === 'update_failed' && closingUpdateFailed(s, e)) return onFallbackFailed(step, e);
  if (s.status === 'stuck' && e.type === 'reminderDue' && e.timerId === s.timer?.id) {
    step.clearTimer();
    step.go('update_failed', 'retrying the simpler update');
    sendFallback(step);
  }
}

function onFallbackFailed(step: Step, e: EventOf<'effectFailed'>): void {
  const { s } = step;
  const failure = s.deskFailure;
  if (!failure) return;
  const failures = failure.failures + 1;
  if (e.retryable === false && failure.fallback === 'note_open_tag') {
    // Refused: the status or the tag may be what the system will not take; a note alone is the least it can.
    s.deskFailure = { ...failure, fallback: 'note', failures, fallbackReason: e.reason };
    sendFallback(step);
    return;
  }
  s.deskFailure = { ...failure, failures, fallbackReason: e.reason };
  step.go('stuck', `the simpler update failed too: ${e.reason}`);
  if (e.retryable !== false) step.scheduleRetry(e.at + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (failures - 1)));
}

/** The simpler update: a note with everything an agent needs; with status open and the escalated tag unless refused. */
function sendFallback(step: Step): void {
  const { s, policy } = step;
  s.awaiting = undefined;
  step.note(unfinishedNote(s, policy));
  if (s.deskFailure?.fallback === 'note_open_tag') {
    step.setTicketStatus('open');
    step.addTag(policy.escalatedTag);
  }
}
