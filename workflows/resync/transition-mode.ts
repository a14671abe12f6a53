import type { WorkflowEvent } from './events.js';
import { MAX_PROPOSALS, type HeldAction, type Proposal, type ProposalOutcome, type ProposalStep } from './mode-proposal.js';
import type { Policy } from './policy.js';
import { MAX_DEFERRED, TERMINAL_STATES, type StateName, type WorkflowState } from './state.js';
import { render, type TemplateName, type TemplateVars } from './templates.js';
import { facts, field, noteVars, publicVars } from './transition-notes.js';
import { escalate, handOff } from './transition-outcomes.js';
import { isWaiting, type Action, type PublicPart, type Step } from './transition-step.js';
import { formatUtc } from './format-time.js';
import { oneLine, withoutInvisibles } from './sanitize.js';

/*
 * Shadow and approve-changes modes (docs/modes.md). The workflow runs as in live mode; after each step this gate
 * looks at what the step asks for and holds back what the mode does not let the bot do alone:
 *
 *   shadow           every platform write (group add, challenge start, resync, held codes) and everything the
 *                    requester would see (public reply, status, escalation group); only internal notes and tags go out
 *   approve-changes  the account changes (group add, resync); the requester is told a colleague confirms the change
 *
 * What is held back becomes the ticket's `proposal`: the state moves on as if the step were done, but the proposal
 * waits for an agent's one action (shadow: applyTag / applyCommand; approve-changes: approveChangeTag /
 * approveChangeCommand; an internal note's first word, or a tag an agent added). Then the bot carries it out as
 * proposed, with the effect ids of the step that applies it (the executor lets only those write), and goes on to the
 * next step, which it proposes again. While a proposal waits:
 * - the requester's comments are held back (state.held) and acted on once it is applied, as in live mode a reply
 *   written while the bot resyncs waits for the wait it answers; a comment cannot apply anything;
 * - an agent's public reply, the hand-off tag, solving the ticket, a reject (rejectTag / rejectCommand) or an
 *   operator's command end the bot's round as they always do, and the proposal's outcome records which;
 * - shadow: the proposal expires after timeoutAfterMs and the bot stops (the agents are working the ticket);
 *   approve-changes: agents are reminded (reminderAfterMs, maxReminders) and the ticket is escalated at the time-out,
 *   and the SLA guard escalates as always.
 * In shadow mode the end of a round (solve, close as no response, escalate) is not proposed: the bot notes what it
 * would have done and leaves the ticket to the agent (handed_off), and the SLA guard is off (the agents own the
 * ticket's SLA). The outcome of every proposal stays in state.proposals, which the mode audit reads.
 */

type Mode = Proposal['mode'];

const TERMINAL: ReadonlySet<StateName> = new Set(TERMINAL_STATES);
const PLATFORM_WRITES: ReadonlySet<Action['type']> = new Set(['addToGroup', 'startChallenge', 'resyncOtp', 'resyncChallenge', 'holdCodes']);
const ACCOUNT_CHANGES: ReadonlySet<Action['type']> = new Set(['addToGroup', 'resyncOtp', 'resyncChallenge']);
/** a quoted line of the proposed reply: long enough for any template line, short enough to keep a note readable */
const QUOTE_LINE_MAX = 500;

const STEP_OF: Record<HeldAction['type'], ProposalStep> = {
  addToGroup: 'group',
  startChallenge: 'challenge',
  resyncOtp: 'resync',
  resyncChallenge: 'resync',
  holdCodes: 'resync',
};

/** At a workflow's start the policy's mode becomes the ticket's, for its whole life. Live leaves no trace. */
export function startMode(step: Step): void {
  if (step.policy.mode !== 'live') step.s.mode = step.policy.mode;
}

function modeOf(s: WorkflowState): Mode | undefined {
  return s.mode === 'shadow' || s.mode === 'approve-changes' ? s.mode : undefined;
}

/** Shadow mode leaves the ticket's SLA to the agents working it: the bot never escalates on an SLA risk. */
export function ignoresSlaRisk(s: WorkflowState): boolean {
  return s.mode === 'shadow';
}

/** The prefix of the effect ids the step being built will have (Step.finish numbers them so). */
function nextPrefix(s: WorkflowState): string {
  return `${s.round}.${s.seq + 1}`;
}

/**
 * Before the event is applied: a requester's comment while a proposal waits is held back (true: taken). Past
 * MAX_DEFERRED the ticket goes to a person, as in live mode.
 */
export function holdForProposal(step: Step, before: WorkflowState): boolean {
  const { s, event: e } = step;
  if (!s.proposal || e.type !== 'commentAdded' || e.authorRole !== 'requester') return false;
  const held = s.held ?? [];
  if (held.length >= MAX_DEFERRED) {
    escalate(step, 'effect_failed', `${MAX_DEFERRED + 1} replies came while a step of the bot waited for an agent`);
    gateMode(step, before);
    return true;
  }
  const { text: _text, ...stored } = e;
  s.held = [...held, stored];
  return true;
}

type Verdict = 'apply' | 'reject' | undefined;

/** The first word of an agent's internal note, in lower case. */
function command(e: WorkflowEvent): string | undefined {
  if (e.type !== 'commentAdded' || e.authorRole !== 'agent' || e.public) return undefined;
  return (e.text ?? '').trim().split(/\s+/)[0]?.toLowerCase();
}

/**
 * Only an agent decides: an internal note whose first word is the command, or a tag an agent added. The same word
 * or tag from the requester (or anyone else the ticket system does not vouch for as an agent) counts for nothing.
 * A reject wins over an apply in the same event: when in doubt the bot does nothing.
 */
function verdictOf(e: WorkflowEvent, policy: Policy, mode: Mode): Verdict {
  const [tag, cmd] = mode === 'shadow' ? [policy.applyTag, policy.applyCommand] : [policy.approveChangeTag, policy.approveChangeCommand];
  const word = command(e);
  if (word !== undefined) {
    if (word === policy.rejectCommand.toLowerCase()) return 'reject';
    if (word === cmd.toLowerCase()) return 'apply';
  }
  if (e.type === 'tagsChanged' && e.byRole === 'agent') {
    if (e.added.includes(policy.rejectTag)) return 'reject';
    if (e.added.includes(tag)) return 'apply';
  }
  return undefined;
}

/** A proposal waits: an agent's apply or reject, and its own timer. Everything else waits with it. */
export function onProposal(step: Step): void {
  const { s, event: e, policy } = step;
  const p = s.proposal;
  if (!p) return;
  if (e.type === 'reminderDue') return remindAgents(step, p);
  if (e.type === 'timeoutDue') return expire(step, p);
  const verdict = verdictOf(e, policy, p.mode);
  // The apply tag from anyone else counts for nothing, and comes off again: while it stays on the ticket, an agent's
  // adding it would change nothing there (and send no event).
  const tag = p.mode === 'shadow' ? policy.applyTag : policy.approveChangeTag;
  if (e.type === 'tagsChanged' && e.byRole !== 'agent' && e.byRole !== 'bot' && e.added.includes(tag)) step.removeTag(tag);
  if (verdict === 'reject') {
    settle(s, 'rejected', step.at);
    step.note(render('note_proposal_rejected', noteVars(s, policy), policy));
    return handOff(step, 'an agent rejected the proposal');
  }
  if (verdict === 'apply') return carryOut(step, p, e.type === 'tagsChanged');
}

/** An agent applied (or approved) the proposal: the bot does exactly what it proposed, and goes on. */
function carryOut(step: Step, p: Proposal, byTag: boolean): void {
  const { s, policy } = step;
  settle(s, 'applied', step.at, nextPrefix(s));
  for (const action of p.actions) step.emit(action);
  if (p.publicReply !== undefined) step.tell(p.publicReply);
  if (p.status !== undefined) step.setTicketStatus(p.status);
  if (isWaiting(s.status)) {
    // A wait that began with the proposal starts now, when the requester is asked; one it continues goes on.
    if (s.waitingSince === p.at) step.restartWaiting();
    else step.scheduleNext();
  } else {
    step.clearTimer();
  }
  // The bot takes the tag off, so the same one-click tag applies the next step.
  if (byTag) step.removeTag(p.mode === 'shadow' ? policy.applyTag : policy.approveChangeTag);
  step.note(render(p.mode === 'shadow' ? 'note_shadow_applied' : 'note_change_approved', { ...noteVars(s, policy), proposalId: p.id }, policy));
}

function remindAgents(step: Step, p: Proposal): void {
  const { s, policy } = step;
  const reminders = p.reminders + 1;
  s.proposal = { ...p, reminders };
  const deadline = p.at + policy.timeoutAfterMs;
  step.note(render('note_change_reminder', { ...noteVars(s, policy, deadline), ...commandVars(policy) }, policy));
  scheduleProposalTimer(step, p.mode, reminders, p.at);
}

function expire(step: Step, p: Proposal): void {
  const { s, policy } = step;
  const deadline = formatUtc(p.at + policy.timeoutAfterMs);
  settle(s, 'expired', step.at);
  if (p.mode === 'approve-changes') {
    return escalate(step, 'change_not_approved', `the bot asked at ${formatUtc(p.at)} for approval of: ${p.actions.map(describeActionShort).join('; ')}; no agent approved by ${deadline}`);
  }
  step.note(render('note_shadow_expired', { ...noteVars(s, policy), proposalId: p.id, deadline }, policy));
  handOff(step, 'shadow mode: no agent applied the proposal');
}

/** Shadow: one time-out (agents are on the ticket); approve-changes: the waiting states' reminders, then the time-out. */
function scheduleProposalTimer(step: Step, mode: Mode, reminders: number, since: number): void {
  const { policy } = step;
  const deadline = since + policy.timeoutAfterMs;
  if (mode === 'approve-changes' && reminders < policy.maxReminders) step.scheduleTimer('reminder', Math.min(step.at + policy.reminderAfterMs, deadline));
  else step.scheduleTimer('timeout', deadline);
}

/** Records what became of the waiting proposal and lets it go. */
function settle(s: WorkflowState, outcome: ProposalOutcome, at: number, appliedAs?: string): void {
  const p = s.proposal;
  s.proposal = undefined;
  if (!p) return;
  s.proposals = (s.proposals ?? []).map((r) => (r.id === p.id && r.outcome === undefined ? { ...r, outcome, decidedAt: at, ...(appliedAs !== undefined ? { appliedAs } : {}) } : r));
}

/** What an event that ended the round while a proposal waited says the agent did instead. */
function outcomeOf(e: WorkflowEvent, s: WorkflowState): ProposalOutcome {
  switch (e.type) {
    case 'commentAdded':
      return e.authorRole === 'agent' && e.public ? 'agent_replied' : s.status === 'escalated' ? 'escalated' : 'taken_over';
    case 'statusChanged':
      return 'agent_closed';
    case 'timeoutDue':
      return 'expired';
    case 'operatorCommand':
      return e.action === 'escalate' ? 'escalated' : 'taken_over';
    case 'tagsChanged':
      return 'taken_over';
    default:
      return s.status === 'escalated' ? 'escalated' : 'taken_over';
  }
}

/**
 * After the step: in shadow and approve-changes modes, holds back what the mode does not let the bot do alone and
 * turns it into a proposal (see the comment at the top). `before`: the state the step began from.
 */
export function gateMode(step: Step, before: WorkflowState | undefined): void {
  const { s } = step;
  const mode = modeOf(s);
  if (!mode) return;
  if (before?.proposal && s.proposal && TERMINAL.has(s.status)) settle(s, outcomeOf(step.event, s), step.at);
  if (s.proposal) return;
  // The step carries out what an agent just applied: its writes are the proposal's.
  const last = s.proposals?.at(-1);
  if (last?.outcome === 'applied' && last.decidedAt === step.at && last.appliedAs === nextPrefix(s)) return;
  if (mode === 'shadow' && TERMINAL.has(s.status)) return endInShadow(step);
  const gated = mode === 'shadow' ? PLATFORM_WRITES : ACCOUNT_CHANGES;
  const actions = step.takeActions((a) => gated.has(a.type)) as HeldAction[];
  const shown: PublicPart = mode === 'shadow' ? step.takePublic() : { addTags: [], escalate: false };
  for (const tag of shown.addTags) step.addTag(tag);
  const speaks = shown.publicReply !== undefined || shown.status !== undefined || shown.escalate;
  if (actions.length === 0 && !speaks) return;
  propose(step, mode, actions, shown);
}

function propose(step: Step, mode: Mode, actions: HeldAction[], shown: PublicPart): void {
  const { s, policy } = step;
  const id = nextPrefix(s);
  const steps = [...new Set<ProposalStep>([...(shown.publicReply !== undefined ? ['reply' as const] : []), ...actions.map((a) => STEP_OF[a.type])])];
  if (steps.length === 0) steps.push('reply');
  const p: Proposal = {
    id,
    mode,
    steps,
    at: step.at,
    actions,
    ...(shown.publicReply !== undefined ? { publicReply: shown.publicReply } : {}),
    ...(shown.status !== undefined ? { status: shown.status } : {}),
    reminders: 0,
  };
  s.proposal = p;
  s.proposals = [...(s.proposals ?? []), { id, mode, steps, at: step.at }].slice(-MAX_PROPOSALS);
  step.clearTimer();
  scheduleProposalTimer(step, mode, 0, step.at);
  // No result is awaited while the proposal waits: one that comes (a stray, a duplicate) is stale.
  s.awaiting = undefined;
  // The step's own note (what it saw, what it would ask) is kept, under a line that says it is not done yet; it lists
  // the facts itself, so they are listed apart only without it.
  const own = step.takeNote();
  const vars: TemplateVars = {
    ...noteVars(s, policy, step.at + policy.timeoutAfterMs),
    ...commandVars(policy),
    proposalId: id,
    proposed: describeProposal(p, s, policy),
    facts: own === undefined ? facts(s, step.from, policy, 'all') : undefined,
    stepNote: own === undefined ? undefined : `${render('fact_step_note', {}, policy)}\n${own}`,
  };
  if (mode === 'shadow') {
    step.note(render('note_shadow_proposal', vars, policy));
    return;
  }
  step.tell(render('change_confirming', publicVars(s), policy, s.language));
  step.note(render('note_change_approval', vars, policy));
}

const ENDING: Partial<Record<StateName, TemplateName>> = { resolved: 'fact_shadow_would_solve', timed_out: 'fact_shadow_would_close', escalated: 'fact_shadow_would_escalate' };

/** Shadow: the bot reached the end of the round. It changes nothing and tells the requester nothing: the agent decides. */
function endInShadow(step: Step): void {
  const { s, policy } = step;
  const ending = ENDING[s.status];
  if (!ending) return;
  const shown = step.takePublic();
  const own = step.takeNote();
  const stepNote = own === undefined ? undefined : `${render('fact_step_note', {}, policy)}\n${own}`;
  s.sla.resolvedAt = undefined;
  const vars = { ...noteVars(s, policy), reason: s.escalation?.reason };
  const proposed = describeProposal({ actions: [], ...(shown.publicReply !== undefined ? { publicReply: shown.publicReply } : {}), ...(shown.status !== undefined ? { status: shown.status } : {}) }, s, policy);
  step.go('handed_off', `shadow mode: the bot would have ended the round (${s.status})`);
  step.note(render('note_shadow_ended', { ...vars, ending: render(ending, vars, policy), proposed, stepNote }, policy));
}

function commandVars(policy: Policy): TemplateVars {
  return {
    applyTag: policy.applyTag,
    applyCommand: policy.applyCommand,
    approveChangeTag: policy.approveChangeTag,
    approveChangeCommand: policy.approveChangeCommand,
    handoffTag: policy.handoffTag,
  };
}

/**
 * The proposal as note lines: each held action on a line of its own, and the public reply quoted line by line behind
 * a gutter, so that no line of it can pass for a line of the note (its values come from the ticket and the platform).
 */
function describeProposal(p: Pick<Proposal, 'actions' | 'publicReply' | 'status'>, s: WorkflowState, policy: Policy): string {
  const lines: string[] = [];
  for (const action of p.actions) lines.push(render(ACTION_TEMPLATE[action.type], actionVars(action, s, policy), policy));
  if (p.publicReply !== undefined) {
    lines.push(render('fact_would_reply', {}, policy));
    lines.push(...quoteLines(p.publicReply));
  }
  if (p.status !== undefined) lines.push(render('fact_would_set_status', { status: p.status }, policy));
  return lines.join('\n');
}

const ACTION_TEMPLATE: Record<HeldAction['type'], TemplateName> = {
  addToGroup: 'fact_would_add_group',
  startChallenge: 'fact_would_start_challenge',
  resyncOtp: 'fact_would_resync',
  resyncChallenge: 'fact_would_resync_challenge',
  holdCodes: 'fact_would_hold_codes',
};

function actionVars(action: HeldAction, s: WorkflowState, policy: Policy): TemplateVars {
  return {
    ...noteVars(s, policy),
    serial: field(action.type === 'addToGroup' ? s.token?.serial : action.serial),
    group: action.type === 'addToGroup' ? field(action.group) : undefined,
    commentId: 'commentId' in action ? field(action.commentId) : undefined,
    challenge: action.type === 'resyncChallenge' ? field(action.challenge) : field(s.challenge),
  };
}

function describeActionShort(action: HeldAction): string {
  return action.type === 'addToGroup' ? `add the group ${oneLine(action.group, 120)}` : `${action.type} of token ${oneLine(action.serial, 120)}`;
}

export function quoteLines(text: string): string[] {
  return withoutInvisibles(text)
    .split('\n')
    .map((line) => `    │ ${oneLine(line, QUOTE_LINE_MAX)}`.trimEnd());
}
