import type { WorkflowState } from './state.js';
import { resolve } from './transition-outcomes.js';
import type { Step } from './transition-step.js';

/*
 * One message from the end user. After a resync the requester is asked to log in. On a platform whose
 * authentication log the bot can read (PlatformTraits.authLog) it does not wait for them to write "works": it looks
 * at the log every policy.authWatchEveryMs for the first policy.authWatchForMs after the resync, and a successful
 * login since the resync solves the ticket. Only what the platform reports since the resync counts (the adapters
 * leave out the bot's own logins, STA's RADIUS resync); a look that sees nothing, or fails, solves nothing. Once the
 * watch is over (its time is up, or the wait's first reminder comes first) the re-test waits as it always did, and
 * each reminder looks at the log once more (policy.checkAuthLogOnReminder).
 *
 * The watch is state only: each look is the wait's own timer (a reminder timer, with the id every timer gets), so a
 * timer or a result the state has moved past is stale like any other, and a reply meanwhile is acted on as always.
 */

type Watch = NonNullable<WorkflowState['authWatch']>;

/** The re-test wait begins (its reminder timer is set): with an auth log, its first timer is a look at the log instead. */
export function startAuthWatch(step: Step): void {
  const { s, policy } = step;
  s.authWatch = undefined;
  if (policy.authWatchForMs === 0 || s.platform?.authLog !== true || !s.user || s.resyncedAt === undefined) return;
  s.authWatch = { until: s.resyncedAt + policy.authWatchForMs };
  nextLook(step);
}

/** awaiting_retest while watching: a look's timer and its answer. True when the event was the watch's. */
export function onAuthWatch(step: Step): boolean {
  const { s, event: e } = step;
  if (!s.authWatch) return false;
  if (e.type === 'reminderDue') {
    look(step);
    return true;
  }
  if (e.type !== 'authObserved') return false;
  step.consume();
  if (e.success) {
    s.authWatch = undefined;
    resolve(step, { lastSuccessAt: e.lastSuccessAt });
  } else {
    nextLook(step);
  }
  return true;
}

/**
 * A look of the watch failed after its retries (the log could not be read): that is not a login seen, nor a reason to
 * hand the ticket to a person, so the watch goes on. True when the failure was the watch's.
 */
export function onAuthWatchFailed(step: Step): boolean {
  const { s, event: e } = step;
  if (!s.authWatch || s.status !== 'awaiting_retest' || e.type !== 'effectFailed' || e.effectType !== 'checkAuthLog') return false;
  step.consume();
  nextLook(step);
  return true;
}

/**
 * A requester's reply in awaiting_retest stops the watch: it decides the re-test itself. Only a reply that was not
 * understood leaves the wait going, and then `resumeAuthWatch` takes up what this returned.
 */
export function pauseAuthWatch(step: Step): Watch | undefined {
  const watch = step.s.authWatch;
  step.s.authWatch = undefined;
  return watch;
}

/** The wait goes on after a reply (its clock started over): so does the watch, while its time lasts. */
export function resumeAuthWatch(step: Step, watch: Watch | undefined): void {
  if (!watch || step.s.status !== 'awaiting_retest') return;
  step.s.authWatch = watch;
  nextLook(step);
}

function look(step: Step): void {
  const { s } = step;
  if (!s.user || s.resyncedAt === undefined) return endWatch(step);
  // No timer while the look is out: its answer sets the next one.
  step.clearTimer();
  step.emit({ type: 'checkAuthLog', userId: s.user.id, since: s.resyncedAt });
}

/** The next look, on the watch's beat counted from the resync (late answers do not drift it); or the end of the watch. */
function nextLook(step: Step): void {
  const { s, policy } = step;
  const watch = s.authWatch;
  const since = s.resyncedAt;
  if (!watch || since === undefined) return endWatch(step);
  const every = policy.authWatchEveryMs;
  const next = since + (Math.floor(Math.max(0, step.at - since) / every) + 1) * every;
  if (next <= watch.until && next < firstTimerAt(step)) return step.scheduleRetry(next);
  endWatch(step);
}

/** When the wait's own first timer falls: its first reminder, or its time-out when the policy sends none. */
function firstTimerAt(step: Step): number {
  const { s, policy } = step;
  const deadline = step.deadline();
  return s.reminders < policy.maxReminders ? Math.min((s.waitingSince ?? step.at) + policy.reminderAfterMs, deadline) : deadline;
}

/** The watch is over: the wait goes on with its reminders, the first one when it was due without the watch. */
function endWatch(step: Step): void {
  const { s, policy } = step;
  s.authWatch = undefined;
  if (s.reminders < policy.maxReminders) step.scheduleRetry(Math.max(step.at, firstTimerAt(step)));
  else step.scheduleNext();
}
