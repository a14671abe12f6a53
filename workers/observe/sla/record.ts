import { z } from 'zod';
import { CLOSING_OUTCOMES, EscalationReasonSchema, type Policy, UNFINISHED_STATES, type WorkflowState } from '../../../workflows/resync/index.js';

/**
 * Final outcome of one ticket round, as SLA reports count it. `unfinished`: the bot ended the round but the ticket
 * system did not take the update that records it (update_failed, stuck); a person finishes it, and the record is
 * replaced by the outcome they reach (handed_off, or escalated on an operator's command).
 */
export const SlaOutcomeSchema = z.enum(['resolved', 'escalated', 'handed_off', 'timed_out', 'unfinished']);
export type SlaOutcome = z.infer<typeof SlaOutcomeSchema>;
export const SLA_OUTCOMES = SlaOutcomeSchema.options;

/** Outcomes where the bot itself closed the ticket: the only ones whose resolution time it knows. */
export const BOT_CLOSED: ReadonlySet<SlaOutcome> = new Set(['resolved', 'timed_out']);

/**
 * One SLA record per ticket round that reached a terminal state. No email, no comment text. Read back from
 * Redis through this schema: the target and breach fields are absent from records saved before SLA targets
 * existed, and reports count those as "not measured".
 */
export const SlaRecordSchema = z.object({
  system: z.string(),
  ticketId: z.string(),
  round: z.number().int(),
  platform: z.string(),
  /** the tenant the ticket was routed to (TENANTS_FILE); none: the single-platform configuration */
  tenant: z.string().optional(),
  outcome: SlaOutcomeSchema,
  escalationReason: EscalationReasonSchema.optional(),
  createdAt: z.number().int(),
  closedAt: z.number().int(),
  firstReplyMs: z.number().int().optional(),
  waitingMs: z.number().int(),
  resolutionMs: z.number().int(),
  endUserRoundTrips: z.number().int(),
  /**
   * the requester's comments the workflow acted on in the round (the ticket that opened it not counted): 2 when they
   * sent the codes and then "works", 1 when the bot saw their login itself. Absent in records of older states.
   */
  requesterMessages: z.number().int().nonnegative().optional(),
  /** the policy's targets when the ticket ended */
  firstReplyTargetMs: z.number().int().optional(),
  resolutionTargetMs: z.number().int().optional(),
  /** the first public reply came after the target (or never came, and the ticket ended after it) */
  firstReplyBreached: z.boolean().optional(),
  /** the bot closed the ticket after the target; unset when a human finishes it (escalated, handed off) */
  resolutionBreached: z.boolean().optional(),
  /** `unfinished` only: the outcome whose update the ticket system did not take */
  intendedOutcome: z.enum(CLOSING_OUTCOMES).optional(),
  /** the workflow's updatedAt the record was made from: a save never replaces a record made from a later state */
  asOf: z.number().int().optional(),
});
export type SlaRecord = z.infer<typeof SlaRecordSchema>;

export type SlaTargets = Pick<Policy, 'firstReplyTargetMs' | 'resolutionTargetMs'>;

const UNFINISHED: ReadonlySet<string> = new Set(UNFINISHED_STATES);

/** The SLA record of a state, or undefined when the round is still running. Pure. */
export function slaRecordOf(state: WorkflowState, platform: string, targets: SlaTargets): SlaRecord | undefined {
  const outcome = SlaOutcomeSchema.safeParse(UNFINISHED.has(state.status) ? 'unfinished' : state.status);
  if (!outcome.success) return undefined;
  // an unfinished round counts from when the bot gave up on it, however often its simpler update is retried
  const closedAt = state.deskFailure?.at ?? state.sla.resolvedAt ?? state.updatedAt;
  const resolutionMs = Math.max(0, closedAt - state.createdAt);
  const rec: SlaRecord = {
    system: state.ticket.system,
    ticketId: state.ticket.id,
    round: state.round,
    platform,
    ...(state.tenant !== undefined ? { tenant: state.tenant } : {}),
    outcome: outcome.data,
    createdAt: state.createdAt,
    closedAt,
    waitingMs: state.sla.waitingMs,
    resolutionMs,
    endUserRoundTrips: state.sla.endUserRoundTrips,
    ...(state.sla.requesterMessages !== undefined ? { requesterMessages: state.sla.requesterMessages } : {}),
    firstReplyTargetMs: targets.firstReplyTargetMs,
    resolutionTargetMs: targets.resolutionTargetMs,
    firstReplyBreached: false,
    asOf: state.updatedAt,
  };
  if (state.sla.firstPublicReplyAt !== undefined) rec.firstReplyMs = Math.max(0, state.sla.firstPublicReplyAt - state.createdAt);
  rec.firstReplyBreached = (rec.firstReplyMs ?? resolutionMs) > targets.firstReplyTargetMs;
  if (BOT_CLOSED.has(outcome.data)) rec.resolutionBreached = resolutionMs > targets.resolutionTargetMs;
  if (outcome.data === 'escalated' && state.escalation) rec.escalationReason = state.escalation.reason;
  if (outcome.data === 'unfinished' && state.deskFailure) {
    rec.intendedOutcome = state.deskFailure.outcome;
    if (state.deskFailure.outcome === 'escalated' && state.escalation) rec.escalationReason = state.escalation.reason;
  }
  return rec;
}
