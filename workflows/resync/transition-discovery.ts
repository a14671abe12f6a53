import type { EventOf, WorkflowEvent } from './events.js';
import type { Policy } from './policy.js';
import { render } from './templates.js';
import { describeRequester, describeToken, describeUser, facts, noteVars, publicVars } from './transition-notes.js';
import { escalateIfGroupNotAutomated, escalateIfNoTriesLeft, escalateIfResyncNotAutomated } from './transition-capabilities.js';
import { escalate, handOff, inconsistent } from './transition-outcomes.js';
import type { Step } from './transition-step.js';

/** Looks the requester up; the first step of every round. */
export function beginRound(step: Step, why: string): void {
  step.go('locating_user', why);
  step.emit({ type: 'locateUser', requester: step.s.ticket.requester });
}

export function onLocatingUser(step: Step): void {
  const e = step.event;
  switch (e.type) {
    case 'userLocated':
      return userLocated(step, e);
    case 'userNotFound':
      step.consume();
      return escalate(step, 'user_not_found', e.tried.length > 0 ? `tried ${e.tried.join(', ')}; no match` : 'the requester has no email, external id or full name to look up');
    case 'usersAmbiguous':
      step.consume();
      return escalate(step, 'users_ambiguous', `candidates: ${e.candidates.map(describeUser).join('; ') || 'none listed'}`);
    default:
      return;
  }
}

function userLocated(step: Step, e: EventOf<'userLocated'>): void {
  const { s, policy } = step;
  step.consume();
  s.user = e.user;
  s.matchedBy = e.matchedBy;
  s.platform = e.platform;
  const requesterEmail = s.ticket.requester.email?.trim().toLowerCase();
  const ownsUser = e.matchedBy === 'userName' || (!!requesterEmail && e.user.email?.trim().toLowerCase() === requesterEmail);
  if (ownsUser) {
    step.go('checking_group', `found ${e.user.userName} by ${e.matchedBy}`);
    step.emit({ type: 'readGroups', userId: e.user.id });
    return;
  }
  const mismatch = `requester ${describeRequester(s.ticket.requester)} is not platform user ${describeUser(e.user)} (matched by ${e.matchedBy})`;
  if (policy.identityRule === 'strict') return escalate(step, 'identity_mismatch', mismatch);
  s.approval = 'pending';
  step.go('awaiting_approval', `found ${e.user.userName} by ${e.matchedBy}; not the requester`);
  step.note(render('note_approval_needed', noteVars(s, policy, step.deadline()), policy));
}

type Verdict = 'approve' | 'reject' | undefined;

/** Only an agent decides, by a private note command or a tag; the same words from anyone else count for nothing. */
function approvalVerdict(e: WorkflowEvent, policy: Policy): Verdict {
  if (e.type === 'commentAdded' && e.authorRole === 'agent' && !e.public) {
    const text = (e.text ?? '').trim().toLowerCase();
    // Reject is checked first: when in doubt the bot must not act on someone else's token.
    if (text.startsWith(policy.rejectCommand.toLowerCase())) return 'reject';
    if (text.startsWith(policy.approveCommand.toLowerCase())) return 'approve';
  }
  if (e.type === 'tagsChanged' && e.byRole === 'agent') {
    if (e.added.includes(policy.rejectTag)) return 'reject';
    if (e.added.includes(policy.approveTag)) return 'approve';
  }
  return undefined;
}

export function onAwaitingApproval(step: Step): void {
  const { s, policy, event: e } = step;
  if (e.type === 'reminderDue') {
    s.reminders += 1;
    step.note(render('note_approval_reminder', noteVars(s, policy, step.deadline()), policy));
    step.scheduleNext();
    return;
  }
  if (e.type === 'timeoutDue') {
    return escalate(step, 'identity_mismatch', `no agent approved or rejected acting for ${s.user ? describeUser(s.user) : 'the platform user'} on behalf of ${describeRequester(s.ticket.requester)}`);
  }
  const verdict = approvalVerdict(e, policy);
  if (verdict === 'reject') {
    s.approval = 'rejected';
    step.note(render('note_rejected', noteVars(s, policy), policy));
    return handOff(step, 'rejected by an agent');
  }
  if (verdict === 'approve') {
    if (!s.user) return inconsistent(step, 'platform user');
    s.approval = 'approved';
    step.go('checking_group', 'approved by an agent');
    step.emit({ type: 'readGroups', userId: s.user.id });
    step.note(render('note_approved', noteVars(s, policy), policy));
  }
}

export function onCheckingGroup(step: Step): void {
  const { s, policy, event: e } = step;
  if (e.type !== 'groupsRead' && e.type !== 'groupAdded') return;
  step.consume();
  if (!s.user) return inconsistent(step, 'platform user');
  if (e.type === 'groupAdded') {
    s.groupAdded = e.group;
    step.go('inspecting_tokens', `added to group ${e.group}`);
    step.emit({ type: 'readTokens', userId: s.user.id });
    return;
  }
  if (e.groups.length > 0) {
    step.go('inspecting_tokens', `groups: ${e.groups.join(', ')}`);
    step.emit({ type: 'readTokens', userId: s.user.id });
    return;
  }
  // The platform user's own address picks the group, never the requester's: a sender's address is theirs to choose.
  const domain = emailDomain(s.user.email);
  const group = mappedGroup(domain, policy);
  if (group === undefined) {
    return escalate(step, 'no_group_mapping', `the user has no group; no group is mapped for ${domain ? `the domain "${domain}"` : 'a platform user without email'} and there is no default group`);
  }
  if (escalateIfGroupNotAutomated(step, group)) return;
  if (s.approval === 'approved') {
    // An agent vouched for acting on this user: the membership may change before any code is checked.
    step.emit({ type: 'addToGroup', userId: s.user.id, group });
    return;
  }
  // Otherwise the group waits until the requester has proved possession of the token (a successful resync).
  s.pendingGroup = group;
  step.go('inspecting_tokens', `no group; ${group} is added once the codes prove the token`);
  step.emit({ type: 'readTokens', userId: s.user.id });
}

function emailDomain(email: string | undefined): string | undefined {
  const at = email?.lastIndexOf('@') ?? -1;
  return email && at >= 0 ? email.slice(at + 1).trim().toLowerCase() || undefined : undefined;
}

function mappedGroup(domain: string | undefined, policy: Policy): string | undefined {
  // Operators type domains as they like; the policy documents lower case, so compare in lower case.
  const mapped = domain === undefined ? undefined : Object.entries(policy.groupMapping.byDomain).find(([d]) => d.toLowerCase() === domain)?.[1];
  return mapped ?? policy.groupMapping.defaultGroup;
}

export function onInspectingTokens(step: Step): void {
  const { s, policy, event: e } = step;
  if (e.type === 'challengeIssued') {
    step.consume();
    s.challenge = e.challenge;
    step.go('awaiting_response', 'challenge issued');
    step.ask(render('ask_response', publicVars(s), policy, s.language));
    step.note(render('note_asked_response', { ...noteVars(s, policy, step.deadline()), facts: facts(s, step.from, policy, 'new') }, policy));
    return;
  }
  if (e.type !== 'tokensRead') return;
  step.consume();
  if (!s.user) return inconsistent(step, 'platform user');
  const active = e.tokens.filter((t) => t.state === 'active');
  const [token] = active;
  if (active.length > 1) return escalate(step, 'several_tokens', `active tokens: ${active.map(describeToken).join('; ')}`);
  if (!token) {
    const locked = e.tokens.find((t) => t.state === 'locked');
    if (locked) {
      s.token = locked;
      return escalate(step, 'token_locked', `token ${describeToken(locked)}`);
    }
    return escalate(step, 'no_token', e.tokens.length > 0 ? `no active token; tokens: ${e.tokens.map(describeToken).join('; ')}` : 'the user has no tokens');
  }
  s.token = token;
  if (token.mode === 'other') return escalate(step, 'token_unsupported', `token ${describeToken(token)} is neither MobilePASS-like nor challenge/response`);
  if (escalateIfResyncNotAutomated(step, token)) return;
  // A reopened ticket that already used every resync the platform's lock-out allows must not ask for codes again.
  if (escalateIfNoTriesLeft(step)) return;
  if (token.mode === 'challenge') {
    step.emit({ type: 'startChallenge', userId: s.user.id, serial: token.serial });
    return;
  }
  step.go('awaiting_codes', `${token.type} ${token.serial}`);
  step.ask(render('ask_codes', publicVars(s), policy, s.language));
  step.note(render('note_asked_codes', { ...noteVars(s, policy, step.deadline()), facts: facts(s, step.from, policy, 'new') }, policy));
}
