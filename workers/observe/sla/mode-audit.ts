import Table from 'cli-table3';
import { z } from 'zod';
import { MAX_PROPOSALS, PROPOSAL_OUTCOMES, PROPOSAL_STEPS, type ProposalOutcome, ProposalOutcomeSchema, type ProposalStep, ProposalStepSchema, StateNameSchema, TERMINAL_STATES, type WorkflowState } from '../../../workflows/resync/index.js';

/*
 * `twofa-desk report --mode-audit`: over the tickets the bot ran in shadow (or approve-changes) mode, what it proposed
 * and what the agent then did, per step. The workflow keeps each proposal and its outcome in its state
 * (state.proposals); when a round ends, that round's proposals become one record (ModeAuditStore). Pure.
 */

/** One ticket round's proposals and what became of them. No text, no address, no code: ids, steps, outcomes, times. */
export const ModeAuditRecordSchema = z.object({
  system: z.string(),
  ticketId: z.string(),
  round: z.number().int(),
  tenant: z.string().optional(),
  mode: z.enum(['shadow', 'approve-changes']),
  /** how the round ended (the workflow's terminal state) */
  ended: StateNameSchema,
  closedAt: z.number().int(),
  proposals: z
    .array(
      z.object({
        id: z.string(),
        steps: z.array(ProposalStepSchema).min(1),
        /** `open`: none decided before the round ended (an older state) */
        outcome: z.union([ProposalOutcomeSchema, z.literal('open')]),
        proposedAt: z.number().int(),
        decidedAt: z.number().int().optional(),
      }),
    )
    .max(MAX_PROPOSALS),
});
export type ModeAuditRecord = z.infer<typeof ModeAuditRecordSchema>;

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATES);

/** The audit record of a state whose round just ended, or undefined: a live ticket, a round still running, no proposal. */
export function modeAuditRecordOf(state: WorkflowState): ModeAuditRecord | undefined {
  const mode = state.mode;
  if ((mode !== 'shadow' && mode !== 'approve-changes') || !TERMINAL.has(state.status)) return undefined;
  const mine = (state.proposals ?? []).filter((p) => p.id.startsWith(`${state.round}.`));
  if (mine.length === 0) return undefined;
  return {
    system: state.ticket.system,
    ticketId: state.ticket.id,
    round: state.round,
    ...(state.tenant !== undefined ? { tenant: state.tenant } : {}),
    mode,
    ended: state.status,
    closedAt: state.updatedAt,
    proposals: mine.map((p) => ({ id: p.id, steps: p.steps, outcome: p.outcome ?? 'open', proposedAt: p.at, ...(p.decidedAt !== undefined ? { decidedAt: p.decidedAt } : {}) })),
  };
}

export type OutcomeCounts = Record<ProposalOutcome | 'open', number>;

/**
 * What the agent did with a proposed step, as far as the bot can see it from the events it gets anyway. applied:
 * through the apply action; by_hand: the same step themselves (a public reply where the bot proposed a reply);
 * differently: something else (a reject, an escalation; where a reply was proposed, a close or a take-over);
 * not_done: nobody acted before the time-out; unseen: an agent replied, closed or took the ticket over while an
 * account change (resync, group, challenge) waited: whether they made it in the console would take another read of the
 * platform, and the bot reads nothing of a ticket once its round ended.
 */
export const AGENT_ACTIONS = ['applied', 'by_hand', 'differently', 'not_done', 'unseen'] as const;
export type AgentAction = (typeof AGENT_ACTIONS)[number];
export type ActionCounts = Record<AgentAction, number>;

/** Which AGENT_ACTIONS bucket a decided proposal's step falls in (undefined: still open). */
export function agentAction(step: ProposalStep, outcome: ProposalOutcome | 'open'): AgentAction | undefined {
  switch (outcome) {
    case 'open':
      return undefined;
    case 'applied':
      return 'applied';
    case 'expired':
      return 'not_done';
    case 'rejected':
    case 'escalated':
      return 'differently';
    case 'agent_replied':
      return step === 'reply' ? 'by_hand' : 'unseen';
    case 'taken_over':
    case 'agent_closed':
      return step === 'reply' ? 'differently' : 'unseen';
  }
}

export interface StepAgreement {
  mode: ModeAuditRecord['mode'];
  /** reply, group, resync, challenge; `all` sums a mode's steps */
  step: ProposalStep | 'all';
  proposed: number;
  outcomes: OutcomeCounts;
  /** applied / decided (every outcome but open): the share of the bot's proposals an agent carried out as proposed */
  agreement: number | null;
  /** the decided proposals by what the agent did (AGENT_ACTIONS) */
  actions: ActionCounts;
  /**
   * (applied + by_hand) / the decided proposals whose fate the bot saw (all but unseen): the share where the agent
   * did what the bot proposed, through the bot or by hand
   */
  followed: number | null;
  /** median ms from the proposal to the agent's apply */
  applyP50Ms: number | null;
}

export interface ModeAudit {
  from: number;
  to: number;
  tickets: number;
  rows: StepAgreement[];
}

function emptyCounts(): OutcomeCounts {
  return Object.fromEntries([...PROPOSAL_OUTCOMES, 'open'].map((o) => [o, 0])) as OutcomeCounts;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

/**
 * Agreement per mode and step. A proposal holding several steps (a reply with a status change is one step; a group
 * add is never folded with a reply) counts once for each. Modes with no record are left out.
 */
export function summarizeModeAudit(records: ModeAuditRecord[], range: { from: number; to: number }): ModeAudit {
  const rows: StepAgreement[] = [];
  for (const mode of ['shadow', 'approve-changes'] as const) {
    const ofMode = records.filter((r) => r.mode === mode);
    if (ofMode.length === 0) continue;
    const proposals = ofMode.flatMap((r) => r.proposals);
    for (const step of [...PROPOSAL_STEPS, 'all'] as const) {
      const mine = step === 'all' ? proposals : proposals.filter((p) => p.steps.includes(step));
      if (mine.length === 0 && step !== 'all') continue;
      const outcomes = emptyCounts();
      const actions = Object.fromEntries(AGENT_ACTIONS.map((a) => [a, 0])) as ActionCounts;
      for (const p of mine) {
        outcomes[p.outcome] += 1;
        // a proposal of several steps counts in `all` by the step that weighs most: an account change's fate over its reply's
        const counted = step === 'all' ? (p.steps.find((x) => x !== 'reply') ?? 'reply') : step;
        const action = agentAction(counted, p.outcome);
        if (action) actions[action] += 1;
      }
      const decided = mine.length - outcomes.open;
      const seen = decided - actions.unseen;
      const waits = mine.filter((p) => p.outcome === 'applied' && p.decidedAt !== undefined).map((p) => (p.decidedAt as number) - p.proposedAt);
      rows.push({
        mode,
        step,
        proposed: mine.length,
        outcomes,
        agreement: decided === 0 ? null : outcomes.applied / decided,
        actions,
        followed: seen === 0 ? null : (actions.applied + actions.by_hand) / seen,
        applyP50Ms: median(waits),
      });
    }
  }
  return { from: range.from, to: range.to, tickets: records.length, rows };
}

export const MODE_AUDIT_FORMATS = ['table', 'csv', 'json'] as const;
export type ModeAuditFormat = (typeof MODE_AUDIT_FORMATS)[number];

const OTHER: readonly ProposalOutcome[] = PROPOSAL_OUTCOMES.filter((o) => o !== 'applied');
/** `applied` is already a column (the outcome) */
const ACTION_COLUMNS: readonly AgentAction[] = AGENT_ACTIONS.filter((a) => a !== 'applied');

function rate(r: number | null): string {
  return r === null ? '-' : `${(r * 100).toFixed(1)}%`;
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : `${Math.round(ms / 1000)}s`;
}

export function formatModeAudit(audit: ModeAudit, format: ModeAuditFormat): string {
  if (format === 'json') return JSON.stringify(audit, null, 2);
  const head = ['mode', 'step', 'proposed', 'applied', ...OTHER, 'open', 'agreement', 'apply p50', ...ACTION_COLUMNS, 'followed'];
  const rows = audit.rows.map((r) => [
    r.mode,
    r.step,
    r.proposed,
    r.outcomes.applied,
    ...OTHER.map((o) => r.outcomes[o]),
    r.outcomes.open,
    rate(r.agreement),
    seconds(r.applyP50Ms),
    ...ACTION_COLUMNS.map((a) => r.actions[a]),
    rate(r.followed),
  ]);
  if (format === 'csv') return [head, ...rows].map((row) => row.join(',')).join('\n');
  const title = `Mode audit ${new Date(audit.from).toISOString()} – ${new Date(audit.to).toISOString()}: ${audit.tickets} ticket rounds`;
  if (rows.length === 0) return `${title}\nno shadow or approve-changes ticket ended in this range`;
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows.map((row) => row.map(String)));
  return `${title}\n${t.toString()}\nagreement: proposals an agent applied as proposed, of those decided (every outcome but open)\nfollowed: applied or done by hand the same way, of those decided whose fate the bot saw (all but unseen)`;
}
