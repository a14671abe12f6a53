import { z } from 'zod';
import { AddToGroupSchema, HoldCodesSchema, ResyncChallengeSchema, ResyncOtpSchema, StartChallengeSchema } from './effects.js';
import { TicketStatusSchema } from './model.js';

/*
 * Shadow and approve-changes modes (docs/modes.md): what a step the bot holds back for an agent looks like in the
 * workflow state. Kept apart from state.ts so that the state's schema only names it.
 */

export const ModeSchema = z.enum(['live', 'shadow', 'approve-changes']);
export type Mode = z.infer<typeof ModeSchema>;

/** The steps a proposal may hold, as the mode audit counts them (reply, group add, resync, challenge start). */
export const ProposalStepSchema = z.enum(['reply', 'group', 'resync', 'challenge']);
export type ProposalStep = z.infer<typeof ProposalStepSchema>;
export const PROPOSAL_STEPS = ProposalStepSchema.options;

/**
 * What became of a proposal. applied: an agent applied it (tag or note command); agent_replied: an agent answered the
 * requester publicly instead; taken_over: an agent (or an operator) took the ticket over (hand-off tag, watch tag
 * removed, `ticket handoff`); agent_closed: an agent solved or closed the ticket; rejected: an agent rejected it
 * (rejectTag / rejectCommand); escalated: the ticket went to the escalation group (an operator, the SLA guard, an
 * effect that failed); expired: no agent acted before the time-out.
 */
export const ProposalOutcomeSchema = z.enum(['applied', 'agent_replied', 'taken_over', 'agent_closed', 'rejected', 'escalated', 'expired']);
export type ProposalOutcome = z.infer<typeof ProposalOutcomeSchema>;
export const PROPOSAL_OUTCOMES = ProposalOutcomeSchema.options;

const held = { id: true, tenant: true } as const;
/** A platform write held back until an agent applies or approves it; it gets its effect id when it is carried out. */
export const HeldActionSchema = z.discriminatedUnion('type', [
  AddToGroupSchema.omit(held),
  StartChallengeSchema.omit(held),
  ResyncOtpSchema.omit(held),
  ResyncChallengeSchema.omit(held),
  HoldCodesSchema.omit(held),
]);
export type HeldAction = z.infer<typeof HeldActionSchema>;

/**
 * The step the bot proposes and waits on. `id`: the prefix (`<round>.<seq>`) of the effects of the step that made
 * it, so it is deterministic and names the note that shows it. The public reply is the bot's own text, rendered
 * when proposed (it holds no code: effects and templates never do).
 */
export const ProposalSchema = z.object({
  id: z.string().min(1),
  mode: z.enum(['shadow', 'approve-changes']),
  steps: z.array(ProposalStepSchema).min(1),
  at: z.number().int(),
  actions: z.array(HeldActionSchema).max(4).default([]),
  publicReply: z.string().max(20_000).optional(),
  status: TicketStatusSchema.optional(),
  /** agent reminders sent while it waits (approve-changes) */
  reminders: z.number().int().nonnegative().default(0),
});
export type Proposal = z.infer<typeof ProposalSchema>;

/** proposals the state remembers per ticket (all rounds), oldest dropped first: what the mode audit reads */
export const MAX_PROPOSALS = 30;

/** One proposal as the mode audit reads it: what the bot proposed, what the agent did, and when. */
export const ProposalRecordSchema = z.object({
  id: z.string().min(1),
  mode: z.enum(['shadow', 'approve-changes']),
  steps: z.array(ProposalStepSchema).min(1),
  at: z.number().int(),
  outcome: ProposalOutcomeSchema.optional(),
  decidedAt: z.number().int().optional(),
  /** applied: the prefix of the effects that carried it out (the executor lets exactly those write) */
  appliedAs: z.string().optional(),
});
export type ProposalRecord = z.infer<typeof ProposalRecordSchema>;
