import { formatUtc } from './format-time.js';
import type { EscalationReason } from './state.js';
import { render } from './templates.js';
import { escalationNote, noteVars, publicVars } from './transition-notes.js';
import type { Step } from './transition-step.js';

/** Hands the ticket to a human: one update with a short public word, the full note, the tag and the group. */
/**
 * `next` replaces the reason's "what to do next" text when the caller knows the exact steps; `publicText` replaces
 * the generic public word when the requester should hear something more exact.
 */
export function escalate(step: Step, reason: EscalationReason, detail: string, next?: string, publicText?: string): void {
  const { s, policy } = step;
  step.go('escalated', reason);
  step.clearTimer();
  s.awaiting = undefined;
  s.escalation = { reason, detail };
  step.tell(publicText ?? render('escalated', publicVars(s), policy, s.language));
  step.note(escalationNote(s, step.from, policy, reason, detail, next));
  step.addTag(policy.escalatedTag);
  step.assignToEscalationGroup();
  step.setTicketStatus('open');
}

/** An agent took over: the bot goes quiet, without a word on the ticket. */
export function handOff(step: Step, why: string): void {
  step.go('handed_off', why);
  step.clearTimer();
  step.s.awaiting = undefined;
}

export function resolve(step: Step, how: { confirmed: true } | { lastSuccessAt: number | undefined }): void {
  const { s, policy } = step;
  step.go('resolved', 'confirmed' in how ? 'the requester confirmed' : 'successful login seen');
  s.awaiting = undefined;
  s.sla.resolvedAt = step.at;
  const vars = noteVars(s, policy);
  if ('confirmed' in how) {
    step.tell(render('resolved', vars, policy, s.language));
    step.note(render('note_resolved_confirmed', vars, policy));
  } else {
    step.tell(render('resolved_auth_seen', vars, policy, s.language));
    step.note(render('note_resolved_auth_seen', { ...vars, lastSuccessAt: how.lastSuccessAt === undefined ? 'an unknown time' : formatUtc(how.lastSuccessAt) }, policy));
  }
  step.setTicketStatus('solved');
  step.addTag(policy.resolvedTag);
}

/** The end user stayed silent through every reminder. */
export function timeOut(step: Step): void {
  const { s, policy } = step;
  const since = s.waitingSince ?? step.at;
  if (policy.onTimeout === 'escalate') {
    escalate(step, 'no_response', `no answer since ${formatUtc(since)}; ${s.reminders} reminders sent`);
    return;
  }
  const vars = { ...noteVars(s, policy), since: formatUtc(since), reminders: s.reminders };
  step.go('timed_out', 'no response');
  s.awaiting = undefined;
  s.sla.resolvedAt = step.at;
  step.tell(render('timed_out', vars, policy, s.language));
  step.note(render('note_timed_out', vars, policy));
  step.setTicketStatus('solved');
}

/** The state lost something its status needs: only a human can sort that out. */
export function inconsistent(step: Step, missing: string): void {
  escalate(step, 'effect_failed', `the workflow state has no ${missing} in ${step.s.status}`);
}
