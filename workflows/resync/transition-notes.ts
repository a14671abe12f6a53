import { formatUtc } from './format-time.js';
import type { PlatformUser, Requester, TokenInfo } from './model.js';
import type { Policy } from './policy.js';
import type { EscalationReason, StateName, WorkflowState } from './state.js';
import { NEXT_TEMPLATE, render, WHY_TEMPLATE, type TemplateName, type TemplateVars } from './templates.js';

/** States the bot passes through on its own, before it first asks anyone anything. */
const DISCOVERY: ReadonlySet<StateName> = new Set(['locating_user', 'checking_group', 'inspecting_tokens']);
/** From these states on, the user's group membership has been checked (and fixed if it was missing). */
const PAST_GROUP_CHECK: ReadonlySet<StateName> = new Set(['inspecting_tokens', 'awaiting_codes', 'awaiting_response', 'resyncing', 'awaiting_retest']);

export function describeUser(user: PlatformUser): string {
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  const details = [name, user.email].filter(Boolean).join(', ');
  return details ? `${user.userName} (${details})` : user.userName;
}

export function describeRequester(requester: Requester): string {
  const parts = [requester.name, requester.email ? `<${requester.email}>` : undefined].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : `requester ${requester.id}`;
}

export function describeToken(token: TokenInfo): string {
  return `${token.type} ${token.serial} (${token.state})`;
}

/** What the bot may call the end user in a public reply: the first word of their name, nothing cleverer. */
export function firstName(requester: Requester): string {
  return requester.name?.trim().split(/\s+/)[0] || 'there';
}

/** Variables every public reply may use. */
export function publicVars(s: WorkflowState): TemplateVars {
  return {
    firstName: firstName(s.ticket.requester),
    tokenType: s.token?.type,
    codeLength: s.token?.codeLength,
    challenge: s.challenge,
  };
}

/** Variables every internal note may use. */
export function noteVars(s: WorkflowState, policy: Policy, deadline?: number): TemplateVars {
  return {
    ...publicVars(s),
    requester: describeRequester(s.ticket.requester),
    user: s.user ? describeUser(s.user) : undefined,
    matchedBy: s.matchedBy,
    serial: s.token?.serial,
    group: s.groupAdded,
    attempts: s.attempts,
    maxAttempts: policy.maxAttempts,
    resyncTries: s.resyncTries,
    resyncTriesPerTicket: s.platform?.resyncTriesPerTicket ?? 'no set limit',
    resyncedAt: s.resyncedAt === undefined ? undefined : formatUtc(s.resyncedAt),
    deadline: deadline === undefined ? undefined : formatUtc(deadline),
    onTimeout: policy.onTimeout,
    approveTag: policy.approveTag,
    rejectTag: policy.rejectTag,
    approveCommand: policy.approveCommand,
    rejectCommand: policy.rejectCommand,
  };
}

/**
 * What the bot learned and changed, one line each. `scope: 'new'` gives the facts of a discovery pass that
 * just ended (the first note after it), `'all'` everything, for an escalation.
 */
export function facts(s: WorkflowState, from: StateName, policy: Policy, scope: 'new' | 'all'): string {
  if (scope === 'new' && !DISCOVERY.has(from)) return '';
  const vars = noteVars(s, policy);
  const line = (name: TemplateName): string => render(name, vars, policy);
  const lines: string[] = [];
  if (s.user) lines.push(line('fact_user'));
  if (s.approval === 'approved') lines.push(line('fact_approved'));
  if (s.groupAdded !== undefined) lines.push(line('fact_group_added'));
  else if (PAST_GROUP_CHECK.has(from)) lines.push(line('fact_group_ok'));
  if (s.token) lines.push(line('fact_token'));
  if (scope === 'all') {
    if (s.challenge) lines.push(line('fact_challenge'));
    if (s.resyncedAt !== undefined) lines.push(line('fact_resynced'));
    if (s.attempts > 0) lines.push(line('fact_attempts'));
    if (lines.length === 0) lines.push(line('fact_none'));
  }
  return lines.join('\n');
}

export function historyLines(s: WorkflowState): string {
  return s.history.map((h) => `- ${formatUtc(h.at)} ${h.event}: ${h.from} → ${h.to}${h.note ? ` (${h.note})` : ''}`).join('\n');
}

function resyncSteps(s: WorkflowState, policy: Policy): string {
  if (s.token?.mode === 'otp') return render('runbook_resync_otp', {}, policy);
  if (s.token?.mode === 'challenge') return render('runbook_resync_challenge', {}, policy);
  return render('runbook_resync_generic', {}, policy);
}

/** The note that hands a ticket to a human: why the bot stopped, what it saw and did, and what to do now. */
export function escalationNote(s: WorkflowState, from: StateName, policy: Policy, reason: EscalationReason, detail: string, next?: string): string {
  const vars = { ...noteVars(s, policy), reason, detail, resyncSteps: resyncSteps(s, policy) };
  return render(
    'note_escalated',
    {
      reason,
      detail,
      why: render(WHY_TEMPLATE[reason], vars, policy),
      facts: facts(s, from, policy, 'all'),
      history: historyLines(s),
      next: next ?? render(NEXT_TEMPLATE[reason], vars, policy),
    },
    policy,
  );
}
