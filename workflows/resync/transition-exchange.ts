import type { EventOf } from './events.js';
import { parseReply, type ParsedReply, type ReplyExpectation } from './reply-parser.js';
import { render, type TemplateName } from './templates.js';
import { noteVars, publicVars } from './transition-notes.js';
import { escalate, inconsistent, resolve, timeOut } from './transition-outcomes.js';
import { assistsResync, escalateIfNoTriesLeft, escalateWithHeldCodes } from './transition-capabilities.js';
import type { Step } from './transition-step.js';
import { onAuthWatch, pauseAuthWatch, resumeAuthWatch, startAuthWatch } from './transition-auth-watch.js';

type Problem = Extract<ParsedReply, { kind: 'unusable' }>['problem'];

const CODES_PROBLEM: Record<Problem, TemplateName> = {
  empty: 'codes_problem_empty',
  no_codes: 'codes_problem_no_codes',
  one_code: 'codes_problem_one_code',
  too_many_codes: 'codes_problem_too_many_codes',
  wrong_length: 'codes_problem_wrong_length',
  unclear: 'codes_problem_unclear',
};

const RESPONSE_PROBLEM: Record<Problem, TemplateName> = {
  empty: 'response_problem_empty',
  no_codes: 'response_problem_no_codes',
  one_code: 'response_problem_one_code',
  too_many_codes: 'response_problem_too_many_codes',
  wrong_length: 'response_problem_wrong_length',
  unclear: 'response_problem_unclear',
};

function problemOf(parsed: ParsedReply): Problem {
  // A reply of another kind than the one asked for (a "works" while we wait for codes) is not an answer.
  return parsed.kind === 'unusable' ? parsed.problem : 'unclear';
}

/** Counts a failed attempt; past the policy's limit a human takes over, otherwise `retry` asks again. */
function failedAttempt(step: Step, what: string, retry: () => void): void {
  step.s.attempts += 1;
  if (step.s.attempts >= step.policy.maxAttempts) return escalate(step, 'max_attempts', `${step.s.attempts} failed attempts; the last: ${what}`);
  retry();
}

/** The requester answered but not usably: say exactly what to send, and start the reminder clock over. */
function askAgain(step: Step, expected: ReplyExpectation['kind'], problem: Problem, publicText: TemplateName): void {
  const { s, policy } = step;
  step.restartWaiting();
  // The answer supersedes an auth-log check still in flight: its result must not remind them right away.
  s.awaiting = undefined;
  step.ask(render(publicText, publicVars(s), policy, s.language));
  step.note(render('note_reply_unusable', { ...noteVars(s, policy, step.deadline()), expected, problem }, policy));
}

/** awaiting_codes and awaiting_response: the requester's reply carries the codes or the response. */
export function onAwaitingSecret(step: Step): void {
  const e = step.event;
  if (e.type === 'reminderDue') return remindSecret(step);
  if (e.type === 'timeoutDue') return timeOut(step);
  if (e.type === 'commentAdded' && e.authorRole === 'requester') return secretReply(step, e);
}

/** A reply of the requester's the workflow acts on, counted for the SLA record. */
function countReply(step: Step): void {
  step.s.sla.endUserRoundTrips += 1;
  step.s.sla.requesterMessages = (step.s.sla.requesterMessages ?? 0) + 1;
}

function secretReply(step: Step, e: EventOf<'commentAdded'>): void {
  const { s } = step;
  countReply(step);
  if (!s.user || !s.token) return inconsistent(step, s.user ? 'token' : 'platform user');
  const { user, token } = s;
  const text = e.text ?? '';
  if (s.status === 'awaiting_codes') {
    const parsed = parseReply(text, { kind: 'codes', codeLength: token.codeLength });
    if (parsed.kind === 'codes') {
      // The codes stay in the comment: the effect names it and the worker reads it when it runs.
      if (assistsResync(step, token)) {
        step.go('resyncing', 'codes received for an agent');
        step.emit({ type: 'holdCodes', userId: user.id, serial: token.serial, tokenType: token.type, commentId: e.commentId, codeLength: token.codeLength });
        return;
      }
      if (escalateIfNoTriesLeft(step)) return;
      s.resyncTries += 1;
      step.go('resyncing', 'codes received');
      step.emit({ type: 'resyncOtp', userId: user.id, serial: token.serial, commentId: e.commentId, codeLength: token.codeLength });
      return;
    }
    const problem = problemOf(parsed);
    return failedAttempt(step, `reply without usable codes (${problem})`, () => askAgain(step, 'codes', problem, CODES_PROBLEM[problem]));
  }
  if (!s.challenge) return inconsistent(step, 'challenge');
  const parsed = parseReply(text, { kind: 'response', codeLength: token.codeLength });
  if (parsed.kind === 'response') {
    if (escalateIfNoTriesLeft(step)) return;
    s.resyncTries += 1;
    step.go('resyncing', 'response received');
    step.emit({ type: 'resyncChallenge', userId: user.id, serial: token.serial, challenge: s.challenge, commentId: e.commentId, codeLength: token.codeLength });
    return;
  }
  const problem = problemOf(parsed);
  return failedAttempt(step, `reply without a usable response (${problem})`, () => askAgain(step, 'response', problem, RESPONSE_PROBLEM[problem]));
}

function remindSecret(step: Step): void {
  const { s, policy } = step;
  s.reminders += 1;
  step.ask(render(s.status === 'awaiting_codes' ? 'reminder_codes' : 'reminder_response', publicVars(s), policy, s.language));
  step.scheduleNext();
}

export function onResyncing(step: Step): void {
  const { s, policy, event: e } = step;
  if (e.type !== 'resyncSucceeded' && e.type !== 'resyncRejected' && e.type !== 'codesHeld' && e.type !== 'groupAdded') return;
  step.consume();
  if (!s.token) return inconsistent(step, 'token');
  const token = s.token;
  if (e.type === 'codesHeld') return escalateWithHeldCodes(step, e);
  if (e.type === 'groupAdded') {
    s.groupAdded = e.group;
    s.pendingGroup = undefined;
    return askRetest(step);
  }
  if (e.type === 'resyncSucceeded') {
    s.resyncedAt = step.at;
    s.alreadyInSync = e.alreadyInSync === true;
    if (s.pendingGroup !== undefined && s.user) {
      // The codes proved the requester holds the token: now the missing group may be added, before the re-test.
      step.emit({ type: 'addToGroup', userId: s.user.id, group: s.pendingGroup });
      return;
    }
    return askRetest(step);
  }
  if (e.reason === 'resync_limit') {
    s.resyncTries = Math.max(0, s.resyncTries - 1);
    return escalate(step, 'resync_limit', `platform user ${s.user?.userName ?? ''} already had ${policy.maxResyncsPerUserPerDay} successful resyncs today (policy maxResyncsPerUserPerDay); the codes were not sent`);
  }
  if (e.reason === 'token_locked') return escalate(step, 'token_locked', `the platform reported token ${token.serial} locked during the resync`);
  if (e.reason === 'fail_limit') return escalate(step, 'fail_limit', `token ${token.serial} at its fail limit: reset the fail counter (Tokens > ${token.serial} > Reset fail counter); the resync itself worked`);
  if (e.reason === 'lockout_risk') {
    s.resyncTries = Math.max(0, s.resyncTries - 1);
    return escalate(step, 'lockout_risk', `the user's recent failed logins are close to the platform's lock-out limit, so the bot did not send the codes (nothing was changed)`);
  }
  if (e.reason === 'outcome_unknown') {
    // Not the requester's fault, so no failed attempt; but the try counted toward the lock-out all the same.
    if (escalateIfNoTriesLeft(step)) return;
    step.go(token.mode === 'challenge' ? 'awaiting_response' : 'awaiting_codes', e.reason);
    step.ask(render(token.mode === 'challenge' ? 'response_problem_unclear' : 'codes_outcome_unknown', publicVars(s), policy, s.language));
    step.note(render('note_outcome_unknown', noteVars(s, policy, step.deadline()), policy));
    return;
  }
  // The worker could not read the codes back, so nothing reached the platform: that try does not count.
  if (e.reason === 'reply_unusable') s.resyncTries = Math.max(0, s.resyncTries - 1);
  else if (escalateIfNoTriesLeft(step)) return;
  failedAttempt(step, `the platform rejected the resync (${e.reason})`, () => {
    const challenge = token.mode === 'challenge';
    step.go(challenge ? 'awaiting_response' : 'awaiting_codes', e.reason);
    // "reply_unusable" means the worker could not read the codes back from the comment: the codes were never
    // tried, so telling the user they did not match would send them down the wrong path.
    const publicText: TemplateName =
      e.reason === 'reply_unusable'
        ? challenge
          ? 'response_problem_unclear'
          : 'codes_problem_unclear'
        : challenge
          ? 'response_rejected'
          : 'codes_rejected';
    step.ask(render(publicText, publicVars(s), policy, s.language));
    step.note(render('note_resync_rejected', { ...noteVars(s, policy, step.deadline()), reason: e.reason }, policy));
  });
}

/** The token works again (and the group is in place): ask the requester to log in and tell us. */
function askRetest(step: Step): void {
  const { s, policy } = step;
  const token = s.token;
  step.go('awaiting_retest', s.alreadyInSync ? `token ${token?.serial ?? ''} was in sync` : `token ${token?.serial ?? ''} resynced`);
  step.ask(render(s.alreadyInSync ? 'ask_retest_in_sync' : 'ask_retest', publicVars(s), policy, s.language));
  step.note(render(s.alreadyInSync ? 'note_in_sync' : 'note_resynced', noteVars(s, policy, step.deadline()), policy));
  startAuthWatch(step);
}

export function onAwaitingRetest(step: Step): void {
  if (onAuthWatch(step)) return;
  const { s, policy, event: e } = step;
  switch (e.type) {
    case 'commentAdded':
      if (e.authorRole === 'requester') retestReply(step, e);
      return;
    case 'reminderDue':
      s.reminders += 1;
      if (policy.checkAuthLogOnReminder && s.user && s.resyncedAt !== undefined) {
        // Many users just log in and never write back: look before nagging. The clock waits for the answer.
        step.clearTimer();
        step.emit({ type: 'checkAuthLog', userId: s.user.id, since: s.resyncedAt });
        return;
      }
      return remindRetest(step);
    case 'authObserved':
      step.consume();
      if (e.success) return resolve(step, { lastSuccessAt: e.lastSuccessAt });
      return remindRetest(step);
    case 'timeoutDue':
      return timeOut(step);
    default:
      return;
  }
}

function retestReply(step: Step, e: EventOf<'commentAdded'>): void {
  countReply(step);
  const watch = pauseAuthWatch(step);
  const parsed = parseReply(e.text ?? '', { kind: 'retest' });
  if (parsed.kind === 'retest') {
    if (parsed.outcome === 'works') return resolve(step, { confirmed: true });
    return escalate(step, 'retest_failed', 'the requester says the login still fails after the resync');
  }
  const problem = problemOf(parsed);
  failedAttempt(step, `re-test answer not understood (${problem})`, () => {
    askAgain(step, 'retest', problem, 'retest_unclear');
    resumeAuthWatch(step, watch);
  });
}

function remindRetest(step: Step): void {
  step.ask(render('reminder_retest', publicVars(step.s), step.policy, step.s.language));
  step.scheduleNext();
}
