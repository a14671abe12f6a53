import type { EventOf, WorkflowEvent } from './events.js';
import type { Policy } from './policy.js';
import { MAX_DEFERRED, TERMINAL_STATES, UNFINISHED_STATES, type StateName } from './state.js';
import { render } from './templates.js';
import { escalate } from './transition-outcomes.js';
import { isWaiting, type Step } from './transition-step.js';

/**
 * A workflow lost with Redis's last writes (an asynchronous replica promoted after the master died) is rebuilt from
 * the ticket, the source of truth. The bot's comments carry markers that say whether the comment ended a round; a
 * ticket whose last bot comment did not, written less than a waiting state's time-out ago, without an end tag and not
 * solved, is one the bot was still working on. The rebuilt workflow starts the round again: it reads the user, their
 * groups and tokens again (reads change nothing), holds the requester's comments back while it is busy, then acts on
 * them in order, one wait at a time. The ticket already shows the bot's answers to what came before: while an event it acts on
 * was answered on the ticket (`quiet`), its steps write nothing but the note that says so: the ticket shows their
 * comments, status and tags already (and writing the status again could undo a later one the lost workflow set); a step
 * that ends the round sends its end again, with its note but not its public word. A resync it sends is marked `rebuilt`, so codes the lost workflow already used count as its own.
 */


const ENDED: ReadonlySet<StateName> = new Set([...TERMINAL_STATES, ...UNFINISHED_STATES]);

function isTerminal(status: StateName): boolean {
  return ENDED.has(status);
}

/**
 * States in which a rebuilt workflow is busy (reading the user, resyncing): the requester's comments wait until it
 * waits for them, as each came after the bot's answer to the one before.
 */
function isBusy(status: StateName): boolean {
  return !isWaiting(status) && !isTerminal(status);
}

/** Whether a tagged ticket without workflow is one whose workflow was lost in the middle of a round. */
export function lostMidRound(event: EventOf<'ticketTagged'>, policy: Policy): boolean {
  const { past, ticket } = event;
  if (past?.botMidRound !== true || past.botLastAt === undefined || past.watchTagAdded === true) return false;
  if (ticket.status === 'solved' || ticket.status === 'closed') return false;
  if ([policy.resolvedTag, policy.escalatedTag, policy.handoffTag].some((t) => ticket.tags.includes(t))) return false;
  // Older than a waiting state's time-out: the round would have timed out by now, so the bot is taken to have left.
  return event.at - past.botLastAt <= policy.timeoutAfterMs;
}

/** Marks a new workflow as rebuilt: fresh effect ids (the lost one's keys are on the ticket), quiet until told otherwise. */
export function startRebuild(step: Step, event: EventOf<'ticketTagged'>): void {
  const { s, policy } = step;
  s.seq = event.at;
  s.rebuiltAt = event.at;
  s.rebuild = { quiet: true };
  // The bot's first public word went out before the state was lost: the SLA's first reply is not waited for again.
  if (event.past?.botLastAt !== undefined) s.sla.firstPublicReplyAt = Math.min(event.past.botLastAt, event.at);
  step.noteAlways(render('note_rebuilt', {}, policy));
}

/**
 * A workflow that went back to an older version (its last writes lost with a Redis failover, not the whole of it):
 * the requester's comment comes again from the ticket, which shows a comment of the bot's after it, and it was
 * written after anything this version of the workflow applied. The workflow then catches up the way a rebuilt one
 * does (quiet while the ticket shows its answers, resyncs marked). A comment the poller finds late (its webhook
 * lost) that a later reminder followed is older than the reminder's step, so it is not taken for this.
 */
export function noticeRewind(step: Step, before: { updatedAt: number }): void {
  const { s, event: e, policy } = step;
  if (s.rebuild || e.type !== 'commentAdded' || e.authorRole !== 'requester') return;
  if (e.answered !== true || e.writtenAt === undefined || e.writtenAt <= before.updatedAt) return;
  s.rebuild = { quiet: true };
  s.rebuiltAt ??= e.at;
  step.noteAlways(render('note_rewound', {}, policy));
}

/**
 * Before the event is applied: holds a requester's comment back while the workflow is busy (true: the event is taken
 * and nothing else happens) — a rebuilt workflow while it reads the user again or resyncs, any workflow while it
 * resyncs (a second reply written meanwhile, or one that came in the same batch as the codes, waits for the wait it
 * answers instead of being dropped), and any workflow while comments it handed back to the inbox have not all come
 * back (one that comes live meanwhile was written after them) — and, for a rebuilt workflow, sets `quiet` from the event.
 */
export function holdBack(step: Step): boolean {
  const { s, event: e } = step;
  const requester = e.type === 'commentAdded' && e.authorRole === 'requester';
  const handedBack = requester && s.replaying?.includes(e.id) === true;
  if (handedBack) {
    const left = (s.replaying ?? []).filter((id) => id !== e.id);
    s.replaying = left.length > 0 ? left : undefined;
  }
  const behindHandBack = requester && !handedBack && s.replaying !== undefined;
  if (e.type === 'commentAdded' && requester && (behindHandBack || (s.rebuild ? isBusy(s.status) : s.status === 'resyncing'))) {
    const held = s.held ?? [];
    if (held.length >= MAX_DEFERRED) {
      escalate(step, 'effect_failed', `${MAX_DEFERRED + 1} replies came while the bot was busy with the ticket (rebuilding it or resyncing)`);
      return true;
    }
    const { text: _text, ...stored } = e;
    s.held = [...held, stored];
    return true;
  }
  if (!s.rebuild) return false;
  if (e.type === 'commentAdded' && e.authorRole === 'requester') {
    const prior = e.answered === true || (e.writtenAt !== undefined && s.rebuiltAt !== undefined && e.writtenAt <= s.rebuiltAt);
    s.rebuild = { ...s.rebuild, quiet: e.answered === true, byAnswer: e.answered === true, priorReply: prior };
  } else if (speaksAnew(e)) {
    s.rebuild = { ...s.rebuild, quiet: false, byAnswer: false, priorReply: false };
  }
  return false;
}

/** Events that never were on the ticket before the state was lost: what the bot says to them is new. */
function speaksAnew(e: WorkflowEvent): boolean {
  return e.type === 'reminderDue' || e.type === 'timeoutDue' || e.type === 'slaRiskDue' || e.type === 'operatorCommand';
}

/** The id a held comment comes back under (the worker appends it so): its first id was taken when it was held. */
export function replayedId(commentEventId: string): string {
  return `${commentEventId}:rebuilt`;
}

/**
 * After the event: once the workflow waits for the requester, the comments held back go to the inbox again. Until
 * they are all back, a comment that comes live is held behind them (holdBack): the hand-back is an effect, and a
 * webhook can come first.
 */
export function releaseHeldBack(step: Step): void {
  const { s } = step;
  if (isBusy(s.status)) return;
  if (isWaiting(s.status)) {
    // One hand-back at a time: the inbox keeps them in order, two effects might not.
    if (s.replaying !== undefined || !s.held || s.held.length === 0) return;
    step.emit({ type: 'replayComments', comments: s.held });
    s.replaying = s.held.map((c) => replayedId(c.id));
    s.held = undefined;
  } else if (isTerminal(s.status)) {
    // The round ended (an agent took over, or it was escalated): what was held back is on the ticket for them.
    s.held = undefined;
    s.replaying = undefined;
    if (!s.rebuild) return;
    // An end reached on a reply the ticket shows answered is on the ticket already; one reached otherwise (the user
    // no longer found, say) is news, and written.
    step.quietThisStep(s.rebuild.quiet && s.rebuild.byAnswer === true);
    s.rebuild = undefined;
  }
}
