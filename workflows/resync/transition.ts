import type { EventOf, WorkflowEvent } from './events.js';
import type { TicketSnapshot } from './model.js';
import type { Policy } from './policy.js';
import { parseReply } from './reply-parser.js';
import { render } from './templates.js';
import { maskCodes, NAME_MAX, oneLine } from './sanitize.js';
import type { WorkflowState } from './state.js';
import { beginRound, onAwaitingApproval, onCheckingGroup, onInspectingTokens, onLocatingUser } from './transition-discovery.js';
import { onAwaitingRetest, onAwaitingSecret, onResyncing } from './transition-exchange.js';
import { onAuthWatchFailed } from './transition-auth-watch.js';
import { escalate, handOff } from './transition-outcomes.js';
import { onSlaRiskDue, startSlaTimers } from './transition-sla.js';
import { isAwaited, Step, type TransitionResult } from './transition-step.js';
import { closingUpdateFailed, onClosingUpdateFailed, onUnfinished } from './transition-unfinished.js';
import { holdBack, lostMidRound, noticeRewind, releaseHeldBack, startRebuild } from './transition-rebuild.js';
import { languageAtStart, noticeLanguage } from './language-choice.js';
import { gateMode, holdForProposal, ignoresSlaRisk, onProposal, startMode } from './transition-mode.js';

export type { TransitionResult } from './transition-step.js';

/*
 * Decisions beyond the lead's spec:
 * - A requester reply that restarts a waiting state also adds the time waited so far to sla.waitingMs, and
 *   drops an auth-log check still in flight (its result would otherwise send a reminder right after the reply).
 * - Unusable replies and rejected resyncs write a short internal note (the workflow doc: every step leaves a
 *   note); reminders to the end user do not (the public reminder is on the ticket already).
 * - Reopening a resolved or timed-out ticket writes nothing on the ticket: the new round's first note comes
 *   when it next asks someone something, as for the first round. A reopen counts as an end-user round trip.
 * - seq is not reset by a new round: effect and timer ids stay unique either way, and this is simpler.
 * - state.token is stored for exactly one active token, or for the locked one when no token is active (so the
 *   escalation note names it); several active tokens store none.
 * - resyncRejected 'reply_unusable' (the worker could not read the codes back) asks again with the "could not
 *   read your reply" text rather than "the codes did not match".
 * - Approval: a reject command or tag wins over an approve in the same event. Group mapping domains are
 *   compared in lower case.
 * - Resyncs sent to the platform (resyncTries) count per ticket, across rounds: a platform's lock-out counts
 *   failures per user, and a reopen does not reset it.
 * - A state that lacks what its status needs (no user in checking_group, say) escalates as effect_failed rather
 *   than stalling silently.
 */

/**
 * The state keeps the ticket's subject and requester for weeks, so codes typed into the subject or the name are
 * masked here. The name is also put on one line and capped: it reaches notes and lookups as the integration writes
 * them, and a last-name match never counts as owning the account. The address and the external id are kept as
 * given: the lookup and the ownership check compare them exactly, and a changed address could match someone else's.
 */
export function initialState(ticket: TicketSnapshot, at: number): WorkflowState {
  const { requester } = ticket;
  return {
    ticket: {
      system: ticket.system,
      id: ticket.id,
      subject: maskCodes(ticket.subject),
      requester: requester.name === undefined ? requester : { ...requester, name: oneLine(maskCodes(requester.name), NAME_MAX) },
    },
    ...languageAtStart(ticket),
    status: 'received',
    round: 1,
    seq: 0,
    resyncTries: 0,
    attempts: 0,
    reminders: 0,
    appliedEventIds: [],
    history: [],
    createdAt: at,
    updatedAt: at,
    sla: { endUserRoundTrips: 0, waitingMs: 0, requesterMessages: 0 },
  };
}

/**
 * Which customer's tenant a new ticket belongs to (TENANTS_FILE), as the worker found it from what the ticket system
 * vouches for: a tenant id, or why none could be chosen. None at all: the single-platform configuration.
 */
export type TenantRoute = { tenant: string } | { refused: string };

/**
 * The whole workflow: pure, so the same state and event always give the same result. `route` is read only when the
 * event starts a workflow; the tenant it names is then the ticket's for good (the worker passes that tenant's policy).
 */
export function transition(state: WorkflowState | undefined, event: WorkflowEvent, policy: Policy, route?: TenantRoute): TransitionResult {
  if (!state) {
    const none: TransitionResult = { state: undefined, effects: [], changed: false };
    if (event.type !== 'ticketTagged' || !event.ticket.tags.includes(policy.watchTag)) return none;
    // No workflow may only mean Redis forgot it (retention): a ticket that shows the bot was there (one of its end
    // tags, or a comment of its own) starts again only when someone adds the watch tag anew, a deliberate re-open.
    // A timed-out ticket has no tag of its own: the comments the bot wrote before it timed out mark it.
    const endTags = [policy.resolvedTag, policy.escalatedTag, policy.handoffTag];
    const botWasHere = event.past?.botCommented === true || event.ticket.tags.some((t) => endTags.includes(t));
    const rebuilding = botWasHere && lostMidRound(event, policy);
    if (botWasHere && event.past?.watchTagAdded !== true && !rebuilding) return none;
    const step = new Step(initialState(event.ticket, event.at), event, policy);
    startMode(step);
    if (route && 'refused' in route) {
      // Before a word to the requester or a call to any platform: whose platform it is cannot be guessed.
      if (botWasHere) step.s.seq = event.at;
      escalate(step, 'tenant_unknown', route.refused);
      gateMode(step, undefined);
      return step.finish();
    }
    if (route) step.s.tenant = route.tenant;
    if (rebuilding) {
      startRebuild(step, event);
      beginRound(step, 'rebuilt from the ticket');
      startSlaTimers(step);
      return step.finish();
    }
    // The ticket system remembers the idempotency keys of the earlier workflow's updates, and these are made of the
    // effect ids: a re-open numbers its steps from its own time on, or its first messages would pass for repeats.
    if (botWasHere) step.s.seq = event.at;
    beginRound(step, `tagged ${policy.watchTag}`);
    startSlaTimers(step);
    return step.finish();
  }
  if (state.appliedEventIds.includes(event.id)) return { state, effects: [], changed: false };
  const step = new Step(state, event, policy);
  noticeRewind(step, state);
  noticeLanguage(step.s, event);
  if (holdForProposal(step, state) || holdBack(step)) return step.finish();
  apply(step);
  // shadow and approve-changes modes hold back what the step writes until an agent applies or approves it
  gateMode(step, state);
  if (!step.s.proposal) releaseHeldBack(step);
  return step.finish();
}

function apply(step: Step): void {
  const { s, event: e, policy } = step;
  switch (s.status) {
    case 'handed_off':
      return;
    case 'escalated':
    case 'resolved':
    case 'timed_out':
      if (closingUpdateFailed(s, e)) return onClosingUpdateFailed(step, e);
      if (s.status === 'escalated') return;
      return afterTheEnd(step);
    case 'update_failed':
    case 'stuck':
      return onUnfinished(step, handoffReason(e, policy));
    default:
      break;
  }
  // SLA timers live beside the waiting state's timer: they are not stale when the state moves on.
  if (e.type === 'slaRiskDue') return ignoresSlaRisk(s) ? undefined : onSlaRiskDue(step);
  if (e.type === 'operatorCommand') {
    if (e.action === 'handoff') return handOff(step, `an operator handed it off${e.reason ? `: ${e.reason}` : ''}`);
    return escalate(step, 'operator_request', e.reason || 'no reason given');
  }
  if (isStale(s, e)) return;
  const handoff = handoffReason(e, policy);
  if (handoff) return handOff(step, handoff);
  if (e.type === 'effectFailed') {
    if (onAuthWatchFailed(step)) return;
    if (isAwaited(e.effectType) || e.effectType === 'updateTicket' || e.effectType === 'setTimer') {
      escalate(step, 'effect_failed', `${e.effectType} failed: ${e.reason}`);
    }
    return;
  }
  if (s.proposal) return onProposal(step);
  switch (s.status) {
    case 'locating_user':
      return onLocatingUser(step);
    case 'awaiting_approval':
      return onAwaitingApproval(step);
    case 'checking_group':
      return onCheckingGroup(step);
    case 'inspecting_tokens':
      return onInspectingTokens(step);
    case 'awaiting_codes':
    case 'awaiting_response':
      return onAwaitingSecret(step);
    case 'resyncing':
      return onResyncing(step);
    case 'awaiting_retest':
      return onAwaitingRetest(step);
    case 'received':
      return;
  }
}

/** A result for an effect the state no longer waits for, or a timer the state has replaced, does nothing. */
function isStale(s: WorkflowState, e: WorkflowEvent): boolean {
  switch (e.type) {
    case 'reminderDue':
    case 'timeoutDue':
      return e.timerId !== s.timer?.id;
    case 'effectFailed':
      return isAwaited(e.effectType) && e.effectId !== s.awaiting;
    default:
      return 'effectId' in e && e.effectId !== s.awaiting;
  }
}

/** Why an agent (or the help desk itself) took the ticket over, if this event says so. */
function handoffReason(e: WorkflowEvent, policy: Policy): string | undefined {
  if (e.type === 'commentAdded' && e.authorRole === 'agent' && e.public) return 'an agent replied publicly';
  if (e.type === 'tagsChanged' && (e.byRole === 'agent' || e.byRole === 'system')) {
    if (e.added.includes(policy.handoffTag)) return `tag ${policy.handoffTag} added`;
    if (e.removed.includes(policy.watchTag)) return `tag ${policy.watchTag} removed`;
  }
  if (e.type === 'statusChanged' && agentClosed(e)) return `an agent set the ticket ${e.status}`;
  return undefined;
}

function agentClosed(e: EventOf<'statusChanged'>): boolean {
  return e.byRole === 'agent' && (e.status === 'solved' || e.status === 'closed');
}

/**
 * Events no state acts on, whatever the state: a status change by anyone but an agent solving or closing the ticket
 * (the requester's reply reopening it, the bot's own pending). The intake does not store them: each would cost a
 * drain and a commit that change nothing but the list of applied ids.
 */
export function isInert(e: WorkflowEvent): boolean {
  return e.type === 'statusChanged' && !agentClosed(e);
}

/** resolved and timed_out: the requester writing again (other than to say thanks, it works) starts over. */
function afterTheEnd(step: Step): void {
  const { s, event: e } = step;
  if (e.type !== 'commentAdded' || e.authorRole !== 'requester') return;
  const parsed = parseReply(e.text ?? '', { kind: 'retest' });
  if (parsed.kind === 'retest' && parsed.outcome === 'works') {
    // A late "works" or "thanks": nothing to do, but the reply may have reopened the ticket (Zendesk reopens a solved
    // ticket its requester writes on), and an open ticket nobody works on would wait for no one.
    if (s.status === 'resolved') {
      step.note(render('note_solved_again', {}, step.policy));
      step.setTicketStatus('solved');
    }
    return;
  }
  s.round += 1;
  s.attempts = 0;
  s.reminders = 0;
  s.user = undefined;
  s.matchedBy = undefined;
  s.approval = undefined;
  s.token = undefined;
  s.challenge = undefined;
  s.resyncedAt = undefined;
  s.groupAdded = undefined;
  s.pendingGroup = undefined;
  s.alreadyInSync = undefined;
  s.escalation = undefined;
  s.sla.endUserRoundTrips += 1;
  // The message that reopens the round is its ticket, as the first round's description was: not counted.
  s.sla.requesterMessages = 0;
  beginRound(step, `reopened by the requester: round ${s.round}`);
}
