import { formatUtc } from './format-time.js';
import type { PlatformUser, Requester, TokenInfo } from './model.js';
import type { Policy } from './policy.js';
import { NAME_MAX, greetingName, oneLine, quoted, withoutInvisibles } from './sanitize.js';
import type { ClosingOutcome, EscalationReason, StateName, WorkflowState } from './state.js';
import { NEXT_TEMPLATE, render, WHY_TEMPLATE, type TemplateName, type TemplateVars } from './templates.js';

/** States the bot passes through on its own, before it first asks anyone anything. */
const DISCOVERY: ReadonlySet<StateName> = new Set(['locating_user', 'checking_group', 'inspecting_tokens']);
/** From these states on, the user's group membership has been checked (and fixed if it was missing). */
const PAST_GROUP_CHECK: ReadonlySet<StateName> = new Set(['inspecting_tokens', 'awaiting_codes', 'awaiting_response', 'resyncing', 'awaiting_retest']);

/*
 * Every value from the ticket or the platform reaches a template through the functions below, on one line and
 * capped (see sanitize.ts): a note line the bot did not write cannot appear. The requester's words are also quoted,
 * so on its line a forged "identity verified" still reads as theirs. Platform fields (user and group names, token
 * type and serial) are one-lined and capped but not quoted: an administrator set them, and agents match them
 * against the console as written.
 */

/** Longest address, id, group name or token field shown. */
const FIELD_MAX = 120;
/** Longest "what the bot saw" of an escalation: room for the ten candidates a lookup returns at most. */
const DETAIL_MAX = 2000;
const HISTORY_NOTE_MAX = 300;

export function field(value: string | undefined): string | undefined {
  return value === undefined ? undefined : oneLine(value, FIELD_MAX);
}

export function describeUser(user: PlatformUser): string {
  const name = [user.firstName, user.lastName].map((n) => (n === undefined ? '' : oneLine(n, NAME_MAX))).filter(Boolean).join(' ');
  const details = [name, field(user.email)].filter(Boolean).join(', ');
  const userName = oneLine(user.userName, FIELD_MAX);
  return details ? `${userName} (${details})` : userName;
}

/** The requester as the ticket names them, quoted as one: name and address are both theirs to choose. */
export function describeRequester(requester: Requester): string {
  const name = requester.name === undefined ? '' : oneLine(requester.name, NAME_MAX);
  const email = field(requester.email);
  const mailbox = [name, email ? `<${email}>` : ''].filter(Boolean).join(' ');
  return mailbox ? quoted(mailbox, NAME_MAX + FIELD_MAX + 3) : `requester ${oneLine(requester.id, FIELD_MAX)}`;
}

export function describeToken(token: TokenInfo): string {
  return `${oneLine(token.type, FIELD_MAX)} ${oneLine(token.serial, FIELD_MAX)} (${token.state})`;
}

/** What the bot may call the end user in a public reply: the first word of their name, nothing cleverer. */
export function firstName(requester: Requester): string {
  return greetingName(requester.name);
}

/** Variables every public reply may use. */
export function publicVars(s: WorkflowState): TemplateVars {
  return {
    firstName: firstName(s.ticket.requester),
    tokenType: field(s.token?.type),
    codeLength: s.token?.codeLength,
    challenge: field(s.challenge),
  };
}

/** Variables every internal note may use. */
export function noteVars(s: WorkflowState, policy: Policy, deadline?: number): TemplateVars {
  return {
    ...publicVars(s),
    requester: describeRequester(s.ticket.requester),
    user: s.user ? describeUser(s.user) : undefined,
    matchedBy: s.matchedBy,
    serial: field(s.token?.serial),
    group: field(s.groupAdded),
    pendingGroup: field(s.pendingGroup),
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
  else if (s.pendingGroup !== undefined) lines.push(line('fact_group_pending'));
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
  // History notes name what the platform returned (user, groups, token), so each is kept to its line.
  return s.history.map((h) => `- ${formatUtc(h.at)} ${h.event}: ${h.from} → ${h.to}${h.note ? ` (${oneLine(h.note, HISTORY_NOTE_MAX)})` : ''}`).join('\n');
}

function resyncSteps(s: WorkflowState, policy: Policy): string {
  if (s.token?.mode === 'otp') return render('runbook_resync_otp', {}, policy);
  if (s.token?.mode === 'challenge') return render('runbook_resync_challenge', {}, policy);
  return render('runbook_resync_generic', {}, policy);
}

/**
 * The note that hands a ticket to a human: why the bot stopped, what it saw and did, and what to do now. `detail`
 * holds what the platform or an operator said (candidates, groups, a reason), so it is kept to one line; `next`
 * is several lines of runbook, so it only loses invisible and control characters.
 */
export function escalationNote(s: WorkflowState, from: StateName, policy: Policy, reason: EscalationReason, detail: string, next?: string): string {
  const seen = oneLine(detail, DETAIL_MAX);
  const vars = { ...noteVars(s, policy), reason, detail: seen, resyncSteps: resyncSteps(s, policy) };
  const note = render(
    'note_escalated',
    {
      reason,
      detail: seen,
      why: render(WHY_TEMPLATE[reason], vars, policy),
      facts: facts(s, from, policy, 'all'),
      history: historyLines(s),
      next: next ?? render(NEXT_TEMPLATE[reason], vars, policy),
    },
    policy,
  );
  return withoutInvisibles(note);
}

const UNFINISHED_TEMPLATES: Record<ClosingOutcome, { unfinished: TemplateName; next: TemplateName }> = {
  resolved: { unfinished: 'fact_unfinished_resolved', next: 'next_unfinished_resolved' },
  timed_out: { unfinished: 'fact_unfinished_timed_out', next: 'next_unfinished_timed_out' },
  escalated: { unfinished: 'fact_unfinished_escalated', next: 'next_unfinished_escalated' },
};

/**
 * The note that stands in for a closing update the ticket system did not take (update_failed): what the bot meant
 * to do, what the ticket system answered, what the bot did on the account, and what an agent does now. It holds all
 * an escalation note would, since on some systems nothing of the failed update reached the ticket.
 */
export function unfinishedNote(s: WorkflowState, policy: Policy): string {
  const failure = s.deskFailure;
  if (!failure) throw new Error(`no deskFailure in ${s.status}`);
  // the state before the closing outcome: its facts are the ones the closing note would have listed
  const from = s.history.findLast((h) => h.to === failure.outcome)?.from ?? s.status;
  const names = UNFINISHED_TEMPLATES[failure.outcome];
  const esc = failure.outcome === 'escalated' ? s.escalation : undefined;
  const detail = esc ? oneLine(esc.detail, DETAIL_MAX) : undefined;
  const vars = { ...noteVars(s, policy), resolvedTag: policy.resolvedTag, escalatedTag: policy.escalatedTag, detail, resyncSteps: resyncSteps(s, policy) };
  const note = render(
    'note_update_failed',
    {
      unfinished: render(names.unfinished, vars, policy),
      reason: oneLine(failure.reason, DETAIL_MAX),
      escalation: esc ? render('fact_unfinished_escalation', { why: render(WHY_TEMPLATE[esc.reason], vars, policy), escalationReason: esc.reason, detail }, policy) : undefined,
      facts: facts(s, from, policy, 'all'),
      history: historyLines(s),
      next: render(names.next, { ...vars, escalationNext: esc ? render(NEXT_TEMPLATE[esc.reason], vars, policy) : undefined }, policy),
    },
    policy,
  );
  return withoutInvisibles(note);
}
