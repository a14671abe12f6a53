import type { EscalationReason, WorkflowState } from '../../workflows/resync/state.js';

/** Final outcome of one ticket round, as SLA reports count it. */
export type SlaOutcome = 'resolved' | 'escalated' | 'handed_off' | 'timed_out';

/** One SLA record per ticket round that reached a terminal state. No email, no comment text. */
export interface SlaRecord {
  system: string;
  ticketId: string;
  round: number;
  platform: string;
  outcome: SlaOutcome;
  escalationReason?: EscalationReason;
  createdAt: number;
  closedAt: number;
  firstReplyMs?: number;
  waitingMs: number;
  resolutionMs: number;
  endUserRoundTrips: number;
}

/** The SLA record of a state, or undefined when the state is not terminal. Pure. */
export function slaRecordOf(state: WorkflowState, platform: string): SlaRecord | undefined {
  const s = state.status;
  if (s !== 'resolved' && s !== 'escalated' && s !== 'handed_off' && s !== 'timed_out') return undefined;
  const closedAt = state.sla.resolvedAt ?? state.updatedAt;
  const rec: SlaRecord = {
    system: state.ticket.system,
    ticketId: state.ticket.id,
    round: state.round,
    platform,
    outcome: s,
    createdAt: state.createdAt,
    closedAt,
    waitingMs: state.sla.waitingMs,
    resolutionMs: Math.max(0, closedAt - state.createdAt),
    endUserRoundTrips: state.sla.endUserRoundTrips,
  };
  if (state.sla.firstPublicReplyAt !== undefined) rec.firstReplyMs = Math.max(0, state.sla.firstPublicReplyAt - state.createdAt);
  if (s === 'escalated' && state.escalation) rec.escalationReason = state.escalation.reason;
  return rec;
}
